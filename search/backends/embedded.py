"""Embedded backend (interim: plain ORM queries; replaced by the FTS5 / n-gram index)."""

from __future__ import annotations

from django.db.models import Q

from portal.subjects.models import Subject
from search.backends.base import IndexStatus, SearchBackend
from search.documents import build_documents
from search.queries import TIER_NAME, facet_lists, terms_of, to_hit
from search.service import SearchResults


class EmbeddedBackend(SearchBackend):
    name = "embedded"

    def __init__(self, prefix: str):
        self.prefix = prefix

    def search(self, query):
        terms = terms_of(query)
        subjects = Subject.objects.all()
        for term in terms:
            subjects = subjects.filter(Q(name__icontains=term) | Q(names__name__icontains=term))
        ids = list(subjects.distinct().order_by("pk").values_list("pk", flat=True)[:200])
        docs = [d for sid, ds in build_documents(ids).items() for d in ds if d.type == "subject"]
        if query.kind:
            docs = [d for d in docs if d.kind == query.kind]
        if query.district:
            docs = [d for d in docs if d.district == query.district]
        docs.sort(key=lambda d: d.order)
        page = docs[query.offset : query.offset + query.per_page]
        counts: dict = {}
        for d in docs:
            counts.setdefault("kind", {}).setdefault(d.kind, 0)
            counts["kind"][d.kind] += 1
        return SearchResults(
            total=len(docs),
            hits=[to_hit(d, terms, TIER_NAME) for d in page],
            facets=facet_lists(counts),
            page=query.page,
            per_page=query.per_page,
        )

    def suggest(self, prefix, limit):
        rows = (
            Subject.objects.filter(name__startswith=prefix)
            .exclude(kind="natural_person")
            .order_by("name")[:limit]
        )
        return [{"name": s.name, "code": s.code} for s in rows]

    def replace_subjects(self, documents):
        return 0

    def ensure_index(self):
        return None

    def status(self):
        return IndexStatus(name="interim", documents=0, exists=False)

    def begin_rebuild(self):
        raise NotImplementedError

    def bulk_load(self, target, documents):
        raise NotImplementedError

    def finish_rebuild(self, target):
        raise NotImplementedError

    def abort_rebuild(self, target):
        raise NotImplementedError

    def document_versions(self):
        return {}

    def drop_all(self):
        return None
