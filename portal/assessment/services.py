"""The assessment of departments' reporting (报送考核) for a month, quarter or year.

Plain functions over plain data; the command, the admin and the workspace only show
what `assess` returns. The dimensions (docs/domain.md, Reporting duties and assessment):

- timeliness: share of timed records brought in within their duty's deadline
  (portal.assessment.figures counts first reports per committed batch) and of revocations
  that left public view within theirs (portal.assessment.revocations, from the register);
- completeness: the mean of the share of decision duties reported in the period and the
  share of recommended fields filled (either alone when the other has nothing to count);
- accuracy: 1 − (rejected rows + objections upheld) / rows. An objection is upheld when
  its decision corrects or removes the record (Decision.UPHELD keeps the record: the
  objection failed);
- responsiveness: cases forwarded to the department answered by their due date;
- application feedback: screening hits (lookup rows with measures) by the department's
  reviewers that got feedback.

A dimension with nothing to measure in the period has no rate (无数据, None): it is left
out of the score (in the command's JSON its rate is 1.0, as nothing was late or
unanswered, and it is named in `not_measured`), whose weights are shared among the measured dimensions. A department
with duties always has completeness measured, so one that sent nothing scores on that
(0 when every duty is missing) and ranks below one that reports; a department with
nothing measured at all has no score and ranks last.
Batches belong to the period of their submission day (local time); `rows` counts
every row of every batch validated in the period, committed or not (dry runs aside).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange.models import Batch
from portal.assessment import revocations
from portal.assessment.models import (
    AssessmentWeights,
    BatchFigures,
    DutyEvent,
    Frequency,
    LateRecord,
    ReportingDuty,
)
from portal.departments.models import Department
from portal.measures.models import Feedback, LookupRow
from portal.objections.models import Case, CaseKind, CaseTransition, Decision, Stage

DIMENSIONS = ("timeliness", "completeness", "accuracy", "responsiveness", "feedback")
# Each dimension's rate under its name in the command's JSON.
JSON_RATES = {
    "timeliness": "timely_rate",
    "completeness": "completeness_rate",
    "accuracy": "accuracy_rate",
    "responsiveness": "response_rate",
    "feedback": "feedback_rate",
}
UPHOLDING_DECISIONS = (Decision.CORRECTED, Decision.REMOVED)


class PeriodError(ValueError):
    """A period the user wrote that is not a month, quarter or year."""


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date  # inclusive

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware local datetimes [start, end + 1 day)."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end

    @property
    def ends_a_quarter(self) -> bool:
        return self.end.month in (3, 6, 9, 12) and (self.end + dt.timedelta(days=1)).day == 1


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def parse_period(text: str) -> Period:
    """`2026-11`, `2026-Q4` or `2026`; PeriodError with a message for the user otherwise."""
    text = (text or "").strip()
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12:
            return Period(f"{year}-{month:02d}", dt.date(year, month, 1), _month_end(year, month))
    elif match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * quarter - 2
        return Period(f"{year}-Q{quarter}", dt.date(year, first, 1), _month_end(year, first + 2))
    elif match := _YEAR.match(text):
        year = int(match[1])
        return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
    raise PeriodError(
        _("考核期间“%(text)s”无法识别：请写作 2026-11（月）、2026-Q4（季度）或 2026（年）。")
        % {"text": text}
    )


def current_month(today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    return parse_period(f"{today.year}-{today.month:02d}")


@dataclass
class DepartmentAssessment:
    department: str
    name: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    timed: int = 0  # first reports and revocations, together
    late_records: int = 0
    untimed: int = 0
    revocations_timed: int = 0
    revocations_late: int = 0
    revocations_untimed: int = 0
    duties: int = 0
    missing_duties: list[str] = field(default_factory=list)
    recommended_filled: int = 0
    recommended_total: int = 0
    objections_upheld: int = 0
    cases_due: int = 0
    cases_on_time: int = 0
    hits: int = 0
    hits_with_feedback: int = 0
    # Per dimension a share 0–1, or None when there was nothing to measure (无数据).
    rates: dict[str, float | None] = field(default_factory=dict)
    score: float | None = 0.0  # None when no dimension was measured
    rank: int = 0

    @property
    def timely_rate(self) -> float | None:
        return self.rates["timeliness"]

    @property
    def response_rate(self) -> float | None:
        return self.rates["responsiveness"]

    @property
    def feedback_rate(self) -> float | None:
        return self.rates["feedback"]

    @property
    def rejected_rate(self) -> float:
        return self.rejected / self.rows if self.rows else 0.0

    @property
    def recommended_rate(self) -> float | None:
        return _share(self.recommended_filled, self.recommended_total)

    @property
    def unmeasured(self) -> list[str]:
        return [d for d in DIMENSIONS if self.rates.get(d) is None]

    def as_json(self) -> dict:
        """The command's JSON contract, key for key: every rate a number 0.0–1.0. A rate
        with nothing to measure is 1.0 (nothing was late or unanswered) and is named in
        `not_measured`, which the score leaves out; a department with nothing measured at
        all scores 0."""
        rates = {
            JSON_RATES[d]: 1.0 if self.rates.get(d) is None else round(self.rates[d], 4)
            for d in DIMENSIONS
        }
        return {
            "department": self.department,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "timely_rate": rates["timely_rate"],
            "late_records": self.late_records,
            "missing_duties": list(self.missing_duties),
            "completeness_rate": rates["completeness_rate"],
            "accuracy_rate": rates["accuracy_rate"],
            "objections_upheld": self.objections_upheld,
            "response_rate": rates["response_rate"],
            "feedback_rate": rates["feedback_rate"],
            "not_measured": [JSON_RATES[d] for d in self.unmeasured],
            "score": 0.0 if self.score is None else self.score,
        }

    def as_dict(self) -> dict:
        return asdict(self)


def _share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to measure."""
    return part / whole if whole else None


