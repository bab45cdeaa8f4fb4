"""How far a batch's processing has got, and whether its worker is still alive.

The worker reports both to the "shared" cache, which every process sees (Redis,
or files under var/cache/ in the embedded mode): under several web workers the
batch page is answered by whichever process takes the request, seldom the one
running the import. The heartbeat comes from a thread of the worker, every few
seconds, so a long chunk or an index rebuild does not look like a lost worker;
a process killed outright stops beating at once. It is not kept on the batch
row: the import holds that row (and, on SQLite, the database's write lock) in
its transaction, which is exactly when the beat must get through.
"""

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from exchange.models import IN_PROGRESS, Batch, BatchStatus

logger = logging.getLogger(__name__)

# Long enough for a page to say when a batch's worker was last heard of.
_KEEP_SECONDS = 24 * 3600


def _shared():
    return caches["shared"]


def _progress_key(batch_id: int) -> str:
    return f"exchange:batch-progress:{batch_id}"


def _heartbeat_key(batch_id: int) -> str:
    return f"exchange:batch-heartbeat:{batch_id}"


def _write(key: str, value: dict) -> None:
    # A cache outage must not fail an import; the page then shows the batch as silent.
    try:
        _shared().set(key, value, timeout=_KEEP_SECONDS)
    except Exception:
        logger.warning("Could not write %s to the shared cache", key, exc_info=True)


def _read(key: str) -> dict:
    try:
        return _shared().get(key) or {}
    except Exception:
        logger.warning("Could not read %s from the shared cache", key, exc_info=True)
        return {}


def report_progress(batch_id: int, phase: str, fraction: float, rows: int) -> None:
    _write(
        _progress_key(batch_id),
        {"phase": phase, "fraction": round(fraction, 4), "rows": rows, "at": time.time()},
    )


def live_progress(batch_id: int) -> dict:
    """The worker's last report ({} when there is none): phase, fraction, rows, at."""
    return _read(_progress_key(batch_id))


def beat(batch_id: int, phase: str) -> None:
    _write(_heartbeat_key(batch_id), {"phase": phase, "at": time.time(), "pid": os.getpid()})


def heartbeat_interval() -> float:
    """Seconds between beats: several within the silence window, never more than five."""
    return max(0.2, min(5.0, settings.PORTAL_IMPORT_SILENT_SECONDS / 6))


@contextlib.contextmanager
def heartbeat(batch_id: int, phase: str):
    """Beat for the batch from a background thread while the block runs."""
    every = heartbeat_interval()
    stop = threading.Event()

    def run():
        while not stop.wait(every):
            beat(batch_id, phase)

    beat(batch_id, phase)
    thread = threading.Thread(target=run, name=f"batch-{batch_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


def last_heard(batch: Batch) -> dt.datetime:
    """The last sign of life of the batch's worker: its heartbeat, its progress, or the
    moment a worker took the batch (when the shared cache has nothing newer)."""
    taken = batch.started_at or batch.created_at
    times = [taken.timestamp()]
    for report in (_read(_heartbeat_key(batch.pk)), live_progress(batch.pk)):
        if isinstance(report.get("at"), int | float):
            times.append(report["at"])
    return dt.datetime.fromtimestamp(max(times), tz=dt.UTC)


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
