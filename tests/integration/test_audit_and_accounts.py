import pytest
from django.db import connection

from portal.accounts import roles
from portal.audit.models import AuditEvent
from portal.audit.services import record_event, verify_chain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_trail_verifies_and_detects_tampering():
    for n in range(5):
        record_event("test.event", target=f"thing:{n}", data={"n": n})
    assert verify_chain().ok
    third = AuditEvent.objects.order_by("id")[2]
    # Tamper behind the model's back, as someone with database access might.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET data = %s WHERE id = %s",  # noqa: S608
            ['{"n": 99}', third.pk],
        )
    verdict = verify_chain()
    assert not verdict.ok
    assert verdict.broken_at == third.pk


def test_trail_refuses_edits_through_the_orm():
    event = record_event("test.event")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="x")


def test_repeated_failed_logins_lock_the_account(client, settings):
    settings.PORTAL_LOGIN_MAX_FAILURES = 3
    user = UserFactory(role=roles.OPERATORS)
    for _ in range(3):
        assert not client.login(username=user.username, password="wrong")
    # The right password no longer works while locked.
    assert not client.login(username=user.username, password="correct-horse-battery-staple")
    user.refresh_from_db()
    assert user.is_locked()
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 4


def test_successful_login_is_audited_and_resets_failures(client):
    user = UserFactory(role=roles.REVIEWERS)
    client.login(username=user.username, password="wrong")
    assert client.login(username=user.username, password="correct-horse-battery-staple")
    user.refresh_from_db()
    assert user.failed_login_count == 0
    assert AuditEvent.objects.filter(action="auth.login", actor=user).exists()


def test_operators_without_superuser_rights_administer_the_catalog(client):
    operator = UserFactory(role=roles.OPERATORS)
    assert not operator.is_superuser
    client.force_login(operator)
    assert client.get("/admin/").status_code == 200
    listing = client.get("/admin/snippets/catalog/catalogitem/")
    assert listing.status_code == 200 and "ADM_PENALTY" in listing.content.decode()
    from portal.catalog.models import CatalogItem

    item = CatalogItem.objects.get(code="ADM_PENALTY")
    assert client.get(f"/admin/snippets/catalog/catalogitem/edit/{item.pk}/").status_code == 200
    assert client.get("/admin/snippets/records/creditrecord/").status_code == 200
    assert client.get("/admin/pages/").status_code == 200


def test_officers_and_reviewers_are_kept_out_of_the_admin(client):
    for role in (roles.DEPARTMENT_OFFICERS, roles.REVIEWERS):
        user = UserFactory(role=role)
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302, role
        assert client.get("/admin/snippets/catalog/catalogitem/").status_code in (302, 403)


def test_attempts_during_a_lockout_do_not_extend_it(client, settings):
    import datetime as dt

    from django.utils import timezone

    settings.PORTAL_LOGIN_MAX_FAILURES = 3
    user = UserFactory(role=roles.OPERATORS)
    for _ in range(3):
        client.login(username=user.username, password="wrong")
    user.refresh_from_db()
    locked_until = user.locked_until
    for _ in range(5):
        client.login(username=user.username, password="wrong")
    user.refresh_from_db()
    assert user.locked_until == locked_until
    assert (
        AuditEvent.objects.filter(action="auth.login_failed", data__while_locked=True).count() == 5
    )

    # Once the lockout has run out, the holder gets the full number of tries again.
    type(user).objects.filter(pk=user.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert not client.login(username=user.username, password="wrong")
    user.refresh_from_db()
    assert not user.is_locked() and user.failed_login_count == 1
    assert client.login(username=user.username, password="correct-horse-battery-staple")
