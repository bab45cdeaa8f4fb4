"""The assessment of a month with known late, rejected and missing submissions."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from exchange.models import Batch
from portal.assessment import services
from portal.assessment.figures import compute_batch_figures
from portal.assessment.models import AssessmentWeights, BatchFigures, LateRecord, ReportingDuty
from tests.assessment.conftest import TODAY
from tests.exchange.conftest import load, penalty_csv, penalty_row

pytestmark = pytest.mark.django_db

MARKET_NOVEMBER = {
    "department": "MARKET",
    "rows": 8,
    "accepted": 4,
    "rejected": 4,
    "timely_rate": 0.3333,
    "late_records": 2,
    "missing_duties": ["ADM_LICENSE"],
    "completeness_rate": 0.5625,
    "accuracy_rate": 0.375,
    "objections_upheld": 1,
    "response_rate": 0.3333,
    "feedback_rate": 0.5,
    "not_measured": [],
    "score": 40.6,
}


def market(period="2026-11"):
    (entry,) = services.assess(
        services.parse_period(period), department_codes=["MARKET"], today=TODAY
    )
    return entry


def test_every_figure_of_the_month(november):
    entry = market()
    assert entry.as_json() == MARKET_NOVEMBER
    assert (entry.timed, entry.untimed, entry.duties) == (3, 0, 2)
    assert (entry.recommended_filled, entry.recommended_total) == (5, 8)
    assert (entry.cases_due, entry.cases_on_time) == (3, 1)
    assert (entry.hits, entry.hits_with_feedback) == (2, 1)
    assert entry.rates == {
        "timeliness": pytest.approx(1 / 3),
        "completeness": pytest.approx(0.5625),
        "accuracy": pytest.approx(0.375),
        "responsiveness": pytest.approx(1 / 3),
        "feedback": 0.5,
    }


def test_the_late_records_are_listed_with_their_deadlines(november):
    late = list(
        services.late_records(services.parse_period("2026-11"), november["batch_a"].department)
    )
    assert [
        (r.record.decision_date, r.deadline, r.committed_on, r.working_days_late) for r in late
    ] == [
        (dt.date(2026, 10, 9), dt.date(2026, 10, 19), dt.date(2026, 11, 12), 18),
        (dt.date(2026, 11, 2), dt.date(2026, 11, 11), dt.date(2026, 11, 12), 1),
    ]
    rejected = services.batches_with_rejections(
        services.parse_period("2026-11"), november["batch_a"].department
    )
    assert [b.pk for b in rejected] == [
        november["batch_d"].pk,
        november["batch_c"].pk,
        november["batch_a"].pk,
    ]


def test_the_json_command_prints_one_object_on_its_last_line(november, settings):
    out = io.StringIO()
    call_command(
        "assessment", "--period", "2026-11", "--department", "MARKET", "--json", stdout=out
    )
    last = json.loads(out.getvalue().strip().splitlines()[-1])
    # Responsiveness counts up to the real today, which for this fixture is after 11-30.
    last["departments"][0]["response_rate"] = MARKET_NOVEMBER["response_rate"]
    assert last["period"] == "2026-11"
    assert last["departments"][0].keys() == MARKET_NOVEMBER.keys()
    assert {
        k: v for k, v in last["departments"][0].items() if k not in ("response_rate", "score")
    } == {k: v for k, v in MARKET_NOVEMBER.items() if k not in ("response_rate", "score")}


def test_every_rate_in_the_json_is_a_number_between_0_and_1(november):
    out = io.StringIO()
    call_command("assessment", "--period", "2026-11", "--json", stdout=out)
    departments = json.loads(out.getvalue().strip().splitlines()[-1])["departments"]
    assert len(departments) == 10
    for entry in departments:
        for rate in services.JSON_RATES.values():
            assert isinstance(entry[rate], float) and 0.0 <= entry[rate] <= 1.0, (entry, rate)
        assert set(entry["not_measured"]) <= set(services.JSON_RATES.values())
        assert isinstance(entry["score"], float) and 0.0 <= entry["score"] <= 100.0
    # The silent departments: only completeness measured (every duty missing), score 0.
    silent = [e for e in departments if e["department"] != "MARKET"]
    assert all(
        e["not_measured"] == ["timely_rate", "accuracy_rate", "response_rate", "feedback_rate"]
        for e in silent
    )
    assert all(e["score"] == 0.0 and e["missing_duties"] for e in silent)


def test_all_departments_are_ranked(november):
    results = services.assess(services.parse_period("2026-11"), today=TODAY)
    codes = [entry.department for entry in results]
    assert codes[0] == "MARKET" and len(codes) == 10
    assert results[0].rank == 1
    # The others had duties and sent nothing: no dimension scores in full for lack of
    # data; only completeness is measured, and it is 0 (both duties missing).
    tax = next(e for e in results if e.department == "TAX")
    assert tax.missing_duties == ["ADM_LICENSE", "ADM_PENALTY"]
    assert tax.rates == {
        "timeliness": None,
        "completeness": 0.0,
        "accuracy": None,
        "responsiveness": None,
        "feedback": None,
    }
    assert tax.score == 0.0 and tax.rank == 2
    assert results[-1].rank == 2
    # In the JSON every rate is a number; those with nothing to measure are 1.0 and named,
    # and the score (from completeness alone) stays 0.
    as_json = tax.as_json()
    assert as_json["not_measured"] == [
        "timely_rate",
        "accuracy_rate",
        "response_rate",
        "feedback_rate",
    ]
    assert [as_json[k] for k in as_json["not_measured"]] == [1.0, 1.0, 1.0, 1.0]
    assert as_json["completeness_rate"] == 0.0 and as_json["score"] == 0.0


def test_weights_operators_edit_change_the_score(november):
    AssessmentWeights.objects.create(
        pk=1, timeliness=1, completeness=0, accuracy=0, responsiveness=0, feedback=0
    )
    assert market().score == 33.3


def test_quarter_and_year_include_the_month(november):
    assert market("2026-Q4").rows == 8 + 1  # the October batch too
    assert market("2026").late_records == 2 + 1  # decided 10-01, committed 10-28
    assert market("2026-Q3").rows == 0


@pytest.mark.parametrize("text", ["2026-13", "November", "2026-Q5", ""])
def test_a_bad_period_gets_a_clear_answer(text, db):
    with pytest.raises(services.PeriodError, match="2026-Q4"):
        services.parse_period(text)


def test_the_command_refuses_a_bad_period_and_an_unknown_department(db):
    with pytest.raises(CommandError, match="2026-11"):
        call_command("assessment", "--period", "11/2026")
    with pytest.raises(CommandError, match="NOPE"):
        call_command("assessment", "--period", "2026-11", "--department", "NOPE")


def test_figures_are_rewritten_not_added_when_computed_again(november):
    batch = november["batch_a"]
    compute_batch_figures(batch.pk)
    compute_batch_figures(batch.pk)
    assert BatchFigures.objects.get(batch=batch).late == 2
    assert LateRecord.objects.filter(figures__batch=batch).count() == 2


def test_a_longer_deadline_operators_set_makes_records_timely(november):
    ReportingDuty.objects.filter(
        department__code="MARKET", catalog_item__code="ADM_PENALTY", event="decision"
    ).update(deadline_working_days=20)
    compute_batch_figures(november["batch_a"].pk)
    assert market().late_records == 1  # the October decision is late even against 20


def test_a_commit_computes_the_figures_after_the_transaction(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = load(penalty_csv([penalty_row(decision_date="2026-01-05")]))
    figures = BatchFigures.objects.get(batch=batch)
    assert (figures.timed, figures.late) == (1, 1)


def test_uncommitted_batches_get_no_figures(db):
    from tests.exchange.conftest import submit

    batch = submit(penalty_csv([penalty_row()]))
    assert compute_batch_figures(batch.pk) is None
    assert not BatchFigures.objects.exists()
    assert Batch.objects.filter(pk=batch.pk).exists()


def test_starter_duties_cover_double_publicity_items_and_removals_from_lists(db):
    duties = ReportingDuty.objects.filter(department__code="TAX").order_by(
        "catalog_item__code", "event"
    )
    assert [(d.catalog_item.code, d.event, d.deadline_working_days) for d in duties] == [
        ("ADM_LICENSE", "decision", 7),
        ("ADM_LICENSE", "revocation", 5),
        ("ADM_PENALTY", "decision", 7),
        ("ADM_PENALTY", "revocation", 5),
        # 欠税公告 is published until revoked: its removal (移出) is reported within 5.
        ("TAX_ARREARS", "delisting", 5),
    ]
    out = io.StringIO()
    call_command("install_duties", stdout=out)
    assert "0 created" in out.getvalue()
