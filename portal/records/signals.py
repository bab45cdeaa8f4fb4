"""Announcements other apps listen to (search indexing, measures, reports).

Two signals carry the same record ids (never objects):
- records_changing is sent inside the transaction that makes the change, so a
  listener can write its own durable note (the search outbox) atomically with
  the data: both commit or neither does;
- records_changed is sent after that transaction has committed, for listeners
  that act at once (caches, notifications).
"""

from django.dispatch import Signal

# record_ids: list[int]; reason: a ChangeReason value, or "statement" when only the subject's
# statement beside the records changed (records_changed alone: nothing to index).
records_changing = Signal()
records_changed = Signal()
