"""Figures over time: kept by day (on the schedule and after committed batches), summed by
day, month, quarter or year for operators; the public page's months withheld beside a
small one so no small figure can be derived from the total."""

import datetime as dt

import pytest

from exchange.models import BatchStatus
from portal.statistics.models import DayFigure, Figure, Refresh
from portal.statistics.refresh import refresh
from portal.statistics.suppression import WITHHELD, withheld_cells
from portal.statistics.tables import HIDDEN, FigureBook, operator_tables
from portal.statistics.tasks import recount_batch_days
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.factories import OrganisationFactory, make_record
from tests.statistics.conftest import TODAY

pytestmark = pytest.mark.django_db

JUL, AUG, SEP, OCT = (dt.date(2026, m, 1) for m in (7, 8, 9, 10))


def day_figure(metric, day, dimension="all", key=""):
    return DayFigure.objects.get(metric=metric, dimension=dimension, key=key, day=day)


def rows(table) -> dict:
    return {label: cells for label, cells in table.rows}


def table(tables, slug):
    return next(t for t in tables if t.slug == slug)


def test_every_total_and_the_records_breakdowns_are_kept_by_day(data_set):
    october_10 = dt.date(2026, 10, 10)
    assert (
        day_figure("records", october_10).value,
        day_figure("records", october_10).subjects,
    ) == (
        6,
        6,
    )
    assert day_figure("records", dt.date(2026, 9, 5), "department", "ENV").value == 5
    assert day_figure("records", october_10, "industry", "C").value == 6
    assert day_figure("red_entries", dt.date(2026, 10, 1)).value == 1
    assert day_figure("black_removals", dt.date(2026, 11, 2)).value == 1
    assert day_figure("objections_filed", dt.date(2026, 10, 20)).value == 1
    assert day_figure("objections_granted", dt.date(2026, 11, 3)).value == 1
    assert day_figure("lookups", dt.date(2026, 10, 15)).value == 1
    assert day_figure("measures_applied", dt.date(2026, 10, 16)).value == 1
    # Breakdowns other than the records' are kept by month only.
    assert not DayFigure.objects.filter(metric="public_records").exclude(dimension="all").exists()
    # The days add up to the months.
    for metric, month in (("records", OCT), ("records", SEP), ("black_entries", AUG)):
        days = DayFigure.objects.filter(
            metric=metric,
            dimension="all",
            day__gte=month,
            day__lt=month.replace(month=month.month + 1),
        )
        assert (
            sum(d.value for d in days)
            == Figure.objects.get(metric=metric, dimension="all", key="", month=month).value
        )


def test_operators_see_the_figures_by_day_month_quarter_and_year(data_set):
    daily = operator_tables(TODAY, per="day")
    assert list(rows(table(daily, "lists-over-time")))[-1] == "2026-11-20"
    assert rows(table(daily, "lists-over-time"))["2026-11-02"] == [0, 0, 0, 1]
    by_day = rows(table(operator_tables(dt.date(2026, 10, 31), per="day"), "records-over-time"))
    assert len(by_day) == 31 and list(by_day)[0] == "2026-10-01"
    # Records, of them public, distinct subjects that day.
    assert by_day["2026-10-10"] == [6, 6, 6]
    assert by_day["2026-10-12"] == [1, 1, 1]
    assert by_day["2026-10-20"] == [0, 0, 0]

    by_month = rows(table(operator_tables(TODAY, per="month"), "records-over-time"))
    assert by_month["2026-10"] == [8, 8, 8] and by_month["2026-08"] == [1, 0, 1]

    quarterly = operator_tables(TODAY, per="quarter")
    by_quarter = rows(table(quarterly, "records-over-time"))
    assert list(by_quarter)[-2:] == ["2026-Q3", "2026-Q4"]
    # Subjects are not summed across months (a subject can be in several).
    assert by_quarter["2026-Q3"] == [6, 5] and by_quarter["2026-Q4"] == [8, 8]
    by_department = table(quarterly, "records-over-time-by-department")
    assert by_department.columns[:2] == ["惠州市市场监督管理局", "惠州市生态环境局"]
    assert rows(by_department)["2026-Q3"][:2] == [1, 5]
    cases = rows(table(quarterly, "cases-over-time"))
    # Objections filed, upheld, in time; repairs filed, granted, in time; statements filed, shown.
    assert cases["2026-Q4"] == [2, 1, 1, 1, 0, 0, 0, 0]

    by_year = rows(table(operator_tables(TODAY, per="year"), "lists-over-time"))
    assert list(by_year) == ["2022", "2023", "2024", "2025", "2026"]
    assert by_year["2026"] == [1, 0, 1, 1]


