"""Benchmark: the month's assessment for all departments and the operators' dashboard.

Seeds subjects and records (seed_demo, the generator bench_search and bench_screen use),
spreads them over a year of synthetic committed batches (one per department, item and
day, their versions written in commit order as loads write them; bulk inserts), computes
every batch's figures as the commit hook does, revokes 1 in 200 records later on
(withdrawal register entries with their 撤销或移出日期) and refreshes the statistics once
(daily and monthly figures), then prints side by side:

1. `assess(month)` for all departments from the per-batch figures and the register, against
   the naive per-request aggregation (every version of the month's batches joined with its
   record, deadlines computed per record);
2. the recount after a duty change (one department and item, and the whole month);
3. the dashboard: `dashboard.overview()` and GET /admin/ as an operator, against the naive
   missed duties (the month's versions joined with their records);
4. the statistics kept by day: a committed batch's decision days recounted, the operators'
   statistics page by day and by quarter.

    .venv/bin/python benchmarks/bench_assessment.py            # 200,000 subjects, 1,000,000 records

The data set is generated once into /tmp/bench-assessment-<subjects>-<records>.sqlite3
(e.g. -200k-1m; DATABASE_URL overrides it) and reused by later runs; delete it to start over.
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-11-29")
    parser.add_argument("--repeat", type=int, default=5)
    return parser


def _size(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


_early = _parser().parse_known_args()[0]
os.environ.setdefault(
    "DATABASE_URL",
    f"sqlite:////tmp/bench-assessment-{_size(_early.subjects)}-{_size(_early.records)}.sqlite3",
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("PORTAL_EAGER_TASKS_IN_THREAD", "0")
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
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
    missing_batch_ids,
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
from portal.statistics import refresh as stats_refresh  # noqa: E402
from portal.statistics.models import DayFigure  # noqa: E402
from portal.subjects.models import Subject  # noqa: E402


def timed(fn, repeat=1):
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return result, statistics.median(runs)


def cpu_timed(fn, repeat=1) -> float:
    """The median CPU time of this process (the shared machine's other work left out)."""
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        runs.append(time.process_time() - start)
    return statistics.median(runs)


def ensure_data(subjects: int, records: int, as_of: dt.date, seed: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("install_duties", verbosity=0)
    have = CreditRecord.objects.count()
    if have and (have < records * 0.99 or Subject.objects.count() < subjects):
        sys.exit(
            f"{connection.settings_dict['NAME']} holds {have:,} records, fewer than asked: "
            "delete it (or name another file in DATABASE_URL) to generate the data set."
        )
    # Generating only: a bigger page cache for the random inserts into the versions'
    # index (the measurements below run with the default).
    default_cache = _pragma("cache_size")
    _pragma("cache_size", -262144)
    if not have:
        print(f"Seeding {subjects:,} subjects, {records:,} records (once)…", flush=True)
        _, seconds = timed(
            lambda: call_command(
                "seed_demo",
                subjects=subjects,
                records=records,
                seed=seed,
                as_of=as_of,
                verbosity=0,
            )
        )
        print(f"  seeded in {seconds:.0f} s", flush=True)
    if not Batch.objects.exists():
        _, seconds = timed(lambda: make_batches(as_of, seed))
        print(f"A year of batches made in {seconds:.0f} s", flush=True)
    missing = len(missing_batch_ids(limit=None))
    if missing:
        _, seconds = timed(compute_all_figures)
        print(
            f"Figures of {missing:,} batches: {seconds:.1f} s "
            f"({seconds / missing * 1000:.1f} ms a batch, paid once after each commit)",
            flush=True,
        )
    if not Withdrawal.objects.filter(ground=WithdrawalGround.REVOCATION).exists():
        _, seconds = timed(lambda: make_revocations(as_of, seed))
        print(f"Revocations made in {seconds:.0f} s", flush=True)
    if not stats_refresh.last_refresh():
        done, seconds = timed(lambda: stats_refresh.refresh(trigger="bench", today=as_of))
        print(
            f"Statistics refreshed whole (hourly job): {done.figures:,} figures in {seconds:.0f} s",
            flush=True,
        )
    _pragma("cache_size", default_cache)


def _pragma(name: str, value=None):
    with connection.cursor() as cursor:
        if value is None:
            cursor.execute(f"PRAGMA {name}")  # nosec B608  # a fixed pragma name
            return cursor.fetchone()[0]
        cursor.execute(f"PRAGMA {name} = {int(value)}")  # nosec B608  # fixed name, an int
        return value


def make_batches(as_of: dt.date, seed: int) -> None:
    """One committed batch per (department, item, day) over the year to `as_of`, each
    record's first version written by its batch, in commit order as loads write them
    (the batches' figures, which walk back from the highest version id at the commit,
    need that order). Bulk inserts in one transaction; the figures follow."""
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
    order = sorted(groups)
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        # The seed's versions go; one statement (a queryset's delete() would load a
        # million versions first, for the delete signals other apps listen to).
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {RecordVersion._meta.db_table}")  # nosec B608  # a model's own table name
        batches = []
        for day, department_id, item_id in order:
            ids = groups[(day, department_id, item_id)]
            at = dt.datetime.combine(day, dt.time(10), tzinfo=tz)
            rejected = rng.choice([0, 0, 0, 1, 2, len(ids) // 10])
            batches.append(
                Batch(
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
            )
        # bulk_create sets no signal off: the figures are computed below, as the hook would.
        Batch.objects.bulk_create(batches, batch_size=2000)
        by_day: dict[dt.date, list[int]] = {}
        for (day, _d, _i), batch in zip(order, batches, strict=True):
            by_day.setdefault(day, []).append(batch.pk)
        for day, pks in by_day.items():
            at = dt.datetime.combine(day, dt.time(10), tzinfo=tz)
            Batch.objects.filter(pk__in=pks).update(created_at=at)
        pending: list[RecordVersion] = []
        for key, batch in zip(order, batches, strict=True):
            pending += [
                RecordVersion(
                    record_id=pk,
                    number=1,
                    reason="batch",
                    reference=batch.reference,
                    public_state="published",
                    snapshot={},
                )
                for pk in groups[key]
            ]
            if len(pending) >= 20000:
                RecordVersion.objects.bulk_create(pending, batch_size=2000)
                pending = []
        RecordVersion.objects.bulk_create(pending, batch_size=2000)
    print(f"{len(batches):,} batches, {sum(map(len, groups.values())):,} versions", flush=True)


def compute_all_figures() -> None:
    """Each committed batch's figures, as the commit hook computes them after the commit,
    bounded by its own last version (the newest when it was committed)."""
    calendar = WorkingCalendar()
    bounds = dict(
        RecordVersion.objects.filter(reason="batch")
        .values_list("reference")
        .annotate(bound=Max("id"))
        .values_list("reference", "bound")
    )
    for batch_id in missing_batch_ids(limit=None):
        compute_batch_figures(batch_id, calendar, version_bound=bounds.get(f"batch:{batch_id}"))


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


def naive_missed_duties(period) -> list[tuple[int, int]]:
    """The dashboard's missed duties without the figures: the (department, item) pairs of
    the month's batches read from their versions and records."""
    start, end = period.bounds()
    references = [
        f"batch:{pk}"
        for pk in Batch.objects.filter(
            created_at__gte=start, created_at__lt=end, status=BatchStatus.COMMITTED
        ).values_list("pk", flat=True)
    ]
    reported = set(
        RecordVersion.objects.filter(reference__in=references)
        .values_list("record__department_id", "record__catalog_item_id")
        .distinct()
    )
    return [
        (d.department_id, d.catalog_item_id)
        for d in ReportingDuty.objects.filter(event=DutyEvent.DECISION, is_active=True)
        if (d.department_id, d.catalog_item_id) not in reported
    ]


def main():
    args = _parser().parse_args()
    as_of = dt.date.fromisoformat(args.as_of)
    started = time.perf_counter()
    ensure_data(args.subjects, args.records, as_of, args.seed)
    print(f"Data ready in {time.perf_counter() - started:.0f} s", flush=True)
    period = services.parse_period(f"{as_of.year}-{as_of.month:02d}")
    print(
        f"Data: {Subject.objects.count():,} subjects, {CreditRecord.objects.count():,} records, "
        f"{Batch.objects.count():,} batches, {BatchFigures.objects.count():,} batch figures, "
        f"{DayFigure.objects.count():,} day figures; month {period.label} "
        f"({connection.settings_dict['NAME']}, page cache {_pragma('cache_size')})"
    )

    results, fast = timed(lambda: services.assess(period, today=as_of), args.repeat)
    fast_cpu = cpu_timed(lambda: services.assess(period, today=as_of), args.repeat)
    naive, slow = timed(lambda: naive_assessment(period), max(1, args.repeat // 2))
    timed_records = sum(a.timed - a.revocations_timed for a in results)
    naive_records = sum(v[0] for v in naive.values())
    print(
        f"assess({period.label}), all departments: {fast * 1000:.0f} ms (median; "
        f"CPU {fast_cpu * 1000:.0f} ms)"
    )
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

    _, overview_s = timed(lambda: dashboard.overview(now=_noon(as_of)), args.repeat)
    missed, naive_missed_s = timed(lambda: naive_missed_duties(period), max(1, args.repeat // 2))
    missed_fast = sum(k for _c, _n, k in dashboard.missed_duties(as_of))
    operator, _ = User.objects.get_or_create(username="bench-operator", defaults={"is_staff": True})
    operator.groups.add(Group.objects.get(name=roles.OPERATORS))
    client = Client()
    client.force_login(operator)
    with override_settings(ALLOWED_HOSTS=["*"], PORTAL_REQUIRE_SECOND_FACTOR=False):
        client.get("/admin/")  # warm up
        response, home_s = timed(lambda: client.get("/admin/"), args.repeat)
        home_cpu = cpu_timed(lambda: client.get("/admin/"), args.repeat)
    print(f"dashboard overview():                  {overview_s * 1000:.0f} ms (median)")
    print(
        f"GET /admin/ as an operator:            {home_s * 1000:.0f} ms "
        f"(CPU {home_cpu * 1000:.0f} ms; status {response.status_code})"
    )
    print(
        f"naive missed duties (versions ⋈ records): {naive_missed_s * 1000:.0f} ms "
        f"({len(missed)} missed; figures say {missed_fast})"
    )

    # Statistics kept by day: what a committed batch costs, and the operators' views.
    latest = Batch.objects.filter(status=BatchStatus.COMMITTED).order_by("-id").first()
    days = stats_refresh.batch_days(latest)
    rows, recount_s = timed(lambda: stats_refresh.recount_days(days))
    print(
        f"day figures of a committed batch's {len(days)} decision days recounted "
        f"({latest.accepted} records; {rows:,} figures): {recount_s * 1000:.0f} ms"
    )
    with override_settings(ALLOWED_HOSTS=["*"], PORTAL_REQUIRE_SECOND_FACTOR=False):
        for per in ("day", "quarter"):
            client.get(f"/admin/statistics/?per={per}")
            response, page_s = timed(
                lambda per=per: client.get(f"/admin/statistics/?per={per}"), args.repeat
            )
            print(
                f"GET /admin/statistics/?per={per}:         {page_s * 1000:.0f} ms "
                f"(status {response.status_code})"
            )
        response, public_s = timed(lambda: client.get("/statistics/"), args.repeat)
        print(f"GET /statistics/ (public):             {public_s * 1000:.0f} ms")


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


if __name__ == "__main__":
    main()
