"""Announcements other apps listen to (search indexing, measures, reports).

Sent only after the transaction that made the change has committed, with
record ids, never objects, so listeners can enqueue idempotent tasks.
"""

from django.dispatch import Signal

# record_ids: list[int]; reason: a ChangeReason value.
records_changed = Signal()
