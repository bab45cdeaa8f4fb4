"""The statistics as tables (and the charts drawn from them), read from the Figure table.

`operator_tables` is what operators see in the admin and export (figures over time by
day, month, quarter or year, summed from the day figures); `public_tables` what the public
page shows: monthly and all-time aggregates of public records only, every group of fewer
than PUBLIC_MIN_SUBJECTS subjects merged into 其他 or shown as "<5", and months withheld
beside a small one (×) so no small month can be derived from the total (suppression.py).
"""

import datetime as dt
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.catalog.models import CatalogItem
from portal.core.languages import localised_choices
from portal.departments.models import Department
from portal.measures.models import Measure, Scenario
from portal.statistics.models import DayFigure, Figure
from portal.statistics.refresh import ALL, RECORD_DIMENSIONS
from portal.statistics.suppression import OTHER, PUBLIC_MIN_SUBJECTS, WITHHELD
from portal.subjects.districts import district_choices
from portal.subjects.industries import SECTION_NAMES
from portal.subjects.models import SubjectKind

# How the public page writes a figure it may not show.
HIDDEN = f"<{PUBLIC_MIN_SUBJECTS}"
MONTHS_SHOWN = 24

DIMENSION_TITLES = {
    "department": gettext_lazy("按提供部门"),
    "catalog_item": gettext_lazy("按目录项"),
    "district": gettext_lazy("按区县"),
    "subject_kind": gettext_lazy("按主体类别"),
    "industry": gettext_lazy("按行业（门类）"),
}
DIMENSION_HEADINGS = {
    "department": gettext_lazy("提供部门"),
    "catalog_item": gettext_lazy("目录项"),
    "district": gettext_lazy("区县"),
    "subject_kind": gettext_lazy("主体类别"),
    "industry": gettext_lazy("行业门类"),
}


@dataclass
class Table:
    """One table: a first column of group labels and columns of figures. `chart` is
    how the page draws it ("bar", "line" or "" for none)."""

    slug: str
    title: str
    heading: str
    columns: list[str]
    rows: list[tuple[str, list]] = field(default_factory=list)
    chart: str = "bar"
    # Rows are months, in order (drawn left to right, never as horizontal bars).
    over_time: bool = False

    def chart_spec(self) -> dict:
        return {
            "id": self.slug,
            "type": self.chart,
            "title": self.title,
            # Months read left to right; many named groups read better as horizontal bars.
            "over_time": self.over_time,
            "categories": [label for label, _cells in self.rows],
            "series": [
                {
                    "name": column,
                    # A figure the page may not show is a gap in the chart, never a number.
                    "data": [
                        cells[i] if isinstance(cells[i], int) else None for _l, cells in self.rows
                    ],
                }
                for i, column in enumerate(self.columns)
            ],
        }

    @property
    def labelled_rows(self) -> list[tuple[str, list[tuple[str, object]]]]:
        """Rows with each cell beside its column's name (narrow screens label each cell)."""
        return [(label, list(zip(self.columns, cells, strict=True))) for label, cells in self.rows]

    def as_rows(self) -> list[list]:
        """The table for a spreadsheet: its title, header and rows."""
        return [[self.title], [self.heading, *self.columns]] + [
            [label, *cells] for label, cells in self.rows
        ]


def _named(model) -> dict:
    return dict(localised_choices(model.objects.values_list("code", "name", "name_en")))


class Labels:
    """The words for a group key in each dimension, in the current language."""

    def __init__(self):
        self.by_dimension = {
            "department": _named(Department),
            "catalog_item": _named(CatalogItem),
            "district": dict(district_choices()),
            "subject_kind": {kind.value: str(kind.label) for kind in SubjectKind},
            "industry": {letter: f"{letter} {name}" for letter, name in SECTION_NAMES.items()},
            "scenario": _named(Scenario),
            "measure": _named(Measure),
        }

    def __call__(self, dimension: str, key: str) -> str:
        if key == OTHER:
            return _("其他")
        if not key:
            return _("未填报行业") if dimension == "industry" else _("未知")
        return self.by_dimension.get(dimension, {}).get(key, key)


