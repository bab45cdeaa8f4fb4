"""The working-day calendar as objections use it: the calendar itself lives in
portal/core/workdays.py (so lower layers, e.g. the query alerts, share it); this
module keeps the operators' overrides (WorkdayOverride) and re-exports the calendar.
"""

from __future__ import annotations

import datetime as dt

from portal.core.workdays import (  # noqa: F401  (re-exported: objections' API)
    WorkingCalendar,
    add_working_days,
    is_working_day,
    library_covers,
    library_says,
    library_version,
    use_overrides,
    working_days_between,
)


def load_overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    """The operators' overrides between start and end: {date: is_working_day}."""
    from portal.objections.models import WorkdayOverride

    return dict(
        WorkdayOverride.objects.filter(date__range=(start, end)).values_list(
            "date", "is_working_day"
        )
    )


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
