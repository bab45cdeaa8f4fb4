"""The withdrawal register: which public records left public view, when and why
(docs/domain.md, Withdrawals).

Whether a record is public is decided by portal.records.visibility alone; this
module only notes the event, in the same transaction as the change that ends
publication. Every path that can move a record out of a public state asks
`withdrawal_for` for the row to save beside its version: change_record
(objections, repair, department corrections and withdrawals, operators), the
scheduled expiry, re-applying a catalog rule and the department import's update.

`withdraw_record` is the one way a source department revokes a record (撤销, the
decision was annulled) or takes it off a list (移出): the import's 撤销/移出 rows
and the workspace form both call it, and so can an approval step placed before it.
Operators' deletion of a record entered by mistake (portal.records.deletion) takes
the same path with the ground DELETION and its reason as the basis.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.records.disclosure import PUBLIC_STATES, PublicState, RecordStatus
from portal.records.models import ChangeReason, CreditRecord, Withdrawal, WithdrawalGround

# How a department's withdrawal sets the record: annulled, or taken off a list.
STATUS_FOR_GROUND = {
    WithdrawalGround.REVOCATION: RecordStatus.REVOKED,
    WithdrawalGround.DELISTING: RecordStatus.DELISTED,
}
# Operators' deletion: any record not deleted yet, whatever its status.
DELETION_STATUS = RecordStatus.DELETED
BASIS_MAX = 500
DOCUMENT_NO_MAX = 200


class WithdrawalError(ValueError):
    """A withdrawal the rules refuse; the message is for the person who asked."""


@dataclass(frozen=True)
class WithdrawalNote:
    """What the caller knows about a withdrawal beyond the state change itself."""

    ground: str = ""
    basis: str = ""
    document_no: str = ""
    decided_on: dt.date | None = None  # when the revocation or removal was decided
    # Note it even when the record had already left public view (an expired record
    # revoked later): sites that keep expired copies must still take annulled ones down.
    always: bool = False


def ground_for(state: str, reason: str) -> str:
    """The ground of a withdrawal from the state the record entered and the change's reason."""
    if state == PublicState.REPAIRED:
        return WithdrawalGround.REPAIR
    if state == PublicState.DELISTED:
        return WithdrawalGround.DELISTING
    if state == PublicState.EXPIRED:
        return WithdrawalGround.EXPIRY
    if state == PublicState.DELETED:
        return WithdrawalGround.DELETION
    if state == PublicState.REVOKED and reason in (ChangeReason.BATCH, ChangeReason.DEPARTMENT):
        return WithdrawalGround.REVOCATION
    # Objection decisions (corrected or taken down), a correction that leaves the record
    # unpublishable, operators' rule changes.
    return WithdrawalGround.CORRECTION


def withdrawal_for(
    record: CreditRecord,
    before: str,
    *,
    reason: str,
    now: dt.datetime,
    actor=None,
    reference: str = "",
    note: WithdrawalNote | None = None,
) -> Withdrawal | None:
    """The unsaved register row if `record`, once in state `before`, has just left public
    view (its public_state is the new one); None when nothing was withdrawn."""
    note = note or WithdrawalNote()
    if record.public_state in PUBLIC_STATES:
        return None
    if before not in PUBLIC_STATES:
        if not (note.always and Withdrawal.objects.filter(record_id=record.pk).exists()):
            return None  # never public: nothing to announce (nor to reveal)
    return Withdrawal(
        record_id=record.pk,
        subject_id=record.subject_id,
        ground=note.ground or ground_for(record.public_state, reason),
        public_state=record.public_state,
        withdrawn_at=now,
        reference=reference[:64],
        basis=note.basis[:BASIS_MAX],
        document_no=note.document_no[:DOCUMENT_NO_MAX],
        decided_on=note.decided_on,
        actor=actor,
    )