def rates_of(a: DepartmentAssessment) -> dict[str, float | None]:
    """Each dimension's share, None where the period gave nothing to measure."""
    parts = [
        share
        for share in (
            _share(a.duties - len(a.missing_duties), a.duties),
            _share(a.recommended_filled, a.recommended_total),
        )
        if share is not None
    ]
    if a.rows:
        accuracy = max(0.0, min(1.0, 1.0 - (a.rejected + a.objections_upheld) / a.rows))
    else:
        # Records corrected after objections with nothing sent: nothing to set against them.
        accuracy = 0.0 if a.objections_upheld else None
    return {
        "timeliness": _share(a.timed - a.late_records, a.timed),
        "completeness": sum(parts) / len(parts) if parts else None,
        "accuracy": accuracy,
        "responsiveness": _share(a.cases_on_time, a.cases_due),
        "feedback": _share(a.hits_with_feedback, a.hits),
    }


def score_of(rates: dict[str, float | None], weights: dict[str, int]) -> float | None:
    """The weighted mean × 100 over the measured dimensions (their weights renormalised);
    None when no weighted dimension was measured."""
    measured = [d for d in DIMENSIONS if rates[d] is not None and weights[d]]
    total = sum(weights[d] for d in measured)
    if not total:
        return None
    return round(100 * sum(weights[d] * rates[d] for d in measured) / total, 1)


def rank(assessments: list[DepartmentAssessment]) -> list[DepartmentAssessment]:
    """Highest score first, those without a score last; equal scores share a rank
    (1, 2, 2, 4)."""
    ordered = sorted(
        assessments,
        key=lambda a: (a.score is None, -(a.score or 0.0), a.department),
    )
    for position, entry in enumerate(ordered, start=1):
        previous = ordered[position - 2] if position > 1 else None
        entry.rank = previous.rank if previous and previous.score == entry.score else position
    return ordered


