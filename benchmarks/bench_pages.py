"""Benchmark: server time of the public home page and of a 500-record credit profile.

Requests go through the whole Django stack in-process (Django test client: URL
routing, middleware, Wagtail page serving, templates) against the embedded
default (SQLite file, embedded search), so the figure is server time without
the network. Prints median and p95 per page next to the 150 ms target, and, in
the same run, two baselines: the home page with its counters cache cold on
every request, and the profile rendering all 500 records at once (no grouping).

    DATABASE_URL=sqlite:////tmp/bench-pages.sqlite3 .venv/bin/python benchmarks/bench_pages.py

The data set (seed_demo: 2,000 subjects, 20,000 records, as `make setup`, plus one
subject with 500 published records) is generated into that separate SQLite file
on the first run (never committed; delete the file to start over).
"""

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench-pages.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("PORTAL_VAR_DIR", "/tmp/bench-pages-var")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from cms import profiles  # noqa: E402
from portal.catalog.models import CatalogItem  # noqa: E402
from portal.core.codes import make_uscc  # noqa: E402
from portal.departments.models import Department  # noqa: E402
from portal.records.models import CreditRecord  # noqa: E402
from portal.records.services import content_hash  # noqa: E402
from portal.subjects.models import Subject  # noqa: E402

TARGET_MS = 150.0
BIG_NAME = "惠州市基准测试五百记录集团有限公司"
ITEMS = ["ADM_LICENSE", "ADM_PENALTY", "HONOUR", "CREDIT_COMMITMENT", "TAX_A_GRADE", "TAX_ARREARS"]


def ensure_data(subjects: int, records: int) -> Subject:
    Path(os.environ["PORTAL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    if not Subject.objects.exists():
        print(f"Generating {subjects:,} subjects and {records:,} records (once)…", flush=True)
        call_command("seed_demo", subjects=subjects, records=records, seed=2026, verbosity=0)
    call_command("setup_site", stdout=io.StringIO())
    big = Subject.objects.filter(name=BIG_NAME).first()
    if big is None:
        big = Subject.for_organisation(make_uscc("9", "1", "441302", "BENCH500"), BIG_NAME)
        big.save()
    missing = 500 - CreditRecord.objects.public().filter(subject=big).count()
    if missing > 0:
        add_records(big, missing)
    call_command("search_index", rebuild=True, if_needed=True, stdout=io.StringIO())
    return big


def add_records(subject: Subject, count: int) -> None:
    items = {i.code: i for i in CatalogItem.objects.prefetch_related("disclosure_periods")}
    rules = {code: items[code].disclosure_rule() for code in ITEMS}
    departments = list(Department.objects.all())
    today = timezone.localdate()
    existing = CreditRecord.objects.filter(subject=subject).count()
    batch = []
    for n in range(existing, existing + count):
        code = ITEMS[n % len(ITEMS)]
        number = f"惠基准〔{today.year}〕{n + 1}号"
        decided = today - dt.timedelta(days=1 + n % 200)
        data = {
            "subject_name": subject.name,
            "uscc": subject.uscc,
            "decision_no": number,
            "violation_type": "未按规定公示年度报告",
            "penalty_types": ["罚款"],
            "fine_amount": "1.0",
            "decision_name": "食品经营许可决定书",
            "valid_to": (decided + dt.timedelta(days=3 * 365)).isoformat(),
            "honour_name": "守合同重信用企业",
            "commitment_type": "审批替代型",
            "rating_year": str(decided.year - 1),
            "tax_type": "增值税",
        }
        record = CreditRecord(
            subject=subject,
            catalog_item=items[code],
            department=departments[n % len(departments)],
            natural_key=f"{number}|{subject.code}",
            decision_no=number,
            decision_date=decided,
            severity="serious" if code == "ADM_PENALTY" else "",
            title=str(data.get(items[code].title_field, "")),
            valid_until=decided + dt.timedelta(days=3 * 365) if code == "ADM_LICENSE" else None,
            data=data,
            content_hash=content_hash(data),
        )
        record.apply_disclosure_rule(rules[code])
        record.public_state = record.derive_public_state(
            today, item_is_public=True, subject_is_minor=False
        )
        batch.append(record)
    CreditRecord.objects.bulk_create(batch)


def measure(client: Client, url: str, runs: int, before=None) -> list[float]:
    client.get(url)  # warm: templates compiled, URL resolver populated
    timings = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def line(label: str, timings: list[float]) -> str:
    median = statistics.median(timings)
    p95 = sorted(timings)[int(len(timings) * 0.95) - 1]
    verdict = "ok" if median < TARGET_MS else "OVER"
    return (
        f"  {label:<48} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
        f"target < {TARGET_MS:.0f} ms  {verdict}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    big = ensure_data(args.subjects, args.records)
    settings.PORTAL_RATE_LIMITS = {"public_profile": (10**6, 60), "public_search": (10**6, 60)}
    client = Client(HTTP_HOST="localhost")
    public = CreditRecord.objects.public()
    print(
        f"Data: {Subject.objects.count():,} subjects, {CreditRecord.objects.count():,} records "
        f"({public.count():,} public); profile subject has "
        f"{public.filter(subject=big).count()} public records. "
        f"Database: {settings.DATABASES['default']['NAME']}; {args.runs} requests per page."
    )
    profile = f"/subjects/{big.code}/"

    print("Measured (Django test client, in-process server time):")
    print(line("home page /", measure(client, "/", args.runs)))
    print(line(f"profile of a 500-record subject {profile}", measure(client, profile, args.runs)))
    print(
        line(
            "  one item in full, page 1 (?item=ADM_PENALTY)",
            measure(client, profile + "?item=ADM_PENALTY", args.runs),
        )
    )
    print(line("penalty list /penalties/", measure(client, "/penalties/", args.runs)))
    print(line("search /search/?q=惠州市", measure(client, "/search/?q=惠州市", args.runs)))

    print("Baselines (same run):")
    print(
        line(
            "home page, counters cache cold each request",
            measure(client, "/", args.runs, before=cache.clear),
        )
    )
    per_group = profiles.PER_GROUP
    profiles.PER_GROUP = 10**6
    try:
        print(
            line("profile rendering all 500 records at once", measure(client, profile, args.runs))
        )
    finally:
        profiles.PER_GROUP = per_group


if __name__ == "__main__":
    main()
