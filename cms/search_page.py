"""The public search results page, on the search engineer's contract (search.service).

A plain GET form: facets are links that add or remove one filter, so the page
works without JavaScript and every result page has its own address.
"""

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

from search.backends import SearchUnavailable
from search.service import FACETS, SORTS, SearchQuery, SearchResults, search_public

# The GET parameter of each facet (the "list" facet is the list_type filter).
FACET_PARAMS = {name: name for name in FACETS}
FACET_TITLES = {
    "kind": _("主体类别"),
    "item": _("信息类别"),
    "department": _("提供部门"),
    "district": _("区县"),
    "year": _("决定年份"),
    "list": _("红黑名单"),
}
PARAMS = ("q", *FACETS, "sort")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    active: bool
    url: str


@dataclass
class Facet:
    name: str
    title: str
    values: list


def _params(request) -> dict:
    return {name: request.GET.get(name, "").strip() for name in PARAMS}


def query_from(params: dict, page) -> SearchQuery:
    year = params["year"]
    try:
        page_number = int(page or 1)
    except ValueError:
        page_number = 1
    return SearchQuery(
        q=params["q"],
        kind=params["kind"],
        item=params["item"],
        department=params["department"],
        district=params["district"],
        year=int(year) if year.isdigit() else None,
        list_type=params["list"],
        sort=params["sort"] or SORTS[0],
        page=page_number,
    ).clean()


def _url(base: str, params: dict) -> str:
    kept = {k: v for k, v in params.items() if v}
    return f"{base}?{urlencode(kept)}" if kept else base


def facets_of(results: SearchResults, params: dict, base: str) -> list[Facet]:
    facets = []
    for name in FACETS:
        values = []
        for value, label, count in results.facets.get(name, []):
            value = str(value)
            active = params.get(name) == value
            toggled = {**params, name: "" if active else value}
            values.append(FacetValue(value, label, count, active, _url(base, toggled)))
        if values:
            facets.append(Facet(name, FACET_TITLES.get(name, name), values))
    return facets


def _label(results: SearchResults, name: str, value: str) -> str:
    for candidate, label, _count in results.facets.get(name, []):
        if str(candidate) == value:
            return label
    return value


def run_search(request, base: str) -> dict:
    """The search page's context: the query, the results and the facet links."""
    params = _params(request)
    wanted = params["q"] or any(params[name] for name in FACETS)
    context = {"params": params, "searched": bool(wanted), "sorts": SORTS}
    if not wanted:
        return context
    query = query_from(params, request.GET.get("page"))
    try:
        results = search_public(query)
        if results.total and query.page > results.pages:
            # A page past the end (an old link, a typed number) shows the last page.
            query = dataclasses.replace(query, page=results.pages)
            results = search_public(query)
    except SearchUnavailable:
        # The engine is down: say so plainly; profiles and lists still work from the database.
        context["unavailable"] = True
        return context
    context.update(
        {
            "query": query,
            "results": results,
            "facets": facets_of(results, params, base),
            "active_filters": [
                (FACET_TITLES[name], _label(results, name, value), _url(base, {**params, name: ""}))
                for name, value in query.filters().items()
            ],
            "page_urls": {
                "previous": _url(base, {**params, "page": str(query.page - 1)})
                if query.page > 1
                else "",
                "next": _url(base, {**params, "page": str(query.page + 1)})
                if query.page < results.pages
                else "",
            },
        }
    )
    return context
