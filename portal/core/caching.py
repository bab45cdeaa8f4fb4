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
