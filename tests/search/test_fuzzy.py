"""Search that forgives how people type, the same on every backend, and never lists people.

Every kind of variant (place prefix, bracketed city, organisational form,
traditional characters, homophone, one character wrong, missing or extra) is
tested against the embedded backend in both its forms and Elasticsearch
(osmem-server), and the parity test compares all three hit for hit.
"""

import pytest

from portal.core.codes import make_resident_id, validate_resident_id
from portal.subjects.models import Subject
from search.backends.elasticsearch import ElasticsearchBackend
from search.backends.embedded import EmbeddedBackend
from search.documents import build_documents
from search.queries import TIER_EXACT, TIER_FUZZY, TIER_NORMALISED
from search.service import SearchQuery, suggest
from tests.factories import OrganisationFactory, PersonFactory, make_record
from tests.search.conftest import RUN_PREFIX
from tests.search.helpers import reindex, search

# (query, reason shown on the hit) for 惠州市汇通物流有限公司
VARIANTS = [
    ("惠州汇通物流", TIER_NORMALISED, ["城市名写法不同", "省略了组织形式"]),
    ("汇通物流有限公司", TIER_NORMALISED, ["省略了城市名"]),
    ("惠州市汇通物流有限责任公司", TIER_NORMALISED, ["组织形式不同"]),
    ("汇通物流（惠州）有限公司", TIER_NORMALISED, ["城市名写法不同"]),
    ("惠州市滙通物流有限公司", TIER_NORMALISED, ["繁体字"]),  # the core reads simplified
    ("汇通物留", TIER_FUZZY, ["同音字"]),
    ("惠州市汇通物留有限公司", TIER_FUZZY, ["同音字"]),
    ("惠州市汇通勿流有限公司", TIER_FUZZY, ["同音字"]),
    ("惠州市汇通货流有限公司", TIER_FUZZY, ["相差一个字"]),
    ("惠州市汇物流有限公司", TIER_FUZZY, ["相差一个字"]),
    ("惠州市汇通物流园有限公司", TIER_FUZZY, ["相差一个字"]),
]

BIRTHS = ["19600101", "19751102", "19990615"]
PEOPLE = ["何丽", "欧阳建国", "林晓东"]


def build_people_and_firms() -> dict:
    w = {
        "huitong": OrganisationFactory(name="惠州市汇通物流有限公司"),
        "huaxing": OrganisationFactory(name="华兴建筑（惠州）有限公司"),
        "other": OrganisationFactory(name="惠州市东江餐饮管理有限公司"),
    }
    w["people"] = []
    for name, birth in zip(PEOPLE, BIRTHS, strict=True):
        number = make_resident_id("441302", birth, "126")
        validate_resident_id(number)  # old Huizhou codes are accepted
        person = PersonFactory(name=name, identity_number=number)
        make_record(person, data={"violation_type": "超标排放大气污染物"})
        w["people"].append(person)
    make_record(w["huitong"], data={"violation_type": "虚假宣传"})
    return w


