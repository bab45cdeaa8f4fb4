"""Health checks open one incident per failure by themselves, note it while it lasts,
record the recovery, and tell the operators."""

import datetime as dt
import socket

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from exchange.models import Batch, BatchStatus
from portal.accounts import roles
from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.incidents.health import forget_verdicts, run_health_checks
from portal.incidents.models import Category, EntryKind, Grade, Incident, Status
from portal.objections.models import WorkdayOverride
from portal.objections.workdays import uncovered_years
from search.models import OutboxEntry
from tests.factories import UserFactory, catalog_item, department

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def healthy(settings, tmp_path):
    """Every check passes: a fresh backup archive, an intact audit chain, an empty outbox."""
    settings.PORTAL_BACKUP_DIR = tmp_path / "backups"
    settings.PORTAL_BACKUP_DIR.mkdir()
    (settings.PORTAL_BACKUP_DIR / "portal-20261129.tar.gz").write_bytes(b"archive")
    record_event("test.event", target="thing:1", data={"n": 1})
    record_event("test.event", target="thing:2", data={"n": 2})
    OutboxEntry.objects.all().delete()
    # Holidays entered by hand for any year the calendar library does not know yet.
    for year in uncovered_years(timezone.localdate()):
        WorkdayOverride.objects.create(date=dt.date(year, 1, 1), is_working_day=False)
    forget_verdicts()
    assert set(run_health_checks().values()) == {"ok"}
    assert not Incident.objects.exists()
    return settings


@pytest.fixture
def operator():
    return UserFactory(role=roles.OPERATORS, email="duty@example.gov.cn")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_search(settings):
    settings.PORTAL_SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port()}"


def stale_outbox(settings):
    entry = OutboxEntry.objects.create(subject_ids=[1], reason="test")
    old = timezone.now() - dt.timedelta(minutes=settings.PORTAL_INCIDENT_OUTBOX_MAX_AGE_MINUTES + 5)
    OutboxEntry.objects.filter(pk=entry.pk).update(created_at=old)


def crowded_outbox(settings):
    settings.PORTAL_INCIDENT_OUTBOX_MAX_ENTRIES = 3
    OutboxEntry.objects.bulk_create([OutboxEntry(subject_ids=[n]) for n in range(4)])


def empty_backups(settings):
    for archive in settings.PORTAL_BACKUP_DIR.iterdir():
        archive.unlink()


def old_backup(settings):
    import os

    archive = next(settings.PORTAL_BACKUP_DIR.iterdir())
    stale = (timezone.now() - dt.timedelta(hours=27)).timestamp()
    os.utime(archive, (stale, stale))


def tamper_audit_row():
    event = AuditEvent.objects.order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET data = %s WHERE id = %s",  # noqa: S608
            ['{"n": 99}', event.pk],
        )


def tampered_audit(settings):
    tamper_audit_row()
    forget_verdicts()  # the chain is walked at most hourly


def failed_batches(settings):
    for n in range(settings.PORTAL_INCIDENT_FAILED_BATCHES_PER_HOUR):
        Batch.objects.create(
            department=department("MARKET"),
            catalog_item=catalog_item("ADM_PENALTY"),
            schema_version=1,
            source="web",
            file_name=f"bad-{n}.csv",
            file_format="csv",
            status=BatchStatus.FAILED,
        )


FAULTS = {
    "search": (stop_search, Category.SEARCH_UNREACHABLE),
    "outbox-age": (stale_outbox, Category.OUTBOX_BACKLOG),
    "outbox-size": (crowded_outbox, Category.OUTBOX_BACKLOG),
    "backup-none": (empty_backups, Category.BACKUP_MISSED),
    "backup-old": (old_backup, Category.BACKUP_MISSED),
    "audit": (tampered_audit, Category.AUDIT_CHAIN_BROKEN),
    "batches": (failed_batches, Category.BATCHES_FAILING),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failing_check_opens_exactly_one_incident(fault, healthy, operator):
    inject, category = FAULTS[fault]
    inject(healthy)

    outcome = run_health_checks()
    assert outcome[category] == "opened"
    incident = Incident.objects.get()
    assert incident.category == category
    assert incident.automatic and not incident.is_drill
    assert incident.status == Status.OPEN
    assert [e.kind for e in incident.timeline.all()] == [EntryKind.DETECTED]

    # The operators hear of it, once.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["duty@example.gov.cn"]
    assert incident.title in mail.outbox[0].subject
    assert f"/admin/snippets/incidents/incident/edit/{incident.pk}/" in mail.outbox[0].body

    # A second run neither duplicates the incident nor mails again.
    assert run_health_checks()[category] == "failing"
    assert Incident.objects.count() == 1
    assert len(mail.outbox) == 1


def test_still_failing_is_noted_at_most_once_an_hour(healthy):
    empty_backups(healthy)
    start = timezone.now()
    run_health_checks(now=start)
    run_health_checks(now=start + dt.timedelta(minutes=30))
    incident = Incident.objects.get()
    assert incident.timeline.count() == 1
    run_health_checks(now=start + dt.timedelta(minutes=61))
    run_health_checks(now=start + dt.timedelta(minutes=90))
    assert [e.kind for e in incident.timeline.all()] == [
        EntryKind.DETECTED,
        EntryKind.STILL_FAILING,
    ]


def test_recovery_is_recorded_and_the_incident_stays_open_for_the_operators(healthy):
    empty_backups(healthy)
    run_health_checks()
    (healthy.PORTAL_BACKUP_DIR / "portal-new.zip").write_bytes(b"archive")

    assert run_health_checks()[Category.BACKUP_MISSED] == "ok"
    run_health_checks()  # a recovery is noted once
    incident = Incident.objects.get()
    assert incident.status == Status.OPEN
    assert [e.kind for e in incident.timeline.all()] == [EntryKind.DETECTED, EntryKind.RECOVERED]

    # Failing again reopens nothing new: the same incident notes it.
    empty_backups(healthy)
    assert run_health_checks()[Category.BACKUP_MISSED] == "failing"
    assert Incident.objects.count() == 1
    assert incident.timeline.last().kind == EntryKind.DETECTED


def test_a_closed_incident_lets_the_next_failure_open_a_new_one(healthy):
    empty_backups(healthy)
    run_health_checks()
    Incident.objects.update(status=Status.CLOSED)
    assert run_health_checks()[Category.BACKUP_MISSED] == "opened"
    assert Incident.objects.filter(category=Category.BACKUP_MISSED).count() == 2


def test_a_drill_of_the_same_category_does_not_hide_a_real_failure(healthy):
    Incident.objects.create(
        title="备份缺失演练", category=Category.BACKUP_MISSED, grade=Grade.GENERAL, is_drill=True
    )
    empty_backups(healthy)
    assert run_health_checks()[Category.BACKUP_MISSED] == "opened"
    assert Incident.objects.filter(is_drill=False).count() == 1


def test_the_audit_chain_is_walked_at_most_hourly(healthy):
    start = timezone.now()
    forget_verdicts()
    assert run_health_checks(now=start)[Category.AUDIT_CHAIN_BROKEN] == "ok"
    tamper_audit_row()
    assert (
        run_health_checks(now=start + dt.timedelta(minutes=30))[Category.AUDIT_CHAIN_BROKEN] == "ok"
    )
    later = run_health_checks(now=start + dt.timedelta(minutes=61))
    assert later[Category.AUDIT_CHAIN_BROKEN] == "opened"
