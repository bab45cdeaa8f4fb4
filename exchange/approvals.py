"""Two-person approval (A/B roles): the one place that says whether an action needs a second
person, records the request, and carries it out once someone else approves.

Per department and action the policy is data (ApprovalPolicy; DEFAULT_APPROVAL where a
department has none): revoking or removing a record and deleting need a second officer of the
same department, committing a batch does not unless the department says so. Operators'
deletions (of a batch, or of one record entered by mistake, in the admin) always need a
second operator.

A request changes nothing of its target. Approving carries the action out through the same
service as without approval (withdraw_record, the batch commit), in the maker's name; the
approver, the time and the outcome are kept on the request and in the audit trail. The
approver can never be the maker.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange.models import (
    DEFAULT_APPROVAL,
    ApprovalAction,
    ApprovalOutcome,
    ApprovalPolicy,
    ApprovalScope,
    Batch,
    PendingApproval,
)
from portal.audit.services import record_event
from portal.departments.models import Department
from portal.objections.models import Case
from portal.records.deletion import delete_record, deletion_problems
from portal.records.models import CreditRecord
from portal.records.withdrawals import (
    BASIS_MAX,
    DOCUMENT_NO_MAX,
    WithdrawalError,
    withdraw_record,
    withdrawal_problems,
)

REASON_MAX = 1000
WITHDRAWAL_ACTIONS = (ApprovalAction.REVOCATION, ApprovalAction.DELISTING)


class ApprovalError(ValueError):
    """A request or decision the rules refuse; the message is for the person who asked."""


# -- the policy ----------------------------------------------------------------------------------
def requires_approval(department: Department | None, action: str) -> bool:
    """Whether `action` by an officer of `department` must wait for a second officer."""
    if department is None:
        return DEFAULT_APPROVAL[action]
    stored = (
        ApprovalPolicy.objects.filter(department=department, action=action)
        .values_list("required", flat=True)
        .first()
    )
    return DEFAULT_APPROVAL[action] if stored is None else stored


def set_policy(department: Department, action: str, required: bool, actor=None) -> ApprovalPolicy:
    """Store one department's rule for one action, audited."""
    with transaction.atomic():
        policy, _created = ApprovalPolicy.objects.update_or_create(
            department=department, action=action, defaults={"required": required}
        )
        audit_policy(policy, actor)
    return policy


def audit_policy(policy: ApprovalPolicy, actor=None) -> None:
    record_event(
        "approval.policy",
        actor=actor,
        target=policy,
        data={
            "department": policy.department.code,
            "action": policy.action,
            "required": policy.required,
        },
    )


# -- requests ------------------------------------------------------------------------------------
def _maker(user):
    return user if getattr(user, "pk", None) else None


def _key_of(approval: PendingApproval):
    """The department key a request was made through (no person as maker), else None."""
    if approval.maker_id is not None or approval.batch_id is None:
        return None
    batch = approval.batch
    return batch.token if batch is not None and batch.token_id else None


def _create(**fields) -> PendingApproval:
    try:
        with transaction.atomic():
            approval = PendingApproval.objects.create(**fields)
    except IntegrityError:
        raise ApprovalError(_("已有一项相同的申请在等待审批。")) from None
    record_event(
        "approval.requested",
        actor=approval.maker,
        target=approval,
        data={
            "action": approval.action,
            "scope": approval.scope,
            "department": approval.department.code if approval.department else "",
            "record": approval.record_id,
            "batch": approval.batch_id,
            **{k: v for k, v in approval.payload.items() if k != "batch"},
            **_key_label(approval),
        },
    )
    return approval


def _key_label(approval: PendingApproval) -> dict:
    key = _key_of(approval)
    return {"token": f"{key.prefix}:{key.label}"} if key is not None else {}


def pending_withdrawal(record_id: int) -> PendingApproval | None:
    return PendingApproval.objects.filter(
        record_id=record_id, outcome=ApprovalOutcome.PENDING
    ).first()


def request_withdrawal(
    record: CreditRecord,
    ground: str,
    basis: str,
    document_no: str,
    maker=None,
    *,
    batch: Batch | None = None,
    row: int | None = None,
    decided_on: dt.date | None = None,
) -> PendingApproval:
    """Ask for a revocation or removal to be approved. The record stays as it is.

    Refused up front (WithdrawalError) when the withdrawal itself could not be made, and
    (ApprovalError) when the record already has a request waiting.
    """
    basis = " ".join((basis or "").split())
    document_no = " ".join((document_no or "").split())
    problems = withdrawal_problems(record, ground, basis, document_no, decided_on)
    if problems:
        raise WithdrawalError(" ".join(str(p) for p in problems))
    if len(basis) > BASIS_MAX or len(document_no) > DOCUMENT_NO_MAX:
        raise WithdrawalError(_("依据或文书号过长。"))
    waiting = pending_withdrawal(record.pk)
    if waiting is not None:
        raise ApprovalError(
            _("该记录已有待审批的撤销或移出申请（#%(id)s），请等待审批。") % {"id": waiting.pk}
        )
    payload = {"ground": ground, "basis": basis, "document_no": document_no}
    if decided_on is not None:
        payload["decided_on"] = decided_on.isoformat()
    if batch is not None:
        payload.update({"batch": batch.pk, "row": row})
    return _create(
        action=ground,
        scope=ApprovalScope.DEPARTMENT,
        department_id=record.department_id,
        maker=_maker(maker),
        record=record,
        batch=batch,
        payload=payload,
    )


