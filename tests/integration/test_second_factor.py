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


def test_a_password_alone_cannot_enrol_a_new_authenticator(client, settings):
    """The bypass: password login, then enrol a fresh device beside the real one."""
    settings.PORTAL_REQUIRE_SECOND_FACTOR = True
    user = UserFactory(role=roles.OPERATORS, is_superuser=True)
    real = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert client.login(username=user.username, password=PASSWORD)

    page = client.get("/accounts/second-factor/enrol/?next=/admin/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/second-factor/?next=")
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()

    # Even with a device planted by other means, posting its code gets nowhere.
    planted = TOTPDevice.objects.create(user=user, name="attacker", confirmed=False)
    posted = client.post(
        "/accounts/second-factor/enrol/", {"token": current_code(planted), "next": "/admin/"}
    )
    assert posted.status_code == 302
    assert posted["Location"].startswith("/accounts/second-factor/?next=")
    planted.refresh_from_db()
    assert not planted.confirmed
    assert client.get("/admin/").status_code == 302
    assert client.get("/staff/cases/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.second_factor_enrol_refused").exists()

    # After proving the real device, the holder may add another one.
    client.post("/accounts/second-factor/", {"token": current_code(real), "next": "/admin/"})
    assert client.get("/accounts/second-factor/enrol/").status_code == 200


def test_an_operator_resets_a_lost_authenticator_with_an_audited_command(client, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.PORTAL_REQUIRE_SECOND_FACTOR = True
    operator = UserFactory(role=roles.OPERATORS, is_superuser=True)
    officer = UserFactory(role=roles.OPERATORS, is_superuser=False)
    TOTPDevice.objects.create(user=officer, name="lost phone", confirmed=True)
    with pytest.raises(CommandError):
        call_command("reset_second_factor", officer.username, operator="nobody", reason="x")
    with pytest.raises(CommandError):
        call_command(
            "reset_second_factor", operator.username, operator=operator.username, reason="x"
        )

    call_command(
        "reset_second_factor", officer.username, operator=operator.username, reason="phone lost"
    )
    assert not TOTPDevice.objects.filter(user=officer).exists()
    event = AuditEvent.objects.get(action="auth.second_factor_reset")
    assert event.actor == operator and event.data["reason"] == "phone lost"

    # The holder now enrols afresh at the next login.
    client.login(username=officer.username, password=PASSWORD)
    response = client.get("/admin/")
    assert response["Location"].startswith("/accounts/second-factor/enrol/")
