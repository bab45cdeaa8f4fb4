"""Appending to and verifying the audit trail.

Each entry's hash is an HMAC, under PORTAL_AUDIT_KEY, of its content and the
previous entry's hash. The key lives outside the database, so someone who can
rewrite the table cannot recompute a chain that passes; the head exported daily
to the operations log (`export_head`) shows a rewrite even by someone who has
the key.
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from portal.audit.acting import acting_system
from portal.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
HEADS_FILE = "audit-heads.jsonl"

logger = logging.getLogger("portal.operations")


def chain_key() -> bytes:
    configured = settings.PORTAL_AUDIT_KEY or settings.SECRET_KEY
    return hashlib.sha256(b"portal.audit:" + configured.encode()).digest()


def _digest(previous_hash: str, event: AuditEvent, key: bytes | None = None) -> str:
    payload = _payload(previous_hash, event)
    return hmac.new(key or chain_key(), payload.encode(), hashlib.sha256).hexdigest()


def legacy_digest(previous_hash: str, event) -> str:
    """The unkeyed SHA-256 of the first chain: only to check it before re-keying."""
    return hashlib.sha256(_payload(previous_hash, event).encode()).hexdigest()


def _payload(previous_hash: str, event) -> str:
    return json.dumps(
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
            actor_label=actor.get_username() if actor else acting_system(),
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
    key = chain_key()
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.previous_hash != previous:
            return ChainVerdict(False, checked, event.pk, "previous hash does not match")
        if _digest(previous, event, key) != event.hash:
            return ChainVerdict(False, checked, event.pk, "content does not match its hash")
        previous = event.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != previous:
        return ChainVerdict(False, checked, None, "entries after the last one were removed")
    return ChainVerdict(True, checked)


def heads_path() -> Path:
    return Path(settings.PORTAL_LOG_DIR) / HEADS_FILE


def export_head(today=None, path: Path | None = None) -> dict | None:
    """Append the chain's head (entries, last id, last hash) to the operations log, once a day.

    Returns the line written, or None when today's head is already there or the
    trail is empty.
    """
    today = today or timezone.localdate()
    path = path or heads_path()
    last = AuditEvent.objects.order_by("-id").first()
    if last is None:
        return None
    if any(line.get("date") == today.isoformat() for line in read_heads(path)):
        return None
    line = {
        "date": today.isoformat(),
        "entries": AuditEvent.objects.filter(id__lte=last.pk).count(),
        "last_id": last.pk,
        "hash": last.hash,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(line, sort_keys=True) + "\n")
    logger.info("audit chain head %s", json.dumps(line, sort_keys=True))
    return line


def read_heads(path: Path | None = None) -> list[dict]:
    path = path or heads_path()
    if not path.exists():
        return []
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines() if text]


def verify_heads(path: Path | None = None) -> ChainVerdict:
    """Check every exported head against the trail: each must still be there, unchanged."""
    heads = read_heads(path)
    for number, head in enumerate(heads):
        event = AuditEvent.objects.filter(pk=head["last_id"]).first()
        if event is None:
            return ChainVerdict(False, number, head["last_id"], f"head of {head['date']} removed")
        if event.hash != head["hash"]:
            return ChainVerdict(
                False, number, head["last_id"], f"head of {head['date']} was rewritten"
            )
        if AuditEvent.objects.filter(id__lte=event.pk).count() != head["entries"]:
            return ChainVerdict(
                False, number, head["last_id"], f"entries before the head of {head['date']} changed"
            )
    return ChainVerdict(True, len(heads))
