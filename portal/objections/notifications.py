"""Emails about cases: the applicant at each stage, departments when a case is
forwarded or urged, operators about new answers and overdue cases.

Sent by tasks (portal.objections.tasks), after the step has committed. The
applicant's email is written in the language the case was filed in and never
contains the secret.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal.accounts import roles
from portal.objections.models import Case, CaseTransition, Stage
from portal.objections.workflow import TRANSITIONS

# Steps the applicant hears about (urging is internal).
APPLICANT_ACTIONS = frozenset(set(TRANSITIONS) - {"urge"} | {"submit"})


def site_url(path: str) -> str:
    base = settings.PORTAL_SITE_URL
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))


def _emails(users) -> list[str]:
    return sorted({u.email for u in users if u.email})


def operator_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True)
    return _emails(users.filter(groups__name=roles.OPERATORS))


def department_emails(department_id: int) -> list[str]:
    users = get_user_model().objects.filter(
        is_active=True, department_id=department_id, groups__name=roles.DEPARTMENT_OFFICERS
    )
    return _emails(users)


def _send(subject: str, template: str, context: dict, recipients: list[str]) -> int:
    if not recipients:
        return 0
    body = render_to_string(template, context)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def notify_applicant(row: CaseTransition) -> int:
    case = row.case
    if row.action not in APPLICANT_ACTIONS:
        return 0
    with translation.override(case.language or settings.LANGUAGE_CODE):
        subject = _("【联合征信平台】%(kind)s %(no)s：%(stage)s") % {
            "kind": case.get_kind_display(),
            "no": case.tracking_no,
            "stage": Stage(row.to_stage).label,
        }
        return _send(
            subject,
            "objections/emails/applicant_update.txt",
            {
                "case": case,
                "row": row,
                "status_url": site_url(reverse("objections:case_status", args=[case.tracking_no])),
            },
            [case.applicant_email],
        )


def notify_staff(row: CaseTransition) -> int:
    """Departments hear of forwarded and urged cases; operators of new cases and answers."""
    case = row.case
    context = {"case": case, "row": row}
    if row.action in {"forward", "urge"}:
        context["url"] = site_url(f"/workspace/cases/{case.tracking_no}/")
        subject = (
            _("【催办】%(kind)s %(no)s 请于 %(due)s 前答复")
            if row.action == "urge"
            else _("【转办】%(kind)s %(no)s 请于 %(due)s 前答复")
        ) % {"kind": case.get_kind_display(), "no": case.tracking_no, "due": case.due_on}
        return _send(
            subject,
            "objections/emails/department_case.txt",
            context,
            department_emails(case.department_id),
        )
    if row.action in {"submit", "answer"}:
        context["url"] = site_url(f"/staff/cases/{case.tracking_no}/")
        subject = _("【待办】%(kind)s %(no)s：%(stage)s") % {
            "kind": case.get_kind_display(),
            "no": case.tracking_no,
            "stage": Stage(row.to_stage).label,
        }
        return _send(subject, "objections/emails/operator_case.txt", context, operator_emails())
    return 0


def send_overdue_digests(cases: list[Case], today: dt.date) -> int:
    """One email to the operators listing every overdue case, and one to each department
    listing its overdue forwarded cases."""
    sent = 0
    if cases:
        sent += _send(
            # Statements wait for the operators' check too: the subject names every kind.
            _("【超期提醒】%(count)d 件异议、信用修复或本人声明案件已超期") % {"count": len(cases)},
            "objections/emails/overdue_digest.txt",
            {"cases": cases, "today": today, "url": site_url("/staff/cases/?overdue=1")},
            operator_emails(),
        )
    by_department: dict[int, list[Case]] = {}
    for case in cases:
        if case.stage == Stage.FORWARDED:
            by_department.setdefault(case.department_id, []).append(case)
    for department_id, own in by_department.items():
        sent += _send(
            _("【超期提醒】贵部门有 %(count)d 件转办案件已超过答复期限") % {"count": len(own)},
            "objections/emails/overdue_digest.txt",
            {"cases": own, "today": today, "url": site_url("/workspace/cases/")},
            department_emails(department_id),
        )
    return sent
