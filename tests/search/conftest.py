"""Search test fixtures: backends configured per test class, a real osmem-server for
Elasticsearch (one per session, one index prefix per run, cleaned up once)."""

import uuid

import pytest
from django.db import connection

from search import backends
from search.backends import get_backend

# One index prefix per test run, so runs sharing a server never see each other.
RUN_PREFIX = f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def osmem_url():
    """A real OpenSearch-compatible HTTP server (osmem-server), started once per session."""
    from osmem_server import OsmemServer

    from search.backends.elasticsearch import ElasticsearchBackend

    server = OsmemServer.start(japanese=False)
    try:
        yield server.url
    finally:
        # Clean up once per session: every index of this run.
        ElasticsearchBackend(url=server.url, prefix=RUN_PREFIX, plain_json=True).drop_all()
        server.close()


def configure(settings, kind: str, request=None, prefix: str = RUN_PREFIX):
    """Point the settings at one backend: "fts", "ngram" (embedded) or "elasticsearch"."""
    backends._cache.clear()
    settings.PORTAL_SEARCH_INDEX_PREFIX = prefix
    if kind == "elasticsearch":
        settings.PORTAL_SEARCH_BACKEND = "elasticsearch"
        settings.ELASTICSEARCH_URL = request.getfixturevalue("osmem_url")
        # osmem-server refuses the client's compatibility media types (406).
        settings.PORTAL_ELASTICSEARCH_PLAIN_JSON = True
    else:
        if kind == "fts" and connection.vendor != "sqlite":
            pytest.skip("FTS5 is the SQLite form of the embedded index")
        settings.PORTAL_SEARCH_BACKEND = "embedded"
        settings.PORTAL_SEARCH_EMBEDDED_FTS = kind == "fts"
    backend = get_backend()
    backend.drop_all()
    return backend


@pytest.fixture
def search_backend(settings, request):
    """The backend named by the test class's `backend_kind` (default: embedded FTS)."""
    kind = getattr(request.cls, "backend_kind", "fts") if request.cls else "fts"
    backend = configure(settings, kind, request)
    yield backend
    if kind == "elasticsearch":
        backend.drop_all()
    backends._cache.clear()
