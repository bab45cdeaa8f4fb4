"""Working days on the Chinese statutory calendar (法定节假日与调休).

The maintained `chinese-calendar` library knows each year's State Council
holiday notice, including the weekends that become working days (调休上班).
Operators can override any date (WorkdayOverride rows), which is how a year the
library does not cover yet is entered before a library release ships it. A
date neither source covers falls back to Monday–Friday.

"Within N working days" of a day D means by the end of the N-th working day
after D: D itself never counts, whether or not it is a working day.
"""

from __future__ import annotations

import datetime as dt
import functools

import chinese_calendar

# How far add_working_days may walk before giving up (a year of holidays would be absurd).
_MAX_SPAN_DAYS = 366 * 2


@functools.lru_cache(maxsize=8192)
def library_says(day: dt.date) -> bool | None:
    """The library's answer for `day`, or None for a year it does not cover.

    Cached: the library takes some 50 µs a date, and the answer for a past or
    published date never changes within one installed version.
    """
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def library_covers(year: int) -> bool:
    return library_says(dt.date(year, 6, 1)) is not None


def library_version() -> str:
    return getattr(chinese_calendar, "__version__", "")


# The State Council publishes next year's holidays in October or November; from this many
# days before a year starts, operators are alerted if neither source knows that year yet.
WARN_DAYS_AHEAD = 75


def uncovered_years(today: dt.date) -> list[int]:
    """This year and (within WARN_DAYS_AHEAD of it) next year, where the library has no
    holiday schedule and operators have entered no date either: deadlines there would
    count every weekday as a working day."""
    from portal.objections.models import WorkdayOverride

    years = sorted({today.year, (today + dt.timedelta(days=WARN_DAYS_AHEAD)).year})
    entered = set(
        WorkdayOverride.objects.filter(date__year__in=years).values_list("date__year", flat=True)
    )
    return [y for y in years if not library_covers(y) and y not in entered]


class WorkingCalendar:
    """Working-day arithmetic with operator overrides loaded once per use.

    `overrides` maps dates to is_working_day; by default it is read from the
    database for the span asked about, so one instance serves many questions.
    """

    def __init__(self, overrides: dict[dt.date, bool] | None = None):
        self._overrides = overrides
        self._loaded: tuple[dt.date, dt.date] | None = (
            None
            if overrides is None
            else (
                dt.date.min,
                dt.date.max,
            )
        )

    def _ensure(self, start: dt.date, end: dt.date) -> None:
        if self._loaded and self._loaded[0] <= start and end <= self._loaded[1]:
            return
        from portal.objections.models import WorkdayOverride

        # Read a generous span at once: overrides are few, queries are not free.
        start = min(start, self._loaded[0]) if self._loaded else start - dt.timedelta(days=31)
        end = max(end, self._loaded[1]) if self._loaded else end + dt.timedelta(days=366)
        self._overrides = dict(
            WorkdayOverride.objects.filter(date__range=(start, end)).values_list(
                "date", "is_working_day"
            )
        )
        self._loaded = (start, end)

    def is_working_day(self, day: dt.date) -> bool:
        self._ensure(day, day)
        if day in self._overrides:
            return self._overrides[day]
        answer = library_says(day)
        if answer is None:
            return day.weekday() < 5
        return answer

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `start` (start itself never counts)."""
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return start
        self._ensure(start, start + dt.timedelta(days=days * 3 + 30))
        day, counted = start, 0
        for _ in range(_MAX_SPAN_DAYS):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
                if counted == days:
                    return day
        raise ValueError(f"no {days} working days within two years of {start}")

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        self._ensure(start, end)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar().is_working_day(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    return WorkingCalendar().add_working_days(start, days)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return WorkingCalendar().working_days_between(start, end)
