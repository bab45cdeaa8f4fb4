"""Benchmark: the statistics (portal/statistics) on an existing database.

    PORTAL_VAR_DIR=/tmp/stat-var .venv/bin/python manage.py seed_demo --subjects 20000 --records 200000
    PORTAL_VAR_DIR=/tmp/stat-var .venv/bin/python benchmarks/bench_statistics.py

Measures, on whatever data the database holds: a full refresh of the figures
(twice), building the public and the operators' tables from them, the public
page served through Django's test client, and beside them the naive way a page
would count the same breakdowns from the records on every request.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("PORTAL_EAGER_TASKS_IN_THREAD", "false")


def median_ms(action, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 1)


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from portal.records.models import CreditRecord
    from portal.statistics.refresh import refresh
    from portal.statistics.tables import operator_tables, public_tables
    from portal.subjects.models import Subject

    settings.ALLOWED_HOSTS = ["*"]
    print(f"records {CreditRecord.objects.count()}, subjects {Subject.objects.count()}")
    for _ in range(2):
        start = time.perf_counter()
        done = refresh(trigger="bench")
        print(f"refresh: {time.perf_counter() - start:.1f} s, {done.figures} figures")
    print(f"public tables: {median_ms(public_tables)} ms")
    print(f"operator tables: {median_ms(operator_tables)} ms")
    client = Client()
    print(f"GET /statistics/: {median_ms(lambda: client.get('/statistics/'))} ms")

    def naive():
        for field in (
            "department__code",
            "catalog_item__code",
            "subject__district",
            "subject__kind",
            "subject__industry",
        ):
            list(
                CreditRecord.objects.public()
                .values(field)
                .annotate(n=Count("id"), s=Count("subject_id", distinct=True))
            )

    print(f"naive per-request breakdowns: {median_ms(naive, runs=1)} ms")


if __name__ == "__main__":
    main()
