"""Check characters of the two identity codes (docs/domain.md, Subjects and identity).

- Unified social credit code, GB 32100-2015: python-stdnum checks its length,
  alphabet and final check character; the organisation code embedded in
  characters 9-17 (GB 11714-1997) carries its own check character, which
  stdnum does not check, so it is checked here.
- Resident identity number, GB 11643-1999: python-stdnum checks the length
  and the check digit; the birth date and the address code are checked here.
  The address code is where the household was registered when the number was
  assigned, so any code of any edition of GB/T 2260 is valid whatever the
  birth year (stdnum also asks the code to have existed in the birth year,
  which refuses everyone born before their county's code was created).

Both accept any input form that normalises to the code (full-width, lower
case, spaces).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidLength,
    ValidationError,
)

from portal.core.text import normalise_code

_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUES = {c: i for i, c in enumerate(_ORG_ALPHABET)}
# GB 32100-2015, as python-stdnum's stdnum.cn.uscc has them.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}


class CodeError(ValueError):
    """A code that fails its format or check character, with a reason fit to show."""

    def __init__(self, reason: str, message):
        super().__init__(str(message))
        self.reason = reason
        self.message = message


def organisation_code_check_character(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_check_character(first17: str) -> str:
    return uscc.calc_check_digit(first17)


def uscc_passes(code: str) -> bool:
    """Whether a normalised code passes every check validate_uscc makes.

    Plain arithmetic, for the common case of a valid code: departments send
    them by the million. A code that fails goes through the full check, which
    says what is wrong; tests compare the two on many codes.
    """
    if len(code) != 18 or not code[:8].isdigit():
        return False
    try:
        total = sum(_USCC_VALUES[c] * w for c, w in zip(code, _USCC_WEIGHTS))  # noqa: B905
        if _USCC_ALPHABET[(31 - total) % 31] != code[17]:
            return False
        org = sum(_ORG_VALUES[c] * w for c, w in zip(code[8:16], _ORG_WEIGHTS))  # noqa: B905
    except KeyError:  # a character outside the alphabets
        return False
    value = 11 - org % 11
    return code[16] == ("X" if value == 10 else "0" if value == 11 else str(value))


def validate_uscc(value: object) -> str:
    """Return the normalised USCC or raise CodeError saying what is wrong."""
    code = normalise_code(value)
    if uscc_passes(code):
        return code
    try:
        code = uscc.validate(code)  # also drops the dashes stdnum knows beyond "-"
    except InvalidLength as exc:
        raise CodeError(
            "length", _("统一社会信用代码应为18位，实际为%(n)d位") % {"n": len(code)}
        ) from exc
    except InvalidChecksum as exc:
        raise CodeError("checksum", _("统一社会信用代码校验位错误")) from exc
    except ValidationError as exc:
        raise CodeError("format", _("统一社会信用代码含有不允许的字符")) from exc
    org_body, org_check = code[8:16], code[16]
    if any(c not in _ORG_ALPHABET for c in org_body) or org_check not in "0123456789X":
        raise CodeError("org_format", _("统一社会信用代码中的组织机构代码格式错误"))
    if organisation_code_check_character(org_body) != org_check:
        raise CodeError("org_checksum", _("统一社会信用代码中的组织机构代码校验位错误"))
    return code


def validate_resident_id(value: object) -> str:
    """Return the normalised resident identity number or raise CodeError."""
    number = normalise_code(value)
    # stdnum's own validate() also asks the address code to have existed in the
    # birth year (and fails on a province-only code), so its parts are used one by one.
    if len(number) != 18:
        raise CodeError("length", _("身份证号码应为18位，实际为%(n)d位") % {"n": len(number)})
    if not number[:-1].isdigit() or not number[:-1].isascii():
        raise CodeError("format", _("身份证号码前17位应为数字"))
    if number[-1] != ric.calc_check_digit(number):
        raise CodeError("checksum", _("身份证号码校验位错误"))
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent as exc:
        raise CodeError("birth_date", _("身份证号码中的出生日期无效")) from exc
    if birth > timezone.localdate() or birth < dt.date(1900, 1, 1):
        raise CodeError("birth_date", _("身份证号码中的出生日期无效"))
    if not is_address_code(number[:6]):
        raise CodeError("address_code", _("身份证号码中的地址码不存在"))
    return number


def is_address_code(code: str) -> bool:
    """Whether ``code`` is a division code of some edition of GB/T 2260, current or retired."""
    found = {key for _part, props in numdb.get("cn/loc").info(code) for key in props}
    return "county" in found


def is_valid_uscc(value: object) -> bool:
    try:
        validate_uscc(value)
    except CodeError:
        return False
    return True


def is_valid_resident_id(value: object) -> bool:
    try:
        validate_resident_id(value)
    except CodeError:
        return False
    return True


@dataclass(frozen=True)
class ResidentIdentity:
    """What the system keeps of a person's identity number: never the number itself."""

    hashed: str
    masked: str
    birth_date_year: int


def make_uscc(authority: str, kind: str, region: str, org_body: str) -> str:
    """Assemble a valid USCC from its parts (used by demo data and tests)."""
    org = org_body + organisation_code_check_character(org_body)
    first17 = f"{authority}{kind}{region}{org}"
    return first17 + uscc_check_character(first17)


def make_resident_id(region: str, birth: str, sequence: str) -> str:
    """Assemble a valid resident identity number (demo data and tests)."""
    first17 = f"{region}{birth}{sequence}"
    # stdnum expects the number with a (placeholder) check digit in place.
    return first17 + ric.calc_check_digit(first17 + "0")
