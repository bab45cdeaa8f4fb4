"""The source department's side, in the exchange workspace under /workspace/cases/:
the cases forwarded to the department, and its answer with evidence."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.objections import services
from portal.objections.forms import AnswerForm
from portal.objections.models import Case, Stage
from portal.objections.views.common import case_for, evidence_response, role_required
from portal.queries.models import Channel as QueryChannel

WORKSPACE_LOGIN_URL = "/workspace/login/"

officer_required = role_required(
    lambda user: user.is_department_officer, login_url=WORKSPACE_LOGIN_URL
)


@officer_required
def case_list(request):
    cases = (
        Case.objects.for_department(request.user.department)
        .select_related("record__catalog_item", "subject")
        .order_by("-forwarded_at")
    )
    waiting = request.GET.get("show") != "all"
    if waiting:
        cases = cases.filter(stage=Stage.FORWARDED)
    context = {
        "page": Paginator(cases, 50).get_page(request.GET.get("page")),
        "waiting": waiting,
        "today": timezone.localdate(),
        "workspace_section": "cases",
    }
    return render(request, "objections/workspace/case_list.html", context)


@officer_required
@require_http_methods(["GET", "POST"])
def case_detail(request, tracking_no: str):
    case = case_for(request.user, tracking_no)
    services.register_case_view(request.user, case, channel=QueryChannel.WORKSPACE)
    choices = services.recommendation_choices(case.kind)
    form = AnswerForm(choices=choices)
    if request.method == "POST":
        form = AnswerForm(request.POST, request.FILES, choices=choices)
        if form.is_valid():
            try:
                services.transition(
                    case,
                    "answer",
                    actor=request.user,
                    comment=form.cleaned_data["comment"],
                    recommendation=form.cleaned_data["recommendation"],
                    files=form.cleaned_data["files"],
                )
            except services.CaseError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("答复已提交，平台将据此作出决定。"))
                return redirect("cases:workspace_case_detail", tracking_no=case.tracking_no)
    context = {
        "case": case,
        "form": form if case.stage == Stage.FORWARDED else None,
        # The department sees the applicant's case, not the applicant's contact details.
        "steps": case.transitions.exclude(action="submit").order_by("created_at", "id"),
        "evidence": case.evidence.order_by("uploaded_at", "id"),
        "overdue": case.is_overdue(),
        "workspace_section": "cases",
    }
    return render(request, "objections/workspace/case_detail.html", context)


@officer_required
def evidence_download(request, tracking_no: str, evidence_id: int):
    case = case_for(request.user, tracking_no)
    services.register_case_view(request.user, case, channel=QueryChannel.WORKSPACE)
    return evidence_response(request, request.user, tracking_no, evidence_id)
