"""The assessment of departments' reporting (报送考核) for a month, quarter or year.

Plain functions over plain data; the command, the admin and the workspace only show
what `assess` returns. The dimensions (docs/domain.md, Reporting duties and assessment):

- timeliness: share of timed records brought in within their duty's deadline
  (portal.assessment.figures counts them per committed batch);
- completeness: half the share of decision duties reported in the period, half the
  share of recommended fields filled;
- accuracy: 1 − (rejected rows + objections upheld) / rows. An objection is upheld when
  its decision corrects or removes the record (Decision.UPHELD keeps the record: the
  objection failed);
- responsiveness: cases forwarded to the department answered by their due date;
- application feedback: screening hits (lookup rows with measures) by the department's
  reviewers that got feedback.

A period with nothing to measure in a dimension scores that dimension in full.
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
    timed: int = 0
    late_records: int = 0
    untimed: int = 0
    duties: int = 0
    missing_duties: list[str] = field(default_factory=list)
    recommended_filled: int = 0
    recommended_total: int = 0
    objections_upheld: int = 0
    cases_due: int = 0
    cases_on_time: int = 0
    hits: int = 0
    hits_with_feedback: int = 0
    rates: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    rank: int = 0

    @property
    def timely_rate(self) -> float:
        return self.rates["timeliness"]

    @property
    def response_rate(self) -> float:
        return self.rates["responsiveness"]

    @property
    def feedback_rate(self) -> float:
        return self.rates["feedback"]

    @property
    def rejected_rate(self) -> float:
        return self.rejected / self.rows if self.rows else 0.0

    @property
    def recommended_rate(self) -> float:
        return self.recommended_filled / self.recommended_total if self.recommended_total else 1.0

    def as_json(self) -> dict:
        """The command's JSON contract, key for key."""
        return {
            "department": self.department,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "timely_rate": round(self.timely_rate, 4),
            "late_records": self.late_records,
            "missing_duties": list(self.missing_duties),
            "objections_upheld": self.objections_upheld,
            "response_rate": round(self.response_rate, 4),
            "feedback_rate": round(self.feedback_rate, 4),
            "score": self.score,
        }

    def as_dict(self) -> dict:
        return asdict(self)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def rates_of(a: DepartmentAssessment) -> dict[str, float]:
    duties_met = _share(a.duties - len(a.missing_duties), a.duties)
    accuracy = 1.0 - (a.rejected + a.objections_upheld) / a.rows if a.rows else 1.0
    if not a.rows and a.objections_upheld:
        accuracy = 0.0
    return {
        "timeliness": _share(a.timed - a.late_records, a.timed),
        "completeness": (duties_met + a.recommended_rate) / 2,
        "accuracy": max(0.0, min(1.0, accuracy)),
        "responsiveness": _share(a.cases_on_time, a.cases_due),
        "feedback": _share(a.hits_with_feedback, a.hits),
    }


def score_of(rates: dict[str, float], weights: dict[str, int]) -> float:
    total = sum(weights[d] for d in DIMENSIONS)
    if not total:
        return 0.0
    return round(100 * sum(weights[d] * rates[d] for d in DIMENSIONS) / total, 1)


def rank(assessments: list[DepartmentAssessment]) -> list[DepartmentAssessment]:
    """Highest score first; equal scores share a rank (1, 2, 2, 4)."""
    ordered = sorted(assessments, key=lambda a: (-a.score, a.department))
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
