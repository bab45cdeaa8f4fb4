"""The withdrawal feed's order: each entry's position, given after its row has committed.

Readers of the feed keep the position of the last entry they saw and ask for what
comes after it, so a position must never appear below one a reader has already
passed. Row ids cannot promise that: PostgreSQL hands them out from a sequence at
INSERT, so a long transaction (a batch commit) can insert id 5, another insert id 6
and commit first, and a reader that saw 6 never looks at 5 again. A withdrawn
record would then stay public on the sites that copied it.

So positions are numbered here, from the highest given so far, only for rows that
have already committed, by one numbering transaction at a time (PostgreSQL: an
advisory lock held to its commit; SQLite's transactions are IMMEDIATE, so its
writers queue anyway). Every write of withdrawals (`save_withdrawals`) numbers them
once its transaction commits; the scheduler runs the numbering too, for rows whose
writer stopped between its commit and the numbering. The feed shows numbered rows
only, so an entry appears a moment after its withdrawal commits.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Max

from portal.records.models import Withdrawal

logger = logging.getLogger(__name__)

# Any constant the portal uses for nothing else: the advisory lock's key.
_LOCK_KEY = 0x706F7274616C4601  # "portalF\x01"
CHUNK = 1000


def _one_writer_at_a_time() -> None:
    """Held until the surrounding transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def assign_feed_positions(chunk: int = CHUNK) -> int:
    """Number the committed withdrawals that have no position yet, in id order, after
    the highest position given. Idempotent; returns how many it numbered."""
    numbered = 0
    while True:
        with transaction.atomic():
            _one_writer_at_a_time()
            # Read after taking the lock: each statement sees what committed before it,
            # including the previous numbering's positions.
            ids = list(
                Withdrawal.objects.filter(feed_position__isnull=True)
                .order_by("id")
                .values_list("id", flat=True)[:chunk]
            )
            if not ids:
                return numbered
            top = Withdrawal.objects.aggregate(top=Max("feed_position"))["top"] or 0
            rows = [Withdrawal(pk=pk, feed_position=top + n) for n, pk in enumerate(ids, 1)]
            Withdrawal.objects.bulk_update(rows, ["feed_position"], batch_size=500)
        numbered += len(ids)
        if len(ids) < chunk:
            return numbered


def save_withdrawals(rows) -> list[Withdrawal]:
    """Write withdrawal register rows; they are numbered for the feed once the
    caller's transaction commits. The only way the portal writes them."""
    rows = [row for row in rows if row is not None]
    if rows:
        Withdrawal.objects.bulk_create(rows)
        # robust: the withdrawal has committed by then; a failed numbering is the
        # scheduler's to redo, not the caller's error.
        transaction.on_commit(assign_feed_positions, robust=True)
    return rows
