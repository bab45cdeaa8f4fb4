"""Working days on the statutory calendar: holidays, adjusted working weekends, overrides.

Dates are the State Council's real 2025 and 2026 arrangements as the
chinese-calendar library carries them.
"""

import datetime as dt

import pytest

from portal.objections.models import WorkdayOverride
from portal.objections.workdays import (
    WorkingCalendar,
    add_working_days,
    is_working_day,
    library_covers,
    working_days_between,
)

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "day, working",
    [
        (D(2025, 1, 26), True),  # Sunday worked before Spring Festival 2025
        (D(2025, 1, 28), False),  # 除夕
        (D(2025, 2, 4), False),  # last day of the Spring Festival holiday
        (D(2025, 2, 8), True),  # Saturday worked after it
        (D(2025, 9, 28), True),  # Sunday worked before National Day 2025
        (D(2025, 10, 8), False),  # last day of the National Day holiday
        (D(2025, 10, 11), True),  # Saturday worked after it
        (D(2026, 2, 14), True),  # Saturday worked before Spring Festival 2026
        (D(2026, 2, 23), False),  # Monday inside the 2026 holiday
        (D(2026, 2, 28), True),  # Saturday worked after it
        (D(2026, 10, 7), False),
        (D(2026, 10, 10), True),  # Saturday worked after National Day 2026
        (D(2026, 10, 11), False),  # an ordinary Sunday
    ],
)
def test_statutory_calendar(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    "start, days, due",
    [
        # Spring Festival 2025 (Jan 28 – Feb 4; Jan 26 and Feb 8 worked)
        (D(2025, 1, 24), 2, D(2025, 1, 27)),  # Sat off, Sun worked (1), Mon (2)
        (D(2025, 1, 27), 2, D(2025, 2, 6)),  # the whole holiday skipped
        (D(2025, 1, 27), 10, D(2025, 2, 17)),  # Sat Feb 8 counts
        # Spring Festival 2026 (Feb 15 – 23; Feb 14 and Feb 28 worked)
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # Sat Feb 14 (1), holiday, Tue Feb 24 (2)
        (D(2026, 2, 13), 10, D(2026, 3, 5)),  # Feb 14 (1), 24–27 (5), Sat 28 (6), Mar 2–5 (10)
        # National Day 2025 (Oct 1 – 8; Sep 28 and Oct 11 worked)
        (D(2025, 9, 26), 2, D(2025, 9, 29)),  # Sun Sep 28 (1), Mon (2)
        (D(2025, 9, 30), 2, D(2025, 10, 10)),  # Oct 9 (1), Oct 10 (2)
        (D(2025, 9, 30), 3, D(2025, 10, 11)),  # the worked Saturday
        (D(2025, 9, 30), 10, D(2025, 10, 21)),
        # National Day 2026 (Oct 1 – 7; Oct 10 worked)
        (D(2026, 9, 30), 2, D(2026, 10, 9)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),
        # Start on a holiday: the count starts with the next working day.
        (D(2026, 10, 3), 1, D(2026, 10, 8)),
        (D(2026, 5, 6), 0, D(2026, 5, 6)),
    ],
)
def test_add_working_days_across_holidays(start, days, due):
    assert add_working_days(start, days) == due


def test_working_days_between_counts_after_start_through_end():
    # Sep 30 → Oct 21 2025: exactly the ten working days of the previous test.
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 21)) == 10
    assert working_days_between(D(2025, 10, 21), D(2025, 9, 30)) == -10
    assert working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0


def test_overrides_serve_a_year_the_library_does_not_cover():
    year = 2031
    assert not library_covers(year)
    # Without overrides: Monday–Friday.
    assert add_working_days(D(year, 1, 31), 1) == D(year, 2, 3)  # Fri → Mon
    # The operator enters a holiday Monday and a worked Saturday.
    WorkdayOverride.objects.create(date=D(year, 2, 3), is_working_day=False, note="春节")
    WorkdayOverride.objects.create(date=D(year, 2, 8), is_working_day=True, note="调休上班")
    assert add_working_days(D(year, 1, 31), 1) == D(year, 2, 4)
    assert add_working_days(D(year, 2, 7), 1) == D(year, 2, 8)  # Fri → the worked Sat


def test_an_override_beats_the_library():
    WorkdayOverride.objects.create(date=D(2026, 2, 14), is_working_day=False, note="地方调整")
    assert not is_working_day(D(2026, 2, 14))
    assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 25)


def test_one_calendar_reads_the_overrides_once(django_assert_max_num_queries):
    calendar = WorkingCalendar()
    with django_assert_max_num_queries(1):
        for start in range(20):
            calendar.add_working_days(D(2026, 1, 5) + dt.timedelta(days=start), 10)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        WorkingCalendar({}).add_working_days(D(2026, 1, 5), -1)
