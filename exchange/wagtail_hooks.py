"""The operators' to-do panel on the admin dashboard: what waits for them across the
platform (objection and repair cases, subjects to confirm, approvals), each with a link."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.widgets import ListingButton

from exchange.models import (
    ApprovalOutcome,
    ApprovalScope,
    CandidateKind,
    CandidateStatus,
    IdentityCandidate,
    PendingApproval,
)
from portal.objections.models import Case
from portal.records.models import CreditRecord


def operator_todo(today=None) -> list[dict]:
    """One line per kind of waiting work: label, count, how many are overdue, where to go."""
    today = today or timezone.localdate()
    open_candidates = IdentityCandidate.objects.filter(status=CandidateStatus.OPEN)
    candidates_url = reverse("admin:exchange_identitycandidate_changelist")
    return [
        {
            "label": _("待办理的异议与信用修复"),
            "count": Case.objects.open().count(),
            "overdue": Case.objects.overdue(today).count(),
            "url": reverse("cases:staff_case_list"),
        },
        {
            "label": _("代码相同、名称明显不同的报送行"),
            "count": open_candidates.filter(kind=CandidateKind.NAME_DIFFERS).count(),
            "overdue": 0,
            "url": f"{candidates_url}?status__exact=open&kind__exact=name_differs",
        },
        {
            "label": _("名称相同、代码不同的待确认主体"),
            "count": open_candidates.filter(kind=CandidateKind.SAME_NAME).count(),
            "overdue": 0,
            "url": f"{candidates_url}?status__exact=open&kind__exact=same_name",
        },
        {
            "label": _("等待运营人员审批的事项"),
            "count": PendingApproval.objects.filter(
                scope=ApprovalScope.OPERATORS, outcome=ApprovalOutcome.PENDING
            ).count(),
            "overdue": 0,
            "url": reverse("admin:exchange_pendingapproval_changelist"),
        },
    ]


class OperatorTodoPanel(Component):
    name = "operator_todo"
    template_name = "exchange/admin/todo_panel.html"
    order = 40

    def get_context_data(self, parent_context):
        return {"items": operator_todo()}


@hooks.register("construct_homepage_panels")
def add_operator_todo_panel(request, panels):
    if getattr(request.user, "is_operator", False):
        panels.append(OperatorTodoPanel())


@hooks.register("register_snippet_listing_buttons")
def record_deletion_button(snippet, user, next_url=None):
    """On the records' listing, operators may ask for one record's deletion (approved by a
    second operator: exchange.approvals)."""
    if (
        isinstance(snippet, CreditRecord)
        and snippet.purged_at is None
        and getattr(user, "is_operator", False)
    ):
        yield ListingButton(
            _("申请删除"),
            reverse("admin:exchange_pendingapproval_record_deletion", args=[snippet.pk]),
            icon_name="bin",
            priority=90,
        )
