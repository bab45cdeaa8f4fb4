"""A subject's statement (本人声明), without HTTP: filing it through the case workflow,
the operator's check (publish or decline with a reason), replacement, masking, the
limits, and that only what visibility allows is ever read beside a record."""

import itertools

import pytest

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.core.codes import make_resident_id
from portal.objections import services
from portal.objections.models import Case, CaseKind, CaseTransition, Decision, Relation, Stage
from portal.objections.workflow import TRANSITIONS, allowed_actions
from portal.records import statements, visibility
from portal.records.models import RecordStatement, WithdrawalGround
from portal.records.retention import purge_record
from portal.records.withdrawals import withdraw_record
from tests.factories import PersonFactory, make_record
from tests.objections.helpers import checked, file_statement, pdf_upload

pytestmark = pytest.mark.django_db

IDENTITY = make_resident_id("441302", "19850607", "123")


def publish(case, operator, comment=""):
    return services.transition(case, "publish", actor=operator, comment=comment)


def test_filing_a_statement_issues_a_number_and_a_secret_and_shows_nothing_yet(record):
    case, secret = file_statement(record)
    assert case.kind == CaseKind.STATEMENT and case.stage == Stage.SUBMITTED
    assert case.tracking_no.startswith("SM") and case.due_on is not None
    # The same mechanism as objections: the number and secret find it, nothing else does.
    assert services.find_case(case.tracking_no, secret) == case
    assert services.find_case(case.tracking_no, "WRONG-SECRET-0000") is None
    assert secret not in case.secret_hash
    assert visibility.public_statement(record) is None
    assert not RecordStatement.objects.exists()
    assert AuditEvent.objects.filter(action="statement.submitted").exists()


def test_operator_publishes_it_beside_the_record_audited(record, operator):
    case, _ = file_statement(record)
    publish(case, operator, comment="内容属实")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.decision == Decision.PUBLISHED
    shown = visibility.public_statement(record)
    assert shown.text == "罚款已于次月全额缴纳，相关问题已整改完毕。"
    assert shown.reference == f"statement:{case.tracking_no}"
    assert shown.published_by == operator and shown.subject == record.subject
    step = AuditEvent.objects.get(action="statement.publish")
    assert step.actor == operator and step.data["tracking_no"] == case.tracking_no
    published = AuditEvent.objects.get(action="record.statement_published")
    assert published.target_id == str(record.pk) and published.data["replaced"] == ""
    assert verify_chain().ok


def test_decline_needs_a_reason_and_publishes_nothing(record, operator):
    case, _ = file_statement(record)
    with pytest.raises(services.CaseError, match="须填写意见"):
        services.transition(case, "decline", actor=operator, comment="  ")
    case.refresh_from_db()
    assert case.stage == Stage.SUBMITTED
    services.transition(case, "decline", actor=operator, comment="声明内容与记录无关。")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.decision == Decision.DECLINED
    assert case.decision_comment == "声明内容与记录无关。"
    assert visibility.public_statement(record) is None
    row = case.transitions.get(action="decline")
    assert row.public and row.comment == "声明内容与记录无关。"
    event = AuditEvent.objects.get(action="statement.decline")
    assert event.actor == operator and event.data["comment"] == "声明内容与记录无关。"


def test_a_new_statement_replaces_the_old_one_only_after_its_check(record, operator):
    first, _ = file_statement(record, explanation="第一份声明。")
    publish(first, operator)
    second, _ = file_statement(record, explanation="第二份声明：已全部整改。")
    # Waiting for its check, the old one is still the one shown.
    assert visibility.public_statement(record).text == "第一份声明。"
    publish(second, operator)
    assert RecordStatement.objects.filter(record=record).count() == 1
    assert visibility.public_statement(record).text == "第二份声明：已全部整改。"
    replaced = AuditEvent.objects.filter(action="record.statement_published").last()
    assert replaced.data["replaced"] == f"statement:{first.tracking_no}"
    # A declined third one leaves the second in place.
    third, _ = file_statement(record, explanation="第三份。")
    services.transition(third, "decline", actor=operator, comment="重复提交。")
    assert visibility.public_statement(record).text == "第二份声明：已全部整改。"


def test_one_statement_waits_per_record(record):
    waiting, _ = file_statement(record)
    with pytest.raises(services.CaseError, match=waiting.tracking_no):
        file_statement(record, explanation="再交一份。")
    assert Case.objects.filter(kind=CaseKind.STATEMENT).count() == 1


def test_identity_and_mobile_numbers_are_masked_before_anything_is_stored(record, operator):
    text = f"本人身份证号 {IDENTITY}，电话 13912345678，罚款已缴清。"
    case, _ = file_statement(record, explanation=text)
    assert IDENTITY not in case.explanation and "13912345678" not in case.explanation
    assert "罚款已缴清" in case.explanation
    publish(case, operator)
    shown = visibility.public_statement(record).text
    assert IDENTITY not in shown and "13912345678" not in shown
    assert shown == case.explanation
    stored = [
        *Case.objects.values_list("explanation", flat=True),
        *RecordStatement.objects.values_list("text", flat=True),
        *(str(e.data) for e in AuditEvent.objects.all()),
    ]
    assert not any(IDENTITY in value for value in stored)


