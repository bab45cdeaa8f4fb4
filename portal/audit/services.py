"""Appending to and verifying the audit trail."""

import hashlib
import json
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from portal.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _digest(previous_hash: str, event: AuditEvent) -> str:
    payload = json.dumps(
        {
            "previous": previous_hash,
            "at": event.occurred_at.isoformat(),
            "actor": event.actor_id,
            "actor_label": event.actor_label,
            "action": event.action,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "data": event.data,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _target_parts(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    kind, _, ident = str(target).partition(":")
    return kind, ident


def record_event(action: str, *, actor=None, target=None, data: dict | None = None) -> AuditEvent:
    """Append one event to the trail, inside the caller's transaction if there is one."""
    target_type, target_id = _target_parts(target)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS}
        )
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor=actor,
            actor_label=actor.get_username() if actor else "",
            action=action,
            target_type=target_type,
            target_id=target_id,
            # Round-trip through JSON so the stored value is what was hashed.
            data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
            previous_hash=head.last_hash,
        )
        event.hash = _digest(head.last_hash, event)
        event.save()
        AuditChainHead.objects.filter(pk=1).update(last_hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainVerdict:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain() -> ChainVerdict:
    """Walk the trail in order and report the first entry whose chain is broken."""
    previous = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.previous_hash != previous:
            return ChainVerdict(False, checked, event.pk, "previous hash does not match")
        if _digest(previous, event) != event.hash:
            return ChainVerdict(False, checked, event.pk, "content does not match its hash")
        previous = event.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != previous:
        return ChainVerdict(False, checked, None, "entries after the last one were removed")
    return ChainVerdict(True, checked)
