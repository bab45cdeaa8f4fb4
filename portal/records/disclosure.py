"""Disclosure periods and the derived public state of a record (docs/domain.md, Disclosure periods).

Plain functions over plain values, so the rules can be tested at every edge
without a database. Periods count from the decision date: a record with a
one-year period decided on 2026-05-01 is disclosed through 2027-04-30 and
expired from 2027-05-01. Repair may be applied for from the day the minimum
period has passed.
"""

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.catalog.models import DisclosureBasis, DisclosureRule

WARNING_ONLY = frozenset({"警告"})


class PublicState(models.TextChoices):
    PUBLISHED = "published", _("公示中")
    UNDER_OBJECTION = "under_objection", _("异议处理中")
    REPAIRED = "repaired", _("已修复")
    EXPIRED = "expired", _("公示期满")
    CORRECTED = "corrected", _("已更正")
    REVOKED = "revoked", _("已撤销")
    DELISTED = "delisted", _("已移出名单")
    DELETED = "deleted", _("已删除")
    NOT_PUBLIC = "not_public", _("不予公开")


# The states the public site, public search and public exports may show.
PUBLIC_STATES = frozenset({PublicState.PUBLISHED, PublicState.UNDER_OBJECTION})


class RecordStatus(models.TextChoices):
    """What happened to the record itself, set by departments, objections and repair."""

    ACTIVE = "active", _("有效")
    CORRECTED = "corrected", _("已更正")
    REVOKED = "revoked", _("已撤销")
    REPAIRED = "repaired", _("已修复")
    # Taken off a list (移出) by the source department: the entry ends, it was not annulled.
    DELISTED = "delisted", _("已移出名单")
    # Deleted by operators (entered by mistake), on a second operator's approval: the
    # content is purged, the row stays as a tombstone (portal.records.deletion).
    DELETED = "deleted", _("已删除")


@dataclass(frozen=True)
class DisclosureWindow:
    """When a record is disclosed: from `starts` through `ends` (None = no end)."""

    publishable: bool
    starts: dt.date
    ends: dt.date | None
    repair_from: dt.date | None


def _months_later(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)


def disclosure_window(
    rule: DisclosureRule,
    *,
    decision_date: dt.date,
    severity: str = "",
    valid_until: dt.date | None = None,
    publish_until: dt.date | None = None,
    penalty_types: list[str] | None = None,
) -> DisclosureWindow:
    """The disclosure window the catalog rule gives one record."""
    if rule.basis == DisclosureBasis.VALIDITY:
        # Licences: disclosed while valid.
        return DisclosureWindow(True, decision_date, valid_until, None)
    if rule.basis == DisclosureBasis.UNTIL_REVOKED:
        return DisclosureWindow(True, decision_date, publish_until, None)

    period = rule.period_for(severity)
    publishable = True
    if rule.warning_only_unpublished and penalty_types and set(penalty_types) <= WARNING_ONLY:
        publishable = False
    if period is None:
        return DisclosureWindow(publishable, decision_date, publish_until, None)
    min_months, max_months, published = period
    publishable = publishable and published
    repair_from = _months_later(decision_date, min_months)
    ends = None
    if max_months is not None:
        ends = _months_later(decision_date, max_months) - dt.timedelta(days=1)
    if publish_until is not None:
        # A department may shorten the period, never below the minimum or past the maximum.
        earliest = repair_from - dt.timedelta(days=1) if min_months else decision_date
        ends = (
            max(publish_until, earliest)
            if ends is None
            else min(max(publish_until, earliest), ends)
        )
    return DisclosureWindow(publishable, decision_date, ends, repair_from)


def derive_public_state(
    *,
    status: str,
    item_is_public: bool,
    subject_is_minor: bool,
    window: DisclosureWindow,
    under_objection: bool,
    today: dt.date,
) -> str:
    """The one public state a record is in on `today`. Order matters: the first rule wins."""
    if status == RecordStatus.REVOKED:
        return PublicState.REVOKED
    if status == RecordStatus.DELISTED:
        return PublicState.DELISTED
    if status == RecordStatus.DELETED:
        return PublicState.DELETED
    if status == RecordStatus.CORRECTED:
        return PublicState.CORRECTED
    if status == RecordStatus.REPAIRED:
        return PublicState.REPAIRED
    if not item_is_public or subject_is_minor or not window.publishable:
        return PublicState.NOT_PUBLIC
    if today < window.starts:
        return PublicState.NOT_PUBLIC
    if window.ends is not None and today > window.ends:
        return PublicState.EXPIRED
    if under_objection:
        return PublicState.UNDER_OBJECTION
    return PublicState.PUBLISHED
