"""Deleting one record entered by mistake (a wrong subject, a decision that was never
made): 删除信息须履行审批程序, so an operator asks and a second operator approves
(exchange.approvals); this is what the approval carries out.

The record leaves public view at once by the path every withdrawal takes
(withdraw_record, ground DELETION, noted on the withdrawal feed if it was ever public),
then its content and its versions' snapshots are purged as retention purges them
(portal.records.retention.purge_record): the row, its id and its public address stay
(answering 410), and the audit trail keeps a tombstone with the reason. Its business key
is freed so that the department can send the right record again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from portal.records.models import ChangeReason, CreditRecord, WithdrawalGround
from portal.records.retention import purge_record
from portal.records.services import announce
from portal.records.withdrawals import WithdrawalError, deletion_problems, withdraw_record

__all__ = ["WithdrawalError", "delete_record", "deletion_problems"]


def delete_record(
    record: CreditRecord,
    reason: str,
    actor=None,
    *,
    approved_by=None,
    reference: str = "",
) -> CreditRecord:
    """Take the record down, purge its content and leave a tombstone; all or nothing.

    Raises WithdrawalError (nothing changes) when it cannot be deleted: already deleted,
    under objection, or no reason given.
    """
    reason = " ".join((reason or "").split())
    with transaction.atomic():
        deleted = withdraw_record(
            record, WithdrawalGround.DELETION, reason, "", actor, reference=reference
        )
        deleted = CreditRecord.objects.select_related("catalog_item", "department").get(
            pk=deleted.pk
        )
        purge_record(
            deleted,
            timezone.now(),
            event="records.deleted",
            actor=actor,
            note={
                "reason": reason,
                "reference": reference,
                "approved_by": approved_by.get_username() if approved_by is not None else "",
            },
        )
        announce([deleted.pk], ChangeReason.OPERATOR)
    return deleted
