"""Personal numbers in free text are masked; decision numbers, amounts and codes are not."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core.codes import make_resident_id, make_uscc
from portal.core.pii import BANK_CARD, IDENTITY, MOBILE, mask_personal_numbers

RESIDENT = make_resident_id("441302", "19800101", "123")


def card_number(prefix="622202", length=19) -> str:
    from stdnum import luhn

    body = prefix + "0" * (length - len(prefix) - 1)
    return body + luhn.calc_check_digit(body)


@pytest.mark.parametrize(
    "text, expected, kinds",
    [
        (
            f"当事人（身份证号{RESIDENT}）",
            f"当事人（身份证号4413**********{RESIDENT[-4:]}）",
            (IDENTITY,),
        ),
        (f"号码{RESIDENT.lower()}。", f"号码4413**********{RESIDENT[-4:].lower()}。", (IDENTITY,)),
        ("旧证号441302800101123，", "旧证号4413********123，", (IDENTITY,)),
        ("联系电话13812345678。", "联系电话138****5678。", (MOBILE,)),
        ("手机 +86 138-1234-5678 张", "手机 138****5678 张", (MOBILE,)),
        ("电话138 1234 5678", "电话138****5678", (MOBILE,)),
        (f"账户{card_number()}", f"账户6222***********{card_number()[-4:]}", (BANK_CARD,)),
    ],
)
def test_personal_numbers_are_masked(text, expected, kinds):
    masked = mask_personal_numbers(text)
    assert masked.text == expected
    assert masked.kinds == kinds


@pytest.mark.parametrize(
    "text",
    [
        "惠市监罚〔2024〕15号",
        "罚款金额 50000.00 元，没收违法所得 123456 元",
        f"统一社会信用代码 {make_uscc('9', '1', '441300', 'MA4UXXX1')}",
        "441302197411021266",  # a wrong check digit: not an identity number
        "12345678901234567890123",  # too long for a card, no identity shape
        "代码 911302001234567890",  # a Luhn-valid 18-digit number with no card prefix
        "6222020000000000001",  # a card's prefix and length, failing the Luhn check
        "订单号 1381234567890",  # longer than a mobile number
        "2026年5月1日作出决定",
        "",
    ],
)
def test_ordinary_text_and_codes_are_left_alone(text):
    assert mask_personal_numbers(text).text == text
    assert not mask_personal_numbers(text).changed


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(alphabet="违法事实当事人于某日在某地（）。，：", max_size=12),
    after=st.text(alphabet="违法事实当事人于某日在某地（）。，：", max_size=12),
    birth=st.dates(min_value=dt.date(1930, 1, 1)),
    sequence=st.integers(0, 999),
)
def test_any_valid_resident_number_in_text_is_masked(before, after, birth, sequence):
    if birth > timezone.localdate():
        return
    number = make_resident_id("441302", birth.strftime("%Y%m%d"), f"{sequence:03d}")
    masked = mask_personal_numbers(before + number + after)
    assert number not in masked.text
    assert masked.text == before + number[:4] + "*" * 10 + number[-4:] + after
