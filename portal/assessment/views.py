"""The assessment screens: operators' ranking, drill-down and exports in the Wagtail admin,
and a department's own figures in the exchange workspace. They only show `assess`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from exchange.views import officer_required
from portal.assessment import exports, services
from portal.departments.models import Department


def operator_only(request) -> None:
    if not (request.user.is_active and getattr(request.user, "is_operator", False)):
        raise PermissionDenied


def _period(request) -> tuple[services.Period, str]:
    """The period asked for (this month by default) and an error for the page, if any."""
    text = request.GET.get("period", "").strip()
    if not text:
        return services.current_month(), ""
    try:
        return services.parse_period(text), ""
    except services.PeriodError as exc:
        return services.current_month(), str(exc)


def chart_data(labels: list[str], values: list[float], maximum: float) -> dict:
    """The spec js/charts.js draws, horizontal bars with their figures (the page's table
    shows the same figures), and the height the chart needs."""
    return {
        "type": "bar",
        "categories": labels,
        "series": [{"data": values}],
        "horizontal": True,
        "max": maximum,
        "value_labels": True,
        "height": 40 + 28 * len(labels),
    }


def _dimension_rows(entry: services.DepartmentAssessment) -> list[tuple[str, float]]:
    labels = {
        "timeliness": _("及时性"),
        "completeness": _("完整性"),
        "accuracy": _("准确性"),
        "responsiveness": _("异议与修复响应"),
        "feedback": _("应用反馈"),
    }
    return [(labels[d], entry.rates[d]) for d in services.DIMENSIONS]


class TitledMixin(WagtailAdminTemplateMixin):
    """The page's own title as the last breadcrumb (the header shows it)."""

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]


class AssessmentIndexView(TitledMixin, TemplateView):
    template_name = "assessment/admin_index.html"
    page_title = gettext_lazy("部门报送考核")
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        operator_only(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period, error = _period(self.request)
        results = services.assess(period)
        chart = chart_data([a.name for a in results], [a.score for a in results], 100)
        context.update(period=period, error=error, results=results, chart=chart)
        return context


class AssessmentDepartmentView(TitledMixin, TemplateView):
    template_name = "assessment/admin_department.html"
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        operator_only(request)
        self.department = get_object_or_404(Department, code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("报送考核：%(name)s") % {"name": self.department.name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period, error = _period(self.request)
        context.update(department_context(period, self.department), error=error)
        return context


def department_context(period, department) -> dict:
    (entry,) = services.assess(period, department_codes=[department.code])
    dimensions = _dimension_rows(entry)
    return {
        "period": period,
        "department": department,
        "entry": entry,
        "dimensions": dimensions,
        "chart": chart_data(
            [str(label) for label, _rate in dimensions],
            [None if rate is None else round(rate * 100, 1) for _label, rate in dimensions],
            100,
        ),
        "late": services.late_records(period, department)[:500],
        "late_revocations": services.late_revocations(period, department)[:500],
        "rejected_batches": services.batches_with_rejections(period, department)[:200],
    }


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def export_xlsx(request):
    operator_only(request)
    period, _error = _period(request)
    return _download(
        exports.assessment_xlsx(period, services.assess(period)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"assessment-{period.label}.xlsx",
    )


def export_pdf(request):
    operator_only(request)
    period, _error = _period(request)
    today = timezone.localdate().isoformat()
    return _download(
        exports.assessment_pdf(period, services.assess(period)),
        "application/pdf",
        f"assessment-{period.label}-{today}.pdf",
    )


@officer_required
def workspace_assessment(request):
    """The officer's own department only: no other department's figures or rank."""
    period, error = _period(request)
    context = department_context(period, request.department)
    context.update(error=error, workspace_section="assessment")
    return render(request, "assessment/workspace.html", context)
