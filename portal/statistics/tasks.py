from celery import shared_task
from django.utils.dateparse import parse_datetime

from portal.statistics import refresh


@shared_task(name="portal.statistics.tasks.refresh_statistics")
def refresh_statistics(trigger: str = "schedule", since: str | None = None) -> int:
    """Recompute the statistics (idempotent). `since`: skip when a refresh started after
    that moment already counted the change (a batch saved twice refreshes once)."""
    if since:
        moment = parse_datetime(since)
        last = refresh.last_refresh()
        if moment is not None and last is not None and last.started_at >= moment:
            return 0
    return refresh.refresh(trigger=trigger).figures
