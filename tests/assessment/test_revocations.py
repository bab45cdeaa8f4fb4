"""Revocations timed against their duty: the 撤销或移出日期 travels from the import row (and
the workspace form, and an approved request) to the withdrawal register, and the assessment
counts a revocation late when the record left public view after 5 working days of it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from exchange import approvals
from exchange import services as exchange
from exchange.models import BatchStatus, PendingApproval, RowError
from portal.accounts.roles import DEPARTMENT_OFFICERS, OPERATORS
from portal.assessment import services
from portal.core.workdays import WorkingCalendar
from portal.records.disclosure import PublicState
from portal.records.models import CreditRecord, Withdrawal
from tests.exchange.conftest import load, penalty_row, submit
from tests.exchange.test_withdrawal_rows import action_csv, revoke_row
from tests.factories import UserFactory, department

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    return department("MARKET")


@pytest.fixture
def alone(market):
    """MARKET's officers revoke without a second officer (the approval path is tested below)."""
    for action in ("revocation", "delisting"):
        approvals.set_policy(market, action, False)


def originals(count: int) -> list[dict]:
    rows = [penalty_row(decision_date="2026-03-15") for _ in range(count)]
    batch = load(action_csv(rows))
    assert batch.created_count == count, list(batch.row_errors.values_list("code", flat=True))
    return rows


def market_now():
    (entry,) = services.assess(services.current_month(), department_codes=["MARKET"])
    return entry


def test_late_timely_and_undated_revocations_through_the_real_import(market, alone):
    today = timezone.localdate()
    late_day = today - dt.timedelta(days=45)
    late, timely, undated = originals(3)
    before = market_now()
    batch = load(
        action_csv(
            [
                revoke_row(late, date_w=late_day.isoformat()),
                revoke_row(timely, date_w=today.strftime("%Y/%m/%d")),
                revoke_row(undated),
            ]
        )
    )
    assert batch.status == BatchStatus.COMMITTED and batch.withdrawn_count == 3
    decided = dict(
        Withdrawal.objects.filter(
            record__decision_no__in=[r["decision_no"] for r in (late, timely, undated)]
        ).values_list("record__decision_no", "decided_on")
    )
    assert decided == {
        late["decision_no"]: late_day,
        timely["decision_no"]: today,
        undated["decision_no"]: None,
    }

    entry = market_now()
    assert (entry.revocations_timed, entry.revocations_late, entry.revocations_untimed) == (2, 1, 1)
    # They count with the first reports in timeliness and in the JSON's late_records.
    assert entry.timed == before.timed + 2
    assert entry.late_records == before.late_records + 1
    assert entry.as_json()["late_records"] == entry.late_records

    calendar = WorkingCalendar()
    (listed,) = services.late_revocations(services.current_month(), market)
    assert listed.record.decision_no == late["decision_no"]
    assert listed.start_date == late_day
    assert listed.deadline == calendar.add_working_days(late_day, 5)
    assert listed.withdrawn_on == today
    assert listed.working_days_late == calendar.working_days_between(listed.deadline, today) > 0


def test_a_longer_revocation_duty_makes_the_late_one_timely_at_once(market, alone):
    from portal.assessment.models import ReportingDuty

    (row,) = originals(1)
    decided = timezone.localdate() - dt.timedelta(days=20)
    load(action_csv([revoke_row(row, date_w=decided.isoformat())]))
    assert market_now().revocations_late == 1
    ReportingDuty.objects.filter(
        department=market, catalog_item__code="ADM_PENALTY", event="revocation"
    ).update(deadline_working_days=30)
    assert market_now().revocations_late == 0


def test_bad_revocation_dates_are_row_errors_and_the_rest_loads(market, alone):
    good, garbled, future, early = originals(4)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    batch = load(
        action_csv(
            [
                revoke_row(good, date_w="2026-04-01"),
                revoke_row(garbled, date_w="2026-13-45"),
                revoke_row(future, date_w=tomorrow.isoformat()),
                revoke_row(early, date_w="2026-03-01"),  # before the 03-15 decision
            ]
        )
    )
    assert batch.status == BatchStatus.COMMITTED and batch.withdrawn_count == 1
    errors = {e.row: (e.code, e.column) for e in RowError.objects.filter(batch=batch)}
    assert errors == {
        3: ("date", "撤销或移出日期"),
        4: ("future", "撤销或移出日期"),
        5: ("withdrawal_before_decision", "撤销或移出日期"),
    }
    assert "早于原决定日期 2026-03-15" in RowError.objects.get(batch=batch, row=5).message()
    public = CreditRecord.objects.filter(
        decision_no__in=[garbled["decision_no"], future["decision_no"], early["decision_no"]]
    )
    assert set(public.values_list("public_state", flat=True)) == {PublicState.PUBLISHED}
    assert Withdrawal.objects.get().decided_on == dt.date(2026, 4, 1)


