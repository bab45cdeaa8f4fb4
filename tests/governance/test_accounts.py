"""Password discipline, idle sessions and the audit of account changes (issue 15, item 6)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.policy import LAST_SEEN
from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from tests.factories import UserFactory, department

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "a-quite-different-secret-42"


def create_through_admin(client, operator, username="newofficer"):
    client.force_login(operator)
    response = client.post(
        "/admin/users/new/",
        {
            "username": username,
            "email": f"{username}@example.gov.cn",
            "first_name": "李",
            "last_name": "四",
            "password1": "Operator-chosen-pass-1",
            "password2": "Operator-chosen-pass-1",
            "is_active": "on",
            "groups": [Group.objects.get(name=roles.OPERATORS).pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return User.objects.get(username=username)


def test_a_password_an_operator_set_must_be_replaced_at_first_login(client, settings):
    settings.PORTAL_REQUIRE_OWN_PASSWORD = True
    operator = UserFactory(role=roles.OPERATORS, is_superuser=True)
    user = create_through_admin(client, operator)
    assert user.must_change_password

    assert client.login(username="newofficer", password="Operator-chosen-pass-1")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/?next=%2Fadmin%2F")
    page = client.get(response["Location"])
    assert "您的密码由他人设置" in page.content.decode()

    same = client.post(
        "/accounts/password/",
        {
            "old_password": "Operator-chosen-pass-1",
            "new_password1": "Operator-chosen-pass-1",
            "new_password2": "Operator-chosen-pass-1",
            "next": "/admin/",
        },
    )
    assert same.status_code == 200 and "新密码不能与原密码相同" in same.content.decode()

    done = client.post(
        "/accounts/password/",
        {
            "old_password": "Operator-chosen-pass-1",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "next": "/admin/",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/admin/"
    user.refresh_from_db()
    assert not user.must_change_password
    # The session survives the change and staff pages open.
    assert client.get("/admin/").status_code == 200
    changes = AuditEvent.objects.filter(action="accounts.password_set", target_id=str(user.pk))
    assert [e.data["by_holder"] for e in changes] == [True]


def test_the_first_use_rule_is_off_unless_configured(client, settings):
    settings.PORTAL_REQUIRE_OWN_PASSWORD = False
    operator = UserFactory(role=roles.OPERATORS, is_superuser=True)
    create_through_admin(client, operator)
    assert client.login(username="newofficer", password="Operator-chosen-pass-1")
    assert client.get("/admin/").status_code == 200


def test_demo_accounts_are_exempt(settings):
    from django.core.management import call_command

    settings.PORTAL_REQUIRE_OWN_PASSWORD = True
    call_command("create_demo_accounts", stdout=__import__("io").StringIO())
    assert not User.objects.filter(must_change_password=True).exists()


def test_an_old_password_must_be_changed(client, settings):
    settings.PORTAL_PASSWORD_MAX_AGE_DAYS = 90
    user = UserFactory(role=roles.REVIEWERS)
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/review/")
    assert response["Location"].startswith("/accounts/password/")
    assert "reason=expired" in response["Location"]
    client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert client.get("/review/").status_code == 200
    # Public pages are never held up.
    settings.PORTAL_PASSWORD_MAX_AGE_DAYS = 1
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(2))
    assert client.get("/robots.txt").status_code == 200


def test_an_idle_staff_session_is_logged_out(client, settings):
    settings.PORTAL_STAFF_IDLE_MINUTES = 30
    user = UserFactory(role=roles.REVIEWERS)
    client.force_login(user)
    assert client.get("/review/").status_code == 200
    session = client.session
    session[LAST_SEEN] = (timezone.now() - dt.timedelta(minutes=31)).timestamp()
    session.save()
    response = client.get("/review/")
    assert response.status_code == 302 and response["Location"] == "/review/"
    # Logged out: the page now asks for a login.
    assert client.get("/review/")["Location"].startswith("/admin/login/")
    assert AuditEvent.objects.filter(action="auth.session_timeout", actor=user).exists()


def test_an_active_session_stays(client, settings):
    settings.PORTAL_STAFF_IDLE_MINUTES = 30
    user = UserFactory(role=roles.REVIEWERS)
    client.force_login(user)
    session = client.session
    session[LAST_SEEN] = (timezone.now() - dt.timedelta(minutes=29)).timestamp()
    session.save()
    assert client.get("/review/").status_code == 200


def test_role_and_department_changes_are_audited_with_the_operator(client):
    operator = UserFactory(role=roles.OPERATORS, is_superuser=True)
    user = UserFactory(username="officer-x")
    client.force_login(operator)
    response = client.post(
        f"/admin/users/edit/{user.pk}/",
        {
            "username": "officer-x",
            "email": "x@example.gov.cn",
            "first_name": "王",
            "last_name": "五",
            "is_active": "on",
            "groups": [Group.objects.get(name=roles.REVIEWERS).pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    roles_changed = AuditEvent.objects.get(action="accounts.roles_changed", target_id=str(user.pk))
    assert roles_changed.actor == operator
    assert roles_changed.data == {"added": [roles.REVIEWERS]}

    # Outside a request (a command), the change is still on the trail, without an actor.
    user.department = department("TAX")
    user.save()
    changed = AuditEvent.objects.filter(action="accounts.user_changed", target_id=str(user.pk))
    assert changed.last().data["department_id"] == [None, department("TAX").pk]
    user.groups.clear()
    assert AuditEvent.objects.filter(
        action="accounts.roles_changed", target_id=str(user.pk), data__removed=[roles.REVIEWERS]
    ).exists()
    assert verify_chain().ok