class FigureBook:
    """The figures pages read: every total, by month and all time, and every group all time."""

    def __init__(self):
        self.figures = {
            (f.metric, f.dimension, f.key, f.month): f
            for f in Figure.objects.filter(Q(dimension=ALL) | Q(month__isnull=True))
        }

    def get(self, metric, dimension=ALL, key="", month=None) -> Figure | None:
        return self.figures.get((metric, dimension, key, month))

    def value(self, metric, dimension=ALL, key="", month=None) -> int:
        figure = self.get(metric, dimension, key, month)
        return figure.value if figure else 0

    def subjects(self, metric, dimension=ALL, key="", month=None) -> int:
        figure = self.get(metric, dimension, key, month)
        return (figure.subjects or 0) if figure else 0

    def shown(self, metric, dimension=ALL, key="", month=None):
        """The value as the public may see it: the number, or "<5" for a small group."""
        figure = self.get(metric, dimension, key, month)
        if figure is None:
            return 0
        if figure.suppressed:
            return HIDDEN
        return WITHHELD if figure.withheld else figure.value

    def shown_subjects(self, metric, dimension=ALL, key="", month=None):
        figure = self.get(metric, dimension, key, month)
        if figure is None:
            return 0
        return HIDDEN if figure.suppressed else figure.subjects

    def keys(self, metric, dimension) -> list[str]:
        found = {
            key
            for (m, d, key, month) in self.figures
            if m == metric and d == dimension and month is None
        }
        return sorted(found, key=lambda k: (-self.value(metric, dimension, k), k))


def months(today: dt.date | None = None, count: int = MONTHS_SHOWN) -> list[dt.date]:
    first = (today or timezone.localdate()).replace(day=1)
    return [first - relativedelta(months=back) for back in range(count - 1, -1, -1)]


def _month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


# -- periods of the operators' views -----------------------------------------------------

# Each view: how many periods it shows, up to the current one.
PERIODS = {"day": 31, "month": 24, "quarter": 8, "year": 5}
PERIOD_NAMES = {
    "day": gettext_lazy("按日"),
    "month": gettext_lazy("按月"),
    "quarter": gettext_lazy("按季度"),
    "year": gettext_lazy("按年"),
}
PERIOD_HEADINGS = {
    "day": gettext_lazy("日期"),
    "month": gettext_lazy("月份"),
    "quarter": gettext_lazy("季度"),
    "year": gettext_lazy("年份"),
}
DEFAULT_PERIOD = "month"


def period_start(day: dt.date, per: str) -> dt.date:
    if per == "day":
        return day
    if per == "month":
        return day.replace(day=1)
    if per == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return dt.date(day.year, 1, 1)


def period_span(per: str, today: dt.date | None = None) -> list[dt.date]:
    """The first days of the view's periods, oldest first, up to today's."""
    current = period_start(today or timezone.localdate(), per)
    step = {
        "day": relativedelta(days=1),
        "month": relativedelta(months=1),
        "quarter": relativedelta(months=3),
        "year": relativedelta(years=1),
    }[per]
    return [current - step * back for back in range(PERIODS[per] - 1, -1, -1)]


def period_label(start: dt.date, per: str) -> str:
    if per == "day":
        return start.isoformat()
    if per == "month":
        return _month_label(start)
    if per == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


class DayBook:
    """The day figures of a view's periods, summed by period in the database:
    (metric, dimension, key, period start) -> value, and the records' distinct
    subjects by day (only a day's can be read from day figures)."""

    def __init__(self, per: str, today: dt.date | None = None):
        self.per = per
        self.span = period_span(per, today)
        figures = DayFigure.objects.filter(day__gte=self.span[0]).order_by()
        if per == "day":
            rows = figures.values_list("metric", "dimension", "key", "day").annotate(n=Sum("value"))
        else:
            trunc = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}[per]
            rows = (
                figures.annotate(period=trunc("day"))
                .values_list("metric", "dimension", "key", "period")
                .annotate(n=Sum("value"))
            )
        self.values = {(m, d, k, _date(p)): n for m, d, k, p, n in rows}
        self.day_subjects = (
            dict(
                figures.filter(metric="records", dimension=ALL, key="").values_list(
                    "day", "subjects"
                )
            )
            if per == "day"
            else {}
        )

    def value(self, metric, start, dimension=ALL, key="") -> int:
        return self.values.get((metric, dimension, key, start), 0)

    def keys(self, metric, dimension) -> list[str]:
        totals: dict = {}
        for (m, d, key, _start), n in self.values.items():
            if m == metric and d == dimension:
                totals[key] = totals.get(key, 0) + n
        return sorted(totals, key=lambda k: (-totals[k], k))


