import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.records.demo import seed_demo_data
from portal.records.models import CreditRecord, RecordVersion
from portal.subjects.models import Subject, SubjectName


class Command(BaseCommand):
    help = "Load deterministic demo subjects and records (same seed, same data)."

    def add_arguments(self, parser):
        parser.add_argument("--subjects", type=int, default=2000)
        parser.add_argument("--records", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="Date the data is generated relative to (default: today).",
        )
        parser.add_argument(
            "--flush", action="store_true", help="Delete all existing subjects and records first."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when subjects already exist (for setup scripts).",
        )

    def handle(self, *args, subjects, records, seed, as_of, flush, if_empty, **options):
        if subjects < 1 or records < 0:
            raise CommandError("--subjects must be at least 1 and --records at least 0.")
        existing = Subject.objects.exists()
        if existing and if_empty:
            self.stdout.write("Demo data already present; nothing to do.")
            return
        if existing and not flush:
            raise CommandError(
                "Subjects already exist. Use --flush to replace them, or --if-empty to keep them."
            )
        started = time.perf_counter()
        if flush:
            with transaction.atomic():
                RecordVersion.objects.all().delete()
                CreditRecord.objects.all().delete()
                SubjectName.objects.all().delete()
                Subject.objects.all().delete()
        result = seed_demo_data(subjects, records, seed, as_of)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Seeded {result.subjects} subjects and {result.records} records "
            f"(seed {seed}) in {elapsed:.1f} s."
        )
        self.stdout.write(
            "  by item: " + ", ".join(f"{k} {v}" for k, v in sorted(result.by_item.items()))
        )
        self.stdout.write(
            "  by public state: "
            + ", ".join(f"{k} {v}" for k, v in sorted(result.by_state.items()))
        )
