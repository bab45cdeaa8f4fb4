"""The public side: filing an objection, a repair application or a statement, following a case.

Nothing here needs an account. A case is shown only to a browser that gave
its tracking number and secret; a wrong secret and an unknown number get the
very same answer.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.audit.services import record_event
from portal.core.ratelimit import client_key, hit, too_many_requests
from portal.objections import evidence, services
from portal.objections.forms import ObjectionForm, RepairForm, SecretForm, StatementForm
from portal.objections.models import CaseKind, Stage
from portal.records import visibility
from portal.records.models import CreditRecord

logger = logging.getLogger(__name__)

SESSION_KEY = "objections_unlocked"

# scope: (requests, window in seconds); settings PORTAL_RATE_LIMITS may override.
RATE_LIMITS = {
    "case_submit": (10, 3600),
    "case_lookup": (10, 600),
    # Guesses against one tracking number, from anywhere.
    "case_lookup_number": (20, 3600),
}


def _throttle(request, scope: str, key: str | None = None):
    limit, window = settings.PORTAL_RATE_LIMITS.get(scope) or RATE_LIMITS[scope]
    allowed, retry_after = hit(scope, key or client_key(request), limit, window)
    return None if allowed else too_many_requests(retry_after, html=True)


def _public_record(request) -> CreditRecord:
    try:
        pk = int(request.GET.get("record", ""))
    except ValueError:
        raise Http404 from None
    record = visibility.find_public_record(pk)
    if record is None:
        raise Http404
    return record


def _body_limit() -> int:
    """The largest request a filing may be: every file at its limit, plus the form."""
    return evidence.max_files() * evidence.max_bytes() + 1024 * 1024


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > _body_limit()


def _unlock(request, tracking_no: str) -> None:
    unlocked = [n for n in request.session.get(SESSION_KEY, []) if n != tracking_no]
    request.session[SESSION_KEY] = (unlocked + [tracking_no])[-20:]


def _file(request, kind: str, form_class, template: str):
    if not request.GET.get("record"):
        # Reached from the site menu: explain how to pick the record first.
        return render(request, "objections/start.html", {"kind": kind})
    record = _public_record(request)
    problems = services.filing_problems(kind, record)
    context = {"record": record, "kind": kind, "problems": problems}
    if problems:
        return render(request, template, context)
    if request.method == "POST":
        limited = _throttle(request, "case_submit")
        if limited:
            return limited
        if _too_large(request):
            # Refused before the body is read: a clear sentence, not a broken upload.
            context.update(
                form=form_class(),
                commitment_text=services.COMMITMENT_TEXT,
                upload_error=_("上传内容合计超过 %(limit)s，请减少或压缩文件后重新提交。")
                % {"limit": evidence.human_size(_body_limit())},
            )
            return render(request, template, context, status=413)
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case, secret = services.submit_case(
                    kind,
                    record,
                    applicant_name=data["applicant_name"],
                    applicant_email=data["applicant_email"],
                    applicant_phone=data["applicant_phone"],
                    relation=data["relation"],
                    ground=data.get("ground", ""),
                    explanation=data["explanation"],
                    files=data.get("files", ()),
                    commitment_signed_by=data.get("commitment_signed_by", ""),
                    language=get_language() or settings.LANGUAGE_CODE,
                    client=client_key(request),
                )
            except services.CaseError as error:
                form.add_error(None, str(error))
            except DatabaseError:
                # The filing rolled back whole (its files with it): say so, and that
                # sending it again is safe, instead of a server error page.
                logger.exception("Filing a %s case failed in the database", kind)
                form.add_error(
                    None,
                    _("系统暂时无法保存您的申请，本次没有提交任何内容，请稍后重新提交。"),
                )
                form.fresh_challenge()
                context.update(form=form, commitment_text=services.COMMITMENT_TEXT)
                return render(request, template, context, status=503)
            else:
                _unlock(request, case.tracking_no)
                response = render(
                    request, "objections/receipt.html", {"case": case, "secret": secret}
                )
                response["Cache-Control"] = "no-store"
                return response
        form.fresh_challenge()
    else:
        form = form_class()
    context.update(form=form, commitment_text=services.COMMITMENT_TEXT)
    return render(request, template, context)


@never_cache
@require_http_methods(["GET", "POST"])
def objection_new(request):
    return _file(request, CaseKind.OBJECTION, ObjectionForm, "objections/objection_form.html")


@never_cache
@require_http_methods(["GET", "POST"])
def repair_new(request):
    return _file(request, CaseKind.REPAIR, RepairForm, "objections/repair_form.html")


@never_cache
@require_http_methods(["GET", "POST"])
def statement_new(request):
    return _file(request, CaseKind.STATEMENT, StatementForm, "objections/statement_form.html")


def _lookup(request, tracking_no: str = ""):
    """Check a tracking number and secret; unlock the case for this browser session."""
    limited = _throttle(request, "case_lookup")
    if limited:
        return None, limited
    form = SecretForm(request.POST)
    if not form.is_valid():
        return form, None
    number = services.normalise_tracking_no(form.cleaned_data["tracking_no"])
    limited = _throttle(request, "case_lookup_number", key=number)
    if limited:
        return None, limited
    case = services.find_case(number, form.cleaned_data["secret"])
    record_event(
        "case.lookup",
        data={"tracking_no": number, "ok": case is not None, "client": client_key(request)},
    )
    if case is None:
        form = SecretForm(initial={"tracking_no": number})
        form.lookup_failed = True
        return form, None
    _unlock(request, case.tracking_no)
    return None, redirect("objections:case_status", tracking_no=case.tracking_no)


@never_cache
@require_http_methods(["GET", "POST"])
def case_lookup(request):
    form = SecretForm()
    if request.method == "POST":
        form, response = _lookup(request)
        if response:
            return response
    return render(request, "objections/lookup.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def case_status(request, tracking_no: str):
    number = services.normalise_tracking_no(tracking_no)
    if request.method == "POST":
        form, response = _lookup(request, number)
        if response:
            return response
        return render(request, "objections/lookup.html", {"form": form})
    if number not in request.session.get(SESSION_KEY, []):
        form = SecretForm(initial={"tracking_no": number})
        return render(request, "objections/lookup.html", {"form": form})
    return render(request, "objections/status.html", _status_context(_unlocked_case(number)))


def _unlocked_case(number: str):
    case = (
        services.Case.objects.select_related("record__catalog_item", "subject", "department")
        .filter(tracking_no=number)
        .first()
    )
    if case is None:
        raise Http404
    return case


def _status_context(case, **extra) -> dict:
    steps = case.transitions.order_by("created_at", "id")
    published = visibility.is_public_record(case.record)
    shown = services.statement_shown(case)
    removal = None
    if case.kind == CaseKind.STATEMENT and not shown:
        removal = steps.filter(action__in=STATEMENT_REMOVALS).last()
    return {
        "record_published": published,
        "withdrawal": None if published else visibility.find_withdrawn_record(case.record_id),
        "case": case,
        "steps": steps,
        "stages": _stage_path(case),
        "overdue": case.is_overdue(timezone.localdate()),
        "decision_label": services.decision_label(case),
        "statement_shown": shown,
        "statement_removal": removal,
        # The applicant may take back its own words while they stand beside a public record.
        "may_withdraw_statement": shown and published,
        **extra,
    }


STATEMENT_REMOVALS = ("withdraw_statement", "take_down_statement")


@never_cache
@require_http_methods(["POST"])
def statement_withdraw(request, tracking_no: str):
    """The applicant withdraws its published statement: only from a browser that gave the
    case's number and secret, and only once it confirms."""
    number = services.normalise_tracking_no(tracking_no)
    if number not in request.session.get(SESSION_KEY, []):
        form = SecretForm(initial={"tracking_no": number})
        return render(request, "objections/lookup.html", {"form": form}, status=403)
    case = _unlocked_case(number)
    if not request.POST.get("confirm"):
        error = _("请勾选确认后再撤回声明。")
    else:
        try:
            services.transition(
                case,
                "withdraw_statement",
                actor=services.Applicant(case.tracking_no),
                comment=request.POST.get("comment", "")[:500],
            )
        except services.CaseError as refused:
            error = str(refused)
        else:
            return redirect("objections:case_status", tracking_no=case.tracking_no)
    context = _status_context(case, withdraw_error=error)
    return render(request, "objections/status.html", context, status=400)


