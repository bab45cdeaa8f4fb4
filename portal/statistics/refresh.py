"""Computing the statistics' figures (docs/domain.md, Statistics) into the Figure table.

A refresh recomputes every figure from the records, cases, lookups and feedback
and replaces the table in one transaction, so it is idempotent and a reader sees
either the old figures or the new ones. It runs on a schedule and after each
committed batch; pages only read the table.

Records count by the month of their decision; cases by the month they were filed
(filed) or decided (decided, granted, within deadline); lookups and feedback by
the month they were made.
"""

import datetime as dt
import time
from collections import defaultdict

from django.db import transaction
from django.db.models import Case, Count, DateField, F, IntegerField, Value, When
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone

from portal.catalog.models import ListType
from portal.measures.models import Feedback, Lookup, Outcome
from portal.objections.models import Case as ObjectionCase
from portal.objections.models import CaseKind, CaseTransition, Decision
from portal.records.disclosure import PUBLIC_STATES, RecordStatus
from portal.records.models import CreditRecord
from portal.statistics.models import Figure, Refresh
from portal.statistics.suppression import OTHER, is_small, merged_groups

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


def _month(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


class Figures:
    """Figures being computed: (metric, dimension, key, month) -> [value, subjects]."""

    def __init__(self):
        self.values: dict = defaultdict(lambda: [0, None, False])

    def add(self, metric, dimension, key, month, value) -> None:
        self.values[(metric, dimension, key or "", month)][0] += value

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
            )
            for (metric, dimension, key, month), (value, subjects, suppressed) in (
                self.values.items()
            )
        ]


def compute(today: dt.date | None = None) -> Figures:
    today = today or timezone.localdate()
    figures = Figures()
    _records(figures)
    _list_removals(figures, today)
    _cases(figures)
    _lookups(figures)
    _measures_applied(figures)
    return figures


# -- records ------------------------------------------------------------------


def _records(figures: Figures) -> None:
    keys = _record_keys()
    public = Case(
        When(public_state__in=list(PUBLIC_STATES), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    # One pass at the finest grain; every breakdown and month is summed from it.
    fine = (
        CreditRecord.objects.order_by()
        .annotate(
            g_month=TruncMonth("decision_date", output_field=DateField()),
            g_public=public,
            g_list=F("catalog_item__list_type"),
            **{f"g_{name}": expression for name, expression in keys.items()},
        )
        .values("g_month", "g_public", "g_list", *(f"g_{name}" for name in keys))
        .annotate(n=Count("id"))
    )
    for row in fine:
        n, month = row["n"], row["g_month"]
        metrics = ["records"]
        if row["g_public"]:
            metrics.append("public_records")
        if row["g_list"] in (ListType.RED, ListType.BLACK):
            metrics.append(f"{row['g_list']}_entries")
        for metric in metrics:
            for period in (month, None):
                figures.add(metric, ALL, "", period, n)
                for name in keys:
                    figures.add(metric, name, row[f"g_{name}"], period, n)

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
            month = _month(changed or updated)
        else:
            month = _month(ends + dt.timedelta(days=1))
        metric = f"{list_type}_removals"
        for period in (month, None):
            figures.add(metric, ALL, "", period, 1)
            figures.add(metric, "catalog_item", item, period, 1)
            figures.add(metric, "department", department, period, 1)
            subjects[(metric, period)].add(subject)
    for (metric, period), members in subjects.items():
        figures.set_subjects(metric, ALL, "", period, len(members))


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

    def count(metric, month, department, item, subject):
        for period in (month, None):
            figures.add(metric, ALL, "", period, 1)
            figures.add(metric, "department", department or "", period, 1)
            figures.add(metric, "catalog_item", item or "", period, 1)
            subjects[(metric, period)].add(subject)

    for pk, kind, decision, submitted, decided, subject, department, item in cases:
        prefix = CASE_PREFIX.get(kind)
        if prefix is None:
            continue
        count(f"{prefix}_filed", _month(submitted), department, item, subject)
        if decided is None:
            continue
        month = _month(decided)
        count(f"{prefix}_decided", month, department, item, subject)
        if decision in GRANTED[kind]:
            count(f"{prefix}_granted", month, department, item, subject)
        if in_time(steps.get(pk, [])):
            count(f"{prefix}_in_time", month, department, item, subject)
    for (metric, period), members in subjects.items():
        figures.set_subjects(metric, ALL, "", period, len(members))


# -- joint rewards and penalties ----------------------------------------------------


def _lookups(figures: Figures) -> None:
    for scenario, created_at, rows, red, black in (
        Lookup.objects.order_by()
        .values_list("scenario__code", "created_at", "row_count", "red_count", "black_count")
        .iterator()
    ):
        month = _month(created_at)
        for period in (month, None):
            for metric, value in (
                ("lookups", 1),
                ("lookup_subjects", rows),
                ("lookup_hits", red + black),
            ):
                figures.add(metric, ALL, "", period, value)
                figures.add(metric, "scenario", scenario or "", period, value)


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
        for period in (_month(created_at), None):
            figures.add("measures_applied", ALL, "", period, 1)
            figures.add("measures_applied", "measure", measure or "", period, 1)


# -- storing ------------------------------------------------------------------------


def refresh(trigger: str = "schedule", today: dt.date | None = None) -> Refresh:
    """Recompute every figure and replace the table (idempotent)."""
    started = timezone.now()
    clock = time.monotonic()
    rows = compute(today).rows()
    with transaction.atomic():
        Figure.objects.all().delete()
        Figure.objects.bulk_create(rows, batch_size=2000)
        done = Refresh.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            trigger=trigger[:32],
            figures=len(rows),
            duration_ms=int((time.monotonic() - clock) * 1000),
        )
        # Only the latest few are worth keeping.
        stale = Refresh.objects.values_list("pk", flat=True)[50:]
        Refresh.objects.filter(pk__in=list(stale)).delete()
    return done


def last_refresh() -> Refresh | None:
    return Refresh.objects.first()
