"""Celery tasks of search: they carry ids, are idempotent and never lose a change."""

from celery import shared_task

from search import indexing


@shared_task(name="search.tasks.process_outbox")
def process_outbox(entry_ids: list[int]) -> int:
    """Index the subjects named by these outbox entries (enqueued after each change)."""
    return indexing.process_entries(entry_ids)


@shared_task(name="search.tasks.catch_up")
def catch_up() -> int:
    """Scheduled: retry outbox entries left by a search-engine outage or a lost task."""
    return indexing.catch_up()
