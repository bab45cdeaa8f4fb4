"""The case state machine: every allowed step, every refused one, who may act,
what is recorded (rows, audit trail, emails) and the deadlines each stage gets."""

import datetime as dt
import itertools
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.objections import services
from portal.objections.models import (
    Case,
    CaseKind,
    CaseTransition,
    DeadlineSettings,
    Decision,
    Stage,
)
from portal.objections.tasks import send_overdue_reminders
from portal.objections.workflow import TRANSITIONS, allowed_actions
from tests.factories import make_record
from tests.objections.helpers import checked, file_objection, file_repair, pdf_upload

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def step(case, action, user, **kw):
    kw.setdefault("comment", f"{action} 意见")
    if action == "answer":
        kw.setdefault("recommendation", "approve" if case.kind == CaseKind.REPAIR else "uphold")
    if action == "correct":
        kw.setdefault("corrections", {"fine_amount": "0.5"})
    return services.transition(case, action, actor=user, **kw)


OBJECTION_PATHS = [
    ["accept", "check", "correct", "close"],
    ["accept", "check", "remove", "close"],
    ["accept", "check", "uphold", "close"],
    ["accept", "forward", "urge", "answer", "uphold", "close"],
    ["accept", "check", "forward", "answer", "correct", "close"],
    ["accept", "forward", "answer", "remove", "close"],
    ["refuse", "close"],
]
REPAIR_PATHS = [
    ["accept", "forward", "answer", "approve", "close"],
    ["accept", "forward", "answer", "reject", "close"],
    ["accept", "check", "approve", "close"],
    ["accept", "check", "reject", "close"],
    ["refuse", "close"],
]


@pytest.mark.parametrize("path", OBJECTION_PATHS, ids="-".join)
def test_every_objection_path(path, record, operator, officer):
    case, _secret = file_objection(record)
    assert case.stage == Stage.SUBMITTED
    for action in path:
        user = officer if action == "answer" else operator
        before = case.stage
        row = step(case, action, user)
        assert row.from_stage == before and row.to_stage == case.stage
        assert case.stage == TRANSITIONS[action].target
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.closed_at is not None
    actions = list(case.transitions.values_list("action", flat=True))
    assert actions == ["submit", *path]
    # Every step is in the audit trail, and the trail still verifies.
    audited = AuditEvent.objects.filter(target_type="objections.case", target_id=str(case.pk))
    assert sorted(audited.values_list("action", flat=True)) == sorted(
        f"objection.{a}" for a in ["submitted", *path]
    )
    assert verify_chain().ok


@pytest.mark.parametrize("path", REPAIR_PATHS, ids="-".join)
def test_every_repair_path(path, repairable, operator, officer):
    case, _secret = file_repair(repairable)
    for action in path:
        step(case, action, officer if action == "answer" else operator)
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    expected = {"approve": Decision.APPROVED, "reject": Decision.REJECTED}
    decided = [a for a in path if a in expected]
    assert case.decision == (expected[decided[0]] if decided else "")


def test_every_step_not_in_the_map_is_refused(record, repairable, operator, officer):
    """All (kind, stage, action) combinations outside the map raise CaseError and change
    nothing; the ones inside the map are exactly those allowed_actions lists."""
    objection, _ = file_objection(record)
    repair, _ = file_repair(repairable)
    refused = 0
    for case, stage, action in itertools.product((objection, repair), Stage.values, TRANSITIONS):
        Case.objects.filter(pk=case.pk).update(stage=stage)
        case.refresh_from_db()
        spec = TRANSITIONS[action]
        legal = stage in spec.sources and case.kind in spec.kinds
        assert legal == (spec in allowed_actions(case.kind, stage))
        if legal:
            continue
        rows = CaseTransition.objects.count()
        user = officer if spec.role == "department" else operator
        with pytest.raises(services.CaseError) as error:
            step(case, action, user)
        assert str(error.value)  # a sentence for the user
        case.refresh_from_db()
        assert case.stage == stage
        assert CaseTransition.objects.count() == rows
        refused += 1
    assert refused > 150


def test_refusal_messages_name_the_stage_and_the_kind(record, repairable, operator):
    case, _ = file_objection(record)
    with pytest.raises(services.CaseError, match="已提交，待受理.*决定：维持"):
        step(case, "uphold", operator)
    repair, _ = file_repair(repairable)
    step(repair, "accept", operator)
    step(repair, "check", operator)
    with pytest.raises(services.CaseError, match="不适用于信用修复"):
        step(repair, "correct", operator)
    with pytest.raises(services.CaseError, match="未知的操作"):
        step(repair, "approve-all", operator)


