"""Operators' pages of the query register (admin URLs): acknowledge an alert, download a report."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from portal.core.spreadsheets import write_xlsx
from portal.queries import services
from portal.queries.models import QueryAlert, SecurityReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _operator(request):
    if not getattr(request.user, "is_operator", False):
        raise PermissionDenied


@require_POST
def acknowledge_alert(request, pk: int):
    _operator(request)
    services.acknowledge(get_object_or_404(QueryAlert, pk=pk), actor=request.user)
    return redirect("wagtailadmin_home")


def report_download(request, pk: int):
    _operator(request)
    report = get_object_or_404(SecurityReport, pk=pk)
    response = HttpResponse(write_xlsx(services.report_rows(report)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="security-{report}.xlsx"'
    return response