def _date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# -- operators ----------------------------------------------------------------------


def operator_tables(today: dt.date | None = None, per: str = DEFAULT_PERIOD) -> list[Table]:
    """Every figure for operators; those over time by `per` (day, month, quarter, year)."""
    book, labels = FigureBook(), Labels()
    days = DayBook(per if per in PERIODS else DEFAULT_PERIOD, today)
    per, span = days.per, days.span
    heading = str(PERIOD_HEADINGS[per])
    suffix = str(PERIOD_NAMES[per])

    def over_time(slug, title, columns, cells) -> Table:
        return Table(
            slug,
            _("%(title)s（%(period)s）") % {"title": title, "period": suffix},
            heading,
            columns,
            [(period_label(start, per), cells(start)) for start in span],
            chart="line",
            over_time=True,
        )

    columns = [_("记录数"), _("其中公示中")]
    # Distinct subjects add up only within a day or month (kept for those), not across them.
    if per in ("day", "month"):
        columns.append(_("涉及主体数"))

    def records(start):
        cells = [days.value("records", start), days.value("public_records", start)]
        if per == "day":
            cells.append(days.day_subjects.get(start) or 0)
        elif per == "month":
            cells.append(book.subjects("records", month=start))
        return cells

    tables = [
        _operator_summary(book),
        over_time("records-over-time", _("信用记录（决定日期）"), columns, records),
    ]
    for dimension in RECORD_DIMENSIONS:
        tables.append(
            Table(
                f"records-by-{dimension.replace('_', '-')}",
                _("信用记录和主体") + " · " + str(DIMENSION_TITLES[dimension]),
                str(DIMENSION_HEADINGS[dimension]),
                [_("记录数"), _("涉及主体数"), _("其中公示中")],
                [
                    (
                        labels(dimension, key),
                        [
                            book.value("records", dimension, key),
                            book.subjects("records", dimension, key),
                            book.value("public_records", dimension, key),
                        ],
                    )
                    for key in book.keys("records", dimension)
                ],
            )
        )
        tables.append(_records_over_time_by(days, labels, dimension, over_time))
    lists = ["red_entries", "red_removals", "black_entries", "black_removals"]
    tables.append(
        over_time(
            "lists-over-time",
            _("红黑名单列入和移出"),
            [_("红名单列入"), _("红名单移出"), _("黑名单列入"), _("黑名单移出")],
            lambda start: [days.value(metric, start) for metric in lists],
        )
    )
    cases = [
        "objections_filed",
        "objections_granted",
        "objections_in_time",
        "repairs_filed",
        "repairs_granted",
        "repairs_in_time",
        "statements_filed",
        "statements_granted",
    ]
    tables.append(
        over_time(
            "cases-over-time",
            _("异议、信用修复和本人声明"),
            [
                _("异议申请"),
                _("异议成立"),
                _("异议按期办结"),
                _("修复申请"),
                _("准予修复"),
                _("修复按期办结"),
                _("本人声明申请"),
                _("声明予以展示"),
            ],
            lambda start: [days.value(metric, start) for metric in cases],
        )
    )
    tables.append(_cases_totals(book, public=False))
    screening = ["lookups", "lookup_subjects", "lookup_hits", "measures_applied"]
    tables.append(
        over_time(
            "screening-over-time",
            _("联合奖惩查询和措施"),
            [_("查询次数"), _("查询主体数"), _("命中红黑名单"), _("已采取措施")],
            lambda start: [days.value(metric, start) for metric in screening],
        )
    )
    tables.append(
        Table(
            "measures-applied",
            _("已采取的联合奖惩措施"),
            _("措施"),
            [_("次数")],
            [
                (labels("measure", key), [book.value("measures_applied", "measure", key)])
                for key in book.keys("measures_applied", "measure")
            ],
        )
    )
    return tables


# The groups a breakdown over time shows apart; the rest are summed as 其他.
GROUPS_OVER_TIME = 8