def test_who_may_take_each_step(record, operator, officer, tax_officer):
    case, _ = file_objection(record)
    with pytest.raises(services.CaseError, match="无权"):
        step(case, "accept", officer)  # departments do not run the platform side
    with pytest.raises(services.CaseError, match="无权"):
        step(case, "accept", None)
    step(case, "accept", operator)
    step(case, "forward", operator)
    with pytest.raises(services.CaseError, match="无权"):
        step(case, "answer", operator)  # operators do not answer for a department
    with pytest.raises(services.CaseError, match="无权"):
        step(case, "answer", tax_officer)  # not the record's source department
    step(case, "answer", officer)
    assert case.stage == Stage.ANSWERED and case.recommendation == "uphold"


def test_comments_and_recommendations_are_required(record, operator, officer):
    case, _ = file_objection(record)
    with pytest.raises(services.CaseError, match="须填写意见"):
        services.transition(case, "refuse", actor=operator, comment="  ")
    step(case, "accept", operator, comment="")  # accepting needs no comment
    step(case, "forward", operator)
    with pytest.raises(services.CaseError, match="部门意见"):
        services.transition(case, "answer", actor=officer, comment="已核查", recommendation="")
    with pytest.raises(services.CaseError, match="部门意见"):
        # A repair recommendation does not answer an objection.
        services.transition(
            case, "answer", actor=officer, comment="已核查", recommendation="approve"
        )


def test_deadlines_follow_the_statutory_calendar(record, operator, officer):
    # Filed on Friday 13 February 2026, before the Spring Festival holiday.
    case, _ = file_objection(record, now=at(dt.date(2026, 2, 13)))
    assert case.due_on == dt.date(2026, 2, 24)  # Sat 14 worked (1), Tue 24 (2)
    step(case, "accept", operator, now=at(dt.date(2026, 2, 24)))
    assert case.due_on == dt.date(2026, 2, 26)
    step(case, "forward", operator, now=at(dt.date(2026, 9, 30)))
    # Ten working days across National Day 2026: Oct 8, 9, Sat 10, 12–16, 19, 20.
    assert case.due_on == dt.date(2026, 10, 20)
    row = case.transitions.get(action="forward")
    assert row.due_on == dt.date(2026, 10, 20)
    step(case, "answer", officer, now=at(dt.date(2026, 10, 9)))
    # Two working days after the answer would be Mon 12; a prompt answer does not take
    # back the time already promised, so the deadline stays where it was.
    assert case.due_on == dt.date(2026, 10, 20)
    step(case, "uphold", operator, now=at(dt.date(2026, 10, 12)))
    assert case.due_on is None and not case.is_open


def test_operators_configure_the_deadlines(record, repairable, operator):
    settings = DeadlineSettings.load()
    settings.accept_days = 5
    settings.repair_notify_days = 15
    settings.save()
    case, _ = file_objection(record, now=at(dt.date(2025, 9, 26)))
    # Sun 28 Sep (1), Mon 29 (2), Tue 30 (3), holiday to Oct 8, Oct 9 (4), Oct 10 (5).
    assert case.due_on == dt.date(2025, 10, 10)
    repair, _ = file_repair(repairable)
    # Counted from the local day of filing: from 16:00 UTC it is already the next day here.
    filed_on = timezone.localdate(repair.submitted_at)
    expected = services.WorkingCalendar().add_working_days(filed_on, 15)
    assert repair.reply_due_on == expected


def test_repair_forwarded_gets_the_repair_decision_deadline(operator):
    # Decided 1 June 2025 (general: repair from 1 September), as things stood on 26 September.
    on = dt.date(2025, 9, 26)
    record = make_record(decision_date=dt.date(2025, 6, 1), today=on)
    case, _ = file_repair(record, now=at(on))
    # Ten working days: Sun Sep 28, 29, 30, Oct 9, 10, Sat 11, 13–16.
    assert case.reply_due_on == dt.date(2025, 10, 16)
    step(case, "accept", operator, now=at(dt.date(2025, 9, 26)))
    step(case, "forward", operator, now=at(dt.date(2025, 9, 29)))
    # Three working days: Sep 30 (1), Oct 9 (2), Oct 10 (3).
    assert case.due_on == dt.date(2025, 10, 10)


