from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import heads_path, verify_chain, verify_heads


class Command(BaseCommand):
    help = (
        "Verify the HMAC chain of the audit trail and the heads exported to the operations "
        "log; exits non-zero if it was tampered with."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--heads", help="the exported heads file (default: PORTAL_LOG_DIR/audit-heads.jsonl)"
        )

    def handle(self, *args, heads=None, **options):
        verdict = verify_chain()
        if not verdict.ok:
            raise CommandError(
                f"Audit trail broken at entry {verdict.broken_at}: {verdict.reason} "
                f"({verdict.checked} entries verified before it)."
            )
        exported = verify_heads(Path(heads) if heads else heads_path())
        if not exported.ok:
            raise CommandError(
                f"Audit trail rewritten at entry {exported.broken_at}: {exported.reason}."
            )
        self.stdout.write(
            f"Audit trail intact: {verdict.checked} entries verified, "
            f"{exported.checked} exported heads match."
        )
