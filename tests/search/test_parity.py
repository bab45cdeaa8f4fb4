"""The same query returns the same hits in the same order on every backend."""

import pytest

from portal.subjects.models import Subject
from search.backends.elasticsearch import ElasticsearchBackend
from search.backends.embedded import EmbeddedBackend
from search.documents import build_documents
from search.service import SearchQuery
from tests.search.conftest import RUN_PREFIX
from tests.search.helpers import build_world

QUERIES = [
    {"q": "华信"},
    {"q": "华信", "sort": "date"},
    {"q": "华信", "kind": "enterprise"},
    {"q": "华信", "list_type": "black"},
    {"q": "华"},
    {"q": "华信 科技"},
    {"q": "虚假宣传"},
    {"q": "罚款"},
    {"q": "惠建许〔2024〕7号"},
    {"q": "建材"},
    {"q": "", "per_page": 3, "page": 2},
    {"q": "", "item": "ADM_PENALTY"},
    {"q": "", "sort": "date", "per_page": 50},
    {"q": "", "district": "441302", "list_type": "red"},
    {"q": "nothing-at-all"},
]


def snapshot(backend, params):
    results = backend.search(SearchQuery(**params).clean())
    return {
        "total": results.total,
        "hits": [(h.type, h.record_id or h.subject_code, h.score) for h in results.hits],
        "highlights": [h.highlight for h in results.hits],
        "facets": results.facets,
    }


@pytest.mark.django_db
@pytest.mark.elasticsearch
def test_all_backends_agree(request):
    build_world()
    documents = build_documents(Subject.objects.values_list("pk", flat=True))
    url = request.getfixturevalue("osmem_url")
    backends = [
        EmbeddedBackend(prefix="parity_fts", use_fts=True),
        EmbeddedBackend(prefix="parity_tokens", use_fts=False),
        ElasticsearchBackend(url=url, prefix=f"{RUN_PREFIX}-parity", plain_json=True),
    ]
    from django.db import connection

    if connection.vendor != "sqlite":
        backends.pop(0)
    try:
        for backend in backends:
            backend.replace_subjects(documents)
        for params in QUERIES:
            first, *others = [snapshot(b, params) for b in backends]
            assert first["total"] > 0 or params["q"] == "nothing-at-all", params
            for other in others:
                assert other == first, params
    finally:
        backends[-1].drop_all()
