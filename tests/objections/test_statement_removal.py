"""A published statement (本人声明) coming off its record without HTTP: withdrawn by the
applicant (number and secret given), taken down by an operator with a reason; both audited,
neither changes the record or reopens the case."""

import pytest

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.core.codes import make_resident_id
from portal.objections import services
from portal.objections.models import Decision, Stage
from portal.records import visibility
from portal.records.models import RecordStatement
from tests.objections.helpers import file_statement

pytestmark = pytest.mark.django_db

IDENTITY = make_resident_id("441302", "19850607", "123")


def published(record, operator, **overrides):
    case, secret = file_statement(record, **overrides)
    services.transition(case, "publish", actor=operator)
    case.refresh_from_db()
    return case, secret


def test_the_applicant_withdraws_its_statement_audited(record, operator):
    case, _ = published(record, operator)
    closed_at, version = case.closed_at, record.version
    services.transition(
        case, "withdraw_statement", actor=services.Applicant(case.tracking_no), comment="已另行说明"
    )
    case.refresh_from_db()
    assert visibility.public_statement(record) is None
    assert not RecordStatement.objects.exists()
    # The case stays closed as decided; only a step is added.
    assert case.stage == Stage.CLOSED and case.decision == Decision.PUBLISHED
    assert case.closed_at == closed_at
    row = case.transitions.get(action="withdraw_statement")
    assert row.public and row.comment == "已另行说明" and row.actor is None
    assert row.actor_label == "申请人"
    removed = AuditEvent.objects.get(action="record.statement_withdrawn")
    assert removed.target_id == str(record.pk)
    assert removed.data["reference"] == f"statement:{case.tracking_no}"
    assert AuditEvent.objects.filter(action="statement.withdraw_statement").exists()
    assert verify_chain().ok
    record.refresh_from_db()
    assert record.version == version
    assert not services.statement_shown(case)


def test_only_the_applicant_of_that_case_withdraws(record, operator):
    case, _ = published(record, operator)
    for actor in (operator, None, services.Applicant("SM20260101AAAAAA")):
        with pytest.raises(services.CaseError, match="无权"):
            services.transition(case, "withdraw_statement", actor=actor)
    assert visibility.public_statement(record) is not None


def test_an_operator_takes_it_down_with_a_reason_the_applicant_reads(record, operator, officer):
    case, _ = published(record, operator)
    with pytest.raises(services.CaseError, match="须填写意见"):
        services.transition(case, "take_down_statement", actor=operator, comment=" ")
    for actor in (officer, services.Applicant(case.tracking_no)):
        with pytest.raises(services.CaseError, match="无权"):
            services.transition(case, "take_down_statement", actor=actor, comment="不当")
    assert visibility.public_statement(record) is not None
    reason = f"声明含有他人身份证号 {IDENTITY}，且涉及第三方名誉。"
    services.transition(case, "take_down_statement", actor=operator, comment=reason)
    assert visibility.public_statement(record) is None
    row = case.transitions.get(action="take_down_statement")
    # The reason is told to the applicant, without the number it quotes.
    assert row.public and "涉及第三方名誉" in row.comment and IDENTITY not in row.comment
    event = AuditEvent.objects.get(action="record.statement_taken_down")
    assert event.actor == operator and "涉及第三方名誉" in event.data["reason"]
    assert not any(IDENTITY in str(e.data) for e in AuditEvent.objects.all())
    assert verify_chain().ok


def test_nothing_to_take_off_is_refused_and_changes_nothing(record, operator):
    declined, _ = file_statement(record)
    services.transition(declined, "decline", actor=operator, comment="与记录无关")
    with pytest.raises(services.CaseError, match="不能执行"):
        services.transition(declined, "take_down_statement", actor=operator, comment="x")
    with pytest.raises(services.CaseError, match="不能执行"):
        services.transition(
            declined, "withdraw_statement", actor=services.Applicant(declined.tracking_no)
        )
    first, _ = published(record, operator, explanation="第一份声明。")
    second, _ = published(record, operator, explanation="第二份声明。")
    # The first was replaced: withdrawing it must not take the second one away.
    assert not services.statement_shown(first) and services.statement_shown(second)
    steps = first.transitions.count()
    with pytest.raises(services.CaseError, match="已不在记录旁展示"):
        services.transition(
            first, "withdraw_statement", actor=services.Applicant(first.tracking_no)
        )
    assert first.transitions.count() == steps
    assert visibility.public_statement(record).text == "第二份声明。"
    # Twice is refused too.
    services.transition(second, "take_down_statement", actor=operator, comment="不当言论")
    with pytest.raises(services.CaseError, match="已不在记录旁展示"):
        services.transition(second, "take_down_statement", actor=operator, comment="再次")
    assert AuditEvent.objects.filter(action="record.statement_taken_down").count() == 1


def test_after_a_withdrawal_a_new_statement_can_be_filed_and_shown(record, operator):
    case, _ = published(record, operator)
    services.transition(case, "withdraw_statement", actor=services.Applicant(case.tracking_no))
    again, _ = published(record, operator, explanation="重新说明：已全部整改。")
    assert visibility.public_statement(record).text == "重新说明：已全部整改。"
    assert services.statement_shown(again)


def test_an_overdue_statement_is_in_the_digest_whose_subject_names_statements(record, operator):
    import datetime as dt

    from django.core import mail
    from django.utils import timezone

    from portal.objections.tasks import send_overdue_reminders

    filed = timezone.make_aware(dt.datetime(2026, 3, 2, 10))
    case, _ = file_statement(record, now=filed)
    assert case.due_on == dt.date(2026, 3, 4)
    mail.outbox.clear()
    assert send_overdue_reminders(dt.date(2026, 3, 5)) == 1
    (digest,) = [m for m in mail.outbox if operator.email in m.to]
    assert "本人声明" in digest.subject and "超期" in digest.subject
    assert case.tracking_no in digest.body
