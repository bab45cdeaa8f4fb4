import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import roles
from portal.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def current_code(device) -> str:
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"
    )


def test_staff_with_an_authenticator_must_enter_its_code(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no back-off after the deliberate wrong code
    user = UserFactory(role=roles.OPERATORS, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert client.login(username=user.username, password=PASSWORD)

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/second-factor/?next=")

    wrong = client.post("/accounts/second-factor/", {"token": "000000", "next": "/admin/"})
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302

    right = client.post(
        "/accounts/second-factor/", {"token": current_code(device), "next": "/admin/"}
    )
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor", actor=user).exists()


def test_enrolment_is_required_where_configured(client, settings):
    settings.PORTAL_REQUIRE_SECOND_FACTOR = True
    user = UserFactory(role=roles.OPERATORS, is_superuser=True)
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/admin/")
    assert response["Location"].startswith("/accounts/second-factor/enrol/")

    page = client.get(response["Location"])
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post(
        "/accounts/second-factor/enrol/", {"token": current_code(device), "next": "/admin/"}
    )
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200


def test_next_cannot_send_the_user_off_site(client):
    user = UserFactory(role=roles.OPERATORS, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.login(username=user.username, password=PASSWORD)
    response = client.post(
        "/accounts/second-factor/", {"token": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"


def test_public_pages_do_not_vary_on_the_session_cookie(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