def test_length_is_bounded_with_a_clear_message(record):
    with pytest.raises(services.CaseError, match="最多 500 个字，当前为 501 个字"):
        file_statement(record, explanation="声" * 501)
    with pytest.raises(services.CaseError, match="请填写声明内容"):
        file_statement(record, explanation=" \n ")
    assert not Case.objects.exists()
    case, _ = file_statement(record, explanation="  " + "声" * 500 + "  ")
    assert case.explanation == "声" * 500


def test_refused_for_records_that_are_not_adverse_or_not_public(db):
    licence = make_record(item_code="ADM_LICENSE", data={"decision_name": "食品经营许可"})
    assert visibility.is_public_record(licence) and not licence.catalog_item.is_adverse
    with pytest.raises(services.CaseError, match="仅适用于失信"):
        file_statement(licence)
    shared_only = make_record(item_code="SOCIAL_INSURANCE_ARREARS", department_code="HRSS")
    assert shared_only.catalog_item.is_adverse and not visibility.is_public_record(shared_only)
    with pytest.raises(services.CaseError, match="未在公示"):
        file_statement(shared_only)
    assert not Case.objects.exists()


def test_only_the_subject_side_files_a_statement_and_without_files(record):
    with pytest.raises(services.CaseError, match="本人、法定代表人或受委托的代理人"):
        file_statement(record, relation=Relation.PUBLIC)
    with pytest.raises(services.CaseError, match="不附证明材料"):
        file_statement(record, files=checked(pdf_upload()))
    assert not Case.objects.exists()


def test_a_withdrawn_record_takes_its_statement_with_it(record, operator):
    case, _ = file_statement(record)
    publish(case, operator)
    assert visibility.public_statements([record.pk])
    withdraw_record(record, WithdrawalGround.REVOCATION, "复议撤销", "惠市监撤〔2026〕1号")
    assert visibility.public_statement(record) is None
    assert visibility.public_statements([record.pk]) == {}


def test_a_statement_waiting_when_its_record_leaves_cannot_be_published(record, operator):
    case, _ = file_statement(record)
    withdraw_record(record, WithdrawalGround.REVOCATION, "复议撤销", "惠市监撤〔2026〕2号")
    with pytest.raises(services.CaseError, match="未在公示.*审核不通过"):
        publish(case, operator)
    case.refresh_from_db()
    assert case.stage == Stage.SUBMITTED
    assert not RecordStatement.objects.exists()
    services.transition(case, "decline", actor=operator, comment="记录已撤销。")
    assert case.stage == Stage.CLOSED


def test_departments_cannot_check_statements(record, officer):
    case, _ = file_statement(record)
    with pytest.raises(services.CaseError, match="无权"):
        publish(case, officer)
    assert visibility.public_statement(record) is None


def test_only_publish_and_decline_apply_to_statements(record, operator):
    """Every other step, from every stage, is refused for a statement and changes nothing
    (once closed, only taking a published statement off its record remains)."""
    case, _ = file_statement(record)
    for stage, action in itertools.product(Stage.values, TRANSITIONS):
        Case.objects.filter(pk=case.pk).update(stage=stage)
        case.refresh_from_db()
        spec = TRANSITIONS[action]
        legal = (stage == Stage.SUBMITTED and action in {"publish", "decline"}) or (
            stage == Stage.CLOSED and action in {"withdraw_statement", "take_down_statement"}
        )
        assert legal == (spec in allowed_actions(CaseKind.STATEMENT, stage))
        if legal:
            continue
        rows = CaseTransition.objects.count()
        with pytest.raises(services.CaseError):
            services.transition(case, action, actor=operator, comment="意见")
        assert CaseTransition.objects.count() == rows
    assert not RecordStatement.objects.exists()


def test_a_persons_statement_and_the_purge(operator):
    person = PersonFactory(identity_number=IDENTITY, name="王小明")
    record = make_record(person)
    case, _ = file_statement(record, applicant_name="王小明")
    publish(case, operator)
    assert visibility.public_statement(record) is not None
    purge_record(record, case.closed_at)
    assert not RecordStatement.objects.filter(record=record).exists()
    tombstone = AuditEvent.objects.get(action="records.purged")
    assert tombstone.data["statement"] is True


def test_clean_text_is_the_one_rule_for_length():
    assert statements.MAX_LENGTH == 500
    assert statements.clean_text(" 说明 ") == "说明"
    with pytest.raises(statements.StatementError):
        statements.clean_text("x" * 501)


def test_the_report_prints_the_statement_under_its_record_and_counts_it(record, operator):
    import io

    import pypdf

    from portal.reports import services as reports

    plain = reports.collect(record.subject)
    case, _ = file_statement(record, explanation="说" * 500)
    publish(case, operator)
    content = reports.collect(record.subject)
    (entry,) = [e for e in content.entries if e.record_id == record.pk]
    assert entry.statement == "说" * 500
    # The digest covers what the report states, the statement included.
    assert content.digest() != plain.digest()
    _report, pdf = reports.issue_report(record.subject)
    printed = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ).replace("\n", "")
    assert "本人声明（信用主体本人的陈述，不代表本平台或认定部门的意见）：" in printed
    assert "说" * 500 in printed
    assert "标注“本人声明”的内容由信用主体本人提交" in printed
