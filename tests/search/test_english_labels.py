"""The search page under /en/ names departments, catalog items, districts and subject
kinds in English, on both backends (the index holds codes and Chinese names; the
English names are data looked up through portal.core.languages)."""

import io
import re

import pytest
from django.core.management import call_command

from tests.cms.test_english_site import chinese_left
from tests.factories import OrganisationFactory, make_record
from tests.search.helpers import reindex

LOGISTICS = "惠州市蓝海湾物流有限公司"
FOOD = "惠州市蓝海湾食品有限公司"


@pytest.mark.django_db
class EnglishLabels:
    backend_kind = "fts"

    @pytest.fixture
    def world(self, search_backend):
        call_command("setup_site", stdout=io.StringIO())
        a = OrganisationFactory(name=LOGISTICS, district="441302")
        b = OrganisationFactory(name=FOOD, district="441322")
        penalty = make_record(a)
        dishonest = make_record(b, item_code="COURT_DISHONEST", department_code="COURT", data={})
        reindex()
        return {"records": [penalty, dishonest]}

    def test_facets_cards_and_filters_are_english_under_en(self, client, world):
        body = client.get("/en/search/?kind=enterprise").content.decode()
        facets = body[body.index('class="facets"') : body.index('class="results"')]
        for label in [
            "Market Regulation Administration",
            "Intermediate People&#x27;s Court",
            "Huicheng District",
            "Boluo County",
            "Administrative penalty",
            "Dishonest judgment debtor",
            "Enterprise",
        ]:
            assert label in facets, label
        hits = body[body.index('class="hits"') :]
        assert "Market Regulation Administration ·" in hits
        assert f"Administrative penalty: {world['records'][0].decision_no}" in hits
        data = [LOGISTICS, FOOD, *(r.decision_no for r in world["records"])]
        data += ["虚假宣传", "罚款", "罚款1.5万元"]
        assert chinese_left(body, data) == []

        narrowed = client.get("/en/search/?kind=enterprise&department=COURT&district=441322")
        text = re.sub(r"<[^>]+>", "", narrowed.content.decode())
        assert ": Intermediate People&#x27;s Court" in text and ": Boluo County" in text
        assert f"Dishonest judgment debtor: {world['records'][1].decision_no}" in text
        assert chinese_left(narrowed.content.decode(), data) == []

    def test_chinese_page_keeps_chinese_labels(self, client, world):
        body = client.get("/search/?kind=enterprise").content.decode()
        facets = body[body.index('class="facets"') : body.index('class="results"')]
        assert "市场监督管理局" in facets and "惠城区" in facets and "失信被执行人" in facets
        assert "Market Regulation Administration" not in body


class TestEmbedded(EnglishLabels):
    backend_kind = "fts"


@pytest.mark.elasticsearch
class TestElasticsearch(EnglishLabels):
    backend_kind = "elasticsearch"
