"""The statistics' figures on a known small data set (tests/statistics/conftest.py)."""

import datetime as dt

import pytest

from portal.statistics.models import Figure
from portal.statistics.refresh import in_time, refresh
from portal.statistics.suppression import OTHER, merged_groups
from portal.statistics.tables import FigureBook
from tests.statistics.conftest import TODAY, aware

OCT, SEP, AUG, NOV = (dt.date(2026, m, 1) for m in (10, 9, 8, 11))


def figure(metric, dimension="all", key="", month=None):
    return Figure.objects.get(metric=metric, dimension=dimension, key=key, month=month)


def test_records_and_subjects_by_every_breakdown(data_set):
    assert (figure("records").value, figure("records").subjects) == (14, 13)
    assert (figure("public_records").value, figure("public_records").subjects) == (13, 13)
    by = {
        (f.dimension, f.key): (f.value, f.subjects)
        for f in Figure.objects.filter(metric="records", month=None).exclude(dimension="all")
    }
    assert by[("department", "MARKET")] == (8, 7)
    assert by[("department", "ENV")] == (5, 5)
    assert by[("department", "TAX")] == (1, 1)
    assert by[("catalog_item", "ADM_PENALTY")] == (12, 12)
    assert by[("catalog_item", "TAX_A_GRADE")] == (1, 1)
    assert by[("catalog_item", "SERIOUS_ILLEGAL_DISHONEST")] == (1, 1)
    assert by[("district", "441302")] == (8, 7)
    assert by[("district", "441303")] == (5, 5)
    assert by[("district", "441324")] == (1, 1)
    assert by[("subject_kind", "enterprise")] == (13, 12)
    assert by[("subject_kind", "natural_person")] == (1, 1)
    # By section: C39 counts under C; the person and the taxpayer have no industry.
    assert by[("industry", "C")] == (7, 6)
    assert by[("industry", "F")] == (5, 5)
    assert by[("industry", "")] == (2, 2)


def test_records_by_month(data_set):
    assert [figure("records", month=m).value for m in (AUG, SEP, OCT)] == [1, 5, 8]
    assert figure("records", month=OCT).subjects == 8
    assert figure("public_records", month=SEP).value == 5
    assert not Figure.objects.filter(metric="public_records", month=AUG).exists()
    assert figure("records", "department", "ENV", SEP).value == 5
    assert figure("records", "industry", "C", OCT).value == 6


def test_red_and_black_list_entries_and_removals(data_set):
    assert figure("red_entries").value == 1
    assert figure("red_entries", month=OCT).value == 1
    assert figure("black_entries", month=AUG).value == 1
    # Revoked on 2026-11-02: a removal in November, by item and department too.
    assert figure("black_removals", month=NOV).value == 1
    assert figure("black_removals", "catalog_item", "SERIOUS_ILLEGAL_DISHONEST").value == 1
    assert not Figure.objects.filter(metric="red_removals").exists()


def test_objections_and_repairs(data_set):
    assert figure("objections_filed").value == 2
    assert figure("objections_filed", month=OCT).value == 2
    assert figure("objections_decided", month=NOV).value == 2
    # Corrected is an upheld objection; 维持原记录 is not.
    assert figure("objections_granted").value == 1
    # The second left its first stage after its due date.
    assert figure("objections_in_time").value == 1
    assert figure("objections_filed", "department", "MARKET").value == 2
    assert figure("repairs_filed", month=NOV).value == 1
    assert not Figure.objects.filter(metric="repairs_decided").exists()


def test_screening_lookups_and_measures_applied(data_set):
    assert figure("lookups", month=OCT).value == 1
    assert figure("lookup_subjects").value == 3
    assert figure("lookup_hits").value == 1
    assert figure("measures_applied", month=OCT).value == 1


def test_in_time_reads_every_stage_deadline():
    steps = [
        (aware(dt.date(2026, 10, 1)), dt.date(2026, 10, 5)),
        (aware(dt.date(2026, 10, 5)), None),
    ]
    assert in_time(steps)
    late = [
        (aware(dt.date(2026, 10, 1)), dt.date(2026, 10, 5)),
        (aware(dt.date(2026, 10, 6)), None),
    ]
    assert not in_time(late)


