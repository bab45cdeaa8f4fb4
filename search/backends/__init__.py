"""Backend selection: settings PORTAL_SEARCH_BACKEND = "embedded" | "elasticsearch".

Settings are read when a backend is asked for, never at import time, so tests
and management commands can switch them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from search.backends.base import IndexStatus, SearchBackend, SearchUnavailable

__all__ = ["IndexStatus", "SearchBackend", "SearchUnavailable", "get_backend"]

_cache: dict[tuple, SearchBackend] = {}


def get_backend(name: str | None = None) -> SearchBackend:
    """The configured backend (one instance per configuration and process)."""
    name = name or settings.PORTAL_SEARCH_BACKEND
    prefix = settings.PORTAL_SEARCH_INDEX_PREFIX
    if name == "embedded":
        key = (name, prefix, settings.DATABASES["default"]["NAME"])
        if key not in _cache:
            from search.backends.embedded import EmbeddedBackend

            _cache[key] = EmbeddedBackend(prefix=prefix)
        return _cache[key]
    if name == "elasticsearch":
        url = settings.ELASTICSEARCH_URL
        if not url:
            raise ImproperlyConfigured(
                "PORTAL_SEARCH_BACKEND is elasticsearch but ELASTICSEARCH_URL is empty"
            )
        key = (name, prefix, url)
        if key not in _cache:
            from search.backends.elasticsearch import ElasticsearchBackend

            # The client factory (make_client) reads the client options itself.
            _cache[key] = ElasticsearchBackend(url=url, prefix=prefix)
        return _cache[key]
    raise ImproperlyConfigured(
        f"Unknown PORTAL_SEARCH_BACKEND {name!r} (embedded or elasticsearch)"
    )
