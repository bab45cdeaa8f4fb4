"""The demo data reads like a real city's: each department issues only what it is
competent for, penalties cite the law of their violation, lists that exclude each other
never meet on one subject, and names carry no number suffixes."""

import datetime as dt
import re
from collections import defaultdict

import pytest

from portal.catalog.models import ListType
from portal.records.demo import LICENCES, VIOLATIONS, seed_demo_data
from portal.records.models import CreditRecord
from portal.subjects.models import Subject

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_demo_data(subjects=600, records=6000, seed=21, as_of=dt.date(2026, 11, 24))
        records = list(
            CreditRecord.objects.values_list(
                "subject_id",
                "catalog_item__code",
                "catalog_item__list_type",
                "department__code",
                "data",
            )
        )
        names = list(Subject.objects.values_list("name", "kind"))
        yield records, names
        CreditRecord.objects.all().delete()
        Subject.objects.all().delete()


def test_departments_issue_only_what_they_are_competent_for(demo):
    records, _ = demo
    for _subject, item, _list, department, data in records:
        if item == "ADM_LICENSE":
            assert (data["decision_name"], data["certificate_name"]) in LICENCES[department]
        elif item == "ADM_PENALTY":
            assert department in VIOLATIONS and department != "COURT"
        elif item == "COURT_DISHONEST":
            assert department == "COURT"
        elif item in ("TAX_ARREARS", "TAX_A_GRADE"):
            assert department == "TAX"
    licensers = {d for _s, item, _l, d, _data in records if item == "ADM_LICENSE"}
    assert licensers and "COURT" not in licensers and "TAX" not in licensers


def test_penalties_cite_the_law_of_their_violation(demo):
    records, _ = demo
    penalties = [(d, data) for _s, item, _l, d, data in records if item == "ADM_PENALTY"]
    assert len(penalties) > 500
    for department, data in penalties:
        assert (data["violation_type"], data["basis"]) in VIOLATIONS[department]
    water = [data for _d, data in penalties if data["violation_type"] == "违法排放水污染物"]
    assert water and all("水污染防治法" in data["basis"] for data in water)


def test_lists_that_exclude_each_other_never_meet(demo):
    records, _ = demo
    tags = defaultdict(set)
    for subject, item, list_type, _d, _data in records:
        tags[subject].update({item, list_type})
    both_lists = [s for s, t in tags.items() if {ListType.RED, ListType.BLACK} <= t]
    arrears_and_a = [s for s, t in tags.items() if {"TAX_ARREARS", "TAX_A_GRADE"} <= t]
    assert both_lists == [] and arrears_and_a == []
    # Both kinds of list are there, just never on one subject.
    assert any(ListType.RED in t for t in tags.values())
    assert any(ListType.BLACK in t for t in tags.values())


def test_names_look_real(demo):
    _, names = demo
    assert len(names) == 600
    assert [n for n, _k in names if re.search(r"\d$", n)] == []
    assert len({n for n, k in names if k != "natural_person"}) == len(
        [n for n, k in names if k != "natural_person"]
    )
