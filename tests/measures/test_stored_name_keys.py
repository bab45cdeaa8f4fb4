"""Stored name keys: written wherever names are written, backfilled, and screening finds
the same candidates through them as by computing every organisation's keys itself."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from exchange.loader import ChunkLoader
from exchange.validation import RowValidator
from importers.schema import ImportSchema
from portal.measures.reader import InputRow
from portal.measures.screening import screen
from portal.records.demo import seed_demo_data
from portal.subjects import stored_keys
from portal.subjects.models import Subject, SubjectName, SubjectNameKey
from portal.subjects.name_keys import screening_keys
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.factories import OrganisationFactory, PersonFactory, catalog_item, department, next_uscc

pytestmark = pytest.mark.django_db


def stored(subject) -> set[str]:
    return set(SubjectNameKey.objects.filter(subject=subject).values_list("key", flat=True))


def keys_of(normalised: str) -> set[str]:
    return screening_keys(normalised)[1]


def current(subject) -> bool:
    subject.refresh_from_db()
    return subject.name_keys_version == stored_keys.keys_version()


def candidates(procurement, *typed) -> list[list[tuple[str, float, str]]]:
    results = screen([InputRow(row=n, name=t, code="") for n, t in enumerate(typed)], procurement)
    return [[(c.subject.code, c.score, c.explanation) for c in r.candidates] for r in results]


def forget_all_keys():
    """As a database from before the keys were stored (or after the key code changed)."""
    SubjectNameKey.objects.all().delete()
    Subject.objects.update(name_keys_version="")


def test_a_saved_organisation_has_the_keys_of_its_name_a_person_none():
    firm = OrganisationFactory(name="惠州市汇通物流有限公司")
    keys = stored(firm)
    assert keys == keys_of(firm.name_normalised)
    # Each key with the matching key of the name it comes from (what screening scores).
    assert set(
        SubjectNameKey.objects.filter(subject=firm).values_list("matching_key", flat=True)
    ) == {"汇通物流公司"}
    assert {"b:汇通", "n:汇通物流", "p:huitongwuliu", "d:汇通物"} <= keys
    assert current(firm)
    person = PersonFactory(name="李伟")
    assert stored(person) == set() and current(person)


def test_a_rename_replaces_the_keys_and_a_former_name_adds_its_own():
    firm = OrganisationFactory(name="惠州市汇通物流有限公司")
    firm.set_name("惠州市鼎盛建筑工程有限公司")
    firm.save()
    assert "n:鼎盛建筑工程" in stored(firm)
    assert "n:汇通物流" not in stored(firm)
    SubjectName.objects.create(
        subject=firm, name="惠州市汇通物流有限公司", name_normalised="汇通物流公司"
    )
    assert {"n:鼎盛建筑工程", "n:汇通物流"} <= stored(firm)
    # A save that cannot change the name keeps the keys as they are.
    before = stored(firm)
    firm.legal_representative = "王五"
    firm.save(update_fields=["legal_representative"])
    assert stored(firm) == before and current(firm)


def test_a_deleted_former_names_leftover_keys_find_nothing(procurement):
    firm = OrganisationFactory(name="惠州市新宇新能源有限公司")
    former = firm.names.create(name="惠州市新宇电池有限公司", name_normalised="新宇电池公司")
    assert [c[0] for c in candidates(procurement, "惠州市新宇电池有限公司")[0]] == [firm.code]
    former.delete()
    assert "n:新宇电池" in stored(firm)  # left over: a key only leads to the subject
    assert candidates(procurement, "惠州市新宇电池有限公司") == [[]]


@pytest.mark.parametrize("fast", [True, False])
def test_an_import_writes_the_keys_of_new_subjects_and_of_new_names(fast):
    if fast and connection.vendor != "sqlite":
        pytest.skip("the fast path is SQLite's")
    item = catalog_item("ADM_PENALTY")
    schema = ImportSchema.from_item(item)
    header = schema.map_header([s.key for s in schema.fields])
    known = OrganisationFactory(name="惠州市老名字贸易有限公司")
    rows = [
        penalty_row(subject_name="惠州市汇通物流有限公司"),
        penalty_row(uscc=known.uscc, subject_name="惠州市新名字贸易有限公司"),
    ]
    validator = RowValidator(schema, header, today=dt.date(2026, 11, 24))
    clean = []
    for n, row in enumerate(rows, start=2):
        value, problems = validator.validate(n, [row.get(s.key, "") for s in schema.fields])
        assert problems == [], problems
        clean.append(value)
    loader = ChunkLoader(
        item=item, department=department(), write=True, today=dt.date(2026, 11, 24), fast=fast
    )
    loader.process(clean)
    new = Subject.objects.get(name="惠州市汇通物流有限公司")
    assert stored(new) == keys_of(new.name_normalised) and current(new)
    assert {"n:老名字贸易", "n:新名字贸易"} <= stored(known)


def test_a_committed_batch_is_screened_through_the_stored_keys(procurement):
    load(penalty_csv([penalty_row(subject_name="惠州市东江餐饮管理股份有限公司")]))
    firm = Subject.objects.get(name="惠州市东江餐饮管理股份有限公司")
    assert current(firm)
    [[(code, score, _why)]] = candidates(procurement, "惠州市东红餐饮管理股份有限公司")
    assert code == firm.code and 0 < score < 100


def test_demo_data_is_seeded_with_its_keys():
    seed_demo_data(40, 0, seed=3, as_of=dt.date(2026, 11, 24))
    assert not stored_keys.stale_subjects().exists()
    firm = Subject.objects.exclude(kind="natural_person").first()
    assert stored(firm) == keys_of(firm.name_normalised)


def test_the_backfill_command_writes_missing_keys_once():
    firms = [
        OrganisationFactory(name="惠州市汇通物流有限公司"),
        OrganisationFactory(name="华兴建筑（惠州）有限公司"),
    ]
    firms[0].names.create(name="惠州市汇通快递有限公司", name_normalised="汇通快递公司")
    before = {f.pk: stored(f) for f in firms}
    forget_all_keys()
    assert set(stored_keys.stale_subjects()) == set(firms)
    call_command("subject_name_keys", verbosity=0)
    assert {f.pk: stored(f) for f in firms} == before
    assert "n:汇通快递" in before[firms[0].pk]
    assert not stored_keys.stale_subjects().exists()
    assert stored_keys.backfill() == (0, 0)  # nothing stale: nothing written
    assert stored_keys.backfill(everyone=True)[0] == 2


def test_another_city_makes_every_key_stale_until_written_again(settings):
    firm = OrganisationFactory(name="广东省惠州市华美服装有限公司")
    assert "b:华美" in stored(firm)
    assert not stored_keys.stale_subjects().exists()
    settings.PORTAL_CITY_NAME = "河源"
    assert list(stored_keys.stale_subjects()) == [firm]
    call_command("subject_name_keys", verbosity=0)
    assert current(firm)
    # Under 河源, 惠州市 after the province is no city prefix: the matching key keeps it.
    assert "b:惠州" in stored(firm) and "b:华美" not in stored(firm)


TYPED = [
    "惠州市东红餐饮管理股份有限公司",  # second character wrong
    "惠州市中恒运输有线责任公司",  # typo in the form
    "惠州市鼎胜建筑工程有限公司",  # homophone
    "惠州市江汇通物流有限公司",  # one character extra in front
    "惠州市华星建筑有限公司",  # bracketed city in the register, homophone
    "鼎盛建筑工程有限公司（惠州）",
    "广东省惠州市鼎盛建筑工程有限责任公司",
    "惠州市鸿运食品有限公司",  # block candidates scored with rapidfuzz
    "惠州市汇通快递有限公司",  # a former name
    "深圳市完全不同的名称有限公司",
]


def register():
    for name in [
        "惠州市东江餐饮管理股份有限公司",
        "惠州市中恒运输有限责任公司",
        "惠州市鼎盛建筑工程有限公司",
        "惠州鼎盛建筑工程有限责任公司",
        "惠州市汇通物流有限公司",
        "华兴建筑（惠州）有限公司",
        "惠州市鸿运食品贸易有限公司",
        "惠州市鸿运食品加工有限公司",
        "惠州市鸿运物流有限公司",
        "广东省惠州市华美服装有限公司",
    ]:
        OrganisationFactory(name=name)
    renamed = OrganisationFactory(name="惠州市汇通速递有限公司")
    renamed.names.create(name="惠州市汇通快递有限公司", name_normalised="汇通快递公司")
    PersonFactory(name="鼎盛建筑")


def test_screening_finds_the_same_candidates_through_stored_and_computed_keys(procurement):
    register()
    through_stored = candidates(procurement, *TYPED)
    assert all(through_stored[:-1]) and through_stored[-1] == []
    forget_all_keys()  # every organisation stale: screening computes every key itself
    assert candidates(procurement, *TYPED) == through_stored


def test_a_subject_written_without_keys_is_still_found(procurement):
    register()
    [late] = Subject.objects.bulk_create(
        [Subject.for_organisation(next_uscc(), "惠州市鼎盛建筑工程股份有限公司")]
    )
    assert stored(late) == set() and list(stored_keys.stale_subjects()) == [late]
    [found] = candidates(procurement, "惠州市鼎胜建筑工程股份有限公司")
    assert late.code in [code for code, _score, _why in found]
