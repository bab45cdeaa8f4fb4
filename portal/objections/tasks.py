"""Background work for cases: emails after each step, the daily overdue reminder."""

import datetime as dt
import logging
import smtplib

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from portal.audit.services import record_event
from portal.objections import notifications
from portal.objections.models import Case, CaseTransition

logger = logging.getLogger(__name__)


@shared_task(name="portal.objections.tasks.notify_transition")
def notify_transition(transition_id: int) -> int:
    """Email the people a step concerns. Idempotent: a step is notified once.

    A mail server that is down does not fail the step: the row stays
    un-notified and resend_pending_notifications tries again later.
    """
    try:
        with transaction.atomic():
            row = (
                CaseTransition.objects.select_for_update()
                .select_related("case", "case__department", "case__record")
                .filter(pk=transition_id, notified_at__isnull=True)
                .first()
            )
            if row is None:
                return 0
            sent = notifications.notify_applicant(row) + notifications.notify_staff(row)
            row.notified_at = timezone.now()
            row.save(update_fields=["notified_at"])
    except (OSError, smtplib.SMTPException):
        logger.warning("Case email for step %s not sent; will retry", transition_id, exc_info=True)
        return 0
    return sent


# Steps older than this are no longer worth an email (the applicant has the status page).
RESEND_WITHIN = dt.timedelta(days=7)
RESEND_AFTER = dt.timedelta(minutes=5)


@shared_task(name="portal.objections.tasks.resend_pending_notifications")
def resend_pending_notifications() -> int:
    """Scheduled: send the emails of steps whose first attempt failed."""
    now = timezone.now()
    pending = CaseTransition.objects.filter(
        notified_at__isnull=True,
        created_at__gte=now - RESEND_WITHIN,
        created_at__lte=now - RESEND_AFTER,
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(pending) if notify_transition(pk))


@shared_task(name="portal.objections.tasks.remind_overdue_cases")
def remind_overdue_cases() -> int:
    """Scheduled: remind operators and departments of overdue cases, once a day."""
    return send_overdue_reminders()


def send_overdue_reminders(today=None) -> int:
    today = today or timezone.localdate()
    with transaction.atomic():
        cases = list(
            Case.objects.overdue(today)
            .exclude(last_reminded_on=today)
            .select_for_update()
            .select_related("department")
            .order_by("due_on", "id")
        )
        if not cases:
            return 0
        notifications.send_overdue_digests(cases, today)
        Case.objects.filter(pk__in=[c.pk for c in cases]).update(last_reminded_on=today)
        record_event(
            "case.overdue_reminder",
            data={"on": today.isoformat(), "cases": [c.tracking_no for c in cases]},
        )
    return len(cases)
