from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exits non-zero if it was tampered with."

    def handle(self, *args, **options):
        verdict = verify_chain()
        if not verdict.ok:
            raise CommandError(
                f"Audit trail broken at entry {verdict.broken_at}: {verdict.reason} "
                f"({verdict.checked} entries verified before it)."
            )
        self.stdout.write(f"Audit trail intact: {verdict.checked} entries verified.")
