"""Cache headers any app's views share (the public site's own rules are in cms.caching),
and the SQLite cache that keeps the embedded mode's shared counters and pages."""

import contextlib
import fcntl
import os
import pickle  # nosec B403  # the cache's own values, as Django's caches store them
import sqlite3
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.utils.cache import add_never_cache_headers, patch_cache_control


def mark_private(response):
    """Never kept by any cache: personal answers, downloads that are rate-limited."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


class SQLiteCache(BaseCache):
    """A cache in one SQLite file (WAL), shared by every worker process of one machine: the
    embedded mode's rate-limit counters, one-time human checks and public page cache.

    Django's file cache writes a temporary file and renames it for every set, and reads the
    whole entry back for every incr; each rate-limited request cost a few such writes (the
    counters' flock besides), milliseconds on a busy disk. Here a write is one statement into
    the write-ahead log of a file every process keeps open:
    - incr() is one UPDATE ... RETURNING, atomic across processes: no hit is lost when
      workers count the same client at once, and no lock file is needed;
    - add() is one INSERT that replaces only an expired entry;
    - get_many() is one SELECT (the page cache reads a page's tag versions together).
    Integers are stored as SQLite integers (so incr can add in SQL), anything else pickled.
    The file is made on the first write, not on reads: a command that never writes (a restore
    into an empty installation) leaves no trace. Every CULL_EVERY writes of a process, expired
    entries are dropped and, past MAX_ENTRIES, the 1/CULL_FREQUENCY expiring soonest (entries
    kept without a timeout, such as the page cache's tags, last; 0 drops all, as in Django).
    Culling and clear() also delete what the file-per-entry cache these folders held before
    left behind (`*.djcache` entries, its lock file): nothing reads those any more.
    """

    CULL_EVERY = 100
    FILE_NAME = "cache.sqlite3"
    LEFTOVER_SUFFIX = ".djcache"  # Django's FileBasedCache entries
    LEFTOVER_NAMES = ("counters.lock",)  # that cache's lock file for add() and incr()

    def __init__(self, location, params):
        super().__init__(params)
        self._dir = os.path.abspath(location)
        self._path = os.path.join(self._dir, self.FILE_NAME)
        self._local = threading.local()
        self._writes = 0

    # -- connections -------------------------------------------------------------------
    def _connection(self, create: bool):
        """This thread's connection, or None when reading a cache never written to."""
        local = self._local
        connection = getattr(local, "connection", None)
        if connection is not None and local.pid == os.getpid():
            return connection
        if not create and not os.path.exists(self._path):
            return None
        os.makedirs(self._dir, 0o700, exist_ok=True)
        # Switching a new file to WAL takes SQLite's exclusive lock without waiting on the
        # busy timeout, so workers opening the file at the same moment would get "database
        # is locked": they take turns on a lock file for the few statements of the setup.
        with open(os.path.join(self._dir, "setup.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                # Autocommit: each statement is its own transaction; a writer waits for another.
                connection = sqlite3.connect(self._path, timeout=30, isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                # A cache: losing the last writes to a power cut costs nothing, but the file
                # must stay sound, which WAL with NORMAL keeps (no fsync per write).
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS cache "
                    "(key TEXT PRIMARY KEY, value BLOB NOT NULL, expires REAL) WITHOUT ROWID"
                )
                connection.execute("CREATE INDEX IF NOT EXISTS cache_expires ON cache (expires)")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        local.connection, local.pid = connection, os.getpid()
        return connection

    @staticmethod
    def _dump(value):
        if type(value) is int:
            return value
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def _load(stored):
        if isinstance(stored, int):
            return stored
        return pickle.loads(stored)  # noqa: S301  # nosec B301  # only this class writes the file, under var/

    def _expiry(self, timeout):
        """(absolute expiry or None for never, whether the entry is already gone)."""
        expires = self.get_backend_timeout(timeout)
        return expires, expires is not None and expires <= time.time()

    # -- reads ---------------------------------------------------------------------------
    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection = self._connection(create=False)
        if connection is None:
            return default
        row = connection.execute(
            "SELECT value FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (key, time.time()),
        ).fetchone()
        return default if row is None else self._load(row[0])

    def get_many(self, keys, version=None):
        named = {self.make_and_validate_key(key, version=version): key for key in keys}
        connection = self._connection(create=False)
        if connection is None or not named:
            return {}
        found = {}
        names = list(named)
        for start in range(0, len(names), 500):  # SQLite's bound-parameter limit
            chunk = names[start : start + 500]
            marks = ",".join("?" * len(chunk))  # placeholders only: the keys are parameters
            sql = f"SELECT key, value FROM cache WHERE key IN ({marks}) AND (expires IS NULL OR expires > ?)"  # noqa: S608  # nosec B608
            rows = connection.execute(sql, (*chunk, time.time()))
            found.update({named[key]: self._load(value) for key, value in rows})
        return found

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection = self._connection(create=False)
        if connection is None:
            return False
        row = connection.execute(
            "SELECT 1 FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (key, time.time()),
        ).fetchone()
        return row is not None

    # -- writes --------------------------------------------------------------------------
    def _written(self, connection):
        # Django's own caches cull on every write, and their _cull is bound to their storage
        # (a database table, files): here a COUNT(*) of the table on every write would cost
        # more than the write, so a process culls on its first write and then every CULL_EVERY.
        if self._writes % self.CULL_EVERY == 0:
            self._cull(connection)
        self._writes += 1

    def _cull(self, connection):
        self._remove_leftovers()
        connection.execute(
            "DELETE FROM cache WHERE expires IS NOT NULL AND expires <= ?", (time.time(),)
        )
        (count,) = connection.execute("SELECT COUNT(*) FROM cache").fetchone()
        if count > self._max_entries:
            frequency = self._cull_frequency
            connection.execute(
                "DELETE FROM cache WHERE key IN (SELECT key FROM cache "
                "ORDER BY expires IS NULL, expires LIMIT ?)",
                (max(count // frequency, 1) if frequency else count,),
            )

    def _remove_leftovers(self):
        try:
            entries = os.scandir(self._dir)
        except FileNotFoundError:
            return
        with entries:
            for entry in entries:
                name = entry.name
                if (
                    name.endswith(self.LEFTOVER_SUFFIX) or name in self.LEFTOVER_NAMES
                ) and entry.is_file(follow_symlinks=False):
                    # Another worker may be removing the same file at the same moment.
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(entry.path)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self.set_many({key: value}, timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        rows = [(self.make_and_validate_key(k, version=version), v) for k, v in data.items()]
        if not rows:
            return []
        expires, gone = self._expiry(timeout)
        connection = self._connection(create=True)
        if gone:
            connection.executemany("DELETE FROM cache WHERE key = ?", [(k,) for k, _v in rows])
            return []
        stored = [(key, self._dump(value), expires) for key, value in rows]
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.executemany(
                "INSERT OR REPLACE INTO cache (key, value, expires) VALUES (?, ?, ?)", stored
            )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        self._written(connection)
        return []

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        expires, gone = self._expiry(timeout)
        connection = self._connection(create=True)
        now = time.time()
        if gone:
            return not self.has_key(key)
        # Inserted, or replacing an expired entry; a live one is left as it is.
        cursor = connection.execute(
            "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires "
            "WHERE cache.expires IS NOT NULL AND cache.expires <= ?",
            (key, self._dump(value), expires, now),
        )
        self._written(connection)
        return cursor.rowcount == 1

    def incr(self, key, delta=1, version=None):
        name = self.make_and_validate_key(key, version=version)
        connection = self._connection(create=True)
        row = connection.execute(
            "UPDATE cache SET value = value + ? WHERE key = ? AND typeof(value) = 'integer' "
            "AND (expires IS NULL OR expires > ?) RETURNING value",
            (delta, name, time.time()),
        ).fetchone()
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return row[0]

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection = self._connection(create=False)
        if connection is None:
            return False
        now = time.time()
        cursor = connection.execute(
            "UPDATE cache SET expires = ? WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (self.get_backend_timeout(timeout), key, now),
        )
        return cursor.rowcount == 1

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection = self._connection(create=False)
        if connection is None:
            return False
        return connection.execute("DELETE FROM cache WHERE key = ?", (key,)).rowcount == 1

    def delete_many(self, keys, version=None):
        for key in keys:
            self.delete(key, version=version)

    def clear(self):
        self._remove_leftovers()
        connection = self._connection(create=False)
        if connection is not None:
            connection.execute("DELETE FROM cache")