def _pending_for_batch(batch: Batch, action: str) -> PendingApproval | None:
    return PendingApproval.objects.filter(
        batch=batch, action=action, record__isnull=True, outcome=ApprovalOutcome.PENDING
    ).first()


def request_batch_commit(batch: Batch, maker=None) -> PendingApproval:
    """Ask for a validated batch to be committed; asking twice returns the first request."""
    return _pending_for_batch(batch, ApprovalAction.BATCH_COMMIT) or _create(
        action=ApprovalAction.BATCH_COMMIT,
        scope=ApprovalScope.DEPARTMENT,
        department_id=batch.department_id,
        maker=_maker(maker),
        batch=batch,
        payload={"batch": batch.pk, "accepted": batch.accepted},
    )


def request_batch_deletion(batch: Batch, maker) -> PendingApproval:
    """An operator's deletion of a batch, for a second operator to approve."""
    return _pending_for_batch(batch, ApprovalAction.DELETION) or _create(
        action=ApprovalAction.DELETION,
        scope=ApprovalScope.OPERATORS,
        department_id=batch.department_id,
        maker=_maker(maker),
        batch=batch,
        payload={
            "batch": batch.pk,
            "file_name": batch.file_name,
            "status": batch.status,
            "catalog_item": batch.catalog_item.code,
        },
    )


def request_record_deletion(record: CreditRecord, reason: str, maker) -> PendingApproval:
    """An operator's deletion of one record (entered by mistake), with the reason, for a
    second operator to approve. The record stays as it is until then.

    Refused up front (WithdrawalError) when the record could not be deleted, and
    (ApprovalError) when the maker is no operator or the record has a request waiting.
    """
    if not getattr(maker, "is_operator", False):
        raise ApprovalError(_("只有平台运营人员可以申请删除信用记录。"))
    reason = " ".join((reason or "").split())
    problems = deletion_problems(record, reason) + open_case_problems(record)
    if problems:
        raise WithdrawalError(" ".join(str(p) for p in problems))
    waiting = pending_withdrawal(record.pk)
    if waiting is not None:
        raise ApprovalError(
            _("该记录已有待审批的申请（#%(id)s），请等待审批。") % {"id": waiting.pk}
        )
    return _create(
        action=ApprovalAction.DELETION,
        scope=ApprovalScope.OPERATORS,
        department_id=record.department_id,
        maker=_maker(maker),
        record=record,
        payload={"reason": reason, "catalog_item": record.catalog_item.code},
    )


def open_case_problems(record: CreditRecord) -> list:
    """An objection or repair still open on the record settles it: deleting the record
    underneath would leave the case without what it is about."""
    case = Case.objects.open().filter(record_id=record.pk).only("tracking_no").first()
    if case is None:
        return []
    return [
        _("该记录有正在办理的异议或信用修复申请（%(no)s），须先办结。") % {"no": case.tracking_no}
    ]


# -- who sees and decides -------------------------------------------------------------------------
def may_decide(approval: PendingApproval, user) -> bool:
    """Whether `user` is of the people who decide this kind of request (maker aside)."""
    if approval.scope == ApprovalScope.OPERATORS:
        return bool(getattr(user, "is_operator", False))
    return bool(
        getattr(user, "is_department_officer", False)
        and user.department_id == approval.department_id
    )


def maker_ids(approval: PendingApproval) -> set[int]:
    """The people behind a request: its maker; for one a department key made, the person
    who issued the key (otherwise an officer could issue a key, ask through it and approve
    the request themselves)."""
    if approval.maker_id is not None:
        return {approval.maker_id}
    key = _key_of(approval)
    return {key.created_by_id} if key is not None and key.created_by_id else set()