def assess(
    period: Period,
    *,
    department_codes: list[str] | None = None,
    weights: dict[str, int] | None = None,
    today: dt.date | None = None,
) -> list[DepartmentAssessment]:
    """Every active department's assessment for the period (or those named), ranked."""
    today = today or timezone.localdate()
    weights = weights or AssessmentWeights.current().as_dict()
    departments = Department.objects.filter(is_active=True).order_by("code")
    if department_codes:
        departments = departments.filter(code__in=department_codes)
    by_id = {d.pk: DepartmentAssessment(d.code, d.name) for d in departments}
    if not by_id:
        return []
    ids = list(by_id)
    start, end = period.bounds()

    for row in (
        Batch.objects.filter(
            department_id__in=ids,
            dry_run=False,
            validated_at__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("department_id")
        .annotate(rows=Sum("rows_total"), accepted=Sum("accepted"), rejected=Sum("rejected"))
    ):
        entry = by_id[row["department_id"]]
        entry.rows, entry.accepted, entry.rejected = row["rows"], row["accepted"], row["rejected"]

    figures = BatchFigures.objects.filter(
        department_id__in=ids, day__gte=period.start, day__lte=period.end
    )
    for row in figures.values("department_id").annotate(
        timed=Sum("timed"),
        late=Sum("late"),
        untimed=Sum("untimed"),
        filled=Sum("recommended_filled"),
        total=Sum("recommended_total"),
    ):
        entry = by_id[row["department_id"]]
        entry.timed, entry.late_records, entry.untimed = row["timed"], row["late"], row["untimed"]
        entry.recommended_filled, entry.recommended_total = row["filled"], row["total"]

    for department_id, tally in revocations.revocation_tallies(ids, start, end).items():
        entry = by_id[department_id]
        entry.revocations_timed = tally.timed
        entry.revocations_late = len(tally.late)
        entry.revocations_untimed = tally.untimed
        entry.timed += tally.timed
        entry.late_records += len(tally.late)
        entry.untimed += tally.untimed

    _completeness(by_id, figures, period)
    _objections(by_id, start, end)
    _responsiveness(by_id, period, today)
    _feedback(by_id, start, end)

    for entry in by_id.values():
        entry.rates = rates_of(entry)
        entry.score = score_of(entry.rates, weights)
    return rank(list(by_id.values()))


def _completeness(by_id, figures, period: Period) -> None:
    reported = set(figures.values_list("department_id", "catalog_item_id").distinct())
    duties = ReportingDuty.objects.filter(
        department_id__in=list(by_id), is_active=True, event=DutyEvent.DECISION
    ).select_related("catalog_item")
    if not period.ends_a_quarter:
        # A quarterly duty falls due only with the quarter's last month.
        duties = duties.exclude(frequency=Frequency.QUARTERLY)
    for duty in duties.order_by("catalog_item__sort_order", "catalog_item__code"):
        entry = by_id[duty.department_id]
        entry.duties += 1
        if (duty.department_id, duty.catalog_item_id) not in reported:
            entry.missing_duties.append(duty.catalog_item.code)


def _objections(by_id, start, end) -> None:
    for row in (
        Case.objects.filter(
            department_id__in=list(by_id),
            kind=CaseKind.OBJECTION,
            decision__in=UPHOLDING_DECISIONS,
            decided_at__gte=start,
            decided_at__lt=end,
        )
        .values("department_id")
        .annotate(n=Count("id"))
    ):
        by_id[row["department_id"]].objections_upheld = row["n"]


def _responsiveness(by_id, period: Period, today: dt.date) -> None:
    """Each forwarding whose answer fell due in the period: answered by the due date?
    Forwardings not yet due and unanswered are left out."""
    forwards = list(
        CaseTransition.objects.filter(
            to_stage=Stage.FORWARDED,
            case__department_id__in=list(by_id),
            due_on__gte=period.start,
            due_on__lte=period.end,
        ).values("case_id", "case__department_id", "created_at", "due_on")
    )
    answers: dict[int, list[dt.datetime]] = {}
    for case_id, at in CaseTransition.objects.filter(
        to_stage=Stage.ANSWERED, case_id__in={f["case_id"] for f in forwards}
    ).values_list("case_id", "created_at"):
        answers.setdefault(case_id, []).append(at)
    for forward in forwards:
        later = [at for at in answers.get(forward["case_id"], []) if at >= forward["created_at"]]
        answered_on = timezone.localdate(min(later)) if later else None
        if answered_on is None and forward["due_on"] >= today:
            continue
        entry = by_id[forward["case__department_id"]]
        entry.cases_due += 1
        entry.cases_on_time += answered_on is not None and answered_on <= forward["due_on"]


def _feedback(by_id, start, end) -> None:
    hits = (
        LookupRow.objects.filter(
            lookup__user__department_id__in=list(by_id),
            lookup__created_at__gte=start,
            lookup__created_at__lt=end,
        )
        .exclude(measures=[])
        .annotate(fed=Exists(Feedback.objects.filter(row=OuterRef("pk"))))
    )
    for row in hits.values("lookup__user__department_id").annotate(
        hits=Count("id"), fed=Count("id", filter=Q(fed=True))
    ):
        entry = by_id[row["lookup__user__department_id"]]
        entry.hits, entry.hits_with_feedback = row["hits"], row["fed"]


# --- Drill-down --------------------------------------------------------------------


def late_records(period: Period, department: Department):
    """The period's late records of one department, with what the list shows."""
    return (
        LateRecord.objects.filter(
            figures__department=department,
            figures__day__gte=period.start,
            figures__day__lte=period.end,
        )
        .select_related("record", "record__subject", "record__catalog_item", "figures")
        .order_by("-working_days_late", "record_id")
    )


def late_revocations(period: Period, department: Department):
    """The period's revocations of one department that left public view late."""
    start, end = period.bounds()
    return revocations.late_revocations(department.pk, start, end)


def batches_with_rejections(period: Period, department: Department):
    start, end = period.bounds()
    return (
        Batch.objects.filter(
            department=department,
            dry_run=False,
            validated_at__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
            rejected__gt=0,
        )
        .select_related("catalog_item")
        .order_by("-created_at")
    )
