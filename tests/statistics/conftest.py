"""A small known data set for the statistics (figures are checked number by number)."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.accounts import roles
from portal.measures.models import Feedback, Lookup, LookupRow, Measure, Outcome, Scenario
from portal.objections.models import Case, CaseKind, CaseTransition, Decision, Relation, Stage
from portal.records.disclosure import RecordStatus
from portal.statistics import refresh
from tests.factories import OrganisationFactory, PersonFactory, UserFactory, make_record

TODAY = dt.date(2026, 11, 20)


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def operator(db):
    return UserFactory(username="statop", role=roles.OPERATORS)


def _case(record, kind, submitted, decided=None, decision="", steps=()):
    case = Case.objects.create(
        kind=kind,
        tracking_no=f"T{Case.objects.count() + 1:08d}",
        secret_hash="0" * 64,
        record=record,
        subject=record.subject,
        department=record.department,
        applicant_name="申请人",
        relation=Relation.SUBJECT,
        consent_at=aware(submitted),
        stage=Stage.CLOSED if decided else Stage.ACCEPTED,
        decision=decision,
        decided_at=aware(decided) if decided else None,
        submitted_at=aware(submitted),
    )
    for when, due_on in steps:
        CaseTransition.objects.create(
            case=case,
            action="step",
            to_stage=Stage.ACCEPTED,
            created_at=aware(when),
            due_on=due_on,
        )
    return case


@pytest.fixture
def data_set(db, operator):
    """14 records of 13 subjects:
    - 6 manufacturers (C39) in 惠城区, a MARKET penalty each, decided 2026-10-10;
    - 5 retailers (F52) in 惠阳区, an ENV penalty each, decided 2026-09-05;
    - a person in 惠城区, a MARKET penalty decided 2026-10-12;
    - an organisation in 龙门县 without industry, TAX's A grade (red list), 2026-10-01;
    - the first manufacturer's black-list entry (MARKET), decided 2026-08-03 and
      revoked on 2026-11-02 (not public).
    Cases: two objections (one upheld by correction, in time; one rejected, late), one
    repair filed and not decided. One lookup of 3 subjects with a hit, one measure applied.
    """
    makers = [
        OrganisationFactory(district="441302", industry="C39", name=f"惠州市制造{n}有限公司")
        for n in range(6)
    ]
    shops = [
        OrganisationFactory(district="441303", industry="F52", name=f"惠州市商贸{n}有限公司")
        for n in range(5)
    ]
    person = PersonFactory(district="441302", name="李四")
    taxpayer = OrganisationFactory(district="441324", name="惠州市纳税人有限公司")
    penalties = [make_record(m, decision_date=dt.date(2026, 10, 10), today=TODAY) for m in makers]
    for shop in shops:
        make_record(shop, department_code="ENV", decision_date=dt.date(2026, 9, 5), today=TODAY)
    make_record(person, decision_date=dt.date(2026, 10, 12), today=TODAY)
    make_record(
        taxpayer,
        item_code="TAX_A_GRADE",
        department_code="TAX",
        decision_date=dt.date(2026, 10, 1),
        today=TODAY,
        data={},
    )
    make_record(
        makers[0],
        item_code="SERIOUS_ILLEGAL_DISHONEST",
        decision_date=dt.date(2026, 8, 3),
        status=RecordStatus.REVOKED,
        state_changed_at=aware(dt.date(2026, 11, 2)),
        today=TODAY,
        data={},
    )
    _case(
        penalties[1],
        CaseKind.OBJECTION,
        dt.date(2026, 10, 20),
        decided=dt.date(2026, 11, 3),
        decision=Decision.CORRECTED,
        steps=[(dt.date(2026, 10, 20), dt.date(2026, 10, 23)), (dt.date(2026, 10, 22), None)],
    )
    _case(
        penalties[2],
        CaseKind.OBJECTION,
        dt.date(2026, 10, 21),
        decided=dt.date(2026, 11, 10),
        decision=Decision.UPHELD,
        steps=[(dt.date(2026, 10, 21), dt.date(2026, 10, 24)), (dt.date(2026, 10, 30), None)],
    )
    _case(penalties[3], CaseKind.REPAIR, dt.date(2026, 11, 5))
    scenario = Scenario.objects.order_by("sort_order").first()
    lookup = Lookup.objects.create(
        user=operator,
        scenario=scenario,
        purpose="政府采购资格审查",
        channel="single",
        row_count=3,
        red_count=0,
        black_count=1,
    )
    Lookup.objects.filter(pk=lookup.pk).update(created_at=aware(dt.date(2026, 10, 15)))
    row = LookupRow.objects.create(lookup=lookup, position=1, match="exact", input={})
    measure = Measure.objects.filter(list_type="black").order_by("sort_order").first()
    feedback = Feedback.objects.create(
        row=row, measure=measure, outcome=Outcome.APPLIED, user=operator
    )
    Feedback.objects.filter(pk=feedback.pk).update(created_at=aware(dt.date(2026, 10, 16)))
    refresh.refresh(trigger="test", today=TODAY)
    return {"makers": makers, "shops": shops, "person": person, "taxpayer": taxpayer}
