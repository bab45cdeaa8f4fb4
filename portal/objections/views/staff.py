"""The operators' case screens under /staff/cases/ (list, detail and steps, calendar)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.audit.services import record_event
from portal.objections import services
from portal.objections.forms import (
    CorrectionForm,
    DeadlineSettingsForm,
    StepForm,
    WorkdayOverrideForm,
)
from portal.objections.models import (
    Case,
    CaseKind,
    DeadlineSettings,
    Stage,
    WorkdayOverride,
)
from portal.objections.views.common import case_for, evidence_response, role_required
from portal.objections.workdays import library_covers, library_version, uncovered_years
from portal.objections.workflow import OPERATOR, TRANSITIONS, allowed_actions
from portal.records.models import RecordStatement

operator_required = role_required(lambda user: user.is_operator)


@operator_required
def case_list(request):
    today = timezone.localdate()
    cases = Case.objects.select_related("record__catalog_item", "department", "subject")
    stage = request.GET.get("stage", "")
    kind = request.GET.get("kind", "")
    overdue = request.GET.get("overdue") == "1"
    show = request.GET.get("show", "open")
    q = request.GET.get("q", "").strip()
    if stage in Stage.values:
        cases = cases.filter(stage=stage)
    elif show == "open":
        cases = cases.open()
    if kind in CaseKind.values:
        cases = cases.filter(kind=kind)
    if overdue:
        cases = cases.overdue(today)
    if q:
        cases = cases.filter(
            Q(tracking_no__icontains=services.normalise_tracking_no(q))
            | Q(subject__name__icontains=q)
            | Q(record__decision_no__icontains=q)
        )
    cases = cases.order_by("due_on", "submitted_at") if show == "open" else cases
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "today": today,
        "stage": stage,
        "kind": kind,
        "overdue": overdue,
        "show": show,
        "q": q,
        "stages": Stage.choices,
        "kinds": CaseKind.choices,
        "overdue_count": Case.objects.overdue(today).count(),
    }
    return render(request, "objections/staff/case_list.html", context)


@operator_required
@require_http_methods(["GET", "POST"])
def case_detail(request, tracking_no: str):
    case = case_for(request.user, tracking_no)
    services.register_case_view(request.user, case)
    overdue = case.is_overdue()
    actions = [
        t
        for t in allowed_actions(case.kind, case.stage, role=OPERATOR, decision=case.decision)
        if (overdue or not t.only_when_overdue)
        and (t.action != "take_down_statement" or services.statement_shown(case))
    ]
    correction_form = None
    if any(t.action == "correct" for t in actions):
        correction_form = CorrectionForm(record=case.record)
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = StepForm(request.POST, request.FILES)
        corrections = None
        valid = form.is_valid()
        step = TRANSITIONS.get(action)
        if (
            valid
            and step is not None
            and step.needs_confirmation
            and not request.POST.get("confirm")
        ):
            valid = False
            form.add_error(None, _("请勾选确认后再执行“%(action)s”。") % {"action": step.label})
        if action == "correct":
            correction_form = CorrectionForm(request.POST, record=case.record)
            valid = valid and correction_form.is_valid()
            if valid:
                corrections = correction_form.corrections()
        if valid:
            comment = form.cleaned_data["comment"] or (
                correction_form.cleaned_data["comment"] if action == "correct" else ""
            )
            try:
                services.transition(
                    case,
                    action,
                    actor=request.user,
                    comment=comment,
                    files=form.cleaned_data["files"],
                    corrections=corrections,
                )
            except services.CaseError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _step_done_message(case, step))
                return redirect("cases:staff_case_detail", tracking_no=case.tracking_no)
        else:
            for errors in list(form.errors.values()) + list(
                (correction_form.errors if correction_form else {}).values()
            ):
                for error in errors:
                    messages.error(request, error)
    context = {
        "case": case,
        "actions": [t for t in actions if t.action != "correct"],
        "correction_form": correction_form,
        "step_form": StepForm(),
        "steps": case.transitions.select_related("actor").order_by("created_at", "id"),
        "evidence": case.evidence.order_by("uploaded_at", "id"),
        "today": timezone.localdate(),
        "overdue": overdue,
        "other_cases": Case.objects.filter(record=case.record).exclude(pk=case.pk),
        # A statement waiting for its check replaces the one shown: the operator compares.
        "current_statement": (
            RecordStatement.objects.filter(record=case.record).first()
            if case.kind == CaseKind.STATEMENT and case.is_open
            else None
        ),
    }
    return render(request, "objections/staff/case_detail.html", context)


def _step_done_message(case, step) -> str:
    if step.action == "urge":
        # The stage stays "forwarded": say what was done, not where the case already was.
        return _("已催办数据来源部门（第 %(count)d 次），部门已收到通知。") % {
            "count": case.urge_count
        }
    return _("已完成“%(action)s”，案件当前阶段：%(stage)s。") % {
        "action": step.label,
        "stage": case.get_stage_display(),
    }


@operator_required
def evidence_download(request, tracking_no: str, evidence_id: int):
    services.register_case_view(request.user, case_for(request.user, tracking_no))
    return evidence_response(request, request.user, tracking_no, evidence_id)


@operator_required
@require_http_methods(["GET", "POST"])
def calendar(request):
    deadlines = DeadlineSettings.load()
    deadline_form = DeadlineSettingsForm(instance=deadlines)
    override_form = WorkdayOverrideForm()
    if request.method == "POST":
        if request.POST.get("form") == "deadlines":
            deadline_form = DeadlineSettingsForm(request.POST, instance=deadlines)
            if deadline_form.is_valid():
                deadline_form.save()
                record_event(
                    "case.deadlines_changed",
                    actor=request.user,
                    data={k: deadline_form.cleaned_data[k] for k in deadline_form.fields},
                )
                messages.success(request, _("办理期限已保存，新进入的阶段按新期限计算。"))
                return redirect("cases:staff_calendar")
        elif request.POST.get("form") == "override":
            existing = WorkdayOverride.objects.filter(date=request.POST.get("date")).first()
            override_form = WorkdayOverrideForm(request.POST, instance=existing)
            if override_form.is_valid():
                override = override_form.save()
                record_event(
                    "case.workday_override_saved",
                    actor=request.user,
                    target=override,
                    data={
                        "date": override.date,
                        "is_working_day": override.is_working_day,
                        "note": override.note,
                    },
                )
                messages.success(
                    request, _("已保存 %(date)s 的工作日设置。") % {"date": override.date}
                )
                return redirect("cases:staff_calendar")
    year = timezone.localdate().year
    context = {
        "deadline_form": deadline_form,
        "override_form": override_form,
        "overrides": WorkdayOverride.objects.filter(date__year__gte=year - 1),
        "coverage": [(y, library_covers(y)) for y in range(year - 1, year + 3)],
        "library_version": library_version(),
        "uncovered": uncovered_years(timezone.localdate()),
    }
    return render(request, "objections/staff/calendar.html", context)


@operator_required
@require_POST
def override_delete(request, pk: int):
    override = get_object_or_404(WorkdayOverride, pk=pk)
    record_event(
        "case.workday_override_deleted",
        actor=request.user,
        data={"date": override.date, "is_working_day": override.is_working_day},
    )
    override.delete()
    messages.success(request, _("已删除该日期的调整。"))
    return redirect("cases:staff_calendar")
