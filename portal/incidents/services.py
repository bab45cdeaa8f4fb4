"""Incident rules as plain functions: status moves, escalation deadlines, and what a
health check does to the register (open, note, recover) and who hears of it."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urljoin

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.incidents.models import (
    TRANSITIONS,
    EntryKind,
    Grade,
    GradePolicy,
    Incident,
    Recipient,
    Status,
    TimelineEntry,
)
from portal.incidents.starter import STARTER_POLICIES

logger = logging.getLogger("portal.operations")

SYSTEM_ACTOR = "health-check"
# A failing check notes "still failing" on its incident at most this often.
STILL_FAILING_EVERY = dt.timedelta(hours=1)
CHECK_KINDS = (EntryKind.DETECTED, EntryKind.STILL_FAILING, EntryKind.RECOVERED)


class TransitionError(ValueError):
    pass


def can_move(from_status: str | None, to_status: str) -> bool:
    return from_status == to_status or to_status in TRANSITIONS[from_status]


def record_status_change(incident: Incident, from_status: str | None, actor=None) -> None:
    """After a saved status change: stamp when it was reached, note it on the timeline (in
    the platform's language, like the written report) and in the audit trail."""
    from django.conf import settings
    from django.utils import translation

    from portal.audit.services import record_event

    to_status = incident.status
    if from_status == to_status or from_status is None:
        return
    if not can_move(from_status, to_status):
        raise TransitionError(f"incident {incident.pk}: {from_status} -> {to_status}")
    now = timezone.now()
    stamp = {
        Status.CONTAINED: "contained_at",
        Status.RESOLVED: "resolved_at",
        Status.CLOSED: "closed_at",
    }.get(to_status)
    if stamp and getattr(incident, stamp) is None:
        setattr(incident, stamp, now)
        Incident.objects.filter(pk=incident.pk).update(**{stamp: now})
    with translation.override(settings.LANGUAGE_CODE):
        what = _("状态：%(from)s → %(to)s") % {
            "from": Status(from_status).label,
            "to": Status(to_status).label,
        }
    TimelineEntry.objects.create(
        incident=incident,
        at=now,
        actor=actor.get_username() if actor else "",
        kind=EntryKind.STATUS,
        what=what,
    )
    record_event(
        "incident.status", actor=actor, target=incident, data={"from": from_status, "to": to_status}
    )


# -- escalation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    recipient: str
    due_at: dt.datetime
    informed_at: dt.datetime | None

    @property
    def label(self) -> str:
        return str(Recipient(self.recipient).label)

    def overdue(self, now: dt.datetime) -> bool:
        if self.informed_at is not None:
            return self.informed_at > self.due_at
        return now > self.due_at


def policy_for(grade: str) -> GradePolicy:
    """The grade's reporting deadlines (the starter values if the row was deleted)."""
    policy = GradePolicy.objects.filter(grade=grade).first()
    return policy or GradePolicy(grade=grade, **STARTER_POLICIES[Grade(grade)])


def escalation_deadlines(incident: Incident, policy: GradePolicy | None = None) -> list[Deadline]:
    """Who must be informed by when, and when they were (first step on the reporting chain)."""
    policy = policy or policy_for(incident.grade)
    informed: dict[str, dt.datetime] = {}
    for step in incident.reporting_steps.all():
        if step.recipient not in informed or step.informed_at < informed[step.recipient]:
            informed[step.recipient] = step.informed_at
    deadlines = [
        Deadline(
            recipient, incident.detected_at + dt.timedelta(minutes=minutes), informed.get(recipient)
        )
        for recipient, minutes in policy.minutes_by_recipient().items()
        if minutes is not None
    ]
    return sorted(deadlines, key=lambda d: d.due_at)


def next_deadline(incident: Incident, policy: GradePolicy | None = None) -> Deadline | None:
    """The earliest deadline whose party has not been informed yet."""
    pending = [d for d in escalation_deadlines(incident, policy) if d.informed_at is None]
    return pending[0] if pending else None


def live_incidents_exist() -> bool:
    return Incident.objects.exclude(status=Status.CLOSED).exists()


def live_incidents():
    """Incidents not yet closed, for the dashboard."""
    policies = {p.grade: p for p in GradePolicy.objects.all()}
    incidents = (
        Incident.objects.exclude(status=Status.CLOSED)
        .prefetch_related("reporting_steps")
        .order_by("grade", "detected_at")
    )
    return [
        (incident, next_deadline(incident, policies.get(incident.grade))) for incident in incidents
    ]


# -- health checks ----------------------------------------------------------------------


def _last_check_entry(incident: Incident) -> TimelineEntry | None:
    return incident.timeline.filter(kind__in=CHECK_KINDS).order_by("-at", "-pk").first()


def _live_automatic(category: str) -> Incident | None:
    """The unclosed real incident of this category that a check would note on."""
    return (
        Incident.objects.filter(category=category, is_drill=False)
        .exclude(status=Status.CLOSED)
        .order_by("-automatic", "detected_at")
        .first()
    )


def report_failure(
    category: str, grade: str, title: str, detail: str, now: dt.datetime | None = None
) -> tuple[Incident, bool]:
    """A check failed: open an incident, or note on the one already open (at most hourly).

    Returns the incident and whether it was opened now.
    """
    now = now or timezone.now()
    with transaction.atomic():
        incident = _live_automatic(category)
        if incident is None:
            try:
                with transaction.atomic():
                    incident = Incident.objects.create(
                        title=title,
                        grade=grade,
                        category=category,
                        detected_at=now,
                        description=detail,
                        automatic=True,
                    )
            except IntegrityError:  # a concurrent run opened it first
                return _live_automatic(category), False
            TimelineEntry.objects.create(
                incident=incident, at=now, actor=SYSTEM_ACTOR, kind=EntryKind.DETECTED, what=detail
            )
            return incident, True
        last = _last_check_entry(incident)
        if last is None or last.kind == EntryKind.RECOVERED:
            kind, what = EntryKind.DETECTED, _("再次检测到故障：%(detail)s") % {"detail": detail}
        elif now - last.at >= STILL_FAILING_EVERY:
            kind, what = EntryKind.STILL_FAILING, _("仍未恢复：%(detail)s") % {"detail": detail}
        else:
            return incident, False
        TimelineEntry.objects.create(
            incident=incident, at=now, actor=SYSTEM_ACTOR, kind=kind, what=what
        )
    return incident, False


def report_recovery(category: str, detail: str = "", now: dt.datetime | None = None):
    """A check passed: note the recovery on the failing incident (operators close it)."""
    now = now or timezone.now()
    incident = _live_automatic(category)
    if incident is None:
        return None
    last = _last_check_entry(incident)
    if last is None or last.kind == EntryKind.RECOVERED:
        return None
    TimelineEntry.objects.create(
        incident=incident,
        at=now,
        actor=SYSTEM_ACTOR,
        kind=EntryKind.RECOVERED,
        what=_("检测恢复正常，请核实后关闭事件。") + (f" {detail}" if detail else ""),
    )
    return incident


def notify_operators(incident: Incident) -> int:
    """Email every operator that a health check opened an incident. Never raises."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    from portal.objections.notifications import operator_emails

    recipients = operator_emails()
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【安全事件】%(grade)s %(title)s") % {
            "grade": incident.get_grade_display(),
            "title": incident.title,
        }
        body = render_to_string(
            "incidents/emails/incident_opened.txt",
            {
                "incident": incident,
                "deadlines": escalation_deadlines(incident),
                "url": urljoin(
                    settings.WAGTAILADMIN_BASE_URL.rstrip("/") + "/",
                    reverse("wagtailsnippets_incidents_incident:edit", args=[incident.pk]).lstrip(
                        "/"
                    ),
                ),
            },
        )
    try:
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # the mail server being down must not stop the checks
        logger.exception("Incident %s: the operators' email could not be sent", incident.pk)
        return 0
