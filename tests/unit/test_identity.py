"""A person's identity is derived in one place: portal.subjects.identity."""

import datetime as dt
import hashlib
import hmac
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from portal.core.codes import CodeError, make_resident_id, validate_resident_id
from portal.subjects.identity import PersonIdentity, check_resident_id
from portal.subjects.models import Subject, SubjectKind
from tests.factories import next_resident_id

REPO = Path(__file__).resolve().parents[2]


def test_a_resident_number_gives_hash_mask_code_and_birth_date():
    number = make_resident_id("441302", "19900315", "123")
    person = PersonIdentity.from_number("身份证", number)
    expected = hmac.new(
        settings.PORTAL_IDENTITY_HASH_KEY.encode(), number.encode(), hashlib.sha256
    ).hexdigest()
    assert person.identity_hash == expected
    assert person.code == "P" + expected[:17].upper()
    assert person.identity_masked == number[:4] + "*" * 10 + number[-4:]
    assert person.birth_date == dt.date(1990, 3, 15)
    assert person.adult_on == dt.date(2008, 3, 15)
    assert person.identity_type == "身份证"


def test_a_leap_day_birth_comes_of_age_on_28_february():
    person = PersonIdentity.from_number("身份证", make_resident_id("441302", "20080229", "123"))
    assert person.adult_on == dt.date(2026, 2, 28)


def test_other_documents_are_keyed_by_type_and_number():
    passport = PersonIdentity.from_number("护照", " e1234５678 ")
    permit = PersonIdentity.from_number("港澳居民来往内地通行证", "E12345678")
    assert passport.identity_masked == "E123*5678"
    assert passport.birth_date is None and passport.adult_on is None
    # The same number under another document type is another person.
    assert passport.identity_hash != permit.identity_hash
    with pytest.raises(CodeError):
        PersonIdentity.from_number("护照", "  ")


def test_a_bad_resident_number_is_refused():
    good = make_resident_id("441302", "19900315", "123")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(CodeError):
        PersonIdentity.from_number("身份证", bad)


@pytest.mark.parametrize(
    "identity_type, number",
    [
        ("身份证", next_resident_id("19900315")),
        ("身份证", next_resident_id("20150101")),
        ("护照", "E12345678"),
    ],
)
def test_subject_for_person_keeps_what_the_identity_gives(identity_type, number):
    person = PersonIdentity.from_number(identity_type, number)
    subject = Subject.for_person(number, "张三", identity_type, district="441302")
    assert subject.kind == SubjectKind.NATURAL_PERSON
    assert {name: getattr(subject, name) for name in person.subject_fields()} == (
        person.subject_fields()
    )
    assert subject.district == "441302" and subject.name == "张三"


def test_fast_resident_check_agrees_with_the_core():
    numbers = [
        make_resident_id("441302", f"19{y:02d}0{m}1{d}", f"{y}{m}{d}")
        for y in range(80, 99)
        for m in range(1, 4)
        for d in range(1, 4)
    ]
    numbers += [n[:-1] + "X" for n in numbers[:20]] + [
        "442521198001011234",
        "4413021990031500",
        "441302199002301231",
    ]
    for number in numbers:
        try:
            expected = validate_resident_id(number)
        except CodeError as exc:
            expected = exc.reason
        try:
            got = check_resident_id(number)
        except CodeError as exc:
            got = exc.reason
        assert got == expected, number


def test_the_fast_check_refuses_a_birth_date_still_to_come():
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    if tomorrow.year != today.year:
        pytest.skip("needs a day left in this year")
    # A number of the same address code and birth year has passed the core check...
    check_resident_id(make_resident_id("441303", f"{today.year}0101", "123"))
    # ... which says nothing of a birth date that has not come yet.
    with pytest.raises(CodeError) as refused:
        check_resident_id(make_resident_id("441303", tomorrow.strftime("%Y%m%d"), "123"))
    assert refused.value.reason == "birth_date"


def test_no_other_module_hashes_or_derives_an_identity():
    """A second copy of the derivation would be the first to drift from this one."""
    pattern = re.compile(
        r"\b(hash_identity|person_code|add_years)\(|settings\.PORTAL_IDENTITY_HASH_KEY\b"
    )
    allowed = {
        Path("portal/subjects/identity.py"),
        # Hands the key to its reading process, which derives identities through the module.
        Path("exchange/pipeline.py"),
        # Hashes a fixed text, not a number, to tell whether a backup was made under the same key.
        Path("portal/operations/backup.py"),
    }
    found = []
    for folder in ("portal", "exchange", "importers", "cms", "search"):
        for path in (REPO / folder).rglob("*.py"):
            relative = path.relative_to(REPO)
            if relative.parts[1:2] == ("settings",) or relative in allowed:
                continue
            if pattern.search(path.read_text(encoding="utf-8")):
                found.append(str(relative))
    assert found == []
