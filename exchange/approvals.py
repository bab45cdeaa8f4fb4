"""Two-person approval (A/B roles): the one place that says whether an action needs a second
person, records the request, and carries it out once someone else approves.

Per department and action the policy is data (ApprovalPolicy; DEFAULT_APPROVAL where a
department has none): revoking or removing a record and deleting need a second officer of the
same department, committing a batch does not unless the department says so. Operators'
deletions (of batches in the admin) always need a second operator.

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
        },
    )
    return approval


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


# -- who sees and decides -------------------------------------------------------------------------
def may_decide(approval: PendingApproval, user) -> bool:
    """Whether `user` is of the people who decide this kind of request (maker aside)."""
    if approval.scope == ApprovalScope.OPERATORS:
        return bool(getattr(user, "is_operator", False))
    return bool(
        getattr(user, "is_department_officer", False)
        and user.department_id == approval.department_id
    )


def check_approver(approval: PendingApproval, user) -> None:
    """Raise ApprovalError unless `user` may decide `approval` now."""
    if not approval.is_pending:
        raise ApprovalError(_("该申请已经审批过，不能再次审批。"))
    if approval.maker_id is not None and approval.maker_id == getattr(user, "pk", None):
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
        .select_related("maker", "record", "batch", "department")
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
                _carry_out(locked, today)
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


def _carry_out(approval: PendingApproval, today) -> None:
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