def test_the_admin_page_offers_the_views(client, data_set, operator):
    client.force_login(operator)
    body = client.get("/admin/statistics/?per=quarter").content.decode()
    assert 'id="table-records-over-time"' in body and ">2026-Q4<" in body
    assert 'aria-current="page"' in body and 'href="?per=day"' in body
    # An unknown view falls back to months.
    assert ">2026-10<" in client.get("/admin/statistics/?per=week").content.decode()
    export = client.get("/admin/statistics/?per=year&export=csv")
    assert "2026" in export.content.decode()


def test_a_committed_batch_recounts_its_decision_days(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = load(
            penalty_csv(
                [penalty_row(decision_date="2026-03-15"), penalty_row(decision_date="2026-03-16")]
            )
        )
    assert batch.status == BatchStatus.COMMITTED
    assert not DayFigure.objects.exists() and len(callbacks) >= 2
    since = batch.committed_at.isoformat()
    assert recount_batch_days(batch.pk, since) > 0
    assert day_figure("records", dt.date(2026, 3, 15)).value == 1
    assert day_figure("records", dt.date(2026, 3, 16), "department", "MARKET").value == 1
    # Only the days were recounted, not the whole statistics.
    assert not Refresh.objects.exists()
    first = set(DayFigure.objects.values_list("metric", "dimension", "key", "day", "value"))
    recount_batch_days(batch.pk, since)
    assert set(DayFigure.objects.values_list("metric", "dimension", "key", "day", "value")) == first
    # Once a whole refresh has counted the batch, a late task does nothing.
    refresh(trigger="schedule")
    assert recount_batch_days(batch.pk, since) == 0


def test_a_small_month_cannot_be_derived_from_the_total(client, data_set):
    """A public record in July of one subject: July is "<5", and September (5 subjects,
    the smallest other month) is withheld with it, so the total minus the shown months is
    July and September together (6 subjects), never July alone."""
    make_record(
        OrganisationFactory(district="441302"), decision_date=dt.date(2026, 7, 7), today=TODAY
    )
    refresh(trigger="test", today=TODAY)
    book = FigureBook()
    assert book.shown("public_records", month=JUL) == HIDDEN
    assert book.shown("public_records", month=SEP) == WITHHELD
    assert book.shown("public_records", month=OCT) == 8
    total = book.shown("public_records")
    assert total == 14
    shown = [
        book.shown("public_records", month=f.month)
        for f in Figure.objects.filter(metric="public_records", dimension="all").exclude(month=None)
    ]
    derived = total - sum(v for v in shown if isinstance(v, int))
    assert derived == 6  # July's 1 and September's 5: no group of fewer than 5 subjects

    body = client.get("/statistics/").content.decode()
    months = body.split('id="table-public-records-by-month"')[1].split("</table>")[0]
    assert ">2026-07</th>" in months
    assert '"记录数">&lt;5<' in months.split(">2026-07</th>")[1].split("</tr>")[0]
    assert f'"记录数">{WITHHELD}<' in months.split(">2026-09</th>")[1].split("</tr>")[0]
    assert '"记录数">8<' in months.split(">2026-10</th>")[1].split("</tr>")[0]


@pytest.mark.parametrize(
    ("cells", "withheld"),
    [
        ({"a": 9, "b": 7}, set()),  # nothing small
        ({"a": 9, "b": 6, "c": 2}, {"b"}),  # the smallest other joins the small one
        ({"a": 9, "b": 3, "c": 4}, set()),  # two small ones hold 7 subjects together
        ({"a": 9, "b": 5, "c": 1, "d": 1}, {"b"}),  # 1 + 1 is still small
        ({"a": 2}, set()),  # one small cell: the total is small too
    ],
)
def test_withheld_cells(cells, withheld):
    # Subjects are counted as if every cell held different ones.
    assert withheld_cells(cells, lambda keys: sum(cells[k] for k in keys)) == withheld
