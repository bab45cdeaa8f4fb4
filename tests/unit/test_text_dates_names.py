import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core.dates import DateFormatError, parse_date
from portal.core.names import normalise_name
from portal.core.text import clean_text, fold_width, normalise_code, normalise_text


def test_text_is_nfkc_folded_and_trimmed():
    assert normalise_text("  ＡＢＣ　１２３ \u200b ") == "ABC 123"
    assert normalise_text(None) == ""


def test_codes_lose_all_spaces_and_case():
    assert normalise_code(" ９１ab\tc ") == "91ABC"


@pytest.mark.parametrize(
    "written",
    [
        "2024-05-01",
        "2024/5/1",
        "2024.5.1",
        "2024年5月1日",
        "2024 年 5 月 1 日",
        "20240501",
        "２０２４－０５－０１",
        "2024-05-01 00:00:00",
        45413,
        dt.datetime(2024, 5, 1, 8, 30),
    ],
)
def test_dates_in_department_forms(written):
    assert parse_date(written) == dt.date(2024, 5, 1)


@pytest.mark.parametrize("written", ["2024-13-01", "2024-02-30", "May 1", "1/5/2024", 12])
def test_bad_dates_are_refused(written):
    with pytest.raises(DateFormatError):
        parse_date(written)


def test_empty_date_is_none():
    assert parse_date("  ") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("惠州市华信科技有限公司", "华信科技有限责任公司"),
        ("华信科技（惠州）有限公司", "华信科技(惠州)有限公司"),
        ("华信 科技 有限公司", "华信科技有限公司"),
        ("ＡＢＣ科技有限公司", "abc科技有限公司"),
        ("惠州华信科技有限公司", "惠州市华信科技有限公司"),
    ],
)
def test_name_variants_share_a_key(a, b):
    assert normalise_name(a, city="惠州") == normalise_name(b, city="惠州")


def test_different_names_stay_apart():
    assert normalise_name("华信科技有限公司", city="惠州") != normalise_name(
        "华信科技股份有限公司", city="惠州"
    )


class TestCleanText:
    """Text that is kept and published: full-width letters, digits and spaces folded,
    everything else as written."""

    def test_letters_digits_and_spaces_fold_punctuation_stays(self):
        assert clean_text("  经查，当事人（惠州）罚款１２万元；ＡＢＣ　x\u200b ") == (
            "经查，当事人（惠州）罚款12万元；ABC x"
        )
        assert clean_text(None) == ""

    def test_official_text_is_not_rewritten(self):
        assert clean_text("面积100㎡，①号楼，温度30℃") == "面积100㎡，①号楼，温度30℃"

    def test_canonical_composition(self):
        assert fold_width("经查，当事人") == "经查，当事人"
        assert fold_width("ｅ\u0301，Å") == "é，Å"

    @settings(max_examples=500, deadline=None)
    @given(st.text(max_size=30))
    def test_matching_keys_see_no_difference(self, text):
        # normalise_text (names, search terms) folds what clean_text keeps.
        assert normalise_text(clean_text(text)) == normalise_text(text)
        assert clean_text(clean_text(text)) == clean_text(text)
