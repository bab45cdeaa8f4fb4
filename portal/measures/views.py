"""Reviewer pages under /review/: lookup, results with feedback, exports, the lookup log.

Thin views over portal.measures.services. Reviewers (not department officers)
look subjects up and read only their own lookups; operators read and export
the whole log.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.audit.services import record_event
from portal.core.languages import activate_for
from portal.measures import exports, services
from portal.measures.forms import FeedbackForm, LogSearchForm, LookupForm
from portal.measures.models import Channel, Lookup, LookupRow, Match
from portal.measures.presentation import catalog_labels, group_by_item, triggered_names

# A page a reviewer can read through: the rows needing a decision have their own queue.
ROWS_PER_PAGE = 20
LOG_PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING = Q(match=Match.CANDIDATES, confirmed_at__isnull=True, rejected_at__isnull=True)
ROW_FILTERS = {
    "pending": PENDING,
    "listed": ~Q(lists=[]),
    "conditions": ~Q(findings=[]),
    "exact": Q(match=Match.EXACT),
    "confirmed": Q(match=Match.CANDIDATES, confirmed_at__isnull=False),
    "none": Q(match=Match.NONE) | Q(match=Match.CANDIDATES, rejected_at__isnull=False),
}


def _guard(check):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            activate_for(request)
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(never_cache(wrapped))

    return decorator


reviewer_required = _guard(services.can_lookup)
log_reader_required = _guard(services.can_read_log)


def _lookup_or_404(user, pk) -> Lookup:
    try:
        return services.get_lookup_for(user, pk)
    except Lookup.DoesNotExist as exc:
        raise Http404 from exc


def _render(request, template: str, context: dict, section: str) -> HttpResponse:
    context |= {"review_section": section, "review_can_lookup": services.can_lookup(request.user)}
    return render(request, template, context)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@reviewer_required
@require_http_methods(["GET", "POST"])
def lookup(request):
    form = LookupForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        record, _results = services.run_lookup(
            user=request.user,
            scenario=form.cleaned_data["scenario"],
            purpose=form.cleaned_data["purpose"],
            reference=form.cleaned_data.get("reference", ""),
            rows=form.cleaned_data["rows"],
            channel=Channel.FILE if upload else Channel.SINGLE,
            file_name=upload.name if upload else "",
        )
        skipped = getattr(form.cleaned_data["rows"], "skipped_note", None)
        if skipped is not None and skipped():
            messages.info(request, skipped())
        return redirect("measures:detail", pk=record.pk)
    recent = services.visible_lookups(request.user).filter(user=request.user)[:5]
    return _render(request, "measures/lookup.html", {"form": form, "recent": recent}, "lookup")


@reviewer_required
@require_GET
def list_template(request):
    return _download(exports.list_template_xlsx(), XLSX, "screening-list-template.xlsx")


@log_reader_required
@require_GET
def detail(request, pk):
    record = _lookup_or_404(request.user, pk)
    shown = request.GET.get("show", "")
    if shown not in ROW_FILTERS:
        shown = ""
    rows = record.rows.select_related("confirmed_by", "rejected_by", "subject").order_by("position")
    if shown:
        rows = rows.filter(ROW_FILTERS[shown])
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    services.register_read_back(request.user, record, page.object_list)
    feedback = services.latest_feedback(list(page.object_list))
    labels = catalog_labels()
    for row in page.object_list:
        row.current_feedback = feedback.get(row.pk, [])
        row.list_groups = group_by_item(row.lists, labels=labels)
        row.adverse_groups = group_by_item(row.adverse, labels=labels)
        row.finding_groups = group_by_item(row.findings, labels=labels)
        for measure in row.measures:
            measure["trigger_names"] = triggered_names(measure, labels)
        rejected = set(row.rejected_codes)
        for candidate in row.candidates:
            candidate["list_groups"] = group_by_item(candidate.get("lists", []), labels=labels)
            candidate["rejected"] = candidate["subject"] in rejected
    is_owner = record.user_id == request.user.pk and services.can_lookup(request.user)
    return _render(
        request,
        "measures/detail.html",
        {
            "lookup": record,
            "page": page,
            "shown": shown,
            "pending_count": record.candidate_count,
            "is_owner": is_owner,
            "bulk": is_owner and shown == "pending",
            "feedback_form": FeedbackForm(),
            "back": request.GET.urlencode(),
        },
        "log",
    )


@log_reader_required
@require_GET
def export(request, pk, fmt):
    if fmt not in {"xlsx", "pdf"}:
        raise Http404
    record = _lookup_or_404(request.user, pk)
    rows = list(record.rows.select_related("subject").order_by("position"))
    services.register_read_back(request.user, record, rows)
    feedback = services.latest_feedback(rows)
    record_event(
        "measures.lookup_exported", actor=request.user, target=record, data={"format": fmt}
    )
    if fmt == "pdf":
        return _download(
            exports.lookup_pdf(record, rows, feedback), "application/pdf", f"lookup-{pk}.pdf"
        )
    return _download(exports.lookup_xlsx(record, rows, feedback), XLSX, f"lookup-{pk}.xlsx")


def _own_row(request, pk, row_pk) -> LookupRow:
    record = _lookup_or_404(request.user, pk)
    if record.user_id != request.user.pk:
        raise PermissionDenied
    return get_object_or_404(
        LookupRow.objects.select_related("lookup__scenario"), lookup=record, pk=row_pk
    )


def _back(request, row: LookupRow):
    """Back to the row on the results page the form was posted from."""
    kept = QueryDict(request.POST.get("back", "")).dict()
    query = urlencode({k: v for k, v in kept.items() if k in {"show", "page"}})
    url = reverse("measures:detail", args=[row.lookup_id])
    return redirect(f"{url}?{query}#row-{row.position}" if query else f"{url}#row-{row.position}")


@reviewer_required
@require_POST
def feedback(request, pk, row_pk):
    row = _own_row(request, pk, row_pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("反馈未保存：%(errors)s") % {"errors": form.errors.as_text()})
        return _back(request, row)
    try:
        _feedback, warnings = services.record_feedback(
            user=request.user,
            row=row,
            outcome=form.cleaned_data["outcome"],
            reason=form.cleaned_data["reason"],
            measure=form.cleaned_data["measure"],
        )
    except ValidationError as exc:
        messages.error(request, _("反馈未保存：%(errors)s") % {"errors": "；".join(exc.messages)})
    else:
        messages.success(request, _("已记录第%(n)d行的反馈。") % {"n": row.position})
        for warning in warnings:
            messages.warning(request, warning)
    return _back(request, row)


@reviewer_required
@require_POST
def confirm(request, pk, row_pk):
    row = _own_row(request, pk, row_pk)
    try:
        services.confirm_candidate(
            user=request.user, row=row, subject_code=request.POST.get("subject", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            _("已确认第%(n)d行为“%(name)s”。") % {"n": row.position, "name": row.subject_name},
        )
    return _back(request, row)


@reviewer_required
@require_POST
def reject(request, pk, row_pk):
    """Rule out one candidate (subject given) or all the row's open candidates."""
    row = _own_row(request, pk, row_pk)
    try:
        services.reject_candidate(
            user=request.user, row=row, subject_code=request.POST.get("subject", "")
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if row.rejected_at:
            text = _("已排除第%(n)d行的全部候选，该行计为未匹配。")
        else:
            text = _("已排除第%(n)d行的一个候选。")
        messages.success(request, text % {"n": row.position})
    return _back(request, row)


@reviewer_required
@require_POST
def decide(request, pk):
    """The 疑似 queue's bulk form: per row, confirm one candidate, rule all out, or skip."""
    record = _lookup_or_404(request.user, pk)
    if record.user_id != request.user.pk:
        raise PermissionDenied
    wanted = {}
    for key, value in request.POST.items():
        if key.startswith("decision-") and key[9:].isdigit() and value:
            wanted[int(key[9:])] = value
    rows = {r.pk: r for r in record.rows.select_related("lookup__scenario").filter(pk__in=wanted)}
    decisions = []
    for row_pk, value in wanted.items():
        row = rows.get(row_pk)
        if row is None:
            raise Http404
        action, _sep, code = value.partition(":")
        codes = [code] if code else [c["subject"] for c in row.open_candidates]
        decisions.append((row, action, codes))
    decisions.sort(key=lambda d: d[0].position)
    try:
        count = services.decide(user=request.user, lookup=record, decisions=decisions)
    except ValidationError as exc:
        messages.error(
            request, _("未保存任何决定：%(errors)s") % {"errors": "；".join(exc.messages)}
        )
    else:
        messages.success(request, _("已处理%(n)d行。") % {"n": count})
    url = reverse("measures:detail", args=[record.pk])
    return redirect(f"{url}?show=pending")


@log_reader_required
@require_GET
def log(request):
    form = LogSearchForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {
            "text": form.cleaned_data["text"],
            "scenario": form.cleaned_data["scenario"].code if form.cleaned_data["scenario"] else "",
            "username": form.cleaned_data["username"],
            "date_from": form.cleaned_data["date_from"],
            "date_to": form.cleaned_data["date_to"],
        }
    lookups = services.search_log(request.user, **filters)
    if request.GET.get("export") == "xlsx":
        rows = services.rows_with_feedback(lookups)
        record_event(
            "measures.log_exported",
            actor=request.user,
            data={k: str(v) for k, v in filters.items() if v} | {"lookups": lookups.count()},
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return _download(exports.log_xlsx(lookups, rows), XLSX, f"lookup-log-{stamp}.xlsx")
    page = Paginator(lookups, LOG_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render(
        request,
        "measures/log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "is_operator": getattr(request.user, "is_operator", False),
        },
        "log",
    )
