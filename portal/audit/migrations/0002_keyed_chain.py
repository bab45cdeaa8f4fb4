"""Re-key the audit chain: the unkeyed SHA-256 chain becomes an HMAC chain.

Only an intact chain is re-keyed; a broken one is left as it is, so that
`audit_verify` keeps reporting where it was tampered with.
"""

from django.db import migrations

CHUNK = 2000


def rekey(apps, schema_editor):
    from portal.audit.services import GENESIS, _digest, chain_key, legacy_digest

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    events = AuditEvent.objects.order_by("id")
    previous = GENESIS
    for event in events.iterator(chunk_size=CHUNK):
        if event.previous_hash != previous or legacy_digest(previous, event) != event.hash:
            print(f"\n  audit trail broken at entry {event.pk}: left unkeyed for audit_verify")
            return
        previous = event.hash
    key, previous, batch = chain_key(), GENESIS, []
    for event in events.iterator(chunk_size=CHUNK):
        event.previous_hash = previous
        event.hash = _digest(previous, event, key)
        previous = event.hash
        batch.append(event)
        if len(batch) == CHUNK:
            AuditEvent.objects.bulk_update(batch, ["previous_hash", "hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["previous_hash", "hash"])
    AuditChainHead.objects.filter(pk=1).update(last_hash=previous)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
