"""The audit chain is keyed and its head exported: a rewrite shows, with or without the key."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portal.audit import services
from portal.audit.models import AuditChainHead, AuditEvent
from portal.audit.services import GENESIS, export_head, record_event, verify_chain, verify_heads

pytestmark = pytest.mark.django_db
TABLE = AuditEvent._meta.db_table


def rewrite(chain_digest, new_data='{"n": 99}'):
    """Rewrite the second entry and recompute the whole chain, as a database attacker would."""
    events = list(AuditEvent.objects.order_by("id"))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET data = %s WHERE id = %s", [new_data, events[1].pk])  # noqa: S608
    previous = GENESIS
    for event in AuditEvent.objects.order_by("id"):
        digest = chain_digest(previous, event)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET previous_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
                [previous, digest, event.pk],
            )
        previous = digest
    AuditChainHead.objects.filter(pk=1).update(last_hash=previous)


def three_events():
    for n in range(3):
        record_event("test.event", target=f"thing:{n}", data={"n": n})


def test_a_rewrite_with_recomputed_plain_hashes_is_found():
    three_events()
    assert verify_chain().ok
    rewrite(services.legacy_digest)
    verdict = verify_chain()
    assert not verdict.ok and verdict.broken_at == AuditEvent.objects.order_by("id")[0].pk


def test_the_chain_depends_on_the_key(settings):
    three_events()
    settings.PORTAL_AUDIT_KEY = "another key"
    assert not verify_chain().ok


def test_a_rewrite_by_someone_with_the_key_shows_against_the_exported_head(tmp_path):
    # Setting up the database may itself have audited (role permissions synced by migrate).
    before = AuditEvent.objects.count()
    three_events()
    heads = tmp_path / "audit-heads.jsonl"
    line = export_head(dt.date(2026, 11, 28), heads)
    assert line["entries"] == before + 3
    assert export_head(dt.date(2026, 11, 28), heads) is None  # once a day
    record_event("test.event", data={"n": 3})
    assert export_head(dt.date(2026, 11, 29), heads)["entries"] == before + 4
    assert verify_heads(heads).ok

    rewrite(services._digest)
    assert verify_chain().ok  # the chain alone cannot tell
    verdict = verify_heads(heads)
    assert not verdict.ok and "rewritten" in verdict.reason
    with pytest.raises(CommandError, match="rewritten"):
        call_command("audit_verify", heads=str(heads))


def test_audit_verify_reports_an_intact_trail(tmp_path, capsys):
    before = AuditEvent.objects.count()
    three_events()
    heads = tmp_path / "heads.jsonl"
    export_head(path=heads)
    call_command("audit_verify", heads=str(heads))
    assert f"{before + 3} entries verified, 1 exported heads match" in capsys.readouterr().out
