"""Cache headers any app's views share (the public site's own rules are in cms.caching),
and the file cache that keeps the embedded mode's shared counters."""

import contextlib
import fcntl
import os

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.utils.cache import add_never_cache_headers, patch_cache_control


def mark_private(response):
    """Never kept by any cache: personal answers, downloads that are rate-limited."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


class CounterFileCache(FileBasedCache):
    """Django's file cache, shared by every worker process of one machine, made fit for counters.

    - Its folder is made on the first write rather than whenever a process starts: a
      command that never counts (a restore into an empty installation) leaves no trace.
    - add() and incr() hold an exclusive lock on the folder's lock file: Django's file
      cache reads then writes, so two workers counting at once would lose a hit and a
      client could pass a limit by spreading requests over the workers.
    - Django lists the whole folder on every write to see whether it is full; with
      thousands of entries that listing costs more than the write. Here it looks once every
      CULL_EVERY writes of a process, so the folder may pass MAX_ENTRIES by that many files
      before a random third is dropped.
    """

    CULL_EVERY = 100

    def __init__(self, dir, params):
        BaseCache.__init__(self, params)
        self._dir = os.path.abspath(dir)
        self._writes = 0

    def _cull(self):
        self._writes += 1
        if self._writes % self.CULL_EVERY == 1:
            super()._cull()

    @contextlib.contextmanager
    def _locked(self):
        self._createdir()
        with open(os.path.join(self._dir, "counters.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        with self._locked():
            return super().incr(key, delta, version)


class PageFileCache(CounterFileCache):
    """The embedded mode's page cache: files shared by every worker process (culled like
    the counters; pages are only ever set, so the lock is never taken)."""
