"""The Elasticsearch backend (elasticsearch-dsl 8) for the production stack.

Index layout: versioned indices `<prefix>-credit-<timestamp>` behind the alias
`<prefix>-credit` (queries and writes) and, during a rebuild, the alias
`<prefix>-credit-building` on the index being filled (writes go to both).
The mapping is search.documents.CreditDocument: the `portal_cjk` analyzer
(standard tokenizer, cjk_width, lowercase, cjk_bigram) for names and text,
keywords for codes and facets, `name_fold` for exact, prefix and suggestion
queries.

Ranking is deliberately not BM25: the relevance tiers of search.queries are
constant scores (dis_max of constant_score clauses), then the shared static
order — so this backend and the embedded one return the same hits in the
same order.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable

from django.conf import settings
from elastic_transport import Transport
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from elasticsearch_dsl import Q

from portal.subjects.name_keys import QueryKeys, query_keys
from search.analysis import fold, is_single_char, query_terms
from search.backends.base import IndexStatus, SearchBackend, SearchUnavailable
from search.documents import CreditDocument, IndexDoc
from search.queries import (
    TIER_EXACT,
    TIER_FUZZY,
    TIER_NAME,
    TIER_NORMALISED,
    TIER_OTHER,
    TIER_PREFIX,
    facet_lists,
    to_hit,
)
from search.service import FACETS, MAX_RESULT_WINDOW, SORT_DATE, SearchQuery, SearchResults

logger = logging.getLogger(__name__)

# Facet name -> document field.
FACET_FIELDS = {
    "kind": "kind",
    "item": "item_code",
    "department": "department_code",
    "district": "district",
    "year": "year",
    "list": "lists",
}
FACET_SIZE = 200
_COMPAT = re.compile(r"application/vnd\.elasticsearch\+([\w-]+);\s*compatible-with=\d+")


class PlainJsonTransport(Transport):
    """Sends application/json instead of the client's compatibility media types.

    Only for test servers that refuse those types (osmem-server answers 406);
    chosen by settings PORTAL_ELASTICSEARCH_PLAIN_JSON, which only the test
    settings and fixtures turn on.
    """

    def perform_request(self, method, target, *, headers=None, **kwargs):
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if name in headers:
                    headers[name] = _COMPAT.sub(r"application/\1", headers[name])
        return super().perform_request(method, target, headers=headers, **kwargs)


PERSON_KIND = "natural_person"


def make_client(url: str | None = None, plain_json: bool | None = None) -> Elasticsearch:
    """The client for ELASTICSEARCH_URL (read here, when a client is made)."""
    url = url or settings.ELASTICSEARCH_URL
    if plain_json is None:
        plain_json = settings.PORTAL_ELASTICSEARCH_PLAIN_JSON
    extra = {"transport_class": PlainJsonTransport} if plain_json else {}
    return Elasticsearch(
        url,
        request_timeout=settings.PORTAL_ELASTICSEARCH_TIMEOUT,
        max_retries=2,
        retry_on_timeout=True,
        **extra,
    )


def build_search_body(query: SearchQuery) -> dict:
    """The request body of a public search (pure: the golden-file tests compare it)."""
    terms = query_terms(query.q)
    body: dict = {
        "track_total_hits": True,
        "from": query.offset,
        "size": query.per_page,
        "_source": {"excludes": ["name", "former", "name_fold", "decision_no_fold", "name_keys"]},
    }
    if terms:
        body["query"] = _text_query(terms, fold(query.q), _keys_for(terms, query.q)).to_dict()
    else:
        # Browsing without words never lists natural persons (docs/domain.md, Rules
        # that protect people): they are found only by their full name.
        body["query"] = {"bool": {"must_not": [{"term": {"kind": PERSON_KIND}}]}}
    if query.sort == SORT_DATE:
        body["track_scores"] = True  # hits sorted by date still say how well they match
        body["sort"] = [
            {"decision_date": {"order": "desc", "missing": "_last"}},
            {"order": {"order": "asc"}},
        ]
    else:
        body["sort"] = [{"_score": {"order": "desc"}}, {"order": {"order": "asc"}}]
    filters = query.filters()
    if filters:
        body["post_filter"] = {
            "bool": {"filter": [_facet_filter(f, v) for f, v in filters.items()]}
        }
    aggs = {}
    for facet in FACETS:
        others = [_facet_filter(f, v) for f, v in filters.items() if f != facet]
        terms_agg = {"terms": {"field": FACET_FIELDS[facet], "size": FACET_SIZE}}
        aggs[facet] = {
            "filter": {"bool": {"filter": others}} if others else {"match_all": {}},
            "aggs": {"values": terms_agg},
        }
    body["aggs"] = aggs
    return body


def _facet_filter(facet: str, value: str) -> dict:
    return {"term": {FACET_FIELDS[facet]: value}}


def _keys_for(terms: list[str], q: str) -> QueryKeys:
    """Near names are looked for when every term is a word (as the embedded backend does)."""
    if any(is_single_char(t) for t in terms):
        return QueryKeys()
    return query_keys(q)


def _in_organisation_name(term: str):
    """A one-character term: anywhere in an organisation's current name (never a person's)."""
    return Q(
        "bool",
        filter=[Q("wildcard", name_fold={"value": f"*{term}*"})],
        must_not=[Q("term", kind=PERSON_KIND)],
    )


def _term_match(term: str):
    """Where one query term may match: a phrase of bigrams in any text field, or for a
    one-character term, anywhere in the current name."""
    if is_single_char(term):
        return _in_organisation_name(term)
    return Q(
        "bool",
        should=[Q("match_phrase", **{field: term}) for field in ("name", "former", "body")],
        minimum_should_match=1,
    )


def _in_name(term: str):
    if is_single_char(term):
        return _in_organisation_name(term)
    return Q("match_phrase", name=term)


def _text_query(terms: list[str], folded: str, keys: QueryKeys | None = None):
    """Every term matches, or a name key does; the score is the best relevance tier the
    document reaches."""
    keys = keys or QueryKeys()
    tiers = [
        Q("constant_score", filter=Q("term", name_fold=folded), boost=TIER_EXACT),
        Q(
            "constant_score",
            filter=Q("term", decision_no_fold=folded.replace(" ", "")),
            boost=TIER_EXACT,
        ),
    ]
    if keys:
        tiers.append(
            Q("constant_score", filter=Q("terms", name_keys=keys.normalised), boost=TIER_NORMALISED)
        )
        tiers.append(Q("constant_score", filter=Q("terms", name_keys=keys.fuzzy), boost=TIER_FUZZY))
    if len(terms) == 1:
        tiers.append(Q("constant_score", filter=Q("prefix", name_fold=folded), boost=TIER_PREFIX))
    tiers.append(
        Q(
            "constant_score",
            filter=Q("bool", filter=[_in_name(t) for t in terms]),
            boost=TIER_NAME,
        )
    )
    tiers.append(Q("constant_score", filter=Q("match_all"), boost=TIER_OTHER))
    words = Q("bool", filter=[_term_match(t) for t in terms])
    if keys:
        near = Q("terms", name_keys=[*keys.normalised, *keys.fuzzy])
        matches = Q("bool", should=[words, near], minimum_should_match=1)
    else:
        matches = words
    return Q("bool", filter=[matches], should=[Q("dis_max", queries=tiers)])


def _es_source(doc: IndexDoc) -> dict:
    source = doc.as_dict()
    name, former, body = doc.search_texts()
    source.update(
        name=name,
        former=former,
        body=body,
        name_fold=doc.name_folded if doc.type == "subject" else None,
        decision_no_fold=doc.decision_no_folded or None,
    )
    return source


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str, prefix: str, plain_json: bool | None = None):
        self.prefix = re.sub(r"[^a-z0-9_-]", "-", prefix.lower())
        self.alias = f"{self.prefix}-credit"
        self.building_alias = f"{self.alias}-building"
        self.client = make_client(url, plain_json)

    # -- helpers ----------------------------------------------------------------
    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (TransportError, ConnectionError) as exc:
            raise SearchUnavailable(str(exc)) from exc
        except ApiError as exc:
            if exc.meta.status >= 500 or exc.meta.status == 429:
                raise SearchUnavailable(str(exc)) from exc
            raise

    def _indices_of(self, alias: str) -> list[str]:
        try:
            return sorted(self._call(self.client.indices.get_alias, name=alias).body)
        except NotFoundError:
            return []

    def _create_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**6:06d}"
        index = CreditDocument.index_definition(name)
        self._call(self.client.indices.create, index=name, **index.to_dict())
        return name

    # -- lifecycle --------------------------------------------------------------
    def ensure_index(self) -> None:
        if self._indices_of(self.alias):
            return
        name = self._create_index()
        self._call(
            self.client.indices.update_aliases,
            actions=[{"add": {"index": name, "alias": self.alias}}],
        )

    def status(self) -> IndexStatus:
        indices = self._indices_of(self.alias)
        if not indices:
            return IndexStatus(name="", documents=0, exists=False)
        count = self._call(self.client.count, index=self.alias)["count"]
        return IndexStatus(
            name=indices[0],
            documents=count,
            details={"alias": self.alias, "building": self._indices_of(self.building_alias)},
        )

    def begin_rebuild(self) -> str:
        for stale in self._indices_of(self.building_alias):  # an earlier rebuild died
            self._call(self.client.indices.delete, index=stale, ignore_unavailable=True)
        name = self._create_index()
        self._call(
            self.client.indices.put_settings, index=name, settings={"refresh_interval": "-1"}
        )
        self._call(
            self.client.indices.update_aliases,
            actions=[{"add": {"index": name, "alias": self.building_alias}}],
        )
        return name

    def bulk_load(self, target: str, documents: Iterable[IndexDoc]) -> int:
        actions = (
            {"_op_type": "index", "_index": target, "_id": doc.key, "_source": _es_source(doc)}
            for doc in documents
        )
        count = 0
        try:
            for ok, item in helpers.streaming_bulk(
                self.client, actions, chunk_size=1000, raise_on_error=False
            ):
                if not ok:
                    raise SearchUnavailable(f"bulk indexing failed: {item}")
                count += 1
        except (TransportError, ConnectionError) as exc:
            raise SearchUnavailable(str(exc)) from exc
        return count

    def finish_rebuild(self, target: str) -> None:
        self._call(
            self.client.indices.put_settings, index=target, settings={"refresh_interval": None}
        )
        self._call(self.client.indices.refresh, index=target)
        old = [name for name in self._indices_of(self.alias) if name != target]
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions += [
            {"add": {"index": target, "alias": self.alias}},
            {"remove": {"index": target, "alias": self.building_alias}},
        ]
        self._call(self.client.indices.update_aliases, actions=actions)  # atomic switch
        for name in old:
            self._call(self.client.indices.delete, index=name, ignore_unavailable=True)

    def abort_rebuild(self, target: str) -> None:
        self._call(self.client.indices.delete, index=target, ignore_unavailable=True)

    def drop_all(self) -> None:
        self._call(
            self.client.indices.delete,
            index=f"{self.alias}-*",
            ignore_unavailable=True,
            allow_no_indices=True,
        )

    def document_versions(self) -> dict[str, str]:
        if not self._indices_of(self.alias):
            return {}
        try:
            return {
                hit["_id"]: hit["_source"]["version"]
                for hit in helpers.scan(
                    self.client,
                    index=self.alias,
                    query={"query": {"match_all": {}}, "_source": ["version"]},
                    size=2000,
                )
            }
        except (TransportError, ConnectionError) as exc:
            raise SearchUnavailable(str(exc)) from exc

    # -- writing ----------------------------------------------------------------
    def _write_targets(self) -> list[str]:
        targets = [self.alias] if self._indices_of(self.alias) else []
        if self._indices_of(self.building_alias):
            targets.append(self.building_alias)
        return targets

    def replace_subjects(self, documents: dict[int, list[IndexDoc]]) -> int:
        if not documents:
            return 0
        self.ensure_index()
        written = 0
        for target in self._write_targets():
            keys = [doc.key for docs in documents.values() for doc in docs]
            # Documents of these subjects that should no longer exist (no longer public).
            self._call(
                self.client.delete_by_query,
                index=target,
                query={
                    "bool": {
                        "filter": [{"terms": {"subject_id": sorted(documents)}}],
                        "must_not": [{"ids": {"values": keys}}] if keys else [],
                    }
                },
                refresh=True,
                conflicts="proceed",
            )
            actions = [
                {"_op_type": "index", "_index": target, "_id": doc.key, "_source": _es_source(doc)}
                for docs in documents.values()
                for doc in docs
            ]
            if actions:
                try:
                    ok, errors = helpers.bulk(
                        self.client, actions, refresh=True, raise_on_error=False
                    )
                except (TransportError, ConnectionError) as exc:
                    raise SearchUnavailable(str(exc)) from exc
                if errors:
                    raise SearchUnavailable(f"bulk indexing failed: {errors[:3]}")
                written += ok
        return written

    def delete_documents(self, keys: list[str]) -> None:
        if not keys:
            return
        for target in self._write_targets():
            self._call(
                self.client.delete_by_query,
                index=target,
                query={"ids": {"values": keys}},
                refresh=True,
                conflicts="proceed",
            )

    # -- querying ---------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResults:
        if not self._indices_of(self.alias):
            return SearchResults(0, [], facet_lists({}), query.page, query.per_page)
        body = build_search_body(query)
        body["size"] = max(0, min(query.per_page, MAX_RESULT_WINDOW - query.offset))
        response = self._call(self.client.search, index=self.alias, **body)
        terms = query_terms(query.q)
        hits = [
            to_hit(
                IndexDoc.from_dict(hit["_source"]),
                terms,
                float(hit["_score"] or 0) if terms else 0.0,
                query.q,
            )
            for hit in response["hits"]["hits"]
        ]
        counts = {
            facet: {
                str(bucket["key"]): bucket["doc_count"]
                for bucket in response["aggregations"][facet]["values"]["buckets"]
            }
            for facet in FACETS
        }
        return SearchResults(
            total=response["hits"]["total"]["value"],
            hits=hits,
            facets=facet_lists(counts),
            page=query.page,
            per_page=query.per_page,
        )

    def near_names(self, keys: list[str], limit: int) -> list[dict]:
        if not keys or not self._indices_of(self.alias):
            return []
        response = self._call(
            self.client.search,
            index=self.alias,
            query={
                "bool": {
                    "filter": [
                        {"term": {"type": "subject"}},
                        {"terms": {"name_keys": sorted(set(keys))}},
                    ],
                    "must_not": [{"term": {"kind": PERSON_KIND}}],
                }
            },
            sort=[{"order": {"order": "asc"}}],
            size=limit,
            _source=["subject_name", "subject_code"],
        )
        return [
            {"name": hit["_source"]["subject_name"], "code": hit["_source"]["subject_code"]}
            for hit in response["hits"]["hits"]
        ]

    def suggest(self, prefix: str, limit: int) -> list[dict]:
        if not self._indices_of(self.alias):
            return []
        response = self._call(
            self.client.search,
            index=self.alias,
            query={
                "bool": {
                    "filter": [
                        {"term": {"type": "subject"}},
                        {"prefix": {"name_fold": fold(prefix)}},
                    ],
                    "must_not": [{"term": {"kind": "natural_person"}}],
                }
            },
            sort=[{"order": {"order": "asc"}}],
            size=limit,
            _source=["subject_name", "subject_code"],
        )
        return [
            {"name": hit["_source"]["subject_name"], "code": hit["_source"]["subject_code"]}
            for hit in response["hits"]["hits"]
        ]
