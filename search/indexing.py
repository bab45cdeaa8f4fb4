"""Keeping the index in step with the database, through an outbox.

Every change reaches the index in two steps: an OutboxEntry row (record or
subject ids) is written, then a Celery task indexes those subjects and deletes
the row. When the search engine is down the task fails, the row stays (with a
later next_attempt_at), and the periodic catch-up task retries it: a change is
never lost, only delayed. Indexing a subject is idempotent, so an entry may be
processed twice without harm.

When the engine is down the whole outbox backs off, not each entry alone: after
a failure this process leaves the engine alone for a growing rest, and every
entry named meanwhile is deferred at once, so an import that queued thousands
of entries during an outage returns as soon as its data is committed instead
of waiting on a timeout per entry.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.records.models import CreditRecord
from portal.tasks import enqueue_on_commit
from search.backends import get_backend
from search.documents import build_documents
from search.models import OutboxEntry

logger = logging.getLogger(__name__)

ENTRY_SIZE = 5000  # ids per outbox row
BATCH_SUBJECTS = 2000  # subjects indexed per backend call
ENTRIES_PER_ROUND = 500  # outbox rows indexed together (an import's many one-subject rows)
MAX_BACKOFF_MINUTES = 60
ENGINE_REST_SECONDS = (5, 15, 60, 300)  # rests after 1, 2, 3, 4+ failures in a row


class _EngineRest:
    """This process's view of the engine: after a failure, no calls until the rest is over."""

    def __init__(self):
        self._lock = threading.Lock()
        self.failures = 0
        self.until = 0.0

    def resting(self) -> bool:
        return time.monotonic() < self.until

    def failed(self) -> None:
        with self._lock:
            self.failures += 1
            rest = ENGINE_REST_SECONDS[min(self.failures, len(ENGINE_REST_SECONDS)) - 1]
            self.until = time.monotonic() + rest

    def succeeded(self) -> None:
        with self._lock:
            self.failures, self.until = 0, 0.0


engine = _EngineRest()


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def queue_records(record_ids: Iterable[int], reason: str = "") -> list[int]:
    """Write outbox rows for changed records and enqueue their indexing after commit."""
    return _queue(sorted(set(record_ids)), [], reason)


def queue_subjects(subject_ids: Iterable[int], reason: str = "") -> list[int]:
    """Write outbox rows for changed subjects (a rename, a new former name)."""
    return _queue([], sorted(set(subject_ids)), reason)


def _queue(record_ids: list[int], subject_ids: list[int], reason: str) -> list[int]:
    entries = [
        OutboxEntry(record_ids=chunk, reason=reason[:32])
        for chunk in _chunks(record_ids, ENTRY_SIZE)
    ]
    entries += [
        OutboxEntry(subject_ids=chunk, reason=reason[:32])
        for chunk in _chunks(subject_ids, ENTRY_SIZE)
    ]
    if not entries:
        return []
    with transaction.atomic():
        created = OutboxEntry.objects.bulk_create(entries)
        ids = [entry.pk for entry in created]
        if any(pk is None for pk in ids):  # a database that does not return ids
            ids = list(
                OutboxEntry.objects.order_by("-pk").values_list("pk", flat=True)[: len(entries)]
            )
        from search.tasks import process_outbox

        enqueue_on_commit(process_outbox, ids)
    return ids


def index_subjects(subject_ids: Iterable[int], backend=None) -> int:
    """Rebuild the documents of these subjects in the live index; returns documents written."""
    backend = backend or get_backend()
    ids = sorted(set(subject_ids))
    written = 0
    for chunk in _chunks(ids, BATCH_SUBJECTS):
        written += backend.replace_subjects(build_documents(chunk))
    return written


def process_entries(entry_ids: list[int] | None = None, limit: int = ENTRIES_PER_ROUND) -> int:
    """Index what the given (or the oldest due) outbox entries name, then delete them.

    Given ids are all processed, `limit` entries at a time; without ids, one
    round of the oldest due entries. On failure the entries stay, with a
    growing delay before the next attempt; the error is logged and recorded,
    never raised to whoever saved the data. While the engine rests after a
    failure, nothing is sent: the entries are deferred at once. Returns the
    number of entries done.
    """
    if entry_ids is None:
        if engine.resting():
            return 0
        now = timezone.now()
        due = OutboxEntry.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        return _process(list(due.order_by("pk")[:limit]))
    done = 0
    remaining = sorted(entry_ids)
    while remaining:
        chunk, remaining = remaining[:limit], remaining[limit:]
        if engine.resting():
            _defer(list(OutboxEntry.objects.filter(pk__in=chunk + remaining)), None)
            break
        done += _process(list(OutboxEntry.objects.filter(pk__in=chunk).order_by("pk")))
    return done


def _defer(entries: list[OutboxEntry], error: Exception | None) -> None:
    """Keep entries for the catch-up, with a growing delay; count an attempt only when
    one was made (not for entries deferred while the engine rests)."""
    now = timezone.now()
    for entry in entries:
        if error is not None:
            entry.attempts += 1
            entry.last_error = f"{type(error).__name__}: {error}"[:2000]
        delay = min(2 ** max(entry.attempts - 1, 0), MAX_BACKOFF_MINUTES)
        entry.next_attempt_at = now + dt.timedelta(minutes=delay)
    OutboxEntry.objects.bulk_update(
        entries, ["attempts", "next_attempt_at", "last_error"], batch_size=500
    )


def _process(entries: list[OutboxEntry]) -> int:
    if not entries:
        return 0
    record_ids = sorted({rid for entry in entries for rid in entry.record_ids})
    subject_ids = {sid for entry in entries for sid in entry.subject_ids}
    try:
        backend = get_backend()
        found: set[int] = set()
        for chunk in _chunks(record_ids, 5000):
            for record_id, subject_id in CreditRecord.objects.filter(pk__in=chunk).values_list(
                "pk", "subject_id"
            ):
                found.add(record_id)
                subject_ids.add(subject_id)
        gone = [f"r:{rid}" for rid in record_ids if rid not in found]
        if gone:
            backend.delete_documents(gone)
        index_subjects(subject_ids, backend)
    except Exception as exc:  # the engine is down or refused: keep the entries for later
        logger.warning("Search indexing failed, %d outbox entries kept: %s", len(entries), exc)
        engine.failed()
        _defer(entries, exc)
        return 0
    engine.succeeded()
    OutboxEntry.objects.filter(pk__in=[entry.pk for entry in entries]).delete()
    return len(entries)


def catch_up(max_rounds: int = 100) -> int:
    """Periodic: work through every due outbox entry (after an outage, a backlog).

    The scheduler is the one caller that may knock while the engine rests: it runs
    seldom, and it is how indexing resumes once the engine is back.
    """
    engine.succeeded()
    done = 0
    for _ in range(max_rounds):
        processed = process_entries()
        if not processed:
            break
        done += processed
    return done


def pending() -> dict:
    """How much is waiting: for --check and health pages."""
    entries = OutboxEntry.objects.all()
    oldest = entries.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "entries": entries.count(),
        "failing": entries.filter(attempts__gt=0).count(),
        "oldest": oldest.isoformat() if oldest else None,
    }
