"""Registering staff queries, raising alerts on abnormal patterns, and the monthly figures.

Callers (admin, workspace, review, sharing) say what was looked at and why; the
rules here decide nothing about who may look, only keep the register and watch it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.core.workdays import WorkingCalendar
from portal.queries.models import AlertKind, QueryAlert, QueryRegistration, SecurityReport

# Audit actions counted as account changes in the monthly report.
ACCOUNT_ACTIONS = (
    "accounts.user_created",
    "accounts.user_changed",
    "accounts.roles_changed",
    "accounts.role_created",
    "accounts.role_permissions_changed",
    "accounts.role_deleted",
    "accounts.password_set",
    "auth.second_factor_reset",
    "auth.login_failed",
    "auth.session_timeout",
)


@dataclass(frozen=True)
class Looked:
    """One thing looked at: its label ("record:12") and the subject it concerns."""

    target: str
    subject_id: int | None = None
    natural_person: bool = False
    shared_only: bool = False


def clean_purpose(purpose: str) -> str:
    purpose = " ".join((purpose or "").split())
    if not purpose:
        raise ValidationError(_("请填写查询事由。"))
    return purpose[:500]


def register(
    *,
    user,
    channel: str,
    looked: list[Looked],
    purpose: str,
    legal_basis: str = "",
    user_label: str = "",
    department=None,
    refused: bool = False,
    now: dt.datetime | None = None,
) -> list[QueryRegistration]:
    """Register the user's view of `looked` (one audit entry for them all) and raise alerts.

    What the same user already registered through the same channel for the same purpose
    within PORTAL_QUERY_REPEAT_SECONDS is not registered again (see `repeats`): a reload
    is one query. Returns the registrations made now.
    """
    if not looked:
        return []
    purpose = clean_purpose(purpose)
    now = now or timezone.now()
    person = user if getattr(user, "is_authenticated", False) and user.pk else None
    label = user_label or (person.get_username() if person else "")
    department = department if department is not None else getattr(person, "department", None)
    seen = repeats(label, channel, purpose, refused, looked, now)
    looked = [item for item in looked if (item.target, item.subject_id) not in seen]
    if not looked:
        return []
    rows = [
        QueryRegistration(
            occurred_at=now,
            user=person,
            user_label=label,
            department=department,
            channel=channel,
            target=item.target,
            subject_id=item.subject_id,
            natural_person=item.natural_person,
            shared_only=item.shared_only,
            purpose=purpose,
            legal_basis=(legal_basis or "")[:300],
            refused=refused,
        )
        for item in looked
    ]
    with transaction.atomic():
        QueryRegistration.objects.bulk_create(rows)
        record_event(
            "queries.refused" if refused else "queries.registered",
            actor=person,
            target=looked[0].target if len(looked) == 1 else None,
            data={
                "user": label,
                "channel": channel,
                "targets": [item.target for item in looked[:200]],
                "count": len(looked),
                "purpose": purpose,
                "legal_basis": legal_basis,
            },
        )
    check_alerts(label, person, timezone.localtime(now).date(), now)
    return rows


def repeats(
    user_label: str,
    channel: str,
    purpose: str,
    refused: bool,
    looked: list[Looked],
    now: dt.datetime,
) -> set[tuple[str, int | None]]:
    """The (target, subject) pairs of `looked` this user already registered through this
    channel for this purpose within PORTAL_QUERY_REPEAT_SECONDS before `now`."""
    window = settings.PORTAL_QUERY_REPEAT_SECONDS
    if window <= 0:
        return set()
    return set(
        QueryRegistration.objects.filter(
            user_label=user_label,
            channel=channel,
            purpose=purpose,
            refused=refused,
            target__in={item.target for item in looked},
            occurred_at__gt=now - dt.timedelta(seconds=window),
            occurred_at__lte=now,
        ).values_list("target", "subject_id")
    )


# -- alerts ------------------------------------------------------------------------------------
def outside_working_hours(moment: dt.datetime, calendar: WorkingCalendar | None = None) -> bool:
    """Outside working hours, or on a day that is not a working day on the statutory
    calendar (holidays off, adjusted working weekends on; portal/core/workdays.py)."""
    local = timezone.localtime(moment)
    if not (
        settings.PORTAL_QUERY_WORK_START_HOUR <= local.hour < settings.PORTAL_QUERY_WORK_END_HOUR
    ):
        return True
    return not (calendar or WorkingCalendar()).is_working_day(local.date())


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def check_alerts(user_label: str, user, day: dt.date, now: dt.datetime) -> list[QueryAlert]:
    """Raise the day's alerts this user's queries call for (idempotent: one per kind)."""
    start, end = _day_bounds(day)
    today = QueryRegistration.objects.filter(
        user_label=user_label, occurred_at__gte=start, occurred_at__lt=end
    )
    figures = today.aggregate(
        total=Count("id"),
        persons=Count("subject_id", distinct=True, filter=Q(natural_person=True)),
    )
    found = []
    if figures["total"] > settings.PORTAL_QUERY_ALERT_PER_DAY:
        found.append((AlertKind.VOLUME, figures["total"]))
    if figures["persons"] > settings.PORTAL_QUERY_ALERT_PERSONS_PER_DAY:
        found.append((AlertKind.PERSONS, figures["persons"]))
    calendar = WorkingCalendar()
    if outside_working_hours(now, calendar):
        off_hours = sum(
            1
            for at in today.values_list("occurred_at", flat=True)
            if outside_working_hours(at, calendar)
        )
        found.append((AlertKind.OFF_HOURS, off_hours))
    raised = []
    for kind, count in found:
        alert = QueryAlert.objects.filter(kind=kind, user_label=user_label, day=day).first()
        if alert is not None:
            if alert.count != count:
                QueryAlert.objects.filter(pk=alert.pk).update(count=count)
            continue
        try:
            with transaction.atomic():
                alert = QueryAlert.objects.create(
                    kind=kind, user=user, user_label=user_label, day=day, count=count, raised_at=now
                )
                record_event(
                    "queries.alert_raised",
                    target=alert,
                    data={"kind": kind, "user": user_label, "day": day, "count": count},
                )
        except IntegrityError:  # raised meanwhile by a concurrent request
            continue
        raised.append(alert)
    return raised


def open_alerts():
    return QueryAlert.objects.filter(acknowledged_at__isnull=True)


def acknowledge(alert: QueryAlert, *, actor) -> None:
    if alert.acknowledged_at is not None:
        return
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor.get_username()
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    record_event("queries.alert_acknowledged", actor=actor, target=alert)


# -- the monthly security statistics -------------------------------------------------------------
def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return _day_bounds(first)[0], _day_bounds(following)[0]


def security_figures(month: dt.date) -> dict:
    start, end = month_bounds(month)
    queries = QueryRegistration.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    alerts = QueryAlert.objects.filter(day__gte=start.date(), day__lt=end.date())
    events = AuditEvent.objects.filter(
        occurred_at__gte=start, occurred_at__lt=end, action__in=ACCOUNT_ACTIONS
    )
    calendar = WorkingCalendar()
    return {
        "month": month.strftime("%Y-%m"),
        "queries": {
            "total": queries.count(),
            "natural_person": queries.filter(natural_person=True).count(),
            "shared_only": queries.filter(shared_only=True).count(),
            "persons": queries.filter(natural_person=True)
            .exclude(subject_id=None)
            .values("subject_id")
            .distinct()
            .count(),
            "off_hours": sum(
                1
                for at in queries.values_list("occurred_at", flat=True).iterator()
                if outside_working_hours(at, calendar)
            ),
            "by_channel": dict(Counter(queries.values_list("channel", flat=True))),
            "by_user": dict(
                queries.values_list("user_label").annotate(n=Count("id")).order_by("-n")[:50]
            ),
        },
        "alerts": {
            "total": alerts.count(),
            "open": alerts.filter(acknowledged_at__isnull=True).count(),
            "by_kind": dict(Counter(alerts.values_list("kind", flat=True))),
        },
        "account_changes": dict(Counter(events.values_list("action", flat=True))),
    }


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def generate_report(month: dt.date, *, replace: bool = False) -> tuple[SecurityReport, bool]:
    """The month's report, made once (idempotent) unless `replace`; (report, made now)."""
    month = month.replace(day=1)
    existing = SecurityReport.objects.filter(month=month).first()
    if existing is not None and not replace:
        return existing, False
    figures = security_figures(month)
    report, _created = SecurityReport.objects.update_or_create(
        month=month, defaults={"figures": figures, "generated_at": timezone.now()}
    )
    record_event(
        "queries.security_report",
        target=report,
        data={"month": figures["month"], "queries": figures["queries"]["total"]},
    )
    return report, True


