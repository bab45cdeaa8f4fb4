"""Per-batch assessment figures: which records a committed batch brought in late, and how
full their recommended fields are. Written once per committed batch (idempotent: a
second run replaces the first), so the assessment of a period only sums these rows.

Deadlines count working days on the objections' calendar (portal.objections.workdays):
"within N working days" of a start date D means by the end of the N-th working day after D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from exchange.models import Batch, BatchStatus
from portal.assessment.models import BatchFigures, DutyEvent, Frequency, LateRecord, ReportingDuty
from portal.catalog.models import CatalogField
from portal.core.workdays import WorkingCalendar
from portal.records.disclosure import RecordStatus
from portal.records.models import ChangeReason, CreditRecord, RecordVersion

# Working days allowed when a duty names none: after the decision (realtime), the day
# (daily), or the end of the month or quarter the decision falls in.
DEFAULT_DAYS = {
    Frequency.REALTIME: 7,
    Frequency.DAILY: 1,
    Frequency.MONTHLY: 10,
    Frequency.QUARTERLY: 10,
}
_ID_CHUNK = 500


def _interval_end(day: dt.date, frequency: str) -> dt.date:
    """The last day of the reporting interval `day` falls in (the clock starts there)."""
    if frequency == Frequency.MONTHLY:
        first_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return first_next - dt.timedelta(days=1)
    if frequency == Frequency.QUARTERLY:
        last_month = (day.month - 1) // 3 * 3 + 3
        first_next = (day.replace(month=last_month, day=1) + dt.timedelta(days=32)).replace(day=1)
        return first_next - dt.timedelta(days=1)
    return day


def deadline_for(duty: ReportingDuty, start: dt.date, calendar: WorkingCalendar) -> dt.date:
    days = duty.deadline_working_days or DEFAULT_DAYS[duty.frequency]
    return calendar.add_working_days(_interval_end(start, duty.frequency), days)


def _start_date(duty: ReportingDuty, record: dict) -> dt.date | None:
    if duty.start_field == "decision_date":
        return record["decision_date"]
    value = (record["data"] or {}).get(duty.start_field)
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def recommended_keys(duty: ReportingDuty | None, item_id: int) -> list[str]:
    """The duty's recommended fields, or every optional, unconditional field of the item."""
    if duty is not None and duty.recommended_keys:
        return duty.recommended_keys
    return list(
        CatalogField.objects.filter(
            catalog_item_id=item_id, required=False, required_if_field=""
        ).values_list("key", flat=True)
    )


@dataclass
class _Tally:
    timed: int = 0
    untimed: int = 0
    filled: int = 0
    total: int = 0


def batch_versions(batch: Batch, version_bound: int | None = None) -> list[tuple[int, int]]:
    """(record id, version number) of the versions the batch's load wrote.

    They were the newest versions when the batch was committed, so walking the versions
    backwards from `version_bound` (the highest version id at the commit) finds them at
    once without an index on the reference. Without a bound (a batch the commit hook
    missed) the walk starts at the newest version.
    """
    expected = batch.created_count + batch.updated_count
    if not expected:
        return []
    versions = RecordVersion.objects.filter(reference=batch.reference, reason=ChangeReason.BATCH)
    if version_bound is not None:
        versions = versions.filter(id__lte=version_bound)
    return list(versions.order_by("-id").values_list("record_id", "number")[:expected])


def compute_batch_figures(
    batch_id: int, calendar: WorkingCalendar | None = None, *, version_bound: int | None = None
):
    """Write (or rewrite) one batch's figures; None and nothing kept unless it was committed."""
    batch = Batch.objects.filter(pk=batch_id).first()
    if (
        batch is None
        or batch.status != BatchStatus.COMMITTED
        or batch.dry_run
        or batch.committed_at is None
    ):
        BatchFigures.objects.filter(batch_id=batch_id).delete()
        return None
    calendar = calendar or WorkingCalendar()
    duties = {
        duty.event: duty
        for duty in ReportingDuty.objects.filter(
            department_id=batch.department_id, catalog_item_id=batch.catalog_item_id, is_active=True
        )
    }
    keys = recommended_keys(duties.get(DutyEvent.DECISION), batch.catalog_item_id)
    committed_on = timezone.localdate(batch.committed_at)
    versions = dict(batch_versions(batch, version_bound))
    tally, late = _Tally(), []
    ids = sorted(versions)
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        for record in CreditRecord.objects.filter(pk__in=chunk).values(
            "id", "decision_date", "status", "data"
        ):
            data = record["data"] or {}
            tally.total += len(keys)
            tally.filled += sum(1 for key in keys if data.get(key) not in (None, "", []))
            first = versions[record["id"]] == 1
            if record["status"] == RecordStatus.REVOKED and not first:
                duty = duties.get(DutyEvent.REVOCATION)
            elif record["status"] == RecordStatus.ACTIVE and first:
                duty = duties.get(DutyEvent.DECISION)
            else:
                duty = None  # a correction: its timeliness was counted when first reported
            if duty is None:
                continue
            start_date = _start_date(duty, record)
            if start_date is None:
                tally.untimed += 1
                continue
            tally.timed += 1
            deadline = deadline_for(duty, start_date, calendar)
            if committed_on > deadline:
                late.append(
                    LateRecord(
                        record_id=record["id"],
                        event=duty.event,
                        start_date=start_date,
                        deadline=deadline,
                        committed_on=committed_on,
                        working_days_late=calendar.working_days_between(deadline, committed_on),
                    )
                )
    with transaction.atomic():
        figures, _ = BatchFigures.objects.update_or_create(
            batch=batch,
            defaults={
                "department_id": batch.department_id,
                "catalog_item_id": batch.catalog_item_id,
                "day": timezone.localdate(batch.created_at),
                "committed_at": batch.committed_at,
                "timed": tally.timed,
                "late": len(late),
                "untimed": tally.untimed,
                "recommended_filled": tally.filled,
                "recommended_total": tally.total,
            },
        )
        figures.late_records.all().delete()
        for entry in late:
            entry.figures = figures
        LateRecord.objects.bulk_create(late, batch_size=1000)
    return figures


def missing_batch_ids(limit: int = 1000) -> list[int]:
    """Committed batches without figures (a lost task, or batches from before this app)."""
    return list(
        Batch.objects.filter(
            status=BatchStatus.COMMITTED, dry_run=False, assessment_figures__isnull=True
        )
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )


def refresh_missing(limit: int = 1000) -> int:
    calendar = WorkingCalendar()
    done = 0
    for batch_id in missing_batch_ids(limit):
        compute_batch_figures(batch_id, calendar)
        done += 1
    return done
