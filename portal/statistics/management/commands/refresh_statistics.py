from django.core.management.base import BaseCommand

from portal.statistics.refresh import refresh


class Command(BaseCommand):
    help = "Recompute the statistics' monthly figures (idempotent; also runs hourly and after batches)."

    def handle(self, *args, **options):
        done = refresh(trigger="command")
        self.stdout.write(f"{done.figures} figures in {done.duration_ms} ms")
