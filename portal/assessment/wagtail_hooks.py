"""Oversight in the Wagtail admin: reporting duties and weights (data operators edit), the
assessment screens, batches as a read-only view, the audit trail screen and the dashboard."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from exchange.models import Batch
from portal.admin_views import ReadOnlyPermissionPolicy
from portal.assessment import audit_views, dashboard, views
from portal.assessment.models import AssessmentWeights, ReportingDuty
from portal.core.languages import localised_name

# Batches change only through the exchange services: no edit, no delete, no bulk delete.
register_permission_policy(Batch, ReadOnlyPermissionPolicy(Batch), exact_class=True)


class ReportingDutyViewSet(SnippetViewSet):
    model = ReportingDuty
    icon = "date"
    menu_label = _("报送责任")
    list_display = [
        "department",
        "catalog_item",
        "event",
        "frequency",
        "deadline_working_days",
        "is_active",
    ]
    list_filter = ["department", "catalog_item", "event", "frequency", "is_active"]
    search_backend_name = None


class AssessmentWeightsViewSet(SnippetViewSet):
    model = AssessmentWeights
    icon = "cog"
    menu_label = _("考核权重")
    list_display = [
        "__str__",
        "timeliness",
        "completeness",
        "accuracy",
        "responsiveness",
        "feedback",
    ]
    search_backend_name = None


class BatchViewSet(SnippetViewSet):
    model = Batch
    icon = "upload"
    menu_label = _("报送批次")
    # Labels, not codes: the status in words, the department in the reader's language.
    list_display = [
        "__str__",
        Column(
            "department",
            label=_("部门"),
            accessor=lambda batch: localised_name(batch.department),
            sort_key="department__code",
        ),
        Column("status", label=_("状态"), accessor="get_status_display", sort_key="status"),
        "rows_total",
        "accepted",
        "rejected",
        "created_at",
    ]
    list_filter = ["status", "department", "catalog_item", "source", "dry_run"]
    search_fields = ["file_name"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_fields = [
        "department",
        "catalog_item",
        "source",
        "status",
        "file_name",
        "file_format",
        "rows_total",
        "accepted",
        "rejected",
        "created_count",
        "updated_count",
        "unchanged_count",
        "error_count",
        "created_at",
        "validated_at",
        "committed_at",
        "last_failure",
    ]
    list_per_page = 50


class OversightGroup(SnippetViewSetGroup):
    items = (ReportingDutyViewSet, AssessmentWeightsViewSet, BatchViewSet)
    menu_icon = "tasks"
    menu_label = _("报送考核")
    menu_name = "oversight"
    menu_order = 235


register_snippet(OversightGroup)

BATCH_INSPECT = "wagtailsnippets_exchange_batch:inspect"


@hooks.register("register_admin_urls")
def register_assessment_urls():
    return [
        path("assessment/", views.AssessmentIndexView.as_view(), name="assessment_index"),
        path("assessment/export.xlsx", views.export_xlsx, name="assessment_export_xlsx"),
        path("assessment/report.pdf", views.export_pdf, name="assessment_export_pdf"),
        path(
            "assessment/<slug:code>/",
            views.AssessmentDepartmentView.as_view(extra_context={"batch_link": BATCH_INSPECT}),
            name="assessment_department",
        ),
        path("audit-trail/", audit_views.AuditTrailView.as_view(), name="audit_trail"),
        path("audit-trail/export.csv", audit_views.export_csv, name="audit_trail_export"),
        path("audit-trail/verify/", audit_views.verify, name="audit_trail_verify"),
    ]


class OperatorsMenuItem(MenuItem):
    def is_shown(self, request):
        return getattr(request.user, "is_operator", False)


@hooks.register("register_admin_menu_item")
def register_assessment_menu_item():
    return OperatorsMenuItem(
        _("部门报送考核"), reverse("assessment_index"), icon_name="tasks", order=236
    )


@hooks.register("register_admin_menu_item")
def register_audit_menu_item():
    return OperatorsMenuItem(_("审计日志"), reverse("audit_trail"), icon_name="history", order=237)


class OversightPanel(Component):
    """Today's batches, overdue cases, missed duties, search drift and outbox, audit check."""

    name = "oversight"
    template_name = "assessment/dashboard_panel.html"
    order = 40

    def get_context_data(self, parent_context):
        return {"overview": dashboard.overview()}


@hooks.register("construct_homepage_panels")
def add_oversight_panel(request, panels):
    if getattr(request.user, "is_operator", False):
        panels.append(OversightPanel())
