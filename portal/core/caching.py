"""Cache headers any app's views share (the public site's own rules are in cms.caching),
and the file cache that keeps the embedded mode's shared counters."""

import os

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.utils.cache import add_never_cache_headers, patch_cache_control


def mark_private(response):
    """Never kept by any cache: personal answers, downloads that are rate-limited."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


class CounterFileCache(FileBasedCache):
    """Django's file cache, making its folder on the first write rather than whenever a
    process starts: a command that never counts (a restore into an empty installation)
    leaves no trace. Shared by every worker process of one machine."""

    def __init__(self, dir, params):
        BaseCache.__init__(self, params)
        self._dir = os.path.abspath(dir)


class PageFileCache(CounterFileCache):
    """The embedded mode's page cache: files shared by every worker process.

    Django's file cache lists its whole folder on every write to see whether it is full;
    with thousands of pages that listing costs more than the write. Here it looks once
    every CULL_EVERY writes of a process, so the folder may pass MAX_ENTRIES by that many
    files before a random third is dropped (a dropped page is rendered again).
    """

    CULL_EVERY = 100

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._writes = 0

    def _cull(self):
        self._writes += 1
        if self._writes % self.CULL_EVERY == 1:
            super()._cull()
