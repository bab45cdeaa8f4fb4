from celery import shared_task
from django.utils.dateparse import parse_datetime

from exchange.models import Batch, BatchStatus
from portal.statistics import refresh


def _counted_since(since: str | None) -> bool:
    """Whether a refresh started after `since` (so it already counted that change)."""
    moment = parse_datetime(since) if since else None
    last = refresh.last_refresh()
    return moment is not None and last is not None and last.started_at >= moment


@shared_task(name="portal.statistics.tasks.refresh_statistics")
def refresh_statistics(trigger: str = "schedule", since: str | None = None) -> int:
    """Recompute the statistics (idempotent). `since`: skip when a refresh started after
    that moment already counted the change (a batch saved twice refreshes once)."""
    if _counted_since(since):
        return 0
    return refresh.refresh(trigger=trigger).figures


@shared_task(name="portal.statistics.tasks.recount_batch_days")
def recount_batch_days(batch_id: int, since: str | None = None) -> int:
    """Recount the day figures of a committed batch's decision days (idempotent); skipped
    when a whole refresh started after its commit."""
    batch = Batch.objects.filter(pk=batch_id, status=BatchStatus.COMMITTED).first()
    if batch is None or _counted_since(since):
        return 0
    return refresh.recount_days(refresh.batch_days(batch))
