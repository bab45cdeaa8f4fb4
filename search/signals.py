"""Signal handlers: changes announced by the domain core go to the indexing outbox."""

from __future__ import annotations

from search import indexing


def on_records_changed(sender, record_ids=(), reason="", **kwargs):
    """portal.records.signals.records_changing (sent inside the changing transaction):
    note the records in the outbox, atomically with the change; indexing runs after commit."""
    indexing.queue_records(record_ids, reason)


def on_subject_saved(sender, instance, created=False, raw=False, **kwargs):
    """A subject's name or district changed (or a former name was added): its documents
    carry them. New subjects without records are indexed with their first change."""
    if raw:
        return
    subject_id = getattr(instance, "subject_id", None) or instance.pk
    indexing.queue_subjects([subject_id], "subject")
