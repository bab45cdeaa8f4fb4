"""The statistics pages: the public 信用统计 page and the operators' page in the Wagtail admin.
Both only read the refreshed figures (portal.statistics.tables)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.audit.services import record_event
from portal.core.spreadsheets import write_csv, write_xlsx
from portal.statistics.refresh import last_refresh
from portal.statistics.suppression import PUBLIC_MIN_SUBJECTS
from portal.statistics.tables import (
    DEFAULT_PERIOD,
    PERIOD_NAMES,
    PERIODS,
    operator_tables,
    public_tables,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _charts(tables) -> list[dict]:
    return [table.chart_spec() for table in tables if table.chart and table.rows]


@require_GET
def public_statistics(request):
    summary, tables = public_tables()
    response = render(
        request,
        "statistics/public.html",
        {
            "summary": summary,
            "tables": tables,
            "charts": _charts(tables),
            "refreshed": last_refresh(),
            "minimum": PUBLIC_MIN_SUBJECTS,
        },
    )
    seconds = settings.PORTAL_PUBLIC_CACHE_SECONDS
    patch_cache_control(response, public=True, max_age=seconds, s_maxage=seconds)
    return response


def _operator(request):
    if not getattr(request.user, "is_operator", False):
        raise PermissionDenied


@require_GET
def operator_statistics(request):
    _operator(request)
    per = request.GET.get("per", DEFAULT_PERIOD)
    if per not in PERIODS:
        per = DEFAULT_PERIOD
    tables = operator_tables(per=per)
    export = request.GET.get("export", "")
    if export in ("csv", "xlsx"):
        return _export(request, tables, export)
    return render(
        request,
        "statistics/admin.html",
        {
            "page_title": _("信用统计"),
            "header_icon": "table",
            "tables": tables,
            "charts": _charts(tables),
            "refreshed": last_refresh(),
            "per": per,
            "periods": [(key, str(name)) for key, name in PERIOD_NAMES.items()],
        },
    )


def _export(request, tables, kind: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    record_event("statistics.exported", actor=request.user, data={"format": kind})
    if kind == "xlsx":
        # Numbered: sheet names are cut at 31 characters and must stay unique.
        body = write_xlsx(
            {f"{n} {table.title}"[:31]: table.as_rows() for n, table in enumerate(tables, 1)}
        )
        response = HttpResponse(body, content_type=XLSX)
    else:
        rows = []
        for table in tables:
            rows += table.as_rows() + [[]]
        response = HttpResponse(write_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statistics-{stamp}.{kind}"'
    return response