def test_refresh_is_idempotent(data_set):
    before = set(Figure.objects.values_list("metric", "dimension", "key", "month", "value"))
    refresh(trigger="again", today=TODAY)
    refresh(trigger="again", today=TODAY)
    after = set(Figure.objects.values_list("metric", "dimension", "key", "month", "value"))
    assert after == before


def test_small_public_groups_merge_into_other(data_set):
    """No public group of fewer than 5 subjects: TAX (1) joins 其他 and, since 其他 would
    still be too small, so does the smallest shown group (ENV, 5)."""
    book = FigureBook()
    assert not book.get("public_records", "department", "MARKET").suppressed
    assert book.get("public_records", "department", "TAX").suppressed
    assert book.get("public_records", "department", "ENV").suppressed
    other = book.get("public_records", "department", OTHER)
    assert (other.value, other.subjects, other.suppressed) == (6, 6, False)
    # Only one person: the subject kinds all fold into one group.
    kinds = book.get("public_records", "subject_kind", OTHER)
    assert (kinds.value, kinds.subjects) == (13, 13)
    assert book.shown("red_entries") == "<5"


@pytest.mark.parametrize(
    ("groups", "union", "merged", "together"),
    [
        ({"a": 9, "b": 7}, None, set(), 0),
        ({"a": 9, "b": 3, "c": 4}, {"b", "c"}, {"b", "c"}, 7),
        ({"a": 9, "b": 6, "c": 2}, None, {"b", "c"}, 8),
        ({"a": 2, "b": 1}, None, {"a", "b"}, 3),
    ],
)
def test_merged_groups(groups, union, merged, together):
    # Subjects are counted as if every group held different ones.
    found, count = merged_groups(groups, lambda keys: sum(groups[k] for k in keys))
    assert found == merged
    assert count == together


def test_statement_cases_count_like_objections_and_repairs(db):
    """Statements filed, decided, shown (published) and in time, by month and department;
    they appear in the operators' summary, the monthly table and the case totals."""
    from portal.objections.models import CaseKind, Decision
    from portal.statistics.tables import operator_tables
    from tests.factories import OrganisationFactory, make_record
    from tests.statistics.conftest import _case

    records = [make_record(OrganisationFactory(), today=TODAY) for _ in range(3)]
    _case(
        records[0],
        CaseKind.STATEMENT,
        dt.date(2026, 10, 20),
        decided=dt.date(2026, 10, 21),
        decision=Decision.PUBLISHED,
        steps=[(dt.date(2026, 10, 20), dt.date(2026, 10, 22)), (dt.date(2026, 10, 21), None)],
    )
    _case(
        records[1],
        CaseKind.STATEMENT,
        dt.date(2026, 10, 26),
        decided=dt.date(2026, 11, 3),
        decision=Decision.DECLINED,
        steps=[(dt.date(2026, 10, 26), dt.date(2026, 10, 28)), (dt.date(2026, 11, 3), None)],
    )
    _case(records[2], CaseKind.STATEMENT, dt.date(2026, 11, 5))
    refresh(today=TODAY)
    assert figure("statements_filed").value == 3
    assert figure("statements_filed", month=OCT).value == 2
    assert figure("statements_decided").value == 2
    assert figure("statements_decided", month=NOV).value == 1
    assert figure("statements_granted").value == 1
    assert figure("statements_granted", month=OCT).value == 1
    # The declined one was checked after its due date.
    assert figure("statements_in_time").value == 1
    assert figure("statements_filed", "department", "MARKET").value == 3
    assert not Figure.objects.filter(metric__startswith="objections").exists()

    tables = {t.slug: t for t in operator_tables(TODAY)}
    summary = dict(tables["summary"].rows)
    assert summary["本人声明申请"] == [3]
    totals = dict(tables["cases"].rows)
    assert totals["本人声明"] == [3, 2, 1, 1]
    monthly = tables["cases-over-time"]
    assert monthly.columns[-2:] == ["本人声明申请", "声明予以展示"]
    october = [cells for label, cells in monthly.rows if "10" in str(label)][-1]
    assert october[-2:] == [2, 1]
