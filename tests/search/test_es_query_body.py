"""Golden files: the Elasticsearch request bodies the backend generates."""

import json
from pathlib import Path

import pytest

from search.backends.elasticsearch import build_search_body
from search.documents import CreditDocument
from search.service import SearchQuery

EXPECTED = Path(__file__).parent / "expected"

CASES = {
    "search_name_filters.json": SearchQuery(
        q="华信 科技", kind="enterprise", year=2025, list_type="black", page=2
    ),
    "search_single_term_date.json": SearchQuery(q="华信", sort="date", per_page=10),
    "search_browse_item.json": SearchQuery(item="ADM_PENALTY"),
    "search_one_character.json": SearchQuery(q="鹏"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_search_body_matches_golden_file(name):
    body = build_search_body(CASES[name].clean())
    expected = json.loads((EXPECTED / name).read_text(encoding="utf-8"))
    assert body == expected


def test_index_mapping_matches_golden_file():
    definition = CreditDocument.index_definition("portal-credit-x").to_dict()
    expected = json.loads((EXPECTED / "index_definition.json").read_text(encoding="utf-8"))
    assert definition == expected