def check_approver(approval: PendingApproval, user) -> None:
    """Raise ApprovalError unless `user` may decide `approval` now."""
    if not approval.is_pending:
        raise ApprovalError(_("该申请已经审批过，不能再次审批。"))
    if getattr(user, "pk", None) in maker_ids(approval):
        raise ApprovalError(_("审批人不能是申请人本人，须由另一名人员审批。"))
    if not may_decide(approval, user):
        if approval.scope == ApprovalScope.OPERATORS:
            raise ApprovalError(_("该申请须由另一名平台运营人员审批。"))
        raise ApprovalError(_("该申请须由本部门另一名数据专员审批。"))


def pending_for(user):
    """The requests waiting for people like `user`, oldest first (their own included, to follow)."""
    waiting = PendingApproval.objects.filter(outcome=ApprovalOutcome.PENDING).select_related(
        "maker", "record__catalog_item", "record__subject", "batch", "department"
    )
    if getattr(user, "is_operator", False):
        return waiting
    if getattr(user, "is_department_officer", False):
        return waiting.filter(scope=ApprovalScope.DEPARTMENT, department_id=user.department_id)
    return waiting.none()


def age(approval: PendingApproval, now: dt.datetime | None = None) -> dt.timedelta:
    return (now or timezone.now()) - approval.created_at


# -- decisions ------------------------------------------------------------------------------------
def _locked(approval: PendingApproval) -> PendingApproval:
    return (
        PendingApproval.objects.select_for_update(of=("self",))
        .select_related("maker", "record", "batch__token", "department")
        .get(pk=approval.pk)
    )


def _decided(approval: PendingApproval, approver, outcome: str, reason: str = "") -> None:
    approval.outcome = outcome
    approval.decided_by = approver
    approval.decided_at = timezone.now()
    approval.reason = reason
    approval.save(update_fields=["outcome", "decided_by", "decided_at", "reason"])
    record_event(
        f"approval.{outcome}",
        actor=approver,
        target=approval,
        data={
            "action": approval.action,
            "maker": approval.maker.get_username() if approval.maker else "",
            "record": approval.record_id,
            "batch": approval.payload.get("batch"),
            "reason": reason,
        },
    )


def approve(approval: PendingApproval, approver, *, today: dt.date | None = None):
    """Approve and carry the action out in the maker's name, all or nothing.

    Raises ApprovalError (nothing changes) when the approver may not decide it or the
    action can no longer be carried out (the record was withdrawn meanwhile, the batch
    discarded): the request stays pending, to be refused with a reason.
    """
    with transaction.atomic():
        locked = _locked(approval)
        check_approver(locked, approver)
        try:
            with transaction.atomic():
                _carry_out(locked, today, approver)
        except WithdrawalError as exc:
            raise ApprovalError(str(exc)) from None
        _decided(locked, approver, ApprovalOutcome.APPROVED)
    return locked


def refuse(approval: PendingApproval, approver, reason: str) -> PendingApproval:
    """Refuse with a reason; the target stays as it is."""
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalError(_("拒绝时须填写理由。"))
    if len(reason) > REASON_MAX:
        raise ApprovalError(_("拒绝理由不能超过 %(max)d 个字。") % {"max": REASON_MAX})
    with transaction.atomic():
        locked = _locked(approval)
        check_approver(locked, approver)
        _decided(locked, approver, ApprovalOutcome.REFUSED, reason)
    return locked


def _carry_out(approval: PendingApproval, today, approver=None) -> None:
    if approval.action == ApprovalAction.DELETION and approval.record_id is not None:
        problems = open_case_problems(approval.record)
        if problems:
            raise ApprovalError(" ".join(str(p) for p in problems))
        delete_record(
            approval.record,
            approval.payload.get("reason", ""),
            approval.maker,
            approved_by=approver,
            reference=f"approval:{approval.pk}",
        )
        return
    if approval.action in WITHDRAWAL_ACTIONS:
        payload = approval.payload
        withdraw_record(
            approval.record,
            payload["ground"],
            payload["basis"],
            payload["document_no"],
            approval.maker,
            reference=f"approval:{approval.pk}",
            today=today,
            decided_on=dt.date.fromisoformat(payload["decided_on"])
            if payload.get("decided_on")
            else None,
        )
        return
    from exchange import services

    batch = approval.batch
    if batch is None:
        raise ApprovalError(_("该批次已不存在。"))
    if approval.action == ApprovalAction.BATCH_COMMIT:
        try:
            services.request_commit(batch, actor=approval.maker, approved=True)
        except services.NamesUnconfirmed as exc:
            raise ApprovalError(exc.message()) from None
        except services.AlreadyDone:
            pass  # loaded meanwhile: what the request asked for is done
        except services.TransitionError:
            raise ApprovalError(
                _("该批次当前为「%(status)s」，不能入库。") % {"status": batch.get_status_display()}
            ) from None
        return
    if approval.action == ApprovalAction.DELETION:
        services.delete_batch(batch, actor=approval.maker)
        return
    raise ApprovalError(_("未知的审批事项。"))
