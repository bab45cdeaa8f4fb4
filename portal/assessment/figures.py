"""Per-batch assessment figures: which records a committed batch brought in late, and how
full their recommended fields are. Written once per committed batch (idempotent: a
second run replaces the first), so the assessment of a period only sums these rows.

Deadlines count working days on the objections' calendar (portal.core.workdays):
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
from portal.records.disclosure import PublicState
from portal.records.models import CreditRecord

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


def batch_versions(
    batch: Batch, version_bound: int | None = None
) -> list[tuple[int, int, int, str]]:
    """(version id, record id, version number, public state) of the versions the batch's
    load wrote (Batch.written_versions). Without a bound (a batch the commit hook missed)
    the walk starts at the newest version; the figures keep the highest id found as the
    bound of any later recount."""
    if not batch.created_count + batch.updated_count:
        return []
    return list(
        batch.written_versions(version_bound).values_list(
            "id", "record_id", "number", "public_state"
        )
    )


def compute_batch_figures(
    batch_id: int, calendar: WorkingCalendar | None = None, *, version_bound: int | None = None
):
    """Write (or rewrite) one batch's figures; None and nothing kept unless it was committed.

    Only a record's first report is timed, against the department's decision duty (unless
    it was first reported as revoked); corrections were timed when first reported, and
    revocations are timed from the withdrawal register (portal.assessment.revocations).
    """
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
    if version_bound is None:
        version_bound = (
            BatchFigures.objects.filter(batch_id=batch_id)
            .values_list("version_bound", flat=True)
            .first()
        )
    duty = ReportingDuty.objects.filter(
        department_id=batch.department_id,
        catalog_item_id=batch.catalog_item_id,
        event=DutyEvent.DECISION,
        is_active=True,
    ).first()
    keys = recommended_keys(duty, batch.catalog_item_id)
    committed_on = timezone.localdate(batch.committed_at)
    found = batch_versions(batch, version_bound)
    highest = max((version_id for version_id, *_rest in found), default=version_bound)
    # A first report is timed unless it came in already revoked (its version says so,
    # whatever happened to the record since).
    first_reports = {
        record_id
        for _id, record_id, number, state in found
        if number == 1 and state != PublicState.REVOKED
    }
    tally, late = _Tally(), []
    ids = sorted({record_id for _id, record_id, _number, _state in found})
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        for record in CreditRecord.objects.filter(pk__in=chunk).values(
            "id", "decision_date", "data"
        ):
            data = record["data"] or {}
            tally.total += len(keys)
            tally.filled += sum(1 for key in keys if data.get(key) not in (None, "", []))
            if duty is None or record["id"] not in first_reports:
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
                "version_bound": highest,
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


def period_batch_ids(start: dt.date, end: dt.date, department_ids=None, catalog_item_ids=None):
    """Committed batches submitted (local day) from `start` through `end`."""
    tz = timezone.get_current_timezone()
    batches = Batch.objects.filter(
        status=BatchStatus.COMMITTED,
        dry_run=False,
        created_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
    if department_ids is not None:
        batches = batches.filter(department_id__in=department_ids)
    if catalog_item_ids is not None:
        batches = batches.filter(catalog_item_id__in=catalog_item_ids)
    return list(batches.order_by("id").values_list("pk", flat=True))


def refresh_period(
    start: dt.date, end: dt.date, *, department_ids=None, catalog_item_ids=None
) -> int:
    """Recount the figures of every committed batch of the period (those departments and
    items only, if named) against the duties as they are now; returns how many. Running it
    twice gives the same figures."""
    calendar = WorkingCalendar()
    ids = period_batch_ids(start, end, department_ids, catalog_item_ids)
    for batch_id in ids:
        compute_batch_figures(batch_id, calendar)
    return len(ids)
