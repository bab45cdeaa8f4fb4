"""Query helpers shared by both backends: code look-up, facet labels, hit building."""

from __future__ import annotations

from django.utils.translation import gettext

from portal.catalog.models import CatalogItem, ListType
from portal.core.codes import CodeError, validate_uscc
from portal.core.languages import is_english, localised_choices
from portal.core.text import normalise_code
from portal.departments.models import Department
from portal.subjects import name_keys
from portal.subjects.districts import district_name
from portal.subjects.models import SubjectKind
from search.analysis import highlight
from search.documents import SUBJECT, IndexDoc
from search.service import FACETS, Hit, SearchQuery, SearchResults

# Relevance tiers (higher first); the same numbers are the Elasticsearch constant scores.
TIER_EXACT = 8.0  # the name (or decision number) is exactly the query
TIER_NORMALISED = 6.0  # the same core name (place prefix, organisational form aside)
TIER_PREFIX = 4.0  # the name starts with the query
TIER_NAME = 2.0  # the name contains the query
TIER_FUZZY = 1.5  # a near name: traditional characters, a homophone, one character apart
TIER_OTHER = 1.0  # a former name or a record's text contains the query
NEAR_TIERS = (TIER_NORMALISED, TIER_FUZZY)


def reason_labels() -> dict[str, str]:
    """Why a near name matched, in the reader's language."""
    return {
        name_keys.TRADITIONAL: gettext("繁体字"),
        name_keys.PLACE_OMITTED: gettext("省略了城市名"),
        name_keys.PLACE_WRITTEN: gettext("城市名写法不同"),
        name_keys.FORM: gettext("组织形式不同"),
        name_keys.FORM_OMITTED: gettext("省略了组织形式"),
        name_keys.HOMOPHONE: gettext("同音字"),
        name_keys.ONE_CHARACTER: gettext("相差一个字"),
    }


def key_token(key: str) -> str:
    """A name key as one token of the embedded text index: a mark no text token has
    (※ is never part of a word), the key's class letter, its value."""
    return "\u203b" + key.replace(":", "", 1)


def looks_like_code(q: str) -> str:
    """The normalised code when `q` is one: a valid USCC, or a subject (person) code."""
    code = normalise_code(q)
    if len(code) != 18:
        return ""
    try:
        return validate_uscc(code)
    except CodeError:
        pass
    if code.startswith("P") and all(c in "0123456789ABCDEF" for c in code[1:]):
        return code
    return ""


def exact_code_results(query: SearchQuery) -> SearchResults | None:
    """A query that is a subject's code finds that subject alone (if the public may see it)."""
    code = looks_like_code(query.q)
    if not code:
        return None
    from portal.subjects.models import Subject
    from search.documents import build_documents

    subject = Subject.objects.filter(code=code).only("pk").first()
    documents = build_documents([subject.pk])[subject.pk] if subject else []
    if not documents:
        return SearchResults(0, [], {}, 1, query.per_page)
    doc = documents[0]
    hit = to_hit(doc, [], TIER_EXACT)
    hit.highlight = f"<mark>{hit.highlight}</mark>" if hit.highlight else ""
    return SearchResults(1, [hit], {}, 1, query.per_page, exact_code=doc.subject_code)


def to_hit(doc: IndexDoc, terms: list[str], score: float, q: str = "") -> Hit:
    reasons: list[str] = []
    if doc.type == SUBJECT:
        text = doc.names[0] if doc.names else doc.subject_name
        matched = ""
        if score in NEAR_TIERS and q:
            matched = name_keys.best_name(q, doc.names)
            labels = reason_labels()
            reasons = [labels[r] for r in name_keys.match_reasons(q, matched)]
        else:
            matched = next((n for n in doc.names if any(t in n.lower() for t in terms)), "")
        if matched:
            text = (
                matched
                if matched == doc.subject_name
                else gettext("%(name)s（曾用名：%(former)s）")
                % {"name": doc.subject_name, "former": matched}
            )
        marked = highlight(text, terms)
    else:
        text = doc.body or doc.decision_no
        if terms and not any(t in text.lower() for t in terms):
            text = doc.decision_no or text
        marked = highlight(text, terms)
    return Hit(
        type=doc.type,
        subject_code=doc.subject_code,
        subject_name=doc.subject_name,
        public_code=doc.public_code,
        record_id=doc.record_id,
        item_code=doc.item_code,
        item_name=doc.item_name,
        department=doc.department_name,
        department_code=doc.department_code,
        decision_date=doc.decision_date,
        highlight=marked,
        score=score,
        kind=doc.kind,
        district=doc.district,
        decision_no=doc.decision_no,
        list_types=list(doc.lists),
        under_objection=doc.under_objection,
        match_reasons=reasons,
    )


class FacetLabels:
    """Human labels for facet values in the reader's language (the index holds codes and
    Chinese names; English pages show the English names kept as data), looked up once
    per query."""

    def __init__(self):
        self._items = None
        self._departments = None

    def label(self, facet: str, value: str) -> str:
        if facet == "kind":
            return str(SubjectKind(value).label) if value in SubjectKind.values else value
        if facet == "district":
            return district_name(value)
        if facet == "list":
            return str(ListType(value).label) if value in ListType.values else value
        if facet == "item":
            if self._items is None:
                rows = CatalogItem.objects.values_list("code", "name", "name_en")
                self._items = dict(localised_choices(rows))
            return self._items.get(value, value)
        if facet == "department":
            if self._departments is None:
                rows = Department.objects.values_list("code", "name", "name_en")
                self._departments = dict(localised_choices(rows))
            return self._departments.get(value, value)
        return value


def localise_hits(hits: list[Hit]) -> list[Hit]:
    """Hits with their catalog item and department named in the reader's language: the
    documents carry the Chinese names, English pages show the English ones."""
    if not is_english():
        return hits
    labels = FacetLabels()
    for hit in hits:
        if hit.item_code:
            hit.item_name = labels.label("item", hit.item_code)
        if hit.department_code:
            hit.department = labels.label("department", hit.department_code)
    return hits


def facet_lists(counts: dict[str, dict[str, int]]) -> dict[str, list[tuple[str, str, int]]]:
    """{facet: {value: count}} -> {facet: [(value, label, count)]}, most frequent first
    (years newest first)."""
    labels = FacetLabels()
    result = {}
    for facet in FACETS:
        values = counts.get(facet, {})
        pairs = [(v, n) for v, n in values.items() if n > 0 and v not in ("", None)]
        if facet == "year":
            pairs.sort(key=lambda p: -int(p[0]))
        else:
            pairs.sort(key=lambda p: (-p[1], str(p[0])))
        result[facet] = [(str(v), labels.label(facet, str(v)), n) for v, n in pairs]
    return result
