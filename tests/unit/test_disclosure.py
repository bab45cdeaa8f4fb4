"""Public-state derivation at the edges of each disclosure period (docs/domain.md, Disclosure periods)."""

import datetime as dt

import pytest

from portal.catalog.models import DisclosureRule
from portal.records.disclosure import (
    DisclosureWindow,
    PublicState,
    RecordStatus,
    derive_public_state,
    disclosure_window,
)

PENALTY_RULE = DisclosureRule(
    basis="period",
    periods={
        "minor": (0, 3, False),
        "general": (3, 12, True),
        "serious": (12, 36, True),
    },
    warning_only_unpublished=True,
)
DECIDED = dt.date(2026, 5, 1)


def state_on(today, window, **overrides):
    args = {
        "status": RecordStatus.ACTIVE,
        "item_is_public": True,
        "subject_is_minor": False,
        "window": window,
        "under_objection": False,
        "today": today,
    }
    args.update(overrides)
    return derive_public_state(**args)


@pytest.mark.parametrize(
    ("severity", "last_day", "repair_from"),
    [
        ("general", dt.date(2027, 4, 30), dt.date(2026, 8, 1)),
        ("serious", dt.date(2029, 4, 30), dt.date(2027, 5, 1)),
    ],
)
def test_penalty_published_through_the_last_day_then_expired(severity, last_day, repair_from):
    window = disclosure_window(PENALTY_RULE, decision_date=DECIDED, severity=severity)
    assert window.ends == last_day
    assert window.repair_from == repair_from
    assert state_on(DECIDED, window) == PublicState.PUBLISHED
    assert state_on(last_day, window) == PublicState.PUBLISHED
    assert state_on(last_day + dt.timedelta(days=1), window) == PublicState.EXPIRED


def test_minor_penalty_is_not_published():
    window = disclosure_window(PENALTY_RULE, decision_date=DECIDED, severity="minor")
    assert not window.publishable
    assert state_on(DECIDED, window) == PublicState.NOT_PUBLIC


def test_warning_only_penalty_is_not_published():
    window = disclosure_window(
        PENALTY_RULE, decision_date=DECIDED, severity="general", penalty_types=["警告"]
    )
    assert state_on(DECIDED, window) == PublicState.NOT_PUBLIC
    with_fine = disclosure_window(
        PENALTY_RULE, decision_date=DECIDED, severity="general", penalty_types=["警告", "罚款"]
    )
    assert state_on(DECIDED, with_fine) == PublicState.PUBLISHED


def test_department_may_shorten_but_not_below_minimum_nor_past_maximum():
    shorter = disclosure_window(
        PENALTY_RULE,
        decision_date=DECIDED,
        severity="general",
        publish_until=dt.date(2026, 10, 1),
    )
    assert shorter.ends == dt.date(2026, 10, 1)
    too_short = disclosure_window(
        PENALTY_RULE,
        decision_date=DECIDED,
        severity="general",
        publish_until=dt.date(2026, 5, 2),
    )
    assert too_short.ends == dt.date(2026, 7, 31)  # the 3-month minimum
    too_long = disclosure_window(
        PENALTY_RULE,
        decision_date=DECIDED,
        severity="general",
        publish_until=dt.date(2030, 1, 1),
    )
    assert too_long.ends == dt.date(2027, 4, 30)  # the 1-year maximum


def test_month_end_decision_dates():
    window = disclosure_window(PENALTY_RULE, decision_date=dt.date(2026, 1, 31), severity="general")
    assert window.ends == dt.date(2027, 1, 30)
    assert window.repair_from == dt.date(2026, 4, 30)


def test_licence_disclosed_while_valid():
    rule = DisclosureRule(basis="validity", periods={})
    window = disclosure_window(rule, decision_date=DECIDED, valid_until=dt.date(2027, 5, 1))
    assert state_on(dt.date(2027, 5, 1), window) == PublicState.PUBLISHED
    assert state_on(dt.date(2027, 5, 2), window) == PublicState.EXPIRED
    open_ended = disclosure_window(rule, decision_date=DECIDED)
    assert state_on(dt.date(2040, 1, 1), open_ended) == PublicState.PUBLISHED


def test_until_revoked_items_have_no_end():
    rule = DisclosureRule(basis="until_revoked", periods={})
    window = disclosure_window(rule, decision_date=DECIDED)
    assert window.ends is None
    assert state_on(dt.date(2035, 1, 1), window) == PublicState.PUBLISHED


WINDOW = DisclosureWindow(True, DECIDED, dt.date(2027, 4, 30), dt.date(2026, 8, 1))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"under_objection": True}, PublicState.UNDER_OBJECTION),
        ({"status": RecordStatus.REPAIRED}, PublicState.REPAIRED),
        ({"status": RecordStatus.REVOKED}, PublicState.REVOKED),
        ({"status": RecordStatus.CORRECTED}, PublicState.CORRECTED),
        ({"item_is_public": False}, PublicState.NOT_PUBLIC),
        ({"subject_is_minor": True}, PublicState.NOT_PUBLIC),
        ({"today": DECIDED - dt.timedelta(days=1)}, PublicState.NOT_PUBLIC),
        ({"under_objection": True, "today": dt.date(2027, 5, 1)}, PublicState.EXPIRED),
        ({"status": RecordStatus.REPAIRED, "item_is_public": False}, PublicState.REPAIRED),
    ],
)
def test_state_precedence(overrides, expected):
    today = overrides.pop("today", DECIDED + dt.timedelta(days=10))
    assert state_on(today, WINDOW, **overrides) == expected
