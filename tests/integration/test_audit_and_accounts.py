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
