"""The query register, alerts and monthly reports in the Wagtail admin, and the dashboard panel."""

from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.admin_views import OpenItem, OpenItemsPanel, ReadOnlyPermissionPolicy
from portal.queries import services, views
from portal.queries.models import QueryAlert, QueryRegistration, SecurityReport

# The register is evidence: nobody edits it, operators read it.
for _model in (QueryRegistration, QueryAlert, SecurityReport):
    register_permission_policy(_model, ReadOnlyPermissionPolicy(_model), exact_class=True)


class QueryRegistrationViewSet(SnippetViewSet):
    model = QueryRegistration
    icon = "list-ul"
    menu_label = _("查询登记")
    list_display = ["occurred_at", "user_label", "channel", "target", "purpose", "legal_basis"]
    list_filter = ["channel", "natural_person", "shared_only"]
    search_fields = ["user_label", "target", "purpose"]
    search_backend_name = None
    list_per_page = 100


class QueryAlertViewSet(SnippetViewSet):
    model = QueryAlert
    icon = "warning"
    menu_label = _("异常查询告警")
    list_display = ["day", "user_label", "kind", "count", "raised_at", "acknowledged_at"]
    list_filter = ["kind"]
    search_fields = ["user_label"]
    search_backend_name = None


class SecurityReportViewSet(SnippetViewSet):
    model = SecurityReport
    icon = "doc-full"
    menu_label = _("安全统计月报")
    list_display = ["__str__", "generated_at"]
    search_backend_name = None


class QueriesGroup(SnippetViewSetGroup):
    items = (QueryRegistrationViewSet, QueryAlertViewSet, SecurityReportViewSet)
    menu_icon = "view"
    menu_label = _("查询登记与监测")
    menu_name = "queries"
    menu_order = 245


register_snippet(QueriesGroup)


@hooks.register("register_admin_urls")
def register_query_urls():
    return [
        path(
            "queries/alerts/<int:pk>/acknowledge/",
            views.acknowledge_alert,
            name="query_alert_acknowledge",
        ),
        path(
            "queries/reports/<int:pk>.xlsx",
            views.report_download,
            name="security_report_download",
        ),
    ]


@hooks.register("register_snippet_listing_buttons")
def security_report_button(snippet, user, next_url=None):
    if isinstance(snippet, SecurityReport):
        yield ListingButton(
            _("下载（XLSX）"),
            reverse("security_report_download", args=[snippet.pk]),
            icon_name="download",
            priority=30,
        )


class QueryAlertsPanel(OpenItemsPanel):
    """Unacknowledged abnormal-query alerts, newest first, each acknowledged from there."""

    name = "query_alerts"
    heading = _("异常查询告警")
    columns = (_("日期"), _("查询人"), _("类型"), _("次数"))
    close_label = _("已核实")
    row_class = "query-alert"
    order = 55

    @classmethod
    def any_open(cls):
        return services.open_alerts().exists()

    def items(self):
        return [
            OpenItem(
                [
                    date_format(alert.day, "Y-m-d"),
                    alert.user_label,
                    alert.get_kind_display(),
                    alert.count,
                ],
                close_url=reverse("query_alert_acknowledge", args=[alert.pk]),
            )
            for alert in services.open_alerts()[:50]
        ]


@hooks.register("construct_homepage_panels")
def add_query_alerts_panel(request, panels):
    QueryAlertsPanel.add_to(request, panels)
