"""Working days on the Chinese statutory calendar (法定节假日与调休).

The maintained `chinese-calendar` library knows each year's State Council
holiday notice, including the weekends that become working days (调休上班).
Operators can override any date, which is how a year the library does not
cover yet is entered before a library release ships it; the overrides are
stored by the app that lets operators edit them (portal.objections), which
hands its reader to `use_overrides` when it starts, so every layer above the
core sees one calendar. A date neither source covers falls back to
Monday–Friday.

"Within N working days" of a day D means by the end of the N-th working day
after D: D itself never counts, whether or not it is a working day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import chinese_calendar

# How far add_working_days may walk before giving up (a year of holidays would be absurd).
_MAX_SPAN_DAYS = 366 * 2

# Reads the operators' overrides for a span of dates: {date: is_working_day}.
OverrideLoader = Callable[[dt.date, dt.date], dict[dt.date, bool]]
_loader: OverrideLoader | None = None


def use_overrides(loader: OverrideLoader | None) -> None:
    """Where WorkingCalendar reads operators' overrides from (None: no overrides)."""
    global _loader
    _loader = loader


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


class WorkingCalendar:
    """Working-day arithmetic with operator overrides loaded once per use.

    `overrides` maps dates to is_working_day; by default they are read through the
    registered loader for the span asked about, so one instance serves many questions.
    """

    def __init__(self, overrides: dict[dt.date, bool] | None = None):
        self._overrides = overrides or {}
        self._loaded: tuple[dt.date, dt.date] | None = (
            None if overrides is None else (dt.date.min, dt.date.max)
        )

    def _ensure(self, start: dt.date, end: dt.date) -> None:
        if self._loaded and self._loaded[0] <= start and end <= self._loaded[1]:
            return
        if _loader is None:
            self._loaded = (dt.date.min, dt.date.max)
            return
        # Read a generous span at once: overrides are few, queries are not free.
        start = min(start, self._loaded[0]) if self._loaded else start - dt.timedelta(days=31)
        end = max(end, self._loaded[1]) if self._loaded else end + dt.timedelta(days=366)
        self._overrides = _loader(start, end)
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
