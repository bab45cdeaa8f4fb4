"""Two-person approval (A/B roles): per department and action, as data, whether a second
officer must approve; the request changes nothing until someone other than its maker approves
it, and then the action is carried out in the maker's name; both are audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange import approvals, services
from exchange.models import (
    ApprovalAction,
    ApprovalOutcome,
    ApprovalPolicy,
    Batch,
    BatchRow,
    BatchStatus,
    PendingApproval,
    RowError,
)
from portal.accounts.roles import DEPARTMENT_OFFICERS, OPERATORS
from portal.audit.models import AuditEvent
from portal.records.disclosure import PublicState, RecordStatus
from portal.records.models import CreditRecord, Withdrawal, WithdrawalGround
from tests.exchange.conftest import penalty_csv, penalty_row, submit
from tests.exchange.test_withdrawal_rows import action_csv, revoke_row
from tests.factories import OrganisationFactory, UserFactory, make_record

pytestmark = pytest.mark.django_db

REVOKE = {
    "step": "confirm",
    "ground": "revocation",
    "basis": "惠州市人民政府行政复议决定撤销原处罚决定",
    "document_no": "惠府行复〔2026〕21号",
    "confirmed": "on",
}


@pytest.fixture
def operator():
    return UserFactory(role=OPERATORS, username="operator-a")


@pytest.fixture
def second_officer(market):
    return UserFactory(role=DEPARTMENT_OFFICERS, department=market, username="market-officer-b")


def decide(client, approval, decision, reason=""):
    return client.post(
        reverse("exchange:approval_detail", args=[approval.pk]),
        {"decision": decision, "reason": reason},
    )


def test_the_policy_is_data_with_defaults_per_department_and_action(market, tax, operator):
    # Taking records down and deleting need a second officer; loading a batch does not.
    assert approvals.requires_approval(market, ApprovalAction.REVOCATION)
    assert approvals.requires_approval(market, ApprovalAction.DELISTING)
    assert approvals.requires_approval(market, ApprovalAction.DELETION)
    assert not approvals.requires_approval(market, ApprovalAction.BATCH_COMMIT)

    approvals.set_policy(market, ApprovalAction.BATCH_COMMIT, True, actor=operator)
    approvals.set_policy(market, ApprovalAction.REVOCATION, False, actor=operator)
    assert approvals.requires_approval(market, ApprovalAction.BATCH_COMMIT)
    assert not approvals.requires_approval(market, ApprovalAction.REVOCATION)
    # Another department keeps the defaults.
    assert approvals.requires_approval(tax, ApprovalAction.REVOCATION)
    assert not approvals.requires_approval(tax, ApprovalAction.BATCH_COMMIT)
    event = AuditEvent.objects.filter(action="approval.policy").last()
    assert event.actor == operator and event.data["required"] is False


def test_operators_edit_the_policy_in_the_admin_and_it_is_audited(client, market, operator):
    client.force_login(operator)
    response = client.post(
        reverse("admin:exchange_approvalpolicy_add"),
        {"department": market.pk, "action": "batch_commit", "required": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert approvals.requires_approval(market, ApprovalAction.BATCH_COMMIT)
    assert AuditEvent.objects.filter(action="approval.policy", actor=operator).exists()


def test_a_revocation_in_the_workspace_waits_for_a_second_officer(
    client, officer, second_officer, tax_officer, django_capture_on_commit_callbacks
):
    record = make_record(department_code="MARKET")
    client.force_login(officer)
    response = client.post(reverse("exchange:record_withdraw"), {**REVOKE, "record": record.pk})
    approval = PendingApproval.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:approval_detail", args=[approval.pk])
    assert (approval.action, approval.maker, approval.record) == ("revocation", officer, record)
    assert approval.payload["document_no"] == "惠府行复〔2026〕21号"
    assert approval.outcome == ApprovalOutcome.PENDING
    # The record stays as it is until approved.
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED and record.version == 1
    assert not Withdrawal.objects.exists()
    assert client.get(f"/api/v1/records/{record.pk}").status_code == 200
    assert AuditEvent.objects.filter(action="approval.requested", actor=officer).exists()

    # The maker cannot approve their own request: refused with a clear message.
    own = client.get(response["Location"]).content.decode()
    assert "须由本部门另一名数据专员审批" in own and 'value="approve"' not in own
    refused = decide(client, approval, "approve")
    assert refused.status_code == 400
    assert "审批人不能是申请人本人" in refused.content.decode()
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED
    approval.refresh_from_db()
    assert approval.outcome == ApprovalOutcome.PENDING

    # An officer of another department does not even see it.
    client.force_login(tax_officer)
    assert client.get(reverse("exchange:approval_detail", args=[approval.pk])).status_code == 404
    assert record.decision_no not in client.get(reverse("exchange:approval_list")).content.decode()

    # The second officer sees it listed with its age, and approves.
    client.force_login(second_officer)
    listing = client.get(reverse("exchange:approval_list")).content.decode()
    assert record.decision_no in listing and "officer" in listing
    assert "已等待" in listing
    with django_capture_on_commit_callbacks(execute=True):  # the feed numbers it on commit
        done = decide(client, approval, "approve")
    assert done.status_code == 302
    approval.refresh_from_db()
    assert (approval.outcome, approval.decided_by) == (ApprovalOutcome.APPROVED, second_officer)
    assert approval.decided_at is not None
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED and record.public_state == PublicState.REVOKED
    # Carried out in the maker's name; the version names the approval.
    withdrawal = Withdrawal.objects.get(record_id=record.pk)
    assert withdrawal.actor == officer and withdrawal.ground == WithdrawalGround.REVOCATION
    latest = record.versions.order_by("-number").first()
    assert latest.actor == officer and latest.reference == f"approval:{approval.pk}"
    approved = AuditEvent.objects.get(action="approval.approved")
    assert approved.actor == second_officer and approved.data["maker"] == officer.username
    assert client.get(f"/api/v1/records/{record.pk}").status_code == 410
    feed = client.get("/api/v1/withdrawals").json()
    assert [e["record_id"] for e in feed["entries"]] == [record.pk]
    # Decided once: approving again is refused.
    with pytest.raises(approvals.ApprovalError, match="已经审批过"):
        approvals.approve(approval, second_officer)


def test_a_refusal_needs_a_reason_and_leaves_the_record_public(client, officer, second_officer):
    record = make_record(department_code="MARKET")
    approval = approvals.request_withdrawal(
        record, WithdrawalGround.DELISTING, "已履行全部义务", "惠市监移〔2026〕9号", officer
    )
    client.force_login(second_officer)
    blank = decide(client, approval, "refuse", "  ")
    assert "拒绝时须填写理由" in blank.content.decode()
    approval.refresh_from_db()
    assert approval.is_pending
    decide(client, approval, "refuse", "文书号与复议决定书不符")
    approval.refresh_from_db()
    assert approval.outcome == ApprovalOutcome.REFUSED
    assert approval.reason == "文书号与复议决定书不符" and approval.decided_by == second_officer
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED and not Withdrawal.objects.exists()
    event = AuditEvent.objects.get(action="approval.refused")
    assert event.actor == second_officer and event.data["reason"] == "文书号与复议决定书不符"


def test_one_request_per_record_and_bad_requests_are_refused_up_front(officer):
    record = make_record(department_code="MARKET")
    with pytest.raises(approvals.WithdrawalError, match="依据"):
        approvals.request_withdrawal(record, "revocation", "", "惠复〔2026〕1号", officer)
    approvals.request_withdrawal(record, "revocation", "复议撤销", "惠复〔2026〕1号", officer)
    with pytest.raises(approvals.ApprovalError, match="已有待审批"):
        approvals.request_withdrawal(record, "delisting", "已履行", "惠复〔2026〕2号", officer)
    assert PendingApproval.objects.count() == 1


def test_a_withdrawal_that_became_impossible_is_not_approved(officer, second_officer):
    from portal.records.withdrawals import withdraw_record

    record = make_record(department_code="MARKET")
    approval = approvals.request_withdrawal(
        record, "revocation", "复议撤销", "惠复〔2026〕3号", officer
    )
    withdraw_record(record, "delisting", "已履行", "惠市监移〔2026〕3号", officer)
    with pytest.raises(approvals.ApprovalError, match="不能再撤销或移出"):
        approvals.approve(approval, second_officer)
    approval.refresh_from_db()
    assert approval.is_pending  # to be refused with a reason
    assert Withdrawal.objects.get(record_id=record.pk).ground == WithdrawalGround.DELISTING


# -- import rows -------------------------------------------------------------------------------
def test_import_withdrawal_rows_become_requests_while_the_other_rows_load(
    client, officer, second_officer, django_capture_on_commit_callbacks
):
    original = penalty_row()
    first = submit(action_csv([original]), user=officer)
    services.validate_batch(first.pk)
    services.commit_batch(first.pk, actor=officer)
    record = CreditRecord.objects.get(decision_no=original["decision_no"])

    new_row = penalty_row()
    batch = submit(action_csv([new_row, revoke_row(original)]), user=officer)
    batch = services.validate_batch(batch.pk)
    # The plan already says the withdrawal will wait for approval.
    assert (batch.created_count, batch.withdrawn_count, batch.pending_count) == (1, 0, 1)
    assert BatchRow.objects.get(batch=batch, row=3).outcome == "pending"
    batch = services.commit_batch(batch.pk, actor=officer)
    assert batch.status == BatchStatus.COMMITTED
    assert (batch.created_count, batch.withdrawn_count, batch.pending_count) == (1, 0, 1)
    assert CreditRecord.objects.filter(decision_no=new_row["decision_no"]).exists()
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED
    approval = PendingApproval.objects.get()
    assert (approval.batch, approval.payload["row"], approval.maker) == (batch, 3, officer)
    assert (
        AuditEvent.objects.get(action="exchange.batch.committed", target_id=str(batch.pk)).data[
            "pending_approval"
        ]
        == 1
    )

    # The batch report says so.
    client.force_login(officer)
    page = client.get(reverse("exchange:batch_detail", args=[batch.pk])).content.decode()
    assert "待审批的撤销或移出" in page and record.decision_no in page

    # A second row for the same record while the first waits is a row error.
    again = services.validate_batch(submit(action_csv([revoke_row(original)])).pk)
    assert RowError.objects.get(batch=again).code == "withdraw_pending"
    assert "待审批" in RowError.objects.get(batch=again).message()

    with pytest.raises(approvals.ApprovalError, match="申请人本人"):
        approvals.approve(approval, officer)
    approvals.approve(approval, second_officer)
    record.refresh_from_db()
    assert record.public_state == PublicState.REVOKED
    assert Withdrawal.objects.get(record_id=record.pk).actor == officer


# -- batch commit ------------------------------------------------------------------------------
def test_a_department_can_require_approval_of_batch_commits(
    client, market, officer, second_officer, django_capture_on_commit_callbacks
):
    approvals.set_policy(market, ApprovalAction.BATCH_COMMIT, True)
    row = penalty_row()
    batch = services.validate_batch(submit(penalty_csv([row]), user=officer).pk)
    assert batch.status == BatchStatus.VALIDATED

    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exchange:batch_commit", args=[batch.pk]), {"confirm": "1"}, follow=True
        )
    assert "须经另一名数据专员审批" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED
    assert not CreditRecord.objects.filter(decision_no=row["decision_no"]).exists()
    approval = PendingApproval.objects.get(action=ApprovalAction.BATCH_COMMIT)
    assert (approval.batch, approval.maker) == (batch, officer)
    # Asking again makes no second request, and says so; the commit button is gone meanwhile.
    again = client.post(
        reverse("exchange:batch_commit", args=[batch.pk]), {"confirm": "1"}, follow=True
    )
    said = [(m.level_tag, str(m)) for m in again.context["messages"]]
    assert said == [
        (
            "warning",
            "此批次的入库申请已在等待本部门另一名数据专员审批，本次未重复提交，未作任何改动。",
        )
    ]
    assert PendingApproval.objects.count() == 1
    page = client.get(reverse("exchange:batch_detail", args=[batch.pk])).content.decode()
    assert "正在等待" in page and reverse("exchange:batch_commit", args=[batch.pk]) not in page

    client.force_login(second_officer)
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, approval, "approve")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    record = CreditRecord.objects.get(decision_no=row["decision_no"])
    assert record.versions.get().actor == officer  # loaded in the maker's name
    committed = AuditEvent.objects.get(action="exchange.batch.committed")
    assert committed.actor == officer
    assert AuditEvent.objects.get(action="approval.approved").actor == second_officer


def test_an_auto_commit_upload_waits_for_approval_where_commits_need_one(market):
    approvals.set_policy(market, ApprovalAction.BATCH_COMMIT, True)
    batch = services.validate_batch(submit(penalty_csv([penalty_row()]), auto_commit=True).pk)
    assert batch.status == BatchStatus.VALIDATED and CreditRecord.objects.count() == 0
    approval = PendingApproval.objects.get()
    assert approval.action == ApprovalAction.BATCH_COMMIT and approval.maker is None


def test_an_auto_commit_upload_needing_approval_still_holds_rows_under_other_names(
    market, officer, second_officer, django_capture_on_commit_callbacks
):
    """A code registered to a clearly different name needs the maker's confirmation before
    any approval is asked for; the approver cannot stand in for it."""
    approvals.set_policy(market, ApprovalAction.BATCH_COMMIT, True)
    registered = OrganisationFactory(name="惠州市华兴建筑有限公司")
    row = penalty_row(uscc=registered.uscc, subject_name="惠州市绿源餐饮管理有限公司")
    batch = services.validate_batch(submit(penalty_csv([row]), auto_commit=True, user=officer).pk)
    assert (batch.status, batch.name_mismatch_count) == (BatchStatus.VALIDATED, 1)
    assert not PendingApproval.objects.exists()  # nothing for a second officer to wave through

    # A request made without the names confirmed (as before this rule) is not carried out.
    unconfirmed = approvals.request_batch_commit(batch, officer)
    with pytest.raises(approvals.ApprovalError, match="名称明显不同"):
        approvals.approve(unconfirmed, second_officer)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED and not CreditRecord.objects.exists()
    approvals.refuse(unconfirmed, second_officer, "请先核对主体代码")

    # The maker confirms the codes when asking to commit; then the approval loads it.
    with pytest.raises(services.NamesUnconfirmed):
        services.request_commit(batch, actor=officer)
    services.request_commit(batch, actor=officer, names_confirmed=True)
    approval = PendingApproval.objects.get(outcome=ApprovalOutcome.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.approve(approval, second_officer)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.names_confirmed
    assert CreditRecord.objects.get().subject == registered


# -- operators' deletions ----------------------------------------------------------------------
def test_an_operators_deletion_of_a_batch_needs_a_second_operator(client, operator):
    other_operator = UserFactory(role=OPERATORS, username="operator-b")
    batch = services.validate_batch(submit(penalty_csv([penalty_row()])).pk)
    client.force_login(operator)
    delete_url = reverse("admin:exchange_batch_delete", args=[batch.pk])
    assert client.get(delete_url).status_code == 200
    response = client.post(delete_url, {"post": "yes"})
    approval = PendingApproval.objects.get()
    assert response["Location"] == reverse(
        "admin:exchange_pendingapproval_change", args=[approval.pk]
    )
    assert Batch.objects.filter(pk=batch.pk).exists()
    assert (approval.scope, approval.action, approval.maker) == ("operators", "deletion", operator)

    # The list shows every pending request with its age.
    listing = client.get(reverse("admin:exchange_pendingapproval_changelist")).content.decode()
    assert f"#{batch.pk}" in listing and "已等待" in listing

    change_url = reverse("admin:exchange_pendingapproval_change", args=[approval.pk])
    own = client.post(change_url, {"decision": "approve", "refusal": ""})
    assert own.status_code == 200 and "审批人不能是申请人本人" in own.content.decode()
    assert Batch.objects.filter(pk=batch.pk).exists()

    client.force_login(other_operator)
    assert client.post(change_url, {"decision": "approve", "refusal": ""}).status_code == 302
    assert not Batch.objects.filter(pk=batch.pk).exists()
    approval.refresh_from_db()
    assert approval.outcome == ApprovalOutcome.APPROVED and approval.decided_by == other_operator
    assert approval.payload["batch"] == batch.pk
    deleted = AuditEvent.objects.get(action="exchange.batch.deleted")
    assert deleted.actor == operator and deleted.target_id == str(batch.pk)


def test_a_department_officer_cannot_decide_an_operators_request(officer, operator):
    batch = services.validate_batch(submit(penalty_csv([penalty_row()])).pk)
    approval = approvals.request_batch_deletion(batch, operator)
    with pytest.raises(approvals.ApprovalError, match="平台运营人员"):
        approvals.approve(approval, officer)
    assert Batch.objects.filter(pk=batch.pk).exists()
    assert not ApprovalPolicy.objects.exists()


def test_an_api_commit_waits_for_approval_and_says_so(
    client, market, market_token, second_officer, django_capture_on_commit_callbacks
):
    approvals.set_policy(market, ApprovalAction.BATCH_COMMIT, True)
    batch = services.validate_batch(submit(penalty_csv([penalty_row()])).pk)
    auth = {"HTTP_AUTHORIZATION": f"Token {market_token}"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/exchange/batches/{batch.pk}/commit/", **auth)
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["awaiting_commit_approval"]) == ("validated", True)
    approval = PendingApproval.objects.get()
    assert approval.maker is None  # a key, not a person: any officer but its issuer approves
    with django_capture_on_commit_callbacks(execute=True):
        approvals.approve(approval, second_officer)
    detail = client.get(f"/api/v1/exchange/batches/{batch.pk}/", **auth).json()
    assert (detail["status"], detail["created"], detail["awaiting_commit_approval"]) == (
        "committed",
        1,
        False,
    )


def test_the_officer_who_issued_a_key_cannot_approve_what_the_key_asked(
    client, officer, second_officer, market, django_capture_on_commit_callbacks
):
    """A request made through a department key has no person as maker; the officer who
    issued the key is the person behind it, so they may not be its second pair of eyes."""
    from portal.departments.services import issue_token

    original = penalty_row()
    services.validate_batch(submit(action_csv([original]), auto_commit=True).pk)
    record = CreditRecord.objects.get(decision_no=original["decision_no"])
    _token, key = issue_token(market, "报送系统", actor=officer)
    client.post(
        "/api/v1/exchange/batches/",
        {
            "catalog": "ADM_PENALTY",
            "file": SimpleUploadedFile("rows.csv", action_csv([revoke_row(original)])),
            "commit": "true",
        },
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    services.validate_batch(Batch.objects.latest("id").pk)
    approval = PendingApproval.objects.get()
    assert approval.maker is None
    requested = AuditEvent.objects.get(action="approval.requested")
    assert requested.data["token"].endswith("报送系统")

    with pytest.raises(approvals.ApprovalError, match="申请人本人"):
        approvals.approve(approval, officer)
    client.force_login(officer)
    assert decide(client, approval, "approve").status_code == 400
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED
    approval.refresh_from_db()
    assert approval.is_pending

    with django_capture_on_commit_callbacks(execute=True):
        approvals.approve(approval, second_officer)
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED
