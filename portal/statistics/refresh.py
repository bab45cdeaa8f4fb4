"""Computing the statistics' figures (docs/domain.md, Statistics) into the Figure table.

A refresh recomputes every figure from the records, cases, lookups and feedback
and replaces the tables in one transaction, so it is idempotent and a reader sees
either the old figures or the new ones. It runs on a schedule and after each
committed batch; pages only read the tables. A committed batch first has the day
figures of its records' decision days recounted (`recount_days`, quick), so the
operators' daily views follow it before the whole refresh comes round.

Records count by the day (and month) of their decision; cases by the day they were
filed (filed) or decided (decided, granted, within deadline); lookups and feedback by
the day they were made.
"""

import datetime as dt
import time
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Case, Count, DateField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone

from portal.catalog.models import ListType
from portal.measures.models import Feedback, Lookup, Outcome
from portal.objections.models import Case as ObjectionCase
from portal.objections.models import CaseKind, CaseTransition, Decision
from portal.records.disclosure import PUBLIC_STATES, RecordStatus
from portal.records.models import CreditRecord
from portal.statistics.models import DayFigure, Figure, Refresh
from portal.statistics.suppression import OTHER, is_small, merged_groups, withheld_cells

ALL = "all"
# The breakdowns of records, in the order pages show them.
RECORD_DIMENSIONS = ["department", "catalog_item", "district", "subject_kind", "industry"]
# An objection is upheld (成立) when the record is corrected or taken down; a repair when
# approved; a statement when the operator's check let it be shown (a later withdrawal or
# take-down does not undo that decision).
GRANTED = {
    CaseKind.OBJECTION: {Decision.CORRECTED, Decision.REMOVED},
    CaseKind.REPAIR: {Decision.APPROVED},
    CaseKind.STATEMENT: {Decision.PUBLISHED},
}
CASE_PREFIX = {
    CaseKind.OBJECTION: "objections",
    CaseKind.REPAIR: "repairs",
    CaseKind.STATEMENT: "statements",
}
# The metrics counted from the records (by decision day): what a committed batch changes.
RECORD_METRICS = ["records", "public_records", "red_entries", "black_entries"]


def kept_daily(metric: str, dimension: str) -> bool:
    """Which figures are also kept by day: every metric's total, and records by each
    breakdown (the operators' views over time)."""
    return dimension == ALL or metric == "records"


def _record_keys() -> dict:
    """The group key of a record in each breakdown (codes, so figures outlive renames)."""
    return {
        "department": F("department__code"),
        "catalog_item": F("catalog_item__code"),
        "district": Coalesce(F("subject__district"), Value("")),
        "subject_kind": F("subject__kind"),
        # By section (门类): the letter of the stored industry; "" for none.
        "industry": Coalesce(Substr("subject__industry", 1, 1), Value("")),
    }


def _day(value) -> dt.date | None:
    """The local day of a date or moment."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _month(value) -> dt.date | None:
    day = _day(value)
    return None if day is None else day.replace(day=1)


class Figures:
    """Figures being computed: (metric, dimension, key, month) -> [value, subjects,
    suppressed, withheld], and the daily ones: (metric, dimension, key, day) -> [value,
    subjects]."""

    def __init__(self):
        self.values: dict = defaultdict(lambda: [0, None, False, False])
        self.days: dict = defaultdict(lambda: [0, None])
        # (removal metric, month or None) -> subjects: to count the subjects of several months.
        self.removal_subjects: dict = {}

    def add(self, metric, dimension, key, month, value) -> None:
        self.values[(metric, dimension, key or "", month)][0] += value

    def count(self, metric, dimension, key, day, value, *, periods=True) -> None:
        """`value` on a day: into its month and all time, and into the day where the
        figure is kept daily (only there when not `periods`)."""
        day = _day(day)
        if periods:
            for period in (_month(day), None):
                self.add(metric, dimension, key, period, value)
        if day is not None and kept_daily(metric, dimension):
            self.days[(metric, dimension, key or "", day)][0] += value

    def set_subjects(self, metric, dimension, key, month, subjects, suppress=None) -> None:
        entry = self.values[(metric, dimension, key or "", month)]
        entry[1] = subjects
        entry[2] = is_small(subjects) if suppress is None else suppress

    def rows(self) -> list[Figure]:
        return [
            Figure(
                metric=metric,
                dimension=dimension,
                key=key,
                month=month,
                value=value,
                subjects=subjects,
                suppressed=suppressed,
                withheld=withheld,
            )
            for (metric, dimension, key, month), (value, subjects, suppressed, withheld) in (
                self.values.items()
            )
        ]

    def day_rows(self) -> list[DayFigure]:
        return [
            DayFigure(
                metric=metric, dimension=dimension, key=key, day=day, value=value, subjects=subjects
            )
            for (metric, dimension, key, day), (value, subjects) in self.days.items()
        ]


def compute(today: dt.date | None = None) -> Figures:
    today = today or timezone.localdate()
    figures = Figures()
    _records(figures)
    _list_removals(figures, today)
    _cases(figures)
    _lookups(figures)
    _measures_applied(figures)
    _withhold_months(figures)
    return figures


# -- records ------------------------------------------------------------------


def _count_records(figures: Figures, records, *, periods=True) -> None:
    """Count the records into their decision day (and month and all time): one pass at
    the finest grain, every breakdown and period summed from it."""
    keys = _record_keys()
    public = Case(
        When(public_state__in=list(PUBLIC_STATES), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    fine = (
        records.order_by()
        .annotate(
            g_public=public,
            g_list=F("catalog_item__list_type"),
            **{f"g_{name}": expression for name, expression in keys.items()},
        )
        .values("decision_date", "g_public", "g_list", *(f"g_{name}" for name in keys))
        .annotate(n=Count("id"))
    )
    for row in fine.iterator(chunk_size=10000):
        n, day = row["n"], row["decision_date"]
        metrics = ["records"]
        if row["g_public"]:
            metrics.append("public_records")
        if row["g_list"] in (ListType.RED, ListType.BLACK):
            metrics.append(f"{row['g_list']}_entries")
        for metric in metrics:
            figures.count(metric, ALL, "", day, n, periods=periods)
            for name in keys:
                figures.count(metric, name, row[f"g_{name}"], day, n, periods=periods)
    # The records' distinct subjects of each day (of their total).
    for day, subjects in (
        records.order_by()
        .values("decision_date")
        .annotate(n=Count("subject_id", distinct=True))
        .values_list("decision_date", "n")
    ):
        figures.days[("records", ALL, "", day)][1] = subjects


def _records(figures: Figures) -> None:
    keys = _record_keys()
    _count_records(figures, CreditRecord.objects.all())
    everything = CreditRecord.objects.order_by()
    published = everything.filter(public_state__in=list(PUBLIC_STATES))
    for metric, records in (("records", everything), ("public_records", published)):
        _subjects_by_month(figures, metric, records)
        for name, expression in keys.items():
            groups = dict(
                records.annotate(g=expression)
                .values("g")
                .annotate(n=Count("subject_id", distinct=True))
                .values_list("g", "n")
            )
            for key, subjects in groups.items():
                figures.set_subjects(metric, name, key, None, subjects)
            if metric == "public_records":
                _merge_small_groups(figures, metric, name, groups, records, expression)
    for list_type in (ListType.RED, ListType.BLACK):
        entries = everything.filter(catalog_item__list_type=list_type)
        _subjects_by_month(figures, f"{list_type}_entries", entries)


def _subjects_by_month(figures: Figures, metric: str, records) -> None:
    """Distinct subjects of the metric's total, all time and by month."""
    total = records.aggregate(n=Count("subject_id", distinct=True))["n"]
    if total:
        figures.set_subjects(metric, ALL, "", None, total)
    monthly = (
        records.annotate(g=TruncMonth("decision_date", output_field=DateField()))
        .values("g")
        .annotate(n=Count("subject_id", distinct=True))
        .values_list("g", "n")
    )
    for month, subjects in monthly:
        figures.set_subjects(metric, ALL, "", month, subjects)


def _merge_small_groups(figures, metric, name, groups, records, expression) -> None:
    def union(keys: set) -> int:
        return (
            records.annotate(g=expression)
            .filter(g__in=list(keys))
            .aggregate(n=Count("subject_id", distinct=True))["n"]
        )

    merged, together = merged_groups(groups, union)
    if not merged:
        return
    for key in merged:
        figures.set_subjects(metric, name, key, None, groups[key], suppress=True)
        figures.add(metric, name, OTHER, None, figures.values[(metric, name, key or "", None)][0])
    figures.set_subjects(metric, name, OTHER, None, together)


# -- red and black lists: removals ------------------------------------------------


def _list_removals(figures: Figures, today: dt.date) -> None:
    """Entries of a red or black list that no longer stand: revoked, corrected or
    repaired (in the month that happened), or past their disclosure period (in the
    month after its last day)."""
    rows = (
        CreditRecord.objects.order_by()
        .filter(catalog_item__list_type__in=[ListType.RED, ListType.BLACK])
        .exclude(status=RecordStatus.ACTIVE, disclosure_ends__isnull=True)
        .exclude(status=RecordStatus.ACTIVE, disclosure_ends__gte=today)
        .values_list(
            "catalog_item__list_type",
            "catalog_item__code",
            "department__code",
            "subject_id",
            "status",
            "state_changed_at",
            "updated_at",
            "disclosure_ends",
        )
    )
    subjects: dict = defaultdict(set)
    for list_type, item, department, subject, status, changed, updated, ends in rows:
        if status != RecordStatus.ACTIVE:
            day = _day(changed or updated)
        else:
            day = ends + dt.timedelta(days=1)
        metric = f"{list_type}_removals"
        figures.count(metric, ALL, "", day, 1)
        figures.count(metric, "catalog_item", item, day, 1)
        figures.count(metric, "department", department, day, 1)
        for period in (_month(day), None):
            subjects[(metric, period)].add(subject)
    for (metric, period), members in subjects.items():
        figures.set_subjects(metric, ALL, "", period, len(members))
    figures.removal_subjects = subjects


# -- objections, repairs and statements ------------------------------------------


def in_time(transitions: list[tuple]) -> bool:
    """Whether a case was handled within its deadlines: every stage that had a due
    date was left (by the next transition) on or before it. `transitions` are
    (created_at, due_on) in order."""
    for (_, due_on), (left_at, _) in zip(transitions, transitions[1:], strict=False):
        if due_on is not None and timezone.localtime(left_at).date() > due_on:
            return False
    return True


def _cases(figures: Figures) -> None:
    cases = list(
        ObjectionCase.objects.order_by()
        .values_list(
            "pk",
            "kind",
            "decision",
            "submitted_at",
            "decided_at",
            "subject_id",
            "department__code",
            "record__catalog_item__code",
        )
        .iterator()
    )
    decided_ids = [c[0] for c in cases if c[4] is not None]
    steps: dict = defaultdict(list)
    for case_id, created_at, due_on in (
        CaseTransition.objects.filter(case_id__in=decided_ids)
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "created_at", "due_on")
        .iterator()
    ):
        steps[case_id].append((created_at, due_on))
    subjects: dict = defaultdict(set)

    def count(metric, moment, department, item, subject):
        figures.count(metric, ALL, "", moment, 1)
        figures.count(metric, "department", department or "", moment, 1)
        figures.count(metric, "catalog_item", item or "", moment, 1)
        for period in (_month(moment), None):
            subjects[(metric, period)].add(subject)

    for pk, kind, decision, submitted, decided, subject, department, item in cases:
        prefix = CASE_PREFIX.get(kind)
        if prefix is None:
            continue
        count(f"{prefix}_filed", submitted, department, item, subject)
        if decided is None:
            continue
        count(f"{prefix}_decided", decided, department, item, subject)
        if decision in GRANTED[kind]:
            count(f"{prefix}_granted", decided, department, item, subject)
        if in_time(steps.get(pk, [])):
            count(f"{prefix}_in_time", decided, department, item, subject)
    for (metric, period), members in subjects.items():
        figures.set_subjects(metric, ALL, "", period, len(members))


# -- joint rewards and penalties ----------------------------------------------------


def _lookups(figures: Figures) -> None:
    for scenario, created_at, rows, red, black in (
        Lookup.objects.order_by()
        .values_list("scenario__code", "created_at", "row_count", "red_count", "black_count")
        .iterator()
    ):
        for metric, value in (
            ("lookups", 1),
            ("lookup_subjects", rows),
            ("lookup_hits", red + black),
        ):
            figures.count(metric, ALL, "", created_at, value)
            figures.count(metric, "scenario", scenario or "", created_at, value)


def _measures_applied(figures: Figures) -> None:
    """Measures a reviewer reported taken: the latest feedback per lookup row and
    measure counts (a later entry supersedes an earlier one)."""
    latest: dict = {}
    for row_id, measure, outcome, created_at in (
        Feedback.objects.order_by("created_at", "id")
        .values_list("row_id", "measure__code", "outcome", "created_at")
        .iterator()
    ):
        latest[(row_id, measure)] = (outcome, created_at)
    for (_, measure), (outcome, created_at) in latest.items():
        if outcome != Outcome.APPLIED:
            continue
        figures.count("measures_applied", ALL, "", created_at, 1)
        figures.count("measures_applied", "measure", measure or "", created_at, 1)


# -- complementary suppression ----------------------------------------------------------


def _month_filter(months) -> Q:
    condition = Q(pk__in=[])
    for month in months:
        condition |= Q(decision_date__gte=month, decision_date__lt=month + relativedelta(months=1))
    return condition


def _withhold_months(figures: Figures) -> None:
    """The public page shows these metrics by month beside their all-time total: where a
    month is small ("<5"), months are withheld with it until the withheld months together
    have enough subjects, so the total minus the shown months gives no small month away."""
    everything = CreditRecord.objects.order_by()
    lines = {
        "public_records": everything.filter(public_state__in=list(PUBLIC_STATES)),
        "red_entries": everything.filter(catalog_item__list_type=ListType.RED),
        "black_entries": everything.filter(catalog_item__list_type=ListType.BLACK),
    }
    removals = figures.removal_subjects
    for metric in [*lines, "red_removals", "black_removals"]:
        cells = {
            month: subjects
            for (m, dimension, _key, month), (_v, subjects, _s, _w) in figures.values.items()
            if m == metric and dimension == ALL and month is not None
        }
        if metric in lines:
            records = lines[metric]

            def union(months, records=records) -> int:
                return records.filter(_month_filter(months)).aggregate(
                    n=Count("subject_id", distinct=True)
                )["n"]
        else:

            def union(months, metric=metric) -> int:
                return len(set().union(*(removals.get((metric, m), set()) for m in months)))

        for month in withheld_cells(cells, union):
            figures.values[(metric, ALL, "", month)][3] = True


# -- storing ------------------------------------------------------------------------


def refresh(trigger: str = "schedule", today: dt.date | None = None) -> Refresh:
    """Recompute every figure and replace the table (idempotent)."""
    started = timezone.now()
    clock = time.monotonic()
    figures = compute(today)
    rows, days = figures.rows(), figures.day_rows()
    with transaction.atomic():
        Figure.objects.all().delete()
        Figure.objects.bulk_create(rows, batch_size=2000)
        DayFigure.objects.all().delete()
        DayFigure.objects.bulk_create(days, batch_size=2000)
        done = Refresh.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            trigger=trigger[:32],
            figures=len(rows) + len(days),
            duration_ms=int((time.monotonic() - clock) * 1000),
        )
        # Only the latest few are worth keeping.
        stale = Refresh.objects.values_list("pk", flat=True)[50:]
        Refresh.objects.filter(pk__in=list(stale)).delete()
    return done


def recount_days(days) -> int:
    """Recount the records' day figures of these decision days (idempotent): what a
    committed batch changed, before the whole refresh comes round."""
    days = sorted(set(days))
    created = 0
    for start in range(0, len(days), 500):
        chunk = days[start : start + 500]
        figures = Figures()
        _count_records(figures, CreditRecord.objects.filter(decision_date__in=chunk), periods=False)
        rows = figures.day_rows()
        with transaction.atomic():
            DayFigure.objects.filter(metric__in=RECORD_METRICS, day__in=chunk).delete()
            DayFigure.objects.bulk_create(rows, batch_size=2000)
        created += len(rows)
    return created


def batch_days(batch) -> list[dt.date]:
    """The decision days of the records a committed batch wrote."""
    record_ids = batch.written_versions().values_list("record_id", flat=True)
    return list(
        CreditRecord.objects.filter(pk__in=list(record_ids))
        .order_by()
        .values_list("decision_date", flat=True)
        .distinct()
    )


def last_refresh() -> Refresh | None:
    return Refresh.objects.first()
