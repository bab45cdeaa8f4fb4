"""An operator's deletion of one record entered by mistake (删除信息须履行审批程序): asked
with a reason, carried out only on a second operator's approval (the same requests as every
other two-person action), then the record leaves public view as a withdrawal (ground
"deleted", on the feed), its content is purged and the audit trail keeps a tombstone."""

import pytest
from django.urls import reverse

from exchange import approvals
from exchange.models import ApprovalAction, ApprovalOutcome, ApprovalScope, PendingApproval
from portal.accounts.roles import OPERATORS
from portal.audit.models import AuditEvent
from portal.records import visibility
from portal.records.disclosure import PublicState, RecordStatus
from portal.records.models import CreditRecord, Withdrawal, WithdrawalGround
from portal.records.retention import PURGED_SNAPSHOT
from portal.records.withdrawals import WithdrawalError
from search.service import SearchQuery, search_public
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.factories import UserFactory, make_record
from tests.objections.helpers import file_objection

pytestmark = pytest.mark.django_db

REASON = "录入错误：主体填错，应为另一家企业"


@pytest.fixture
def operator():
    return UserFactory(role=OPERATORS, username="operator-a")


@pytest.fixture
def second_operator():
    return UserFactory(role=OPERATORS, username="operator-b")


def test_a_deletion_waits_for_a_second_operator_then_takes_the_record_down_and_purges_it(
    client, operator, second_operator, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = make_record(department_code="MARKET")
    number, digest = record.decision_no, record.content_hash

    approval = approvals.request_record_deletion(record, REASON, operator)
    assert (approval.action, approval.scope, approval.maker) == (
        ApprovalAction.DELETION,
        ApprovalScope.OPERATORS,
        operator,
    )
    assert approval.payload["reason"] == REASON
    # Nothing changes until someone else approves: not the maker, not a department officer.
    with pytest.raises(approvals.ApprovalError, match="不能是申请人本人"):
        approvals.approve(approval, operator)
    with pytest.raises(approvals.ApprovalError, match="平台运营人员"):
        approvals.approve(approval, officer)
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED and record.decision_no == number

    with django_capture_on_commit_callbacks(execute=True):
        approvals.approve(approval, second_operator)
    approval.refresh_from_db()
    assert approval.outcome == ApprovalOutcome.APPROVED
    assert approval.decided_by == second_operator

    record.refresh_from_db()
    assert (record.status, record.public_state) == (RecordStatus.DELETED, PublicState.DELETED)
    assert not visibility.public_records().filter(pk=record.pk).exists()
    # Its content is gone, here and in every version; the row and its id stay.
    assert record.data == {} and record.decision_no == "" and record.title == ""
    assert record.natural_key == f"purged:{record.pk}" and record.purged_at is not None
    # The deletion is a version of its own, in the maker's name; no version keeps content.
    deletion = record.versions.get()
    assert deletion.actor == operator and deletion.public_state == PublicState.DELETED
    assert deletion.snapshot == PURGED_SNAPSHOT and deletion.comment == ""
    # Withdrawn the way every withdrawal is: the register, in the maker's name, on the feed.
    withdrawal = Withdrawal.objects.get(record_id=record.pk)
    assert withdrawal.ground == WithdrawalGround.DELETION == "deleted"
    assert withdrawal.actor == operator and withdrawal.basis == REASON
    assert visibility.find_withdrawn_record(record.pk).ground == "deleted"
    assert client.get(f"/api/v1/records/{record.pk}").status_code == 410
    feed = client.get("/api/v1/withdrawals").json()["entries"]
    assert [(e["record_id"], e["ground"]) for e in feed] == [(record.pk, "deleted")]
    assert search_public(SearchQuery(q=number)).total == 0
    # The tombstone: what went, why, who asked and who approved; never the content.
    tombstone = AuditEvent.objects.get(action="records.deleted")
    assert tombstone.actor == operator and tombstone.target_id == str(record.pk)
    assert tombstone.data["reason"] == REASON
    assert tombstone.data["approved_by"] == "operator-b"
    assert tombstone.data["content_hash"] == digest
    assert tombstone.data["reference"] == f"approval:{approval.pk}"
    assert number not in str(tombstone.data)
    assert AuditEvent.objects.get(action="approval.approved").actor == second_operator


def test_the_freed_key_takes_the_right_record_again(operator, second_operator):
    row = penalty_row()
    load(penalty_csv([row]))
    wrong = CreditRecord.objects.get(decision_no=row["decision_no"])
    approvals.approve(approvals.request_record_deletion(wrong, REASON, operator), second_operator)
    batch = load(penalty_csv([row]))
    assert batch.created_count == 1
    again = CreditRecord.objects.get(decision_no=row["decision_no"])
    assert again.pk != wrong.pk and again.public_state == PublicState.PUBLISHED


def test_bad_deletion_requests_are_refused_up_front(operator, officer):
    record = make_record(department_code="MARKET")
    with pytest.raises(WithdrawalError, match="删除理由"):
        approvals.request_record_deletion(record, "  ", operator)
    with pytest.raises(approvals.ApprovalError, match="平台运营人员"):
        approvals.request_record_deletion(record, REASON, officer)
    approvals.request_record_deletion(record, REASON, operator)
    with pytest.raises(approvals.ApprovalError, match="待审批"):
        approvals.request_record_deletion(record, REASON, operator)
    assert PendingApproval.objects.count() == 1

    contested = make_record(department_code="MARKET")
    file_objection(contested)
    contested.refresh_from_db()
    with pytest.raises(WithdrawalError, match="异议"):
        approvals.request_record_deletion(contested, REASON, operator)


def test_a_refused_deletion_leaves_the_record_whole(operator, second_operator):
    record = make_record(department_code="MARKET")
    approval = approvals.request_record_deletion(record, REASON, operator)
    approvals.refuse(approval, second_operator, "主体无误，不予删除")
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED and record.data
    assert not Withdrawal.objects.exists()
    assert not AuditEvent.objects.filter(action="records.deleted").exists()


def test_a_deletion_that_became_impossible_is_not_approved(operator, second_operator):
    record = make_record(department_code="MARKET")
    approval = approvals.request_record_deletion(record, REASON, operator)
    file_objection(record)  # an objection arrived meanwhile
    with pytest.raises(approvals.ApprovalError, match="异议"):
        approvals.approve(approval, second_operator)
    approval.refresh_from_db()
    record.refresh_from_db()
    assert approval.is_pending and record.data and record.purged_at is None


def test_operators_ask_and_decide_a_deletion_in_the_admin(client, operator, second_operator):
    record = make_record(department_code="MARKET")
    url = reverse("admin:exchange_pendingapproval_record_deletion", args=[record.pk])
    client.force_login(operator)
    page = client.get(url)
    assert page.status_code == 200 and record.decision_no in page.content.decode()
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200 and not PendingApproval.objects.exists()

    response = client.post(url, {"reason": REASON})
    approval = PendingApproval.objects.get()
    change_url = reverse("admin:exchange_pendingapproval_change", args=[approval.pk])
    assert response["Location"] == change_url
    assert (approval.action, approval.record, approval.maker) == ("deletion", record, operator)
    own = client.post(change_url, {"decision": "approve", "refusal": ""})
    assert own.status_code == 200 and "审批人不能是申请人本人" in own.content.decode()
    record.refresh_from_db()
    assert record.purged_at is None

    client.force_login(second_operator)
    listing = client.get(reverse("admin:exchange_pendingapproval_changelist")).content.decode()
    assert record.decision_no in listing
    assert client.post(change_url, {"decision": "approve", "refusal": ""}).status_code == 302
    record.refresh_from_db()
    assert record.public_state == PublicState.DELETED and record.purged_at is not None
    assert Withdrawal.objects.get(record_id=record.pk).ground == "deleted"


def test_department_officers_cannot_open_the_deletion_page(client, officer):
    record = make_record(department_code="MARKET")
    client.force_login(officer)
    url = reverse("admin:exchange_pendingapproval_record_deletion", args=[record.pk])
    assert client.get(url).status_code in (302, 403)
    assert client.post(url, {"reason": REASON}).status_code in (302, 403)
    assert not PendingApproval.objects.exists()
