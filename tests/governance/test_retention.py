"""Retention: records past their item's retention lose their content, a tombstone stays
(issue 15, item 4)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.catalog.models import CatalogItem
from portal.records import retention
from portal.records.disclosure import PublicState, RecordStatus
from portal.records.models import CreditRecord, RecordVersion
from tests.factories import make_record

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


def years_ago(years: int, days: int = 0) -> dt.date:
    return TODAY.replace(year=TODAY.year - years) - dt.timedelta(days=days)


def test_adverse_starter_items_are_kept_five_years_others_without_limit():
    assert CatalogItem.objects.get(code="ADM_PENALTY").retention_years == 5
    assert CatalogItem.objects.get(code="COURT_DISHONEST").retention_years == 5
    assert CatalogItem.objects.get(code="ADM_LICENSE").retention_years is None


def test_purge_empties_content_keeps_ids_and_leaves_a_tombstone():
    # A general penalty is disclosed for one year: decided seven years ago, it ended six ago.
    old = make_record(decision_date=years_ago(7), today=TODAY)
    RecordVersion.objects.create(
        record=old,
        number=1,
        reason="batch",
        public_state=old.public_state,
        snapshot={"data": old.data},
    )
    # Ended four years ago: still within its five years.
    kept = make_record(decision_date=years_ago(5), today=TODAY)
    assert old.disclosure_ends < years_ago(5) < kept.disclosure_ends

    listed = retention.list_due(TODAY)
    assert [entry.record_id for entry in listed] == [old.pk]
    hash_before = old.content_hash

    assert retention.purge_records(TODAY) == 1
    old.refresh_from_db()
    assert old.data == {} and old.decision_no == "" and old.title == ""
    assert old.purged_at is not None and old.public_state == PublicState.EXPIRED
    assert old.subject_id and old.catalog_item_id  # the row and its links stay
    assert list(RecordVersion.objects.filter(record=old).values_list("snapshot", flat=True)) == [
        retention.PURGED_SNAPSHOT
    ]
    tombstone = AuditEvent.objects.get(action="records.purged", target_id=str(old.pk))
    assert tombstone.data["content_hash"] == hash_before
    assert tombstone.data["catalog_item"] == "ADM_PENALTY"
    assert verify_chain().ok

    kept.refresh_from_db()
    assert kept.data and kept.purged_at is None
    # Idempotent: nothing more is due.
    assert retention.purge_records(TODAY) == 0


def test_a_revoked_record_counts_from_its_revocation_and_unlimited_items_stay():
    revoked = make_record(decision_date=years_ago(1), today=TODAY, status=RecordStatus.REVOKED)
    CreditRecord.objects.filter(pk=revoked.pk).update(
        state_changed_at=timezone.make_aware(dt.datetime.combine(years_ago(6), dt.time(9)))
    )
    licence = make_record(
        item_code="ADM_LICENSE",
        decision_date=years_ago(20),
        today=TODAY,
        valid_until=years_ago(19),
        data={"licence_no": "L-1", "licence_name": "旧许可"},
    )
    assert [entry.record_id for entry in retention.list_due(TODAY)] == [revoked.pk]
    retention.purge_records(TODAY)
    licence.refresh_from_db()
    assert licence.data == {"licence_no": "L-1", "licence_name": "旧许可"}


def test_the_command_lists_with_dry_run_and_changes_nothing():
    old = make_record(
        decision_date=timezone.localdate().replace(year=timezone.localdate().year - 8)
    )
    out = io.StringIO()
    call_command("purge_records", "--dry-run", stdout=out)
    assert f"record {old.pk} ADM_PENALTY" in out.getvalue()
    assert "1 records would be purged" in out.getvalue()
    old.refresh_from_db()
    assert old.data and old.purged_at is None

    call_command("purge_records", stdout=io.StringIO())
    old.refresh_from_db()
    assert old.data == {}