def test_an_email_at_each_stage(record, operator, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case, _ = file_objection(record)
    for action in ["accept", "forward", "urge", "answer", "correct", "close"]:
        with django_capture_on_commit_callbacks(execute=True):
            step(case, action, officer if action == "answer" else operator)
    to_applicant = [m for m in mail.outbox if m.to == ["lisi@example.com"]]
    # submit, accept, forward, answer, correct, close — urging is internal.
    assert len(to_applicant) == 6
    assert all(case.tracking_no in m.subject for m in to_applicant)
    assert f"/cases/{case.tracking_no}/" in to_applicant[-1].body
    decision = to_applicant[-2]
    assert "更正" in decision.body and "correct 意见" in decision.body
    # Internal comments never reach the applicant.
    assert not any("forward 意见" in m.body for m in to_applicant)
    to_department = [m for m in mail.outbox if m.to == ["market@example.gov.cn"]]
    assert [("催办" in m.subject) for m in to_department] == [False, True]
    to_operators = [m for m in mail.outbox if m.to == ["op@example.gov.cn"]]
    assert len(to_operators) == 2  # the new case and the department's answer
    # Each step is notified once, even if the task runs again.
    from portal.objections.tasks import notify_transition

    sent = len(mail.outbox)
    for row in case.transitions.all():
        assert notify_transition(row.pk) == 0
    assert len(mail.outbox) == sent


def test_overdue_cases_are_flagged_and_reminded_once_a_day(record, operator, officer):
    """The reminder task itself sends mail inline (it is the scheduled task)."""
    case, _ = file_objection(record, now=at(dt.date(2026, 3, 2)))
    step(case, "accept", operator, now=at(dt.date(2026, 3, 2)))
    step(case, "forward", operator, now=at(dt.date(2026, 3, 2)))
    assert case.due_on == dt.date(2026, 3, 16)
    assert not Case.objects.overdue(dt.date(2026, 3, 16)).exists()
    late = dt.date(2026, 3, 17)
    assert list(Case.objects.overdue(late)) == [case]
    assert case.is_overdue(late)
    mail.outbox.clear()
    assert send_overdue_reminders(late) == 1
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "超期" in subjects["op@example.gov.cn"]
    assert "超期" in subjects["market@example.gov.cn"]
    assert case.tracking_no in mail.outbox[0].body
    assert send_overdue_reminders(late) == 0  # once a day
    assert send_overdue_reminders(late + dt.timedelta(days=1)) == 1
    assert AuditEvent.objects.filter(action="case.overdue_reminder").count() == 2
    # Urging the overdue department is a recorded step that keeps the stage.
    row = step(case, "urge", operator, comment="请尽快答复")
    assert row.from_stage == row.to_stage == Stage.FORWARDED
    case.refresh_from_db()
    assert case.urge_count == 1 and case.last_urged_at is not None
    step(case, "answer", officer)
    assert not Case.objects.overdue(late).exists()


def test_files_attached_to_a_step_are_kept_with_it(record, operator, officer):
    case, _ = file_objection(record, files=checked(pdf_upload("applicant.pdf")))
    step(case, "accept", operator)
    step(case, "forward", operator)
    row = step(case, "answer", officer, files=checked(pdf_upload("reply.pdf")))
    parties = dict(case.evidence.values_list("original_name", "party"))
    assert parties == {"applicant.pdf": "applicant", "reply.pdf": "department"}
    assert row.evidence.get().original_name == "reply.pdf"


def test_secret_is_stored_only_as_a_digest(record):
    case, secret = file_objection(record)
    assert secret not in case.secret_hash
    assert services.find_case(case.tracking_no, secret) == case
    assert services.find_case(case.tracking_no.lower(), secret.lower().replace("-", "")) == case
    assert services.find_case(case.tracking_no, "AAAA-BBBB-CCCC") is None
    assert services.find_case("YY20260101ABCDEF", secret) is None
    assert case.tracking_no.startswith("YY")


def test_a_mail_server_outage_loses_no_email(
    record, operator, settings, django_capture_on_commit_callbacks
):
    import socket

    from portal.objections.tasks import resend_pending_notifications

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    with django_capture_on_commit_callbacks(execute=True):
        case, _ = file_objection(record)
        step(case, "accept", operator)
    case.refresh_from_db()
    assert case.stage == Stage.ACCEPTED  # the steps stand
    assert case.transitions.filter(notified_at__isnull=True).count() == 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert resend_pending_notifications() == 0  # too fresh: the first attempt may still run
    case.transitions.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    assert resend_pending_notifications() == 2
    assert [m.to for m in mail.outbox] == [
        ["lisi@example.com"],
        ["op@example.gov.cn"],
        ["lisi@example.com"],
    ]
    assert resend_pending_notifications() == 0


def test_every_step_name_fits_the_history_column():
    """SQLite does not enforce a column's length; PostgreSQL refuses a longer step name."""
    from portal.objections.models import CaseTransition
    from portal.objections.workflow import _OTHER_LABELS, TRANSITIONS

    width = CaseTransition._meta.get_field("action").max_length
    assert [name for name in [*TRANSITIONS, *_OTHER_LABELS] if len(name) > width] == []
