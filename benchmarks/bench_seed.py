"""Demo data: 2,000 subjects with 20,000 records in under 30 s (issue 2).

Side by side in one run: the bulk seeding `seed_demo` uses, and a baseline that
saves the same generated subjects and records one by one with the ORM (timed
on a sample and extrapolated, as the full row-by-row run takes minutes).

    .venv/bin/python benchmarks/bench_seed.py [--subjects 2000] [--records 20000] [--sample 2000]

Uses its own throwaway SQLite file; never touches var/portal.sqlite3.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--sample", type=int, default=2000, help="records saved one by one")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-seed-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ["PORTAL_VAR_DIR"] = workdir
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from portal.catalog.models import CatalogItem
    from portal.departments.models import Department
    from portal.records.demo import DemoDataGenerator, seed_demo_data
    from portal.records.models import CreditRecord, RecordVersion
    from portal.records.services import new_version
    from portal.subjects.models import Subject, SubjectName

    as_of = dt.date(2026, 11, 24)
    started = time.perf_counter()
    result = seed_demo_data(args.subjects, args.records, seed=7, as_of=as_of)
    bulk_seconds = time.perf_counter() - started

    # Baseline: the same generator, saved object by object (as a naive loader would).
    with transaction.atomic():
        RecordVersion.objects.all().delete()
        CreditRecord.objects.all().delete()
        SubjectName.objects.all().delete()
        Subject.objects.all().delete()
    generator = DemoDataGenerator(7, as_of)
    items = list(CatalogItem.objects.prefetch_related("departments", "disclosure_periods"))
    departments = list(Department.objects.all())
    started = time.perf_counter()
    with transaction.atomic():
        subjects = generator.subjects(args.subjects)
        for subject in subjects:
            subject.save()
            SubjectName.objects.create(
                subject=subject, name=subject.name, name_normalised=subject.name_normalised
            )
    subject_seconds = time.perf_counter() - started  # all subjects: not extrapolated
    started = time.perf_counter()
    with transaction.atomic():
        records = generator.records(args.sample, subjects, items, departments)
        for record in records:
            record.save()
            new_version(record, reason="seed").save()
    sample_seconds = time.perf_counter() - started
    per_row_estimate = subject_seconds + sample_seconds / args.sample * args.records

    print(f"Seeding {result.subjects:,} subjects and {result.records:,} records")
    print(f"{'path':<34}{'seconds':>10}{'records/s':>12}")
    print(f"{'seed_demo (bulk)':<34}{bulk_seconds:>10.1f}{result.records / bulk_seconds:>12,.0f}")
    print(
        f"{'row by row (est. from ' + format(args.sample, ',') + ')':<34}"
        f"{per_row_estimate:>10.1f}{args.records / per_row_estimate:>12,.0f}"
    )
    print(
        f"ratio: bulk is {per_row_estimate / bulk_seconds:.1f}x faster; target < 30 s: "
        f"{'met' if bulk_seconds < 30 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
