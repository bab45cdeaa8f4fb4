"""What the operators' dashboard shows: small indexed counts and stored figures, never a
scan of records per request (the assessment's per-batch figures, the last drift check and
the last audit verification are kept by their own jobs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from exchange.models import Batch, BatchStatus
from portal.assessment.models import (
    BatchFigures,
    DutyEvent,
    Frequency,
    ReportingDuty,
    SearchDriftCheck,
)
from portal.assessment.services import current_month
from portal.audit.models import AuditEvent
from portal.audit.services import record_event, verify_chain
from portal.core.languages import is_english
from portal.objections.models import Case
from search import rebuild
from search.models import OutboxEntry

VERIFIED = "audit.chain.verified"


@dataclass
class Overview:
    batches_today: int
    failed_today: int
    committed_today: int
    overdue_cases: int
    missed_duties: list[tuple[str, str, int]]  # (department code, name, missing duties)
    outbox_entries: int
    drift: object  # the last SearchDriftCheck, or None
    last_verification: AuditEvent | None


def _today_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def missed_duties(today: dt.date | None = None) -> list[tuple[str, str, int]]:
    """Departments with decision duties not yet reported this month, most missing first."""
    period = current_month(today)
    reported = set(
        BatchFigures.objects.filter(day__gte=period.start, day__lte=period.end)
        .values_list("department_id", "catalog_item_id")
        .distinct()
    )
    missing: dict[tuple[str, str], int] = {}
    duties = (
        ReportingDuty.objects.filter(
            is_active=True, event=DutyEvent.DECISION, department__is_active=True
        )
        .exclude(frequency=Frequency.QUARTERLY)
        .values_list(
            "department_id",
            "catalog_item_id",
            "department__code",
            "department__name",
            "department__name_en",
        )
    )
    english = is_english()
    for department_id, item_id, code, name, name_en in duties:
        name = name_en if english and name_en else name  # in the reader's language
        if (department_id, item_id) not in reported:
            missing[(code, name)] = missing.get((code, name), 0) + 1
    return sorted(((c, n, k) for (c, n), k in missing.items()), key=lambda x: (-x[2], x[0]))


def overview(now: dt.datetime | None = None) -> Overview:
    now = now or timezone.now()
    start, end = _today_bounds(now)
    today = Batch.objects.filter(created_at__gte=start, created_at__lt=end)
    counts = today.aggregate(
        all=_count(),
        failed=_count(Q(status=BatchStatus.FAILED) | ~Q(last_failure="")),
        committed=_count(Q(status=BatchStatus.COMMITTED)),
    )
    return Overview(
        batches_today=counts["all"],
        failed_today=counts["failed"],
        committed_today=counts["committed"],
        overdue_cases=Case.objects.overdue(timezone.localdate(now)).count(),
        missed_duties=missed_duties(timezone.localdate(now)),
        outbox_entries=OutboxEntry.objects.count(),
        drift=SearchDriftCheck.objects.order_by("-checked_at", "-id").first(),
        last_verification=AuditEvent.objects.filter(action=VERIFIED).order_by("-id").first(),
    )


def _count(condition: Q | None = None):
    return Count("id", filter=condition) if condition is not None else Count("id")


def record_search_drift():
    """Compare the search index with the database and keep the counts (scheduled)."""
    try:
        drift, _subjects = rebuild.check()
    except Exception as exc:  # an unreachable engine is itself what the dashboard shows
        return SearchDriftCheck.objects.create(error=f"{type(exc).__name__}: {exc}"[:300])
    return SearchDriftCheck.objects.create(
        expected=drift.expected,
        indexed=drift.indexed,
        missing=len(drift.missing),
        stale=len(drift.stale),
        extra=len(drift.extra),
    )


def verify_audit_chain(actor=None) -> AuditEvent:
    """Run `audit_verify`'s chain check and keep its verdict in the trail itself."""
    verdict = verify_chain()
    return record_event(
        VERIFIED,
        actor=actor,
        data={
            "ok": verdict.ok,
            "checked": verdict.checked,
            "broken_at": verdict.broken_at,
            "reason": verdict.reason,
        },
    )
