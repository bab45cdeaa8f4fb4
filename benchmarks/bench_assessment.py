"""Benchmark: the month's assessment for all departments and the operators' dashboard.

Seeds subjects and records (seed_demo), spreads them over a year of synthetic committed
batches (one per department, item and day, versions pointing at them as a load writes
them), computes every batch's figures as the commit hook does, revokes 1 in 200 records
later on (withdrawal register entries with their 撤销或移出日期), then prints side by side:

1. `assess(month)` for all departments from the per-batch figures and the register, against
   the naive per-request aggregation (every version of the month's batches joined with its
   record, deadlines computed per record);
2. the recount after a duty change (one department and item, and the whole month);
3. the dashboard: `dashboard.overview()` and GET /admin/ as an operator.

    DATABASE_URL=sqlite:////tmp/bench-assessment.sqlite3 .venv/bin/python \
        benchmarks/bench_assessment.py --subjects 200000 --records 1000000

The data set is generated into that separate SQLite file once (delete it to start over).
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/bench-assessment.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("PORTAL_EAGER_TASKS_IN_THREAD", "0")
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.signals import post_save  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from exchange.models import Batch, BatchSource, BatchStatus  # noqa: E402
from portal.accounts import roles  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.assessment import dashboard, services  # noqa: E402
from portal.assessment.figures import (  # noqa: E402
    compute_batch_figures,
    deadline_for,
    refresh_period,
)
from portal.assessment.models import BatchFigures, DutyEvent, ReportingDuty  # noqa: E402
from portal.core.workdays import WorkingCalendar  # noqa: E402
from portal.records.disclosure import PublicState, RecordStatus  # noqa: E402
from portal.records.models import (  # noqa: E402
    CreditRecord,
    RecordVersion,
    Withdrawal,
    WithdrawalGround,
)


def timed(fn, repeat=1):
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return result, statistics.median(runs)


def ensure_data(subjects: int, records: int, as_of: dt.date, seed: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("install_duties", verbosity=0)
    if not CreditRecord.objects.exists():
        print(f"Seeding {subjects:,} subjects, {records:,} records (once)…", flush=True)
        call_command(
            "seed_demo", subjects=subjects, records=records, seed=seed, as_of=as_of, verbosity=0
        )
    if not Batch.objects.exists():
        _, seconds = timed(lambda: make_batches(as_of, seed))
        print(f"A year of batches made in {seconds:.0f} s", flush=True)
    if not Withdrawal.objects.filter(ground=WithdrawalGround.REVOCATION).exists():
        _, seconds = timed(lambda: make_revocations(as_of, seed))
        print(f"Revocations made in {seconds:.0f} s", flush=True)


def make_batches(as_of: dt.date, seed: int) -> None:
    """One committed batch per (department, item, day) over the year to `as_of`, in
    commit order, each writing its records' versions as a load does; each batch's figures
    are computed right after it, as the commit hook does (timed)."""
    rng = random.Random(seed)
    first = as_of - dt.timedelta(days=364)
    groups: dict[tuple[dt.date, int, int], list[int]] = {}
    for pk, department_id, item_id, decided in CreditRecord.objects.values_list(
        "pk", "department_id", "catalog_item_id", "decision_date"
    ).iterator(chunk_size=20000):
        lag = rng.choice([1, 2, 3, 4, 5, 6, 8, 12, 30]) if rng.random() < 0.9 else 60
        day = decided + dt.timedelta(days=lag)
        if not first <= day <= as_of:
            day = first + dt.timedelta(days=rng.randrange(365))
        groups.setdefault((day, department_id, item_id), []).append(pk)
    tz = timezone.get_current_timezone()
    calendar = WorkingCalendar()
    # These batches are made, not loaded: their figures are computed below, timed, with
    # the bound the hook would take after the load (the hook would take it too early here).
    post_save.disconnect(sender=Batch, dispatch_uid="assessment.batch_saved")
    RecordVersion.objects.all().delete()
    spent = 0.0
    for (day, department_id, item_id), ids in sorted(groups.items()):
        at = dt.datetime.combine(day, dt.time(10), tzinfo=tz)
        rejected = rng.choice([0, 0, 0, 1, 2, len(ids) // 10])
        with transaction.atomic():
            batch = Batch.objects.create(
                department_id=department_id,
                catalog_item_id=item_id,
                schema_version=1,
                source=BatchSource.API,
                file_name=f"{day}.csv",
                file_format="csv",
                status=BatchStatus.COMMITTED,
                rows_total=len(ids) + rejected,
                accepted=len(ids),
                rejected=rejected,
                created_count=len(ids),
                validated_at=at,
                committed_at=at,
            )
            RecordVersion.objects.bulk_create(
                [
                    RecordVersion(
                        record_id=pk,
                        number=1,
                        reason="batch",
                        reference=batch.reference,
                        public_state="published",
                        snapshot={},
                    )
                    for pk in ids
                ],
                batch_size=2000,
            )
            bound = RecordVersion.objects.order_by("-id").values_list("id", flat=True).first()
            Batch.objects.filter(pk=batch.pk).update(created_at=at)
        start = time.perf_counter()
        compute_batch_figures(batch.pk, calendar, version_bound=bound)
        spent += time.perf_counter() - start
    print(
        f"Figures of {len(groups):,} batches: {spent:.1f} s "
        f"({spent / len(groups) * 1000:.1f} ms a batch, paid once after each commit)",
        flush=True,
    )


def make_revocations(as_of: dt.date, seed: int, share: float = 0.005) -> None:
    """Revoke a share of the records some days after their batch, as withdraw_record would
    leave them: revoked, with a register entry carrying the day the revocation was decided
    (1 in 10 without it) a few days before it reached the platform."""
    rng = random.Random(seed + 1)
    tz = timezone.get_current_timezone()
    committed = {
        f"batch:{pk}": at
        for pk, at in Batch.objects.filter(status=BatchStatus.COMMITTED).values_list(
            "pk", "committed_at"
        )
    }
    entries, revoked = [], []
    for record_id, subject_id, decided, reference in (
        RecordVersion.objects.filter(number=1)
        .values_list("record_id", "record__subject_id", "record__decision_date", "reference")
        .iterator(chunk_size=20000)
    ):
        if rng.random() >= share or reference not in committed:
            continue
        arrived = timezone.localdate(committed[reference])
        withdrawn = min(as_of, arrived + dt.timedelta(days=rng.randrange(1, 120)))
        lag = rng.choice([0, 1, 2, 3, 5, 7, 10, 20])
        decided_on = max(decided, withdrawn - dt.timedelta(days=lag))
        entries.append(
            Withdrawal(
                record_id=record_id,
                subject_id=subject_id,
                ground=WithdrawalGround.REVOCATION,
                public_state=PublicState.REVOKED,
                withdrawn_at=dt.datetime.combine(withdrawn, dt.time(15), tzinfo=tz),
                reference="bench",
                basis="行政复议决定撤销",
                document_no=f"BENCH-{record_id}",
                decided_on=None if rng.random() < 0.1 else decided_on,
            )
        )
        revoked.append(record_id)
    Withdrawal.objects.bulk_create(entries, batch_size=2000)
    for start in range(0, len(revoked), 900):
        CreditRecord.objects.filter(pk__in=revoked[start : start + 900]).update(
            status=RecordStatus.REVOKED, public_state=PublicState.REVOKED
        )
    print(f"{len(entries):,} revocations in the register", flush=True)


def naive_assessment(period) -> dict:
    """What a page would do without the figures: every version of the month's batches
    joined with its record, each deadline computed on request."""
    start, end = period.bounds()
    calendar = WorkingCalendar()
    duties = {
        (d.department_id, d.catalog_item_id): d
        for d in ReportingDuty.objects.filter(event=DutyEvent.DECISION, is_active=True)
    }
    batches = {
        f"batch:{pk}": (department_id, item_id, timezone.localdate(at))
        for pk, department_id, item_id, at in Batch.objects.filter(
            created_at__gte=start, created_at__lt=end, status=BatchStatus.COMMITTED
        ).values_list("pk", "department_id", "catalog_item_id", "committed_at")
    }
    out: dict[int, list[int]] = {}
    for reference, decided in (
        RecordVersion.objects.filter(reference__in=list(batches), number=1)
        .values_list("reference", "record__decision_date")
        .iterator(chunk_size=20000)
    ):
        department_id, item_id, committed_on = batches[reference]
        duty = duties.get((department_id, item_id))
        if duty is None:
            continue
        tally = out.setdefault(department_id, [0, 0])
        tally[0] += 1
        tally[1] += committed_on > deadline_for(duty, decided, calendar)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-11-29")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    ensure_data(args.subjects, args.records, as_of, args.seed)
    period = services.parse_period(f"{as_of.year}-{as_of.month:02d}")
    print(
        f"Data: {CreditRecord.objects.count():,} records, {Batch.objects.count():,} batches, "
        f"{BatchFigures.objects.count():,} batch figures; month {period.label}"
    )

    results, fast = timed(lambda: services.assess(period, today=as_of), args.repeat)
    naive, slow = timed(lambda: naive_assessment(period), max(1, args.repeat // 2))
    timed_records = sum(a.timed - a.revocations_timed for a in results)
    naive_records = sum(v[0] for v in naive.values())
    print(f"assess({period.label}), all departments: {fast * 1000:.0f} ms (median)")
    print(
        f"  revocations timed {sum(a.revocations_timed for a in results):,}, "
        f"late {sum(a.revocations_late for a in results):,}, "
        f"untimed {sum(a.revocations_untimed for a in results):,}; "
        f"scores {[a.score for a in results]}"
    )
    print(
        f"naive per-request aggregation:        {slow * 1000:.0f} ms "
        f"({naive_records:,} records timed; figures say {timed_records:,})"
    )

    busiest = (
        BatchFigures.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("department_id", "catalog_item_id")
        .annotate(n=Count("batch_id"))
        .order_by("-n")
        .first()
    )
    count, one_duty = timed(
        lambda: refresh_period(
            period.start,
            period.end,
            department_ids=[busiest["department_id"]],
            catalog_item_ids=[busiest["catalog_item_id"]],
        )
    )
    print(
        f"recount after a duty change (busiest department and item, {count} batches): "
        f"{one_duty:.1f} s"
    )
    count, whole = timed(lambda: refresh_period(period.start, period.end))
    print(f"assessment --refresh of the month ({count:,} batches):      {whole:.1f} s")

    _, overview_s = timed(dashboard.overview, args.repeat)
    operator, _ = User.objects.get_or_create(username="bench-operator", defaults={"is_staff": True})
    operator.groups.add(Group.objects.get(name=roles.OPERATORS))
    client = Client()
    client.force_login(operator)
    with override_settings(ALLOWED_HOSTS=["*"], PORTAL_REQUIRE_SECOND_FACTOR=False):
        client.get("/admin/")  # warm up
        response, home_s = timed(lambda: client.get("/admin/"), args.repeat)
    print(f"dashboard overview():                  {overview_s * 1000:.0f} ms (median)")
    print(
        f"GET /admin/ as an operator:            {home_s * 1000:.0f} ms (status {response.status_code})"
    )


if __name__ == "__main__":
    main()
