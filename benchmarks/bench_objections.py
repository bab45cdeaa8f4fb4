"""Benchmark: objection and repair cases at city scale.

Prints, side by side with a baseline in the same run:

1. due dates for 20,000 cases with one shared WorkingCalendar (overrides read
   once) against the per-call helper (overrides read on every call);
2. the overdue query (one indexed query) against computing is_overdue() in
   Python over every open case, and the operators' list page (/staff/cases/,
   open and overdue-only) with that many cases;
3. the scheduled overdue reminder over every overdue case (run twice: the
   second run must do nothing);
4. workflow steps through the services (accept → check → uphold, each with
   change_record, versions, audit entries and emails), per step.

    DATABASE_URL=sqlite:////tmp/bench-objections.sqlite3 .venv/bin/python benchmarks/bench_objections.py

The data set is generated into that separate SQLite file (never committed;
delete it to start over).
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench-objections.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("PORTAL_EAGER_TASKS_IN_THREAD", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from portal.accounts import roles  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.objections import services  # noqa: E402
from portal.objections.models import (  # noqa: E402
    OPEN_STAGES,
    Case,
    CaseKind,
    DeadlineSettings,
    Ground,
    Relation,
    Stage,
)
from portal.objections.tasks import send_overdue_reminders  # noqa: E402
from portal.objections.workdays import WorkingCalendar, add_working_days, library_says  # noqa: E402
from portal.records.models import CreditRecord  # noqa: E402

STAGES = [Stage.SUBMITTED, Stage.ACCEPTED, Stage.CHECKING, Stage.FORWARDED, Stage.CLOSED]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def ensure_data(cases: int, seed: int) -> None:
    call_command("migrate", verbosity=0)
    if not CreditRecord.objects.exists():
        print("Generating demo records (once)…", flush=True)
        call_command("seed_demo", subjects=2000, records=10000, seed=seed, verbosity=0)
    have = Case.objects.count()
    if have >= cases:
        return
    print(f"Generating {cases - have:,} cases (once)…", flush=True)
    rng = random.Random(seed)
    records = list(
        CreditRecord.objects.public().values_list("pk", "subject_id", "department_id")[:5000]
    )
    today = timezone.localdate()
    now = timezone.now()
    rows = []
    for i in range(have, cases):
        pk, subject_id, department_id = rng.choice(records)
        stage = rng.choice(STAGES)
        rows.append(
            Case(
                kind=CaseKind.OBJECTION,
                tracking_no=f"YYBENCH{i:09d}",
                secret_hash="0" * 64,
                record_id=pk,
                subject_id=subject_id,
                department_id=department_id,
                applicant_name="基准",
                applicant_email="bench@example.com",
                relation=Relation.PUBLIC,
                ground=Ground.WRONG_INFO,
                explanation="benchmark",
                consent_at=now,
                stage=stage,
                due_on=today + dt.timedelta(days=rng.randint(-20, 20))
                if stage in OPEN_STAGES
                else None,
                forwarded_at=now if stage == Stage.FORWARDED else None,
            )
        )
    Case.objects.bulk_create(rows, batch_size=2000)


def bench_deadlines(n: int) -> None:
    starts = [dt.date(2025, 1, 1) + dt.timedelta(days=i % 700) for i in range(n)]
    calendar = WorkingCalendar()
    library_says.cache_clear()
    (_, shared) = timed(lambda: [calendar.add_working_days(d, 10) for d in starts])
    # Baseline: the library asked for every date, every time (no per-date cache).
    uncached = library_says.__wrapped__
    sample_days = starts[: n // 10]

    def library_only():
        for start in sample_days:
            day, counted = start, 0
            while counted < 10:
                day += dt.timedelta(days=1)
                counted += bool(uncached(day))

    (_, library) = timed(library_only)
    library_full = library * 10
    sample = starts[: n // 10]
    with CaptureQueriesContext(connection) as queries:
        (_, per_call) = timed(lambda: [add_working_days(d, 10) for d in sample])
    per_call_full = per_call * (n / len(sample))
    assert [calendar.add_working_days(d, 10) for d in sample] == [
        add_working_days(d, 10) for d in sample
    ]
    print(f"1. due dates for {n:,} cases (10 working days)")
    print(f"   shared calendar      {shared * 1000:8.0f} ms   1 query, per-date cache")
    print(
        f"   library uncached     {library_full * 1000:8.0f} ms   (extrapolated from {n // 10:,})"
    )
    print(
        f"   baseline per call    {per_call_full * 1000:8.0f} ms   "
        f"{len(queries) * 10:,} queries (extrapolated from {len(sample):,})"
    )


def bench_overdue(operator: User) -> None:
    today = timezone.localdate()
    (count, indexed) = timed(lambda: Case.objects.overdue(today).count())
    (python_count, baseline) = timed(
        lambda: sum(c.is_overdue(today) for c in Case.objects.filter(stage__in=OPEN_STAGES))
    )
    assert count == python_count
    client = Client()
    client.force_login(operator)
    (page, page_open) = timed(lambda: client.get("/staff/cases/"))
    assert page.status_code == 200
    (page, page_overdue) = timed(lambda: client.get("/staff/cases/?overdue=1"))
    assert page.status_code == 200
    open_count = Case.objects.open().count()
    print(f"2. overdue cases: {count:,} of {open_count:,} open ({Case.objects.count():,} in all)")
    print(f"   overdue query        {indexed * 1000:8.1f} ms")
    print(f"   baseline in Python   {baseline * 1000:8.1f} ms")
    print(f"   /staff/cases/        {page_open * 1000:8.1f} ms (open, 50 a page)")
    print(f"   /staff/cases/?overdue=1 {page_overdue * 1000:5.1f} ms")


def bench_reminders() -> None:
    today = timezone.localdate()
    Case.objects.update(last_reminded_on=None)
    (sent, first) = timed(lambda: send_overdue_reminders(today))
    (again, second) = timed(lambda: send_overdue_reminders(today))
    assert again == 0
    print(
        f"3. overdue reminder: {sent:,} cases in {first * 1000:.0f} ms; rerun {second * 1000:.1f} ms (0 cases)"
    )


def bench_steps(operator: User, n: int) -> None:
    records = list(CreditRecord.objects.public().order_by("?")[:n])
    cases = []
    for record in records:
        case, _ = services.submit_case(
            CaseKind.OBJECTION,
            record,
            applicant_name="基准",
            applicant_email="bench@example.com",
            relation=Relation.PUBLIC,
            ground=Ground.WRONG_INFO,
            explanation="benchmark",
        )
        cases.append(case)

    def run():
        for case in cases:
            services.transition(case, "accept", actor=operator)
            services.transition(case, "check", actor=operator)
            services.transition(case, "uphold", actor=operator, comment="维持")

    (_, elapsed) = timed(run)
    steps = len(cases) * 3
    print(
        f"4. workflow steps: {steps:,} in {elapsed:.2f} s = {elapsed / steps * 1000:.1f} ms a step"
    )
    print("   (each: lock, transition row, change_record + version, audit entry, email)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    ensure_data(args.cases, args.seed)
    DeadlineSettings.load()
    operator, _ = User.objects.get_or_create(username="bench-operator", defaults={"is_staff": True})
    operator.groups.add(Group.objects.get(name=roles.OPERATORS))
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        bench_deadlines(args.cases)
        bench_overdue(operator)
        bench_reminders()
        bench_steps(operator, args.steps)


if __name__ == "__main__":
    main()
