"""What a big load runs under: SQLite settings and index rebuilds, and no cyclic GC.

Both only make a load faster; neither changes what it writes.
"""

import contextlib
import gc
import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from exchange.loader import is_sqlite
from exchange.models import Batch
from portal.records.models import CreditRecord

logger = logging.getLogger(__name__)


# Indexes a load only ever appends to (one catalog item, one department, a few
# states): cheap to keep. Rebuilding any index reads the whole (wide) table.
_APPEND_ONLY_INDEXES = {"catalog_item_id", "department_id", "public_state"}


@contextlib.contextmanager
def bulk_load(expected_rows: int):
    """SQLite settings for a bulk load, inside the load's transaction.

    A large page cache keeps index pages in memory. When the file is bigger
    than the records table already is (a first load, a migration), the
    records' secondary indexes that take keys in random order are dropped
    for the load and built again at its end, in the same transaction:
    building an index once is cheaper than updating it a million times. A
    failed load rolls the drops back with everything else.
    """
    if not is_sqlite():
        yield
        return
    big = expected_rows >= settings.PORTAL_IMPORT_DEFER_CHECKPOINT_ROWS
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_before = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        checkpoint_before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{settings.PORTAL_IMPORT_SQLITE_CACHE_KIB}")
        if big:
            # The commit would copy the whole load from the WAL into the database
            # file before returning; a background connection does it instead.
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
        dropped = []
        if expected_rows >= settings.PORTAL_IMPORT_REINDEX_MIN_ROWS:
            # Sorting for the rebuild may use a second core (the readers are done by then).
            cursor.execute(f"PRAGMA threads = {int(settings.PORTAL_IMPORT_SQLITE_THREADS)}")
            cursor.execute(f'SELECT MAX("id") FROM "{CreditRecord._meta.db_table}"')  # noqa: S608  # nosec B608  # table and column names are the code's own; values are bound parameters
            existing = cursor.fetchone()[0] or 0
            if expected_rows > existing:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    "AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name = %s",
                    [CreditRecord._meta.db_table],
                )
                for name, sql in cursor.fetchall():
                    cursor.execute(f'PRAGMA index_info("{name}")')
                    columns = [row[2] for row in cursor.fetchall()]
                    if len(columns) == 1 and columns[0] in _APPEND_ONLY_INDEXES:
                        continue
                    cursor.execute(f'DROP INDEX "{name}"')
                    dropped.append(sql)

    def restore():
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_before)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint_before)}")

    try:
        yield
    except BaseException:
        restore()  # the rollback takes the index drops back
        raise
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in dropped:
            cursor.execute(sql)
    if dropped:
        logger.info(
            "bulk load: %d indexes rebuilt in %.1f s", len(dropped), time.perf_counter() - started
        )
    if big:
        transaction.on_commit(lambda: (restore(), checkpoint_in_background()))
    else:
        restore()


def checkpoint_in_background() -> None:
    """Copy the write-ahead log into the SQLite database file on a connection of its own."""
    import sqlite3
    import threading

    path = str(connection.settings_dict["NAME"])
    if "memory" in path or not Path(path).exists():
        return  # an in-memory test database has nothing to copy

    def run():
        try:
            db = sqlite3.connect(path, timeout=60)
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                db.close()
        except sqlite3.Error as exc:
            logger.warning("WAL checkpoint after a bulk load failed: %s", exc)

    threading.Thread(target=run, name="sqlite-checkpoint").start()


def expected_rows(batch: Batch) -> int:
    """A generous guess of a file's rows from its size (for the bulk-load decision)."""
    return batch.file_size // (250 if batch.file_format == "csv" else 60)


@contextlib.contextmanager
def without_cyclic_gc():
    """Rows make millions of short-lived containers and few reference cycles; the
    cyclic collector would walk the whole heap again and again for nothing. The
    consumer collects the young generations every few chunks instead."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