@pytest.mark.django_db
class FuzzyBehaviour:
    backend_kind = "fts"

    @pytest.fixture(autouse=True)
    def world(self, search_backend):
        self.backend = search_backend
        self.w = build_people_and_firms()
        reindex()

    def subjects(self, q: str) -> list:
        return [h for h in search(q=q).hits if h.type == "subject"]

    @pytest.mark.parametrize("query,tier,reasons", VARIANTS)
    def test_variant_finds_the_firm_and_says_why(self, query, tier, reasons):
        hits = self.subjects(query)
        assert hits, query
        assert hits[0].subject_code == self.w["huitong"].code
        assert hits[0].score == tier
        assert hits[0].match_reasons == reasons
        assert hits[0].as_json()["match_reasons"] == reasons

    def test_exact_name_ranks_first_without_reasons(self):
        hits = self.subjects("惠州市汇通物流有限公司")
        assert hits[0].score == TIER_EXACT
        assert hits[0].match_reasons == []

    def test_bracketed_city_in_the_register(self):
        for query in ("惠州华兴建筑有限公司", "惠州市华兴建筑有限责任公司", "華興建築"):
            hits = self.subjects(query)
            assert hits and hits[0].subject_code == self.w["huaxing"].code, query

    def test_unrelated_names_are_not_found(self):
        for query in ("惠州市鹏程电子有限公司", "中恒运输", "汇丰银行"):
            assert self.subjects(query) == [], query

    def test_people_found_by_full_name_only(self):
        for person, name in zip(self.w["people"], PEOPLE, strict=True):
            hits = self.subjects(name)
            assert [h.subject_code for h in hits] == [person.code], name
            assert hits[0].score == TIER_EXACT
            for fragment in {name[0], name[-1], name[:2], name[1:]} - {name}:
                found = {h.subject_code for h in search(q=fragment).hits}
                assert person.code not in found, fragment
        # Traditional characters of the full name are still the full name.
        assert [h.subject_code for h in self.subjects("歐陽建國")] == [self.w["people"][1].code]
        # Nor by a near name, a record's words, an empty query or the facet alone.
        assert self.subjects("何莉") == []
        assert search(q="超标排放").total == 0
        assert search(q="", kind="natural_person").total == 0
        assert all(s["code"] != self.w["people"][0].code for s in suggest("何"))
        assert self.backend.suggest("何丽", 8) == []

    def test_single_character_never_finds_a_person(self):
        assert search(q="丽").total == 0
        assert self.subjects("汇")[0].subject_code == self.w["huitong"].code


class TestFuzzyEmbeddedFts(FuzzyBehaviour):
    backend_kind = "fts"


class TestFuzzyEmbeddedTokenTable(FuzzyBehaviour):
    backend_kind = "ngram"


@pytest.mark.elasticsearch
class TestFuzzyElasticsearch(FuzzyBehaviour):
    backend_kind = "elasticsearch"


@pytest.mark.django_db
@pytest.mark.elasticsearch
def test_backends_agree_on_every_variant(request):
    build_people_and_firms()
    documents = build_documents(Subject.objects.values_list("pk", flat=True))
    url = request.getfixturevalue("osmem_url")
    backends = [
        EmbeddedBackend(prefix="fuzzy_fts", use_fts=True),
        EmbeddedBackend(prefix="fuzzy_tokens", use_fts=False),
        ElasticsearchBackend(url=url, prefix=f"{RUN_PREFIX}-fuzzy", plain_json=True),
    ]
    from django.db import connection

    if connection.vendor != "sqlite":
        backends.pop(0)
    queries = [q for q, _, _ in VARIANTS] + [*PEOPLE, "何", "丽", "汇通", "物流", "惠州"]
    try:
        for backend in backends:
            backend.replace_subjects(documents)
        for q in queries:
            snapshots = []
            for backend in backends:
                results = backend.search(SearchQuery(q=q).clean())
                snapshots.append(
                    (
                        results.total,
                        [(h.subject_code, h.record_id, h.score) for h in results.hits],
                        [h.match_reasons for h in results.hits],
                    )
                )
            assert all(s == snapshots[0] for s in snapshots), q
    finally:
        backends[-1].drop_all()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["fts", "ngram", "elasticsearch"])
def test_nothing_found_offers_near_organisations_never_people(kind, settings, request):
    from tests.search.conftest import configure

    backend = configure(settings, kind, request)
    try:
        w = build_people_and_firms()
        reindex()
        # A homophone and an extra character: two edits apart, found by the looser keys.
        results = search(q="惠州市汇通勿留园有限公司")
        assert results.total == 0
        assert [near["code"] for near in results.did_you_mean] == [w["huitong"].code]
        assert results.as_json()["did_you_mean"][0]["name"] == "惠州市汇通物流有限公司"
        assert search(q="何莉").did_you_mean == []  # never a person, however near
        assert search(q="汇通物流").did_you_mean == []  # only when nothing was found
    finally:
        backend.drop_all()
