"""A natural person's identity: the one place it is derived from an identity document.

The clear number is never stored, so no public code path can ever reveal it.
What is kept is a keyed hash (government users find a person by hashing the
number they were given), a masked form, a public code derived from the hash
and, for a resident identity number, the day the person comes of age
(conduct while a minor is never published). Subject.for_person, the import
validator, the loader and list screening all take these values from here.
"""

import datetime as dt
import hashlib
import hmac
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.core.codes import CodeError, validate_resident_id
from portal.core.pii import mask_middle
from portal.core.text import normalise_code

RESIDENT_ID = "身份证"
ADULT_AGE = 18


def hash_identity(number: str) -> str:
    """HMAC-SHA256 of a normalised identity number under PORTAL_IDENTITY_HASH_KEY."""
    key = settings.PORTAL_IDENTITY_HASH_KEY
    if not key:
        raise RuntimeError("PORTAL_IDENTITY_HASH_KEY is not configured")
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()


def mask_identity(number: str) -> str:
    """4413**********123X: region prefix and last four only."""
    return mask_middle(number, 4, 4)


def person_code(identity_hash: str) -> str:
    """The public, stable key of a natural person: derived from the keyed hash, never reversible."""
    return "P" + identity_hash[:17].upper()


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_known_birth_places: set[tuple[str, str]] = set()
# Birth years before this one are over in every time zone whatever the date (a process
# running for years only sends more numbers to the core check).
_SETTLED_BEFORE = dt.date.today().year - 1


def check_resident_id(number: str) -> str:
    """portal.core.codes.validate_resident_id, fast for a place already seen valid.

    The core check looks the address code up in python-stdnum's division
    database, which is slow; once a number with the same address code and
    birth year has passed it, the cheap checks (length, digits, check digit,
    a real birth date in a year already over) decide the rest. Anything unusual
    goes through the core check, which also words the error.
    """
    if len(number) == 18 and number[:17].isdigit():
        total = sum(int(c) * w for c, w in zip(number, _RESIDENT_WEIGHTS, strict=False))
        check = "10X98765432"[total % 11]
        place = (number[:6], number[6:10])
        if check == number[17] and place in _known_birth_places:
            try:
                birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            except ValueError:
                pass
            else:
                # A recent birth date may still be to come where the core check's
                # clock is; it decides those.
                if birth.year < _SETTLED_BEFORE:
                    return number
    number = validate_resident_id(number)
    _known_birth_places.add((number[:6], number[6:10]))
    return number


class PersonIdentity(NamedTuple):
    """What is kept of a natural person's identity: never the clear number.

    A tuple because import rows carry one between processes, and pickle
    handles tuples cheaply.
    """

    code: str
    identity_hash: str
    identity_masked: str
    identity_type: str
    birth_date: dt.date | None
    adult_on: dt.date | None

    @classmethod
    def from_number(cls, identity_type: str, number: str) -> "PersonIdentity":
        """Check an identity document's number and derive what is kept of it.

        A resident identity number is checked by its check digit and gives the
        birth date; other documents (passports, permits) carry no check
        character and are keyed by type and number. Raises CodeError.
        """
        if identity_type == RESIDENT_ID:
            number = check_resident_id(number)
            hashed = hash_identity(number)
            birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            adult_on = add_years(birth, ADULT_AGE)
        else:
            number = normalise_code(number)
            if not number:
                raise CodeError("empty", _("证件号码不能为空"))
            hashed = hash_identity(f"{identity_type}:{number}")
            birth = adult_on = None
        return cls(
            person_code(hashed), hashed, mask_identity(number), identity_type, birth, adult_on
        )

    def subject_fields(self) -> dict:
        """The Subject columns a person's identity sets (the caller sets the kind)."""
        return {
            "code": self.code,
            "identity_hash": self.identity_hash,
            "identity_masked": self.identity_masked,
            "identity_type": self.identity_type,
            "adult_on": self.adult_on,
        }
