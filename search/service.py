"""The public search contract: what the public site, the JSON API and reviewers call.

Everything here goes through the configured backend (settings
PORTAL_SEARCH_BACKEND: "embedded" or "elasticsearch"); callers never talk to a
backend directly. Disclosure rules are enforced when documents are built
(search.documents), so whatever a backend returns is already public.

- search_public(SearchQuery) -> SearchResults
- suggest(prefix, limit=8) -> [{"name", "code"}]
- subject_profile(code) -> dict | None   (read from the database, the source of truth)

search_public and suggest raise search.backends.SearchUnavailable when the
Elasticsearch backend cannot be reached: show "search is unavailable" (the JSON
API answers 503), never an empty result that would read as "no records".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SORT_RELEVANCE = "relevance"
SORT_DATE = "date"
SORTS = (SORT_RELEVANCE, SORT_DATE)
MAX_PER_PAGE = 50
# Deep paging is refused: the public gets at most this many hits per query (anti-scraping).
MAX_RESULT_WINDOW = 1000
FACETS = ("kind", "item", "department", "district", "year", "list")


@dataclass
class SearchQuery:
    """One public search. Empty strings mean "no filter"."""

    q: str = ""
    kind: str = ""  # portal.subjects.models.SubjectKind value
    item: str = ""  # CatalogItem.code
    department: str = ""  # Department.code
    district: str = ""  # division code, portal.subjects.districts
    year: int | None = None  # decision year of a record
    list_type: str = ""  # "red" | "black"
    page: int = 1
    per_page: int = 20
    sort: str = SORT_RELEVANCE  # "relevance" | "date"

    def clean(self) -> SearchQuery:
        """A copy with the text normalised and page bounds enforced."""
        from portal.core.text import normalise_text

        per_page = min(max(int(self.per_page or 20), 1), MAX_PER_PAGE)
        last_page = max(MAX_RESULT_WINDOW // per_page, 1)
        return SearchQuery(
            q=normalise_text(self.q)[:100],
            kind=(self.kind or "").strip(),
            item=(self.item or "").strip(),
            department=(self.department or "").strip(),
            district=(self.district or "").strip(),
            year=int(self.year) if self.year not in (None, "") else None,
            list_type=(self.list_type or "").strip(),
            page=min(max(int(self.page or 1), 1), last_page),
            per_page=per_page,
            sort=self.sort if self.sort in SORTS else SORT_RELEVANCE,
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def filters(self) -> dict:
        """The facet filters in force, keyed by facet name."""
        values = {
            "kind": self.kind,
            "item": self.item,
            "department": self.department,
            "district": self.district,
            "year": str(self.year) if self.year else "",
            "list": self.list_type,
        }
        return {k: v for k, v in values.items() if v}


@dataclass
class Hit:
    """One search hit: a subject, or one of a subject's published records."""

    type: str  # "subject" | "record"
    subject_code: str  # Subject.code: the key of the profile URL (never a clear identity number)
    subject_name: str
    public_code: str  # USCC, or the masked identity number of a person
    record_id: int | None = None
    item_code: str = ""
    item_name: str = ""
    department: str = ""  # department name
    department_code: str = ""
    decision_date: dt.date | None = None
    highlight: str = ""  # safe HTML: escaped text with <mark> around the matches
    score: float = 0.0
    kind: str = ""
    district: str = ""
    decision_no: str = ""
    list_types: list[str] = field(default_factory=list)
    under_objection: bool = False
    # A near name (not literally the query): why it matched, in words ("同音字", …).
    match_reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "type": self.type,
            "subject_code": self.subject_code,
            "subject_name": self.subject_name,
            "public_code": self.public_code,
            "record_id": self.record_id,
            "item_code": self.item_code,
            "item_name": self.item_name,
            "department": self.department,
            "department_code": self.department_code,
            "decision_date": self.decision_date.isoformat() if self.decision_date else None,
            "decision_no": self.decision_no,
            "kind": self.kind,
            "district": self.district,
            "lists": list(self.list_types),
            "under_objection": self.under_objection,
            "highlight": self.highlight,
            "score": self.score,
            "match_reasons": list(self.match_reasons),
        }


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    # facet name -> [(value, label, count)], most frequent first
    facets: dict[str, list[tuple[str, str, int]]]
    page: int
    per_page: int
    # Set when the query was a code that names one subject: the site may go straight there.
    exact_code: str = ""
    # Nothing found: organisations with a near name ("您是不是要找…"), [{"name", "code"}].
    did_you_mean: list[dict] = field(default_factory=list)

    @property
    def pages(self) -> int:
        reachable = min(self.total, MAX_RESULT_WINDOW)
        return max((reachable + self.per_page - 1) // self.per_page, 1)

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "exact_code": self.exact_code or None,
            "did_you_mean": list(self.did_you_mean),
            "hits": [hit.as_json() for hit in self.hits],
            "facets": {
                name: [{"value": v, "label": label, "count": n} for v, label, n in values]
                for name, values in self.facets.items()
            },
        }


def search_public(query: SearchQuery) -> SearchResults:
    """Search what the public may see. A code that normalises to a subject's code goes
    straight to that subject (SearchResults.exact_code is set and it is the only hit)."""
    from search.analysis import query_terms
    from search.backends import get_backend
    from search.queries import exact_code_results, facet_lists, localise_hits

    query = query.clean()
    direct = exact_code_results(query)
    if direct is not None:
        localise_hits(direct.hits)
        return direct
    if query.q and not query_terms(query.q):
        # Punctuation alone (%, _, *) is taken literally, and no name is only that:
        # never a wildcard that lists everybody.
        return SearchResults(0, [], facet_lists({}), query.page, query.per_page)
    backend = get_backend()
    results = backend.search(query)
    localise_hits(results.hits)
    if results.total == 0 and query.q:
        results.did_you_mean = did_you_mean(query.q, backend)
    return results


DID_YOU_MEAN = 5


def did_you_mean(q: str, backend=None) -> list[dict]:
    """Organisations whose name is near `q` by the looser name keys (a homophone and one
    character more apart, say): offered when a search found nothing. Never a person."""
    from portal.subjects.name_keys import query_keys
    from search.backends import get_backend

    keys = query_keys(q, with_loose=True)
    wanted = [*keys.normalised, *keys.fuzzy, *keys.loose]
    if not keys or not wanted:
        return []
    return (backend or get_backend()).near_names(wanted, DID_YOU_MEAN)


def suggest(prefix: str, limit: int = 8) -> list[dict]:
    """Names of organisations starting with `prefix`, for the search box: [{"name", "code"}].

    Natural persons are never suggested (no autocomplete of people's names).
    """
    from portal.core.text import normalise_text
    from search.backends import get_backend

    prefix = normalise_text(prefix)[:50]
    if not prefix:
        return []
    return get_backend().suggest(prefix, max(1, min(int(limit), 20)))


def subject_profile(code: str) -> dict | None:
    """A subject's published profile, or None when the public may not see it."""
    from search.profiles import published_profile

    return published_profile(code)
