"""Personal numbers written into free text, found and masked before anything is stored.

Departments type identity numbers, mobile numbers and bank card numbers into
fields such as 违法事实 or 备注. Those fields are published, so every free-text
value is passed through `mask_personal_numbers` on the way in (imports, the
department API, the admin, correction forms); the caller tells the department
which cells were masked.

What counts, so that decision numbers, amounts and credit codes stay readable:

- a resident identity number: 18 characters with a valid check character, a
  real birth date and an address code of some GB/T 2260 edition; or an old
  15-digit number with a real birth date and a known address code;
- a mobile number: 11 digits starting 13–19, optionally after +86/86 and with
  spaces or hyphens between the 3-4-4 groups;
- a bank card number: 16 to 19 digits (optionally in groups of four) with a
  UnionPay, Visa or Mastercard prefix, passing the Luhn check, and not a valid
  unified social credit code.

A number is only taken when it does not run on into further digits or letters.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from stdnum import luhn

from portal.core.codes import is_address_code, is_valid_resident_id, is_valid_uscc

IDENTITY = "identity_number"
MOBILE = "mobile"
BANK_CARD = "bank_card"

_NOT_AROUND = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
# Every kind has at least eleven digits, perhaps with spaces or hyphens between.
_CANDIDATE = re.compile(r"\d(?:[ -]?\d){10}")
_RESIDENT = re.compile(_NOT_AROUND[0] + r"\d{17}[\dXx]" + _NOT_AROUND[1])
_OLD_RESIDENT = re.compile(_NOT_AROUND[0] + r"\d{15}" + _NOT_AROUND[1])
_CARD = re.compile(_NOT_AROUND[0] + r"(?:(?:\d{4}[ -]){3}\d{4,7}|\d{16,19})" + _NOT_AROUND[1])
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})" + _NOT_AROUND[1]
)


@dataclass(frozen=True)
class Masked:
    """What masking changed in one value: the kinds of number found, in order."""

    text: str
    kinds: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def mask_middle(number: str, keep_start: int, keep_end: int) -> str:
    """The number with all but its first and last few characters starred."""
    if len(number) <= keep_start + keep_end:
        return "*" * len(number)
    return number[:keep_start] + "*" * (len(number) - keep_start - keep_end) + number[-keep_end:]


def _is_old_resident(number: str) -> bool:
    try:
        dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return False
    return is_address_code(number[:6])


# Issuer prefixes and lengths of the cards people in China carry: UnionPay, Visa,
# Mastercard. Anything else of that length is more likely a code or a number.
_CARD_SHAPE = re.compile(r"62\d{14,17}|4\d{15}|4\d{18}|5[1-5]\d{14}|2[2-7]\d{14}")


def _is_card(digits: str) -> bool:
    return (
        _CARD_SHAPE.fullmatch(digits) is not None
        and luhn.is_valid(digits)
        and not is_valid_uscc(digits)  # an all-digit credit code is public, not a card
    )


def mask_personal_numbers(text: str) -> Masked:
    """``text`` with every personal number masked, and which kinds were found."""
    if not text or _CANDIDATE.search(text) is None:  # the usual case, decided in C
        return Masked(text, ())
    kinds: list[str] = []

    def resident(match: re.Match) -> str:
        number = match.group(0)
        if not is_valid_resident_id(number):
            return number
        kinds.append(IDENTITY)
        return mask_middle(number, 4, 4)

    def old_resident(match: re.Match) -> str:
        number = match.group(0)
        if not _is_old_resident(number):
            return number
        kinds.append(IDENTITY)
        return mask_middle(number, 4, 3)

    def card(match: re.Match) -> str:
        written = match.group(0)
        digits = re.sub(r"[ -]", "", written)
        if not _is_card(digits):
            return written
        kinds.append(BANK_CARD)
        return mask_middle(digits, 4, 4)

    def mobile(match: re.Match) -> str:
        kinds.append(MOBILE)
        return f"{match.group(1)}****{match.group(3)}"

    text = _RESIDENT.sub(resident, text)
    text = _OLD_RESIDENT.sub(old_resident, text)
    text = _CARD.sub(card, text)
    text = _MOBILE.sub(mobile, text)
    return Masked(text, tuple(kinds))