def test_an_approved_revocation_keeps_the_date_of_the_import_row(market):
    maker = UserFactory(role=DEPARTMENT_OFFICERS, department=market, username="maker")
    checker = UserFactory(role=DEPARTMENT_OFFICERS, department=market, username="checker")
    (row,) = originals(1)
    batch = submit(action_csv([revoke_row(row, date_w="2026-11-02")]), user=maker)
    exchange.validate_batch(batch.pk)
    exchange.commit_batch(batch.pk, actor=maker)
    approval = PendingApproval.objects.get()
    assert approval.payload["decided_on"] == "2026-11-02"
    approvals.approve(approval, checker)
    assert Withdrawal.objects.get().decided_on == dt.date(2026, 11, 2)


def test_the_workspace_form_takes_the_date(client, market, alone):
    officer = UserFactory(role=DEPARTMENT_OFFICERS, department=market, username="officer")
    (row,) = originals(1)
    record = CreditRecord.objects.get(decision_no=row["decision_no"])
    client.force_login(officer)
    url = reverse("exchange:record_withdraw")
    form = {
        "step": "confirm",
        "record": record.pk,
        "ground": "revocation",
        "basis": "行政复议决定撤销",
        "document_no": "惠府行复〔2026〕7号",
        "confirmed": "on",
    }
    early = client.post(url, {**form, "decided_on": "2026-01-02"})
    assert "早于原决定日期 2026-03-15" in early.content.decode()
    assert not Withdrawal.objects.exists()
    done = client.post(url, {**form, "decided_on": "2026-04-03"})
    assert done.status_code == 302
    assert Withdrawal.objects.get().decided_on == dt.date(2026, 4, 3)
    assert "2026-04-03" in client.get(done["Location"]).content.decode()


def test_the_drill_down_lists_late_revocations(client, market, alone):
    (row,) = originals(1)
    decided = timezone.localdate() - dt.timedelta(days=40)
    load(action_csv([revoke_row(row, date_w=decided.isoformat())]))
    client.force_login(UserFactory(role=OPERATORS, username="operator"))
    page = client.get(reverse("assessment_department", args=["MARKET"])).content.decode()
    assert 'id="late-revocation-list"' in page
    assert row["decision_no"] in page and decided.isoformat() in page


def test_removals_from_a_list_have_a_five_day_duty_and_late_ones_show(client):
    """A list published until revoked (欠税公告) has the removal duty like revocations;
    a removal decided long before it was sent counts late, with its own label."""
    from portal.assessment.models import DutyEvent, ReportingDuty
    from portal.records.models import WithdrawalGround
    from portal.records.withdrawals import withdraw_record
    from tests.factories import make_record

    tax = department("TAX")
    duty = ReportingDuty.objects.get(
        department=tax, catalog_item__code="TAX_ARREARS", event=DutyEvent.DELISTING
    )
    assert (duty.deadline_working_days, duty.start_field) == (5, "withdrawal_date")
    # Lists only: a penalty is revoked, not removed from a list.
    assert not ReportingDuty.objects.filter(
        catalog_item__code="ADM_PENALTY", event=DutyEvent.DELISTING
    ).exists()

    today = timezone.localdate()
    late = make_record(item_code="TAX_ARREARS", department_code="TAX", data={"tax_type": "增值税"})
    timely = make_record(
        item_code="TAX_ARREARS", department_code="TAX", data={"tax_type": "增值税"}
    )
    for record, decided in ((late, today - dt.timedelta(days=45)), (timely, today)):
        withdraw_record(
            record,
            WithdrawalGround.DELISTING,
            "欠税已缴清",
            f"惠税移〔2026〕{record.pk}号",
            decided_on=max(decided, record.decision_date),
        )
    (entry,) = services.assess(services.current_month(), department_codes=["TAX"])
    assert (entry.revocations_timed, entry.revocations_late) == (2, 1)
    (listed,) = services.late_revocations(services.current_month(), tax)
    assert listed.record_id == late.pk and listed.event_label == "移出名单"
