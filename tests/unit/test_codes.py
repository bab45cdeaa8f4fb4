"""Check characters of both code kinds, in every input form departments use."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from portal.core.codes import (
    _ORG_ALPHABET,
    _USCC_ALPHABET,
    CodeError,
    make_resident_id,
    make_uscc,
    organisation_code_check_character,
    uscc_passes,
    validate_resident_id,
    validate_uscc,
)
from portal.core.text import normalise_code

VALID_USCC = "91110000600037341L"  # the example of GB 32100 and python-stdnum
VALID_ID = "11010519491231002X"  # the example number of GB 11643


class TestUSCC:
    def test_valid_code_is_returned_normalised(self):
        assert validate_uscc(VALID_USCC) == VALID_USCC

    @pytest.mark.parametrize(
        "written",
        [
            "91110000600037341l",  # lower case
            "９１１１００００６０００３７３４１Ｌ",  # full width
            " 9111 0000 6000 3734 1L ",  # spaced
            "\t91110000600037341L\n",
            "911100006000-37341L",
            "911100006000\u201037341L",  # typographic hyphen
            "91110000\u20136000\u201337341L",  # en dashes
        ],
    )
    def test_input_forms_normalise_to_the_code(self, written):
        assert validate_uscc(written) == VALID_USCC

    def test_wrong_check_character(self):
        with pytest.raises(CodeError) as exc:
            validate_uscc("91110000600037341M")
        assert exc.value.reason == "checksum"
        assert "校验位" in str(exc.value)

    def test_wrong_length_says_how_long(self):
        with pytest.raises(CodeError) as exc:
            validate_uscc("9111000060003734")
        assert exc.value.reason == "length"
        assert "16" in str(exc.value)

    def test_forbidden_letter(self):
        # I, O, Z, S and V are not in the USCC alphabet.
        with pytest.raises(CodeError) as exc:
            validate_uscc("9111000060003734IL")
        assert exc.value.reason in {"format", "checksum"}

    def test_embedded_organisation_code_check_is_verified(self):
        # Valid final check character, but the organisation code 60003734-2 is wrong.
        first17 = "91110000600037342"
        from stdnum.cn import uscc

        code = first17 + uscc.calc_check_digit(first17)
        with pytest.raises(CodeError) as exc:
            validate_uscc(code)
        assert exc.value.reason == "org_checksum"

    def test_organisation_code_check_character_known_value(self):
        # GB 11714 example: D2143569-X
        assert organisation_code_check_character("D2143569") == "X"

    def test_assembled_codes_are_valid(self):
        code = make_uscc("9", "1", "441302", "MA4W0001")
        assert validate_uscc(code) == code


def full_uscc_check(code: str) -> bool:
    """validate_uscc's checks spelled out with python-stdnum (the fast path's reference),
    for a normalised code (stdnum would also accept lower case and hyphens)."""
    if normalise_code(code) != code or not stdnum_uscc.is_valid(code):
        return False
    body, check = code[8:16], code[16]
    if any(c not in _ORG_ALPHABET for c in body) or check not in "0123456789X":
        return False
    return organisation_code_check_character(body) == check


def near_valid_codes():
    """Codes with a correct final check character about half the time, and a
    correct organisation check character some of the time: all the branches."""
    characters = st.sampled_from(_USCC_ALPHABET + "IOSVZ-a")

    @st.composite
    def build(draw):
        head = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)))
        body = "".join(draw(st.lists(characters, min_size=8, max_size=8)))
        if draw(st.booleans()) and all(c in _ORG_ALPHABET for c in body):
            org = organisation_code_check_character(body)
        else:
            org = draw(characters)
        first17 = head + body + org
        if draw(st.booleans()) and all(c in _USCC_ALPHABET for c in first17):
            return first17 + stdnum_uscc.calc_check_digit(first17)
        return first17 + draw(characters)

    return build()


class TestUSCCFastPath:
    @settings(max_examples=3000, deadline=None)
    @given(near_valid_codes())
    def test_agrees_with_the_full_check(self, code):
        assert uscc_passes(code) is full_uscc_check(code)

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=20))
    def test_any_text_is_refused_or_valid(self, text):
        assert uscc_passes(text) is (len(text) == 18 and full_uscc_check(text))

    def test_known_codes(self):
        assert uscc_passes(VALID_USCC)
        assert uscc_passes(make_uscc("9", "1", "441302", "MA4W0001"))
        assert not uscc_passes("91110000600037341M")
        assert not uscc_passes("91110000600037341l")  # normalised codes only


class TestResidentId:
    def test_valid_number(self):
        assert validate_resident_id(VALID_ID) == VALID_ID

    @pytest.mark.parametrize(
        "written",
        ["11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ", " 110105 19491231 002X "],
    )
    def test_input_forms_normalise(self, written):
        assert validate_resident_id(written) == VALID_ID

    def test_wrong_check_digit(self):
        with pytest.raises(CodeError) as exc:
            validate_resident_id("110105194912310021")
        assert exc.value.reason == "checksum"

    def test_letters_in_body(self):
        with pytest.raises(CodeError) as exc:
            validate_resident_id("11010519491231A02X")
        assert exc.value.reason in {"format", "checksum"}

    def test_impossible_birth_date(self):
        with pytest.raises(CodeError) as exc:
            validate_resident_id(make_resident_id("110105", "19491331", "002")[:-1] + "0")
        assert exc.value.reason in {"birth_date", "checksum"}

    @pytest.mark.parametrize(
        "region, birth",
        [
            ("441302", "19741102"),  # 惠城区 dates from 1988: residents born before carry it
            ("441303", "19650101"),  # 惠阳区, created 2003
            ("442521", "19950101"),  # 惠阳县, retired in 1994, still on millions of cards
            ("110101", "19300101"),  # a code of every edition
        ],
    )
    def test_address_codes_of_any_edition_whatever_the_birth_year(self, region, birth):
        number = make_resident_id(region, birth, "126")
        assert validate_resident_id(number) == number

    def test_the_reported_resident_number_is_accepted(self):
        assert validate_resident_id("441302197411021265") == "441302197411021265"

    @pytest.mark.parametrize(
        "region, birth, reason",
        [
            ("441399", "19900101", "address_code"),  # never a division code
            ("999999", "19900101", "address_code"),
            ("441302", "19900230", "birth_date"),  # no 30 February
            ("441302", "20990101", "birth_date"),  # not born yet
        ],
    )
    def test_unknown_address_codes_and_impossible_birth_dates_say_which(
        self, region, birth, reason
    ):
        with pytest.raises(CodeError) as exc:
            validate_resident_id(make_resident_id(region, birth, "126"))
        assert exc.value.reason == reason

    def test_short_number(self):
        with pytest.raises(CodeError) as exc:
            validate_resident_id("1101051949123100")
        assert exc.value.reason == "length"

    def test_assembled_numbers_are_valid(self):
        number = make_resident_id("441302", "19900101", "123")
        assert validate_resident_id(number) == number
