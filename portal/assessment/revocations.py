"""Revocations timed against their duty (docs/domain.md, Reporting duties and assessment).

A department's revocation (撤销) is in the withdrawal register with the day it was decided
(撤销或移出日期, from the import row, the workspace form or the approved request) and the
moment the record left public view. It is timely when it left within the department's
revocation duty for the record's catalog item (5 working days in the starter set) of that
day; a revocation sent without the day is untimed. Read from the register when asked:
revocations are rare, and a changed duty applies at once.

Removals from a list (移出) are timed the same way against the department's removal duty
(DutyEvent.DELISTING, 5 working days in the starter set, for lists published until revoked)
and counted with the revocations. Withdrawals on other grounds have no duty here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from portal.assessment.figures import deadline_for
from portal.assessment.models import DutyEvent, ReportingDuty
from portal.core.workdays import WorkingCalendar
from portal.records.models import CreditRecord, Withdrawal, WithdrawalGround

# The withdrawal grounds a department reports, with the duty that times each.
DUTY_FOR_GROUND = {
    WithdrawalGround.REVOCATION: DutyEvent.REVOCATION,
    WithdrawalGround.DELISTING: DutyEvent.DELISTING,
}


@dataclass
class LateRevocation:
    """One revocation (or removal from a list) that left public view after its duty's
    deadline."""

    withdrawal_id: int
    record_id: int
    start_date: dt.date
    deadline: dt.date
    withdrawn_on: dt.date
    working_days_late: int
    record: CreditRecord | None = None
    ground: str = WithdrawalGround.REVOCATION

    @property
    def event_label(self) -> str:
        return str(DutyEvent(DUTY_FOR_GROUND[self.ground]).label)


@dataclass
class RevocationTally:
    timed: int = 0
    untimed: int = 0
    late: list[LateRevocation] = field(default_factory=list)


def revocation_tallies(
    department_ids: list[int], start: dt.datetime, end: dt.datetime, calendar=None
) -> dict[int, RevocationTally]:
    """Per department id: the revocations that left public view in [start, end)."""
    rows = list(
        Withdrawal.objects.filter(
            ground__in=list(DUTY_FOR_GROUND),
            withdrawn_at__gte=start,
            withdrawn_at__lt=end,
            record__department_id__in=department_ids,
        ).values(
            "id",
            "record_id",
            "ground",
            "decided_on",
            "withdrawn_at",
            "record__department_id",
            "record__catalog_item_id",
        )
    )
    if not rows:
        return {}
    duties = {
        (duty.department_id, duty.catalog_item_id, duty.event): duty
        for duty in ReportingDuty.objects.filter(
            department_id__in=department_ids,
            event__in=list(DUTY_FOR_GROUND.values()),
            is_active=True,
        )
    }
    calendar = calendar or WorkingCalendar()
    tallies: dict[int, RevocationTally] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        department_id = row["record__department_id"]
        event = DUTY_FOR_GROUND[row["ground"]]
        duty = duties.get((department_id, row["record__catalog_item_id"], event))
        if duty is None:
            continue
        tally = tallies.setdefault(department_id, RevocationTally())
        if row["decided_on"] is None:
            tally.untimed += 1
            continue
        tally.timed += 1
        deadline = deadline_for(duty, row["decided_on"], calendar)
        withdrawn_on = timezone.localdate(row["withdrawn_at"])
        if withdrawn_on > deadline:
            tally.late.append(
                LateRevocation(
                    withdrawal_id=row["id"],
                    record_id=row["record_id"],
                    start_date=row["decided_on"],
                    deadline=deadline,
                    withdrawn_on=withdrawn_on,
                    working_days_late=calendar.working_days_between(deadline, withdrawn_on),
                    ground=row["ground"],
                )
            )
    return tallies


def late_revocations(department_id: int, start, end) -> list[LateRevocation]:
    """One department's late revocations in [start, end), most overdue first, each with
    its record (and the record's subject and item) for the drill-down."""
    tally = revocation_tallies([department_id], start, end).get(department_id)
    if tally is None:
        return []
    records = CreditRecord.objects.select_related("subject", "catalog_item").in_bulk(
        [late.record_id for late in tally.late]
    )
    for late in tally.late:
        late.record = records.get(late.record_id)
    return sorted(tally.late, key=lambda late: (-late.working_days_late, late.record_id))
