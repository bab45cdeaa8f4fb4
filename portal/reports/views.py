"""Issuing a credit report (a PDF download) and the public verification page."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from portal.core.caching import mark_private
from portal.core.ratelimit import rate_limited
from portal.records.visibility import find_public_subject
from portal.reports import services
from portal.reports.forms import IssueForm, VerifyForm
from portal.reports.models import ReportKind


def _private(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return mark_private(response)


# Anyone may ask for a report of a published subject; there is no session or
# account to protect, so the form carries no CSRF token (which keeps the profile
# pages that hold it cacheable). The rate limit protects against abuse.
@csrf_exempt
@require_POST
@rate_limited("report_issue", limit=10, window_seconds=600, html=True)
def issue(request):
    form = IssueForm(request.POST)
    subject = find_public_subject(request.POST.get("subject", "")) if form.is_valid() else None
    if subject is None:
        response = render(
            request,
            "reports/error.html",
            {"message": _("无法出具报告：未找到该信用主体的公示信息，或请求参数有误。")},
            status=400,
        )
        return _private(response)
    report, pdf = services.issue_report(
        subject,
        kind=form.cleaned_data["kind"] or ReportKind.STANDARD,
        years=form.cleaned_data.get("years") or 3,
        verify_url=request.build_absolute_uri(reverse("reports:verify")),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credit-report-{report.code}.pdf"'
    return _private(response)


@require_http_methods(["GET", "POST"])
@rate_limited("report_verify", limit=30, window_seconds=60, html=True)
def verify(request):
    result = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
    elif request.GET.get("code"):
        form = VerifyForm(request.GET)
    else:
        form = VerifyForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data.get("file")
        result = services.verify(
            code=form.cleaned_data.get("code", ""),
            checksum=form.cleaned_data.get("checksum", ""),
            pdf=upload.read() if upload else None,
        )
    context = {"form": form, "result": result}
    if result is not None and result.report is not None:
        context["summary"] = services.summary_rows(result.report)
    response = render(request, "reports/verify.html", context)
    return _private(response)
