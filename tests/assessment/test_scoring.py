"""The score does not flatter a department that sends nothing, and a changed duty recounts
the open period's figures (after the commit, idempotently; `assessment --refresh` on demand)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from exchange.models import Batch
from portal.assessment import services
from portal.assessment.figures import compute_batch_figures
from portal.assessment.models import BatchFigures, ReportingDuty
from portal.assessment.tasks import recount_duty_figures
from tests.assessment.conftest import dated
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.factories import department

pytestmark = pytest.mark.django_db

WEIGHTS = {
    "timeliness": 30,
    "completeness": 20,
    "accuracy": 25,
    "responsiveness": 15,
    "feedback": 10,
}


def test_dimensions_without_data_are_left_out_and_the_weights_renormalised():
    rates = {
        "timeliness": 1.0,
        "completeness": 0.5,
        "accuracy": None,
        "responsiveness": None,
        "feedback": None,
    }
    assert services.score_of(rates, WEIGHTS) == 80.0  # (30·1 + 20·0.5) / 50
    assert services.score_of(dict.fromkeys(rates), WEIGHTS) is None
    # A measured dimension weighted 0 does not count either.
    assert services.score_of(rates, {**WEIGHTS, "timeliness": 0, "completeness": 0}) is None


def counted(rows) -> Batch:
    """Load rows and compute the batch's figures, as the commit hook does once durable."""
    batch = load(penalty_csv(rows))
    compute_batch_figures(batch.pk)
    return batch


def _this_month(today):
    return services.parse_period(f"{today.year}-{today.month:02d}")


def test_a_department_that_sends_nothing_ranks_below_one_that_reports_on_time(db):
    today = timezone.localdate()
    counted([penalty_row(decision_date=today.isoformat(), remarks="已整改")])
    # TRANSPORT has no duty at all and nothing to measure: no score, last.
    ReportingDuty.objects.filter(department__code="TRANSPORT").delete()
    results = services.assess(_this_month(today), today=today)
    by_code = {a.department: a for a in results}
    market, tax, transport = by_code["MARKET"], by_code["TAX"], by_code["TRANSPORT"]

    assert market.rates["timeliness"] == 1.0 and market.rates["accuracy"] == 1.0
    assert market.missing_duties == ["ADM_LICENSE"]
    assert market.score > 50 and market.rank == 1

    # Duties and nothing sent: only completeness is measured, and it is nil.
    assert tax.missing_duties == ["ADM_LICENSE", "ADM_PENALTY"]
    assert tax.unmeasured == ["timeliness", "accuracy", "responsiveness", "feedback"]
    assert tax.score == 0.0 and tax.rank > market.rank

    assert transport.score is None and transport.unmeasured == list(services.DIMENSIONS)
    assert results[-1].score is None
    as_json = transport.as_json()
    assert as_json["not_measured"] == [services.JSON_RATES[d] for d in services.DIMENSIONS]
    assert all(as_json[rate] == 1.0 for rate in as_json["not_measured"])
    assert as_json["score"] == 0.0


def test_the_screens_say_no_data(client, db):
    from portal.accounts import roles
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="op", role=roles.OPERATORS))
    html = client.get("/admin/assessment/").content.decode()
    assert "无数据" in html
    workbook = client.get("/admin/assessment/export.xlsx")
    assert workbook.status_code == 200


# -- a changed duty recounts the open period -----------------------------------------------------
@pytest.fixture
def late_this_month(db):
    """A MARKET batch committed today with a decision 30 days old: late against 7 days."""
    today = timezone.localdate()
    decided = today - dt.timedelta(days=30)
    batch = counted([penalty_row(decision_date=decided.isoformat())])
    figures = BatchFigures.objects.get(batch=batch)
    assert (figures.timed, figures.late) == (1, 1)
    return batch


def _decision_duty():
    return ReportingDuty.objects.get(
        department__code="MARKET", catalog_item__code="ADM_PENALTY", event="decision"
    )


def test_saving_a_duty_recounts_the_open_period_after_the_commit(
    late_this_month, django_capture_on_commit_callbacks
):
    duty = _decision_duty()
    duty.deadline_working_days = 40
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        duty.save()
    # Nothing recounted before the commit.
    assert BatchFigures.objects.get(batch=late_this_month).late == 1
    for callback in callbacks:
        callback()
    figures = BatchFigures.objects.get(batch=late_this_month)
    assert (figures.timed, figures.late) == (1, 0)
    assert not figures.late_records.exists()

    # Idempotent: running the task again gives the same figures.
    today = timezone.localdate()
    args = (duty.department_id, duty.catalog_item_id, today.replace(day=1).isoformat())
    assert recount_duty_figures(*args, today.isoformat()) == 1
    assert recount_duty_figures(*args, today.isoformat()) == 1
    assert BatchFigures.objects.get(batch=late_this_month).late == 0


def test_deactivating_a_duty_takes_its_records_out_of_timeliness(
    late_this_month, django_capture_on_commit_callbacks
):
    duty = _decision_duty()
    duty.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        duty.save()
    assert BatchFigures.objects.get(batch=late_this_month).timed == 0


def test_a_closed_period_keeps_its_figures_until_refreshed_on_demand(
    db, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    last_month_day = today.replace(day=1) - dt.timedelta(days=3)
    decided = last_month_day - dt.timedelta(days=30)
    batch = load(penalty_csv([penalty_row(decision_date=decided.isoformat())]))
    label = f"{last_month_day.year}-{last_month_day.month:02d}"
    day = last_month_day.isoformat()
    dated(batch, day, day)
    assert BatchFigures.objects.get(batch=batch).late == 1

    duty = _decision_duty()
    duty.deadline_working_days = 40
    with django_capture_on_commit_callbacks(execute=True):
        duty.save()
    assert BatchFigures.objects.get(batch=batch).late == 1  # closed: left as assessed

    out = io.StringIO()
    call_command(
        "assessment", "--period", label, "--department", "MARKET", "--refresh", "--json", stdout=out
    )
    lines = out.getvalue().strip().splitlines()
    assert "Recounted the figures of 1 batches" in lines[0]
    (entry,) = json.loads(lines[-1])["departments"]
    assert entry["late_records"] == 0
    assert BatchFigures.objects.get(batch=batch).late == 0


def test_refresh_counts_a_batch_committed_without_figures(db):
    today = timezone.localdate()
    batch = load(penalty_csv([penalty_row(decision_date=today.isoformat())]))
    BatchFigures.objects.filter(batch=batch).delete()
    call_command("assessment", "--refresh", stdout=io.StringIO())
    assert BatchFigures.objects.get(batch=batch).timed == 1


def test_other_departments_are_not_recounted(late_this_month, django_capture_on_commit_callbacks):
    duty = ReportingDuty.objects.get(
        department=department("TAX"), catalog_item__code="ADM_PENALTY", event="decision"
    )
    duty.deadline_working_days = 40
    with django_capture_on_commit_callbacks(execute=True):
        duty.save()
    assert BatchFigures.objects.get(batch=late_this_month).late == 1
