"""A month of MARKET's submissions with known late, rejected and missing ones (November 2026).

What it holds, and the figures it must give (default weights 30/20/25/15/10):
- batch A (ADM_PENALTY, submitted 11-12, committed 11-12): 4 rows, 3 accepted, 1 rejected.
  Decisions 11-02 (deadline 11-11: 1 working day late), 11-10 (in time), 10-09 (deadline
  10-19 after the National Day holiday and the 10-10 working Saturday: 18 working days late).
- batch C (ADM_PENALTY, 11-20): corrects the 11-10 record (not timed again), 1 row rejected.
- batch D (ADM_PENALTY, 11-21): 2 rows, both rejected, validated and discarded.
- a dry run (11-22) and an October batch: not counted.
- no ADM_LICENSE batch: that duty is missing.
  rows 8, accepted 4, rejected 4, timely 1/3, late 2.
- recommended fields legal_rep and remarks: 5 of 8 filled; duties met 1 of 2.
- cases forwarded to MARKET: due 11-16 answered 11-13 (on time, then corrected: upheld);
  due 11-17 answered 11-20 (late, decided "upheld" = record kept: not counted);
  due 11-19 unanswered (late); due 11-30 unanswered (not yet due on 11-29: left out).
- a MARKET reviewer's lookup: 2 hits, 1 with feedback, 1 row without measures.
  score = 30·1/3 + 20·(1/2 + 5/8)/2 + 25·(1 − 5/8) + 15·1/3 + 10·1/2 = 40.625 → 40.6
"""

import datetime as dt
import secrets

import pytest
from django.utils import timezone

from exchange import services as exchange
from exchange.models import Batch
from portal.accounts import roles
from portal.assessment.figures import compute_batch_figures
from portal.assessment.models import DutyEvent, ReportingDuty
from portal.measures.models import Channel, Feedback, Lookup, LookupRow, Match, Outcome, Scenario
from portal.objections.models import Case, CaseKind, CaseTransition, Decision, Relation, Stage
from tests.exchange.conftest import load, penalty_csv, penalty_row, submit
from tests.factories import UserFactory, department, make_record

TODAY = dt.date(2026, 11, 29)


def at(day: str, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def dated(batch: Batch, submitted: str, committed: str | None = None) -> Batch:
    """Move a batch to the days the scenario says, then compute its figures as the hook does."""
    Batch.objects.filter(pk=batch.pk).update(
        created_at=at(submitted, 9),
        validated_at=at(submitted, 9),
        committed_at=at(committed, 10) if committed else None,
    )
    compute_batch_figures(batch.pk)
    batch.refresh_from_db()
    return batch


def _case(record, *, forwarded: str, due: str, answered: str | None, decision: str = ""):
    case = Case.objects.create(
        kind=CaseKind.OBJECTION,
        tracking_no=f"YY{secrets.token_hex(6)}",
        secret_hash="0" * 64,
        record=record,
        subject=record.subject,
        department=record.department,
        applicant_name="李四",
        applicant_email="lisi@example.com",
        relation=Relation.LEGAL_REP,
        explanation="金额有误。",
        consent_at=at(forwarded, 8),
        stage=Stage.DECIDED if decision else Stage.FORWARDED,
        decision=decision,
        decided_at=at(answered, 16) if decision else None,
        forwarded_at=at(forwarded),
    )
    CaseTransition.objects.create(
        case=case,
        action="forward",
        from_stage=Stage.CHECKING,
        to_stage=Stage.FORWARDED,
        due_on=dt.date.fromisoformat(due),
        created_at=at(forwarded),
    )
    if answered:
        CaseTransition.objects.create(
            case=case,
            action="answer",
            from_stage=Stage.FORWARDED,
            to_stage=Stage.ANSWERED,
            created_at=at(answered),
        )
    return case


@pytest.fixture
def november(db):
    market = department("MARKET")
    ReportingDuty.objects.filter(
        department=market, catalog_item__code="ADM_PENALTY", event=DutyEvent.DECISION
    ).update(recommended_fields="legal_rep,remarks")

    rows_a = [
        penalty_row(decision_date="2026-11-02", remarks="已整改"),
        penalty_row(decision_date="2026-11-10"),
        penalty_row(decision_date="2026-10-09"),
        penalty_row(decision_date="2026-11-03", facts=""),  # required: rejected
    ]
    batch_a = dated(load(penalty_csv(rows_a)), "2026-11-12", "2026-11-12")
    correction = dict(rows_a[1], content="警告；罚款3万元", fine_amount="3")
    batch_c = dated(
        load(penalty_csv([correction, penalty_row(basis="")])), "2026-11-20", "2026-11-20"
    )
    batch_d = submit(penalty_csv([penalty_row(facts=""), penalty_row(content="")]))
    exchange.validate_batch(batch_d.pk)
    exchange.discard_batch(Batch.objects.get(pk=batch_d.pk))
    batch_d = dated(batch_d, "2026-11-21")
    dry = submit(penalty_csv([penalty_row()]), dry_run=True)
    exchange.validate_batch(dry.pk)
    dated(dry, "2026-11-22")
    dated(load(penalty_csv([penalty_row(decision_date="2026-10-01")])), "2026-10-28", "2026-10-28")

    record = make_record(department_code="MARKET", decision_date=dt.date(2026, 9, 1))
    _case(
        record,
        forwarded="2026-11-02",
        due="2026-11-16",
        answered="2026-11-13",
        decision=Decision.CORRECTED,
    )
    _case(
        record,
        forwarded="2026-11-03",
        due="2026-11-17",
        answered="2026-11-20",
        decision=Decision.UPHELD,
    )
    _case(record, forwarded="2026-11-05", due="2026-11-19", answered=None)
    _case(record, forwarded="2026-11-16", due="2026-11-30", answered=None)

    reviewer = UserFactory(username="market-reviewer", role=roles.REVIEWERS, department=market)
    lookup = Lookup.objects.create(
        user=reviewer,
        scenario=Scenario.objects.order_by("pk").first(),
        purpose="政府采购资格审查",
        channel=Channel.FILE,
        row_count=3,
    )
    Lookup.objects.filter(pk=lookup.pk).update(created_at=at("2026-11-18"))
    hit = {"code": "M1", "name": "限制参加政府采购"}
    rows = [
        LookupRow.objects.create(
            lookup=lookup, position=n, input={"row": n}, match=Match.EXACT, measures=measures
        )
        for n, measures in enumerate([[hit], [hit], []], start=1)
    ]
    Feedback.objects.create(row=rows[0], outcome=Outcome.APPLIED, user=reviewer)
    return {"batch_a": batch_a, "batch_c": batch_c, "batch_d": batch_d, "today": TODAY}
