"""How far a batch's processing has got: the worker reports through the cache, pages poll."""

import time
from dataclasses import dataclass

from django.core.cache import cache

from exchange.models import IN_PROGRESS, Batch, BatchStatus


def _progress_key(batch_id: int) -> str:
    return f"exchange:batch-progress:{batch_id}"


def report_progress(batch_id: int, phase: str, fraction: float, rows: int) -> None:
    cache.set(
        _progress_key(batch_id),
        {"phase": phase, "fraction": round(fraction, 4), "rows": rows, "at": time.time()},
        timeout=6 * 3600,
    )


def live_progress(batch_id: int) -> dict:
    """The worker's last report ({} when there is none): phase, fraction, rows, at."""
    return cache.get(_progress_key(batch_id)) or {}


@dataclass
class Progress:
    status: str
    status_label: str
    percent: int
    rows: int
    running: bool

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "status_label": str(self.status_label),
            "percent": self.percent,
            "rows": self.rows,
            "running": self.running,
        }


def batch_progress(batch: Batch) -> Progress:
    """How far the batch has got. Live figures come from the worker through the cache."""
    live = live_progress(batch.pk)
    status = batch.status
    running = status in IN_PROGRESS
    if running and live.get("phase") == status:
        percent = int(live.get("fraction", 0) * 100)
        rows = live.get("rows", 0)
    elif running:
        percent, rows = 0, 0
    else:
        percent, rows = 100, batch.rows_total
    if running:
        percent = min(percent, 99)
    return Progress(status, BatchStatus(status).label, percent, rows, running)