def _stage_path(case) -> list[dict]:
    """The usual stages of a case, marked done / current, for the progress list."""
    if case.kind == CaseKind.STATEMENT:
        # Checked once by an operator: submitted, checked, closed.
        steps = [_("提交"), _("审核"), _("办结")]
        position = 0 if case.stage == Stage.SUBMITTED else 2
        return [
            {"label": label, "done": i < position, "current": i == position}
            for i, label in enumerate(steps)
        ]
    order = [Stage.SUBMITTED, Stage.ACCEPTED, Stage.FORWARDED, Stage.DECIDED, Stage.CLOSED]
    labels = {
        Stage.SUBMITTED: _("提交"),
        Stage.ACCEPTED: _("受理"),
        Stage.FORWARDED: _("核查"),
        Stage.DECIDED: _("决定"),
        Stage.CLOSED: _("办结"),
    }
    position = {
        Stage.SUBMITTED: 0,
        Stage.REFUSED: 1,
        Stage.ACCEPTED: 1,
        Stage.CHECKING: 2,
        Stage.FORWARDED: 2,
        Stage.ANSWERED: 2,
        Stage.DECIDED: 3,
        Stage.CLOSED: 4,
    }[case.stage]
    return [
        {"label": labels[s], "done": i < position, "current": i == position}
        for i, s in enumerate(order)
    ]