# -- a department's withdrawal ---------------------------------------------------------------
def withdrawal_problems(
    record: CreditRecord,
    ground: str,
    basis: str,
    document_no: str,
    decided_on: dt.date | None = None,
    today: dt.date | None = None,
) -> list:
    """Why this withdrawal cannot be made; empty when it can."""
    problems = []
    if ground not in STATUS_FOR_GROUND:
        problems.append(_("请选择撤销或移出。"))
    if not (basis or "").strip():
        problems.append(_("请填写撤销或移出的依据。"))
    if not (document_no or "").strip():
        problems.append(_("请填写撤销或移出的文书号。"))
    if record.status != RecordStatus.ACTIVE:
        problems.append(
            _("该记录已是「%(status)s」状态，不能再撤销或移出。")
            % {"status": RecordStatus(record.status).label}
        )
    problems.extend(decided_on_problems(record, decided_on, today))
    return problems


def deletion_problems(record: CreditRecord, reason: str) -> list:
    """Why an operator's deletion of this record cannot be made; empty when it can."""
    problems = []
    if not (reason or "").strip():
        problems.append(_("请填写删除理由。"))
    elif len(" ".join(reason.split())) > BASIS_MAX:
        problems.append(_("删除理由不能超过 %(max)d 个字。") % {"max": BASIS_MAX})
    if record.status == RecordStatus.DELETED or record.purged_at is not None:
        problems.append(_("该记录的内容已删除。"))
    elif record.under_objection:
        # The objection's decision settles the record; deleting it underneath would leave
        # the case without the record it is about.
        problems.append(_("该记录有正在办理的异议，须先办结异议。"))
    return problems


def decided_on_problems(record: CreditRecord, decided_on, today: dt.date | None = None) -> list:
    """The optional date of the revocation or removal: not after today, not before the
    decision it ends."""
    if decided_on is None:
        return []
    today = today or timezone.localdate()
    if decided_on > today:
        return [_("撤销或移出日期 %(date)s 晚于今天。") % {"date": decided_on.isoformat()}]
    if record.decision_date and decided_on < record.decision_date:
        return [
            _("撤销或移出日期 %(date)s 早于原决定日期 %(decision)s。")
            % {"date": decided_on.isoformat(), "decision": record.decision_date.isoformat()}
        ]
    return []


def withdraw_record(
    record: CreditRecord,
    ground: str,
    basis: str,
    document_no: str,
    actor=None,
    *,
    reference: str = "",
    today: dt.date | None = None,
    decided_on: dt.date | None = None,
) -> CreditRecord:
    """Revoke a record (ground REVOCATION) or take it off its list (DELISTING); or, for
    portal.records.deletion only, mark it deleted (DELETION, `basis` the reason).

    The record leaves public view at once and keeps its history: a new version
    through change_record, audited, with the withdrawal noted in the register (and
    so on the feed), with `decided_on` (the day the revocation or removal was decided,
    if known) from which the assessment times it. Raises WithdrawalError with a message for the user.
    """
    from portal.records.services import change_record

    basis = " ".join((basis or "").split())
    document_no = " ".join((document_no or "").split())
    with transaction.atomic():
        # Checked on the row as stored: two officers withdrawing at once make one change.
        locked = (
            CreditRecord.objects.select_for_update()
            .select_related("catalog_item", "subject")
            .get(pk=record.pk)
        )
        label = WithdrawalGround(ground).label if ground in WithdrawalGround else ""
        if ground == WithdrawalGround.DELETION:
            problems = deletion_problems(locked, basis)
            reason, status, comment = ChangeReason.OPERATOR, DELETION_STATUS, f"{label}：{basis}"
        else:
            problems = withdrawal_problems(locked, ground, basis, document_no, decided_on, today)
            reason, status = ChangeReason.DEPARTMENT, STATUS_FOR_GROUND.get(ground)
            comment = f"{label}：{document_no}；{basis}"
        if problems:
            raise WithdrawalError(" ".join(str(p) for p in problems))
        if len(basis) > BASIS_MAX or len(document_no) > DOCUMENT_NO_MAX:
            raise WithdrawalError(_("依据或文书号过长。"))
        return change_record(
            locked,
            reason=reason,
            reference=reference or f"withdrawal:{document_no}"[:64],
            actor=actor,
            comment=comment,
            today=today,
            withdrawal=WithdrawalNote(ground, basis, document_no, decided_on, always=True),
            status=status,
        )
