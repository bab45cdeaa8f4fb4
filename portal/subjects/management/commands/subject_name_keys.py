import time

from django.core.management.base import BaseCommand

from portal.subjects import stored_keys


class Command(BaseCommand):
    help = (
        "Write the stored name keys screening looks organisations up by: those missing or "
        "computed by another version of the name keys (or, with --all, every subject's)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Recompute every subject's keys, stale or not."
        )
        parser.add_argument("--batch", type=int, default=5000, help="Subjects per transaction.")

    def handle(self, *args, all=False, batch=5000, verbosity=1, **options):
        started = time.perf_counter()

        def progress(done, total):
            if verbosity > 1:
                self.stdout.write(f"  {done:,} of {total:,} subjects")

        subjects, keys = stored_keys.backfill(batch=max(1, batch), everyone=all, progress=progress)
        self.stdout.write(
            f"Name keys (version {stored_keys.keys_version()}): {subjects:,} subjects, "
            f"{keys:,} keys written in {time.perf_counter() - started:.1f} s."
        )
