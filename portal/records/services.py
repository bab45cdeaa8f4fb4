"""Changing records: every change recomputes the public state and keeps a version."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portal.audit.services import record_event
from portal.records.disclosure import PUBLIC_STATES, PublicState, RecordStatus
from portal.records.feed_positions import save_withdrawals
from portal.records.models import CreditRecord, RecordVersion
from portal.records.signals import records_changed, records_changing
from portal.records.withdrawals import WithdrawalNote, withdrawal_for
from portal.records.writing import (
    book_change,
    content_hash,
    derive_columns,
    hashed_json,
    new_version,
    snapshot,
)


def announce(record_ids, reason: str) -> None:
    """Tell listeners about changed records: now, inside the caller's transaction
    (records_changing), and again once it has committed (records_changed)."""
    ids = list(record_ids)
    if ids:
        records_changing.send(sender=CreditRecord, record_ids=ids, reason=reason)
        transaction.on_commit(
            lambda: records_changed.send(sender=CreditRecord, record_ids=ids, reason=reason)
        )


def change_record(
    record: CreditRecord,
    *,
    reason: str,
    reference: str = "",
    actor=None,
    comment: str = "",
    today: dt.date | None = None,
    withdrawal: WithdrawalNote | None = None,
    **changes,
) -> CreditRecord:
    """Apply `changes` to a record, recompute its window and state, and keep a version.

    Used by objections, repair, department corrections and withdrawals, and
    operators. Refuses unknown fields so that a typo cannot silently change
    nothing. A change that ends publication is noted in the withdrawal register
    (`withdrawal` adds what the caller knows: ground, basis, document number).
    """
    for name, value in changes.items():
        if not hasattr(record, name) or name in {"id", "pk", "version", "public_state"}:
            raise AttributeError(f"CreditRecord has no changeable field {name!r}")
        setattr(record, name, value)
    with transaction.atomic():
        locked = CreditRecord.objects.select_for_update().get(pk=record.pk)
        # Count from the row as stored, not from a copy another change may have outrun.
        record.version, record.public_state = locked.version, locked.public_state
        before = locked.public_state
        state = derive_columns(record, today, data_changed="data" in changes)
        now = timezone.now()
        book_change(record, state, now)
        record.save()
        new_version(record, reason=reason, reference=reference, actor=actor, comment=comment).save()
        withdrawn = withdrawal_for(
            record,
            before,
            reason=reason,
            now=now,
            actor=actor,
            reference=reference,
            note=withdrawal,
        )
        save_withdrawals([withdrawn])
        record_event(
            f"record.{reason}",
            actor=actor,
            target=record,
            data={
                "reference": reference,
                "version": record.version,
                "from": before,
                "to": record.public_state,
                "changed": sorted(changes),
                "comment": comment,
                "withdrawn": withdrawn.ground if withdrawn is not None else "",
            },
        )
        announce([record.pk], reason)
    return record


def refresh_public_states(today: dt.date | None = None, chunk: int = 2000) -> int:
    """Move records whose disclosure period has ended out of public view. Idempotent.

    Run by the scheduler; the stored `disclosure_ends` makes the candidates one
    indexed query. Returns how many records changed state.
    """
    today = today or timezone.localdate()
    changed = 0
    while True:
        with transaction.atomic():
            batch = list(
                CreditRecord.objects.select_for_update()
                .filter(public_state__in=PUBLIC_STATES, disclosure_ends__lt=today)
                .order_by("id")[:chunk]
            )
            if not batch:
                break
            now = timezone.now()
            versions, withdrawals = [], []
            for record in batch:
                before = record.public_state
                book_change(record, PublicState.EXPIRED, now)
                versions.append(new_version(record, reason="schedule", reference="expiry"))
                withdrawals.append(
                    withdrawal_for(record, before, reason="schedule", now=now, reference="expiry")
                )
            CreditRecord.objects.bulk_update(
                batch, ["public_state", "version", "state_changed_at", "updated_at"]
            )
            RecordVersion.objects.bulk_create(versions)
            save_withdrawals(withdrawals)
            record_event(
                "record.expired",
                data={
                    "count": len(batch),
                    "on": today.isoformat(),
                    "record_ids": [r.pk for r in batch],
                },
            )
            announce([r.pk for r in batch], "schedule")
        changed += len(batch)
    return changed


def reapply_disclosure_rule(
    catalog_item_id: int, today: dt.date | None = None, chunk: int = 2000
) -> int:
    """Recompute every record of one catalog item after operators changed its rule.

    Windows are refreshed for all records; a version is kept for each record whose
    public state changes. Idempotent: a second run changes nothing. Returns the
    number of records whose state changed.
    """
    from portal.catalog.models import CatalogItem

    today = today or timezone.localdate()
    item = CatalogItem.objects.prefetch_related("disclosure_periods").get(pk=catalog_item_id)
    rule = item.disclosure_rule()
    changed_ids: list[int] = []
    last_id = 0
    while True:
        with transaction.atomic():
            batch = list(
                CreditRecord.objects.select_for_update()
                .select_related("subject")
                .filter(catalog_item=item, pk__gt=last_id)
                .order_by("pk")[:chunk]
            )
            if not batch:
                break
            last_id = batch[-1].pk
            now = timezone.now()
            versions, touched, withdrawals = [], [], []
            for record in batch:
                state_before = record.public_state
                before = (
                    record.disclosure_ends,
                    record.repair_from,
                    record.publishable,
                    record.public_state,
                )
                state = derive_columns(record, today, rule=rule, item_is_public=item.is_public)
                if state != record.public_state:
                    book_change(record, state, now)
                    versions.append(
                        new_version(
                            record,
                            reason="operator",
                            reference=f"catalog:{item.code}",
                            comment="disclosure rule changed",
                        )
                    )
                    changed_ids.append(record.pk)
                    withdrawn = withdrawal_for(
                        record,
                        state_before,
                        reason="operator",
                        now=now,
                        reference=f"catalog:{item.code}",
                    )
                    if withdrawn is not None:
                        withdrawals.append(withdrawn)
                if before != (
                    record.disclosure_ends,
                    record.repair_from,
                    record.publishable,
                    record.public_state,
                ):
                    record.updated_at = now
                    touched.append(record)
            CreditRecord.objects.bulk_update(
                touched,
                [
                    "disclosure_ends",
                    "repair_from",
                    "publishable",
                    "public_state",
                    "version",
                    "state_changed_at",
                    "updated_at",
                ],
            )
            RecordVersion.objects.bulk_create(versions)
            save_withdrawals(withdrawals)
            announce([v.record_id for v in versions], "operator")
    record_event(
        "catalog.rule_reapplied",
        target=item,
        data={"state_changes": len(changed_ids), "on": today.isoformat()},
    )
    return len(changed_ids)


__all__ = [
    "RecordStatus",
    "announce",
    "change_record",
    "content_hash",
    "hashed_json",
    "new_version",
    "reapply_disclosure_rule",
    "refresh_public_states",
    "snapshot",
]
