"""Keeping the index in step with the database, through an outbox.

Every change reaches the index in two steps: an OutboxEntry row (record or
subject ids) is written, then a Celery task indexes those subjects and deletes
the row. When the search engine is down the task fails, the row stays (with a
later next_attempt_at), and the periodic catch-up task retries it: a change is
never lost, only delayed. Indexing a subject is idempotent, so an entry may be
processed twice without harm.
"""

from __future__ import annotations

import datetime as dt
import logging
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
MAX_BACKOFF_MINUTES = 60


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


def process_entries(entry_ids: list[int] | None = None, limit: int = 20) -> int:
    """Index what the given (or the oldest due) outbox entries name, then delete them.

    Given ids are all processed, `limit` entries at a time; without ids, one
    round of the oldest due entries. On failure the entries stay, with a
    growing delay before the next attempt; the error is logged and recorded,
    never raised to whoever saved the data. Returns the number of entries done.
    """
    if entry_ids is None:
        now = timezone.now()
        due = OutboxEntry.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        return _process(list(due.order_by("pk")[:limit]))
    done = 0
    for chunk in _chunks(sorted(entry_ids), limit):
        done += _process(list(OutboxEntry.objects.filter(pk__in=chunk).order_by("pk")))
    return done


def _process(entries: list[OutboxEntry]) -> int:
    if not entries:
        return 0
    now = timezone.now()
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
        for entry in entries:
            entry.attempts += 1
            delay = min(2 ** (entry.attempts - 1), MAX_BACKOFF_MINUTES)
            entry.next_attempt_at = now + dt.timedelta(minutes=delay)
            entry.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        OutboxEntry.objects.bulk_update(entries, ["attempts", "next_attempt_at", "last_error"])
        return 0
    OutboxEntry.objects.filter(pk__in=[entry.pk for entry in entries]).delete()
    return len(entries)


def catch_up(max_rounds: int = 100) -> int:
    """Periodic: work through every due outbox entry (after an outage, a backlog)."""
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
