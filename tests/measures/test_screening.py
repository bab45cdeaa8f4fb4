"""Screening rows against subjects, lists and measures (services, real database)."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.measures.models import Match, Measure, Scenario
from portal.measures.reader import InputRow
from portal.measures.screening import screen, single_input
from portal.records.disclosure import PublicState
from portal.records.services import change_record
from tests.factories import OrganisationFactory, PersonFactory, next_resident_id, next_uscc
from tests.measures.conftest import court_dishonest, honour

pytestmark = pytest.mark.django_db


def row(name="", code="", n=2):
    return InputRow(row=n, name=name, code=code)


def test_exact_match_by_code_with_black_list_and_procurement_measures(blacklisted, procurement):
    (result,) = screen([row("随便写的名称", blacklisted.code.lower())], procurement)
    assert result.match == Match.EXACT
    assert result.subject.code == blacklisted.code
    assert [e["list"] for e in result.lists] == ["COURT_DISHONEST"]
    record = blacklisted.records.get()
    assert result.lists[0]["record_id"] == record.pk
    assert result.lists[0]["decision_no"] == record.decision_no
    codes = [m["code"] for m in result.measures]
    assert "BLACK_PROCUREMENT_BAN" in codes
    # Measures of other scenarios do not apply here.
    assert "BLACK_HONOUR_EXCLUDE" not in codes
    assert "COURT_DISHONEST_HIRING_BAN" not in codes
    # The typed name does not match the subject's: the reviewer is told.
    assert "不一致" in result.note


def test_measures_follow_the_scenario(blacklisted):
    def measures(code):
        (result,) = screen([row(code=blacklisted.code)], Scenario.objects.get(code=code))
        return {m["code"] for m in result.measures}

    assert measures("HONOUR") == {"BLACK_HONOUR_EXCLUDE"}
    assert measures("HIRING") == {"COURT_DISHONEST_HIRING_BAN"}
    assert measures("LICENSING") == {
        "BLACK_LICENSING_STRICT",
        "COURT_DISHONEST_LICENSING_RESTRICT",
    }
    assert "BLACK_PROCUREMENT_BAN" not in measures("SUBSIDY")


def test_measures_are_data(blacklisted, procurement):
    Measure.objects.filter(code="BLACK_PROCUREMENT_BAN").update(is_active=False)
    extra = Measure.objects.create(
        code="LOCAL_DEPOSIT", name="提高履约保证金比例", list_type="black", legal_basis="本市规定"
    )
    extra.scenarios.add(procurement)
    (result,) = screen([row(code=blacklisted.code)], procurement)
    assert [m["code"] for m in result.measures] == ["LOCAL_DEPOSIT"]


def test_repair_lifts_the_measures(repaired, blacklisted, procurement):
    by_code = {
        r.subject.code: r
        for r in screen([row(code=repaired.code), row(code=blacklisted.code)], procurement)
    }
    assert by_code[repaired.code].match == Match.EXACT
    assert by_code[repaired.code].lists == []
    assert by_code[repaired.code].measures == []
    # Repairing the remaining record through the one service lifts its measures too.
    change_record(blacklisted.records.get(), reason="repair", comment="已履行", status="repaired")
    (result,) = screen([row(code=blacklisted.code)], procurement)
    assert result.lists == [] and result.measures == []


def test_a_record_under_objection_still_counts_an_expired_one_does_not(procurement):
    contested = OrganisationFactory()
    court_dishonest(contested, under_objection=True)
    expired = OrganisationFactory()
    honour(expired, decision_date=timezone.localdate() - dt.timedelta(days=365 * 4))
    results = screen([row(code=contested.code), row(code=expired.code)], procurement)
    assert [e["public_state"] for e in results[0].lists] == [PublicState.UNDER_OBJECTION]
    assert results[1].lists == []


def test_rewards_are_suspended_while_on_a_black_list(honoured, procurement):
    (result,) = screen([row(code=honoured.code)], procurement)
    assert [(m["code"], m["suspended"]) for m in result.measures] == [
        ("RED_PROCUREMENT_BIDDING_CREDIT", False)
    ]
    court_dishonest(honoured)
    (result,) = screen([row(code=honoured.code)], procurement)
    assert {m["code"]: m["suspended"] for m in result.measures} == {
        "BLACK_PROCUREMENT_BAN": False,
        "RED_PROCUREMENT_BIDDING_CREDIT": True,
    }
    assert result.lists[0]["list_type"] == "black"  # black lists first


@pytest.mark.parametrize(
    "typed",
    [
        "鼎盛建筑工程有限公司（惠州）",
        "鼎盛建筑工程有限公司(惠州)",
        "惠州市鼎盛建筑工程有限公司",
        "惠州 鼎盛建筑工程 有限责任公司",
        "广东省惠州市鼎盛建筑工程有限责任公司",
    ],
)
def test_name_variants_are_candidates_never_matches(blacklisted, procurement, typed):
    (result,) = screen([row(typed)], procurement)
    assert result.match == Match.CANDIDATES
    assert result.subject is None
    assert result.lists == [] and result.measures == []
    best = result.candidates[0]
    assert best.subject.code == blacklisted.code
    assert best.score == 100.0
    assert "规范化后名称相同" in best.explanation or "名称完全相同" in best.explanation
    # The candidate's own lists are shown so the reviewer knows what confirming means.
    assert [e["list"] for e in best.lists] == ["COURT_DISHONEST"]


def test_full_width_letters_in_names(procurement):
    subject = OrganisationFactory(name="惠州市ＴＣＬ照明电器有限公司")
    (result,) = screen([row("惠州市TCL照明电器有限公司")], procurement)
    assert result.match == Match.CANDIDATES
    assert result.candidates[0].subject.code == subject.code
    assert "全角" in result.candidates[0].explanation


def test_fuzzy_candidates_are_scored_and_explained(procurement):
    near = OrganisationFactory(name="惠州市鸿运食品贸易有限公司")
    OrganisationFactory(name="惠州市鸿运物流有限公司")  # too different
    (result,) = screen([row("惠州市鸿运食品有限公司")], procurement)
    assert result.match == Match.CANDIDATES
    assert [c.subject.code for c in result.candidates] == [near.code]
    candidate = result.candidates[0]
    assert 80 <= candidate.score < 100
    assert "贸易" in candidate.explanation


def test_former_names_find_candidates(procurement):
    subject = OrganisationFactory(name="惠州市新宇新能源有限公司")
    subject.names.create(name="惠州市新宇电池有限公司", name_normalised="新宇电池公司")
    (result,) = screen([row("惠州市新宇电池有限公司")], procurement)
    assert result.candidates[0].subject.code == subject.code
    assert "曾用名" in result.candidates[0].explanation


def test_no_match(procurement):
    OrganisationFactory(name="惠州市华美服装有限公司")
    (result,) = screen([row("深圳市完全不同的名称有限公司")], procurement)
    assert result.match == Match.NONE
    assert result.candidates == [] and result.subject is None
    assert result.note


def test_unknown_valid_code_falls_back_to_name_candidates(blacklisted, procurement):
    (result,) = screen([row(blacklisted.name, next_uscc())], procurement)
    assert result.match == Match.CANDIDATES
    assert "未在库中找到" in result.note


def test_invalid_code_is_reported_and_the_name_is_searched(blacklisted, procurement):
    bad = blacklisted.code[:-1] + ("0" if blacklisted.code[-1] != "0" else "1")
    (result,) = screen([row(blacklisted.name, bad)], procurement)
    assert result.match == Match.CANDIDATES
    assert "代码无效" in result.note


def test_person_by_identity_number_is_hashed_and_masked(procurement):
    number = next_resident_id("19850101")
    person = PersonFactory(identity_number=number, name="陈明")
    court_dishonest(person)
    (result,) = screen([row("陈明", number)], Scenario.objects.get(code="HIRING"))
    assert result.match == Match.EXACT
    assert result.subject.code == person.code
    assert [m["code"] for m in result.measures] == ["COURT_DISHONEST_HIRING_BAN"]
    assert number not in str(result.as_json())
    assert result.as_json()["input"]["code"] == number[:4] + "*" * 10 + number[-4:]


def test_people_are_never_matched_by_name(procurement):
    PersonFactory(name="李伟")
    (result,) = screen([row("李伟")], procurement)
    assert result.match == Match.NONE
    (result,) = screen([row("李伟", next_resident_id())], procurement)
    assert result.match == Match.NONE
    assert "证件号码" in result.note


def test_single_query_reads_codes_and_names():
    code = next_uscc()
    assert single_input(f" {code.lower()} ") == InputRow(row=1, name="", code=code)
    assert single_input("惠州市 华信 科技有限公司") == InputRow(
        row=1, name="惠州市 华信 科技有限公司", code=""
    )


def test_rows_keep_input_order_and_the_query_count_does_not_grow(
    blacklisted, honoured, procurement, django_assert_max_num_queries
):
    rows = []
    for n in range(60):
        subject = OrganisationFactory()
        rows.append(row(code=subject.code, n=n))
        rows.append(row(subject.name.replace("有限公司", "有限责任公司"), n=n))
        rows.append(row(f"不存在的单位{n}", n=n))
    rows.append(row(code=blacklisted.code, n=999))
    # Codes, names (the stale check, one stored-key lookup per 900 keys: two here, and the
    # subjects of the best keys), lists, adverse records, measures and the scenario's
    # conditions: not one per row.
    with django_assert_max_num_queries(16):
        results = screen(rows, procurement)
    assert [r.input for r in results] == rows
    assert [r.match for r in results[:3]] == [Match.EXACT, Match.CANDIDATES, Match.NONE]
    assert results[-1].measures[0]["code"] == "BLACK_PROCUREMENT_BAN"


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_get_the_starter_measures_back():
    from portal.measures.models import Measure, Scenario

    assert Scenario.objects.filter(code="PROCUREMENT").exists()
    procurement_ban = Measure.objects.get(code="BLACK_PROCUREMENT_BAN")
    assert list(procurement_ban.scenarios.values_list("code", flat=True)) == ["PROCUREMENT"]
    assert Measure.objects.get(code="SID_HONOUR_BAN").catalog_item.code == (
        "SERIOUS_ILLEGAL_DISHONEST"
    )


def test_the_literal_same_name_ranks_first_on_a_tie(procurement):
    literal_code, variant_code = sorted([next_uscc(), next_uscc()], reverse=True)
    # The variant's code sorts first, so a tie broken by code alone would put it first.
    variant = OrganisationFactory(name="惠州汇通物流有限责任公司", uscc=variant_code)
    literal = OrganisationFactory(name="惠州市汇通物流有限公司", uscc=literal_code)
    (result,) = screen([row("惠州市汇通物流有限公司")], procurement)
    assert [(c.subject.code, c.score) for c in result.candidates] == [
        (literal.code, 100.0),
        (variant.code, 100.0),
    ]
    assert "名称完全相同" in result.candidates[0].explanation
    # Typed as the other spelling, the other one leads.
    (result,) = screen([row("惠州汇通物流有限责任公司")], procurement)
    assert result.candidates[0].subject.code == variant.code


def test_a_candidate_on_a_list_many_times_is_one_named_group(procurement):
    prolific = OrganisationFactory(name="惠州市多案被执行有限公司")
    for _ in range(3):
        court_dishonest(prolific)
    (result,) = screen([row("多案被执行有限责任公司")], procurement)
    assert result.candidates[0].as_dict()["lists"] == [
        {"list": "COURT_DISHONEST", "name": "失信被执行人", "list_type": "black", "count": 3}
    ]


@pytest.mark.parametrize(
    "stored,typed",
    [
        ("惠州市东江餐饮管理股份有限公司", "惠州市东红餐饮管理股份有限公司"),  # 2nd char wrong
        ("惠州市中恒运输有限责任公司", "惠州市中恒运输有线责任公司"),  # typo in the form
        ("惠州市鼎盛建筑工程有限公司", "惠州市鼎胜建筑工程有限公司"),  # homophone
        ("惠州市汇通物流有限公司", "惠州市江汇通物流有限公司"),  # one character extra in front
        ("华兴建筑（惠州）有限公司", "惠州市华星建筑有限公司"),  # bracketed city, homophone
    ],
)
def test_candidates_come_from_the_name_keys_not_only_the_first_characters(
    procurement, stored, typed
):
    subject = OrganisationFactory(name=stored)
    court_dishonest(subject)
    OrganisationFactory(name="惠州市华美服装有限公司")
    (result,) = screen([row(typed)], procurement)
    assert result.match == Match.CANDIDATES
    assert [c.subject.code for c in result.candidates] == [subject.code]
    assert [e["list"] for e in result.candidates[0].lists] == ["COURT_DISHONEST"]
    assert 0 < result.candidates[0].score < 100
