"""Retention: a record's content is purged a set number of years after its disclosure ends.

Each catalog item says how many years its records are kept once their disclosure
window has ended, or once they were revoked, corrected or repaired (empty: kept
without limit; adverse starter items five years, docs/domain.md). The purge
empties the record's fields and its versions' snapshots, keeps the row and its
id (so references and counts still hold), deletes the subject's statement beside it
(its text is the record's content too) and leaves a tombstone in the audit
trail: which record, item, department and subject, the dates, and the digest of
the content that went. Idempotent: purged records are never looked at again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.audit.services import record_event
from portal.catalog.models import CatalogItem
from portal.records.disclosure import RecordStatus
from portal.records.models import ChangeReason, CreditRecord, RecordStatement, RecordVersion
from portal.records.services import announce

PURGED_SNAPSHOT = {"purged": True}


@dataclass(frozen=True)
class Due:
    record_id: int
    item: str
    department: str
    decision_date: dt.date
    kept_since: dt.date | None
    retention_years: int


def due_for_purge(today: dt.date | None = None):
    """The records past their item's retention on `today`, as a queryset."""
    today = today or timezone.localdate()
    due = Q()
    for item_id, years in CatalogItem.objects.filter(retention_years__isnull=False).values_list(
        "pk", "retention_years"
    ):
        cutoff = today - relativedelta(years=years)
        cutoff_moment = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
        ended = Q(disclosure_ends__lt=cutoff) | (
            ~Q(status=RecordStatus.ACTIVE) & Q(state_changed_at__lt=cutoff_moment)
        )
        due |= Q(catalog_item_id=item_id) & ended
    if not due:
        return CreditRecord.objects.none()
    # A contested record stays whole until its objection is decided.
    return CreditRecord.objects.filter(due, purged_at__isnull=True, under_objection=False)


def list_due(today: dt.date | None = None) -> list[Due]:
    records = due_for_purge(today).select_related("catalog_item", "department").order_by("id")
    return [
        Due(
            record.pk,
            record.catalog_item.code,
            record.department.code,
            record.decision_date,
            record.disclosure_ends,
            record.catalog_item.retention_years,
        )
        for record in records
    ]


def purge_record(
    record: CreditRecord,
    now: dt.datetime,
    *,
    event: str = "records.purged",
    actor=None,
    note: dict | None = None,
) -> None:
    """Empty one record's content and its versions', leaving a tombstone in the audit trail
    (`event`, with `note` added: an operator's deletion says who asked, why, who approved)."""
    versions = RecordVersion.objects.filter(record=record)
    tombstone = {
        **(note or {}),
        "catalog_item": record.catalog_item.code,
        "department": record.department.code,
        "subject": record.subject_id,
        "decision_date": record.decision_date,
        "disclosure_ends": record.disclosure_ends,
        "status": record.status,
        "public_state": record.public_state,
        "retention_years": record.catalog_item.retention_years,
        "content_hash": record.content_hash,
        "versions": versions.count(),
        "statement": RecordStatement.objects.filter(record=record).exists(),
    }
    record.data = {}
    record.title = ""
    record.decision_no = ""
    record.natural_key = f"purged:{record.pk}"
    record.content_hash = ""
    record.purged_at = now
    record.save(
        update_fields=[
            "data",
            "title",
            "decision_no",
            "natural_key",
            "content_hash",
            "purged_at",
            "updated_at",
        ]
    )
    versions.update(snapshot=PURGED_SNAPSHOT, comment="")
    RecordStatement.objects.filter(record=record).delete()
    record_event(event, actor=actor, target=record, data=tombstone)


def purge_records(today: dt.date | None = None, chunk: int = 500) -> int:
    """Purge every record past its retention; returns how many went."""
    now = timezone.now()
    purged = 0
    while True:
        ids = list(due_for_purge(today).order_by("id").values_list("pk", flat=True)[:chunk])
        if not ids:
            return purged
        with transaction.atomic():
            records = CreditRecord.objects.select_related("catalog_item", "department").filter(
                pk__in=ids
            )
            for record in records:
                purge_record(record, now)
            announce(ids, ChangeReason.SCHEDULE)
        purged += len(ids)
