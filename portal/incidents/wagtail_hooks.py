"""The incident register in the Wagtail admin, its PDF report and the dashboard panel."""

from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.admin_views import OpenItem, OpenItemsPanel
from portal.incidents import services, views
from portal.incidents.forms import IncidentForm
from portal.incidents.models import GradePolicy, Incident


class IncidentViewSet(SnippetViewSet):
    model = Incident
    icon = "warning"
    menu_label = _("事件登记")
    list_display = ["__str__", "grade", "category", "status", "detected_at"]
    list_filter = ["is_drill", "grade", "category", "status"]
    search_fields = ["title", "description"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("title"),
                    FieldRowPanel([FieldPanel("category"), FieldPanel("status")]),
                    FieldPanel("grade"),
                    FieldRowPanel([FieldPanel("detected_at"), FieldPanel("is_drill")]),
                ],
                heading=_("事件"),
            ),
            FieldPanel("description"),
            FieldPanel("impact"),
            FieldPanel("cause"),
            FieldPanel("remediation"),
            InlinePanel("reporting_steps", heading=_("报告链"), label=_("报告记录")),
            InlinePanel("timeline", heading=_("时间线"), label=_("时间线条目")),
        ],
        base_form_class=IncidentForm,
    )


class GradePolicyViewSet(SnippetViewSet):
    model = GradePolicy
    icon = "time"
    menu_label = _("事件等级与报告时限")
    list_display = ["__str__", "leader_minutes", "city_office_minutes", "province_minutes"]
    search_backend_name = None


class IncidentsGroup(SnippetViewSetGroup):
    items = (IncidentViewSet, GradePolicyViewSet)
    menu_icon = "warning"
    menu_label = _("安全事件")
    menu_name = "incidents"
    menu_order = 240


register_snippet(IncidentsGroup)


@hooks.register("register_admin_urls")
def register_incident_report_url():
    return [path("incidents/<int:pk>/report.pdf", views.incident_report, name="incident_report")]


@hooks.register("register_snippet_listing_buttons")
def incident_report_button(snippet, user, next_url=None):
    if isinstance(snippet, Incident):
        yield ListingButton(
            _("书面报告（PDF）"),
            reverse("incident_report", args=[snippet.pk]),
            icon_name="doc-full",
            priority=30,
        )


def _deadline_cell(deadline, now):
    if deadline is None:
        return gettext("已按要求报告")
    text = {"who": deadline.label, "when": date_format(localtime(deadline.due_at), "Y-m-d H:i")}
    if not deadline.overdue(now):
        return gettext("%(who)s：%(when)s 前") % text
    return format_html(
        '<strong class="incident-overdue" style="color: var(--w-color-critical-200);">{}</strong>',
        gettext("已逾期：%(who)s（%(when)s）") % text,
    )


class OpenIncidentsPanel(OpenItemsPanel):
    """Unclosed incidents with grade, age and the next reporting deadline (overdue in red)."""

    name = "open_incidents"
    heading = _("未关闭的安全事件")
    columns = (_("事件"), _("等级"), _("状态"), _("已持续"), _("下一报告时限"))
    order = 50

    @classmethod
    def any_open(cls):
        return services.live_incidents_exist()

    def items(self):
        now = timezone.now()
        drill = format_html('<span class="w-status w-status--label">{}</span>', gettext("演练"))
        return [
            OpenItem(
                [
                    format_html(
                        '<a href="{}">{}</a>{}',
                        reverse("wagtailsnippets_incidents_incident:edit", args=[incident.pk]),
                        incident.title,
                        drill if incident.is_drill else "",
                    ),
                    incident.get_grade_display(),
                    incident.get_status_display(),
                    timesince(incident.detected_at, now),
                    _deadline_cell(deadline, now),
                ]
            )
            for incident, deadline in services.live_incidents()
        ]


@hooks.register("construct_homepage_panels")
def add_open_incidents_panel(request, panels):
    OpenIncidentsPanel.add_to(request, panels)