def _records_over_time_by(days: DayBook, labels: Labels, dimension: str, over_time) -> Table:
    keys = days.keys("records", dimension)
    shown, rest = keys[:GROUPS_OVER_TIME], keys[GROUPS_OVER_TIME:]
    columns = [labels(dimension, key) for key in shown] + ([_("其他")] if rest else [])

    def cells(start):
        row = [days.value("records", start, dimension, key) for key in shown]
        if rest:
            row.append(sum(days.value("records", start, dimension, key) for key in rest))
        return row

    return over_time(
        f"records-over-time-by-{dimension.replace('_', '-')}",
        _("信用记录") + " · " + str(DIMENSION_TITLES[dimension]),
        columns,
        cells,
    )


def _operator_summary(book: FigureBook) -> Table:
    rows = [
        (_("信用记录"), [book.value("records")]),
        (_("涉及主体"), [book.subjects("records")]),
        (_("公示中的记录"), [book.value("public_records")]),
        (_("红名单列入"), [book.value("red_entries")]),
        (_("红名单移出"), [book.value("red_removals")]),
        (_("黑名单列入"), [book.value("black_entries")]),
        (_("黑名单移出"), [book.value("black_removals")]),
        (_("异议申请"), [book.value("objections_filed")]),
        (_("信用修复申请"), [book.value("repairs_filed")]),
        (_("本人声明申请"), [book.value("statements_filed")]),
        (_("联合奖惩查询"), [book.value("lookups")]),
        (_("已采取措施"), [book.value("measures_applied")]),
    ]
    return Table("summary", _("总览"), _("指标"), [_("数量")], rows, chart="")


def _lists_by_month(book: FigureBook, span, public: bool) -> Table:
    read = book.shown if public else book.value
    metrics = ["red_entries", "red_removals", "black_entries", "black_removals"]
    return Table(
        "lists-by-month",
        _("红黑名单列入和移出按月"),
        _("月份"),
        [_("红名单列入"), _("红名单移出"), _("黑名单列入"), _("黑名单移出")],
        [(_month_label(m), [read(metric, month=m) for metric in metrics]) for m in span],
        over_time=True,
    )


def _cases_totals(book: FigureBook, public: bool) -> Table:
    read = book.shown if public else book.value
    rows = []
    for prefix, label in (
        ("objections", _("异议")),
        ("repairs", _("信用修复")),
        ("statements", _("本人声明")),
    ):
        rows.append(
            (
                label,
                [
                    read(f"{prefix}_filed"),
                    read(f"{prefix}_decided"),
                    read(f"{prefix}_granted"),
                    read(f"{prefix}_in_time"),
                ],
            )
        )
    return Table(
        "cases",
        _("异议、信用修复和本人声明"),
        _("类别"),
        # For a statement, "granted" is its being shown beside the record.
        [_("申请"), _("已办结"), _("成立、准予或展示"), _("按期办结")],
        rows,
    )


# -- the public ------------------------------------------------------------------------


def public_summary(book: FigureBook) -> dict:
    return {
        "records": book.shown("public_records"),
        "subjects": book.shown_subjects("public_records"),
        "red": book.shown("red_entries"),
        "black": book.shown("black_entries"),
    }


def public_tables(today: dt.date | None = None) -> tuple[dict, list[Table]]:
    book, labels, span = FigureBook(), Labels(), months(today)
    tables = [
        Table(
            "public-records-by-month",
            _("公示信用记录按月（决定日期）"),
            _("月份"),
            [_("记录数")],
            [(_month_label(m), [book.shown("public_records", month=m)]) for m in span],
            chart="line",
            over_time=True,
        )
    ]
    for dimension in RECORD_DIMENSIONS:
        rows = []
        other = None
        for key in book.keys("public_records", dimension):
            figure = book.get("public_records", dimension, key)
            if key == OTHER:
                other = figure
            elif not figure.suppressed:
                rows.append((labels(dimension, key), [figure.value, figure.subjects]))
        if other is not None:
            cells = [HIDDEN, HIDDEN] if other.suppressed else [other.value, other.subjects]
            rows.append((labels(dimension, OTHER), cells))
        tables.append(
            Table(
                f"public-records-by-{dimension.replace('_', '-')}",
                _("公示信用记录") + " · " + str(DIMENSION_TITLES[dimension]),
                str(DIMENSION_HEADINGS[dimension]),
                [_("记录数"), _("涉及主体数")],
                rows,
            )
        )
    tables.append(_lists_by_month(book, months(today, 12), public=True))
    tables.append(_cases_totals(book, public=True))
    return public_summary(book), tables
