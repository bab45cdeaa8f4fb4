"""Matching keys and score explanations (no database)."""

import pytest

from portal.core.names import normalise_name
from portal.measures.names import explain, match_key, normalisation_steps, refine_key, score

BASE = "惠州市华信科技有限公司"


@pytest.mark.parametrize(
    "variant",
    [
        "华信科技有限公司（惠州）",  # full-width brackets
        "华信科技有限公司(惠州)",  # half-width brackets
        "华信科技(惠州市)有限公司",
        "惠州华信科技有限公司",  # city without 市
        "华信科技有限公司",  # no city at all
        "惠州市华信科技有限责任公司",  # company-form variant
        " 惠州市 华信科技  有限公司 ",  # stray spaces
        "惠州市华信科技有限公司\u3000",  # ideographic space
        "广东省惠州市华信科技有限公司",  # province prefix (added here on top of the core)
    ],
)
def test_spellings_of_one_name_share_a_key(variant):
    assert match_key(variant) == match_key(BASE) == "华信科技公司"


def test_full_width_letters_and_digits_fold():
    assert match_key("惠州市ＡＢＣ１２３电子有限公司") == match_key("惠州市abc123电子有限公司")
    assert match_key("惠州市ＡＢＣ１２３电子有限公司") == "ABC123电子公司"


def test_different_companies_keep_different_keys():
    assert match_key("惠州市华信科技有限公司") != match_key("惠州市华信电子有限公司")
    assert match_key("华信科技股份有限公司") != match_key("华信科技有限公司")


def test_stored_keys_are_refined_like_input_keys():
    stored = normalise_name("广东省惠州市华信科技有限公司")
    assert refine_key(stored) == match_key("华信科技有限责任公司")


def test_normalisation_steps_name_what_changed():
    steps = normalisation_steps("华信科技 有限责任公司（惠州）")
    assert "全角字符转为半角" in steps
    assert "去除空格" in steps
    assert any("括号" in s and "惠州" in s for s in steps)
    assert any("有限责任公司" in s for s in steps)
    assert normalisation_steps("华信科技公司") == []


def test_explanation_of_an_exact_key_match_lists_the_normalisations():
    text = explain("华信科技有限公司（惠州）", "华信科技公司", BASE, "华信科技公司", 100.0)
    assert "100" in text
    assert "去除括号内的城市名" in text
    assert "输入名称" in text
    assert "人工确认" in text


def test_explanation_of_a_fuzzy_score_names_the_difference():
    a, b = match_key("惠州市华信科技有限公司"), match_key("惠州市华信科技发展有限公司")
    value = score(a, b)
    assert 80 <= value < 100
    text = explain("惠州市华信科技有限公司", a, "惠州市华信科技发展有限公司", b, value)
    assert "发展" in text
    assert f"{value:g}" in text


def test_former_name_is_mentioned():
    text = explain("华信科技", "华信科技", "华信科技", "华信科技", 100.0, former_name=True)
    assert "曾用名" in text