def generate_due_report(today: dt.date | None = None) -> SecurityReport | None:
    """Scheduled: last month's report, from the 1st of this month (well before the 5th);
    a machine that was off catches up on its next run."""
    today = today or timezone.localdate()
    report, made = generate_report(previous_month(today))
    return report if made else None


def report_rows(report: SecurityReport) -> dict[str, list[list]]:
    """The report as spreadsheet sheets."""
    figures = report.figures
    queries, alerts = figures["queries"], figures["alerts"]
    summary = [
        [_("项目"), _("数量")],
        [_("查询登记总数"), queries["total"]],
        [_("自然人信息查询"), queries["natural_person"]],
        [_("涉及自然人数"), queries["persons"]],
        [_("有条件共享信息查询"), queries["shared_only"]],
        [_("非工作时间查询"), queries["off_hours"]],
        [_("异常查询告警"), alerts["total"]],
        [_("未处理告警"), alerts["open"]],
    ]
    summary += [[_("渠道：%(c)s") % {"c": c}, n] for c, n in queries["by_channel"].items()]
    summary += [[_("告警：%(k)s") % {"k": k}, n] for k, n in alerts["by_kind"].items()]
    users = [[_("查询人"), _("查询次数")]] + [[u, n] for u, n in queries["by_user"].items()]
    accounts = [[_("账户变更"), _("数量")]] + [
        [action, n] for action, n in sorted(figures["account_changes"].items())
    ]
    return {_("概况"): summary, _("按查询人"): users, _("账户与登录"): accounts}
