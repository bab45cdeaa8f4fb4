"""The audit trail screen: filter by actor, action, target and time, export CSV, and verify
the chain with the same check as `manage.py audit_verify` (the verdict is itself audited)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from portal.accounts import role_audit
from portal.assessment import dashboard
from portal.assessment.views import TitledMixin, operator_only
from portal.audit.models import AuditEvent
from portal.core.spreadsheets import write_csv

EXPORT_MAX_ROWS = 50000
SUMMARY_MAX_CHARS = 300


def _plain(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def summary(event) -> str:
    """What an entry says, readable: role changes in words, other entries' content compactly."""
    described = role_audit.describe(event.action, event.data)
    if described is None:
        data = event.data if isinstance(event.data, dict) else {"": event.data}
        described = "; ".join(
            f"{key}: {_plain(value)}" if key else _plain(value) for key, value in data.items()
        )
    if len(described) > SUMMARY_MAX_CHARS:
        described = described[: SUMMARY_MAX_CHARS - 1] + "…"
    return described


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


def filtered(params) -> tuple[object, dict, list[str]]:
    """Events matching the filters, the filters as given, and messages for bad dates."""
    events = AuditEvent.objects.all()
    values = {
        key: (params.get(key) or "").strip()
        for key in ("actor", "action", "target", "since", "until")
    }
    errors = []
    if values["actor"]:
        events = events.filter(actor_label__icontains=values["actor"])
    if values["action"]:
        events = events.filter(action__startswith=values["action"])
    if values["target"]:
        kind, _sep, ident = values["target"].partition(":")
        events = events.filter(target_type=kind) if kind else events
        events = events.filter(target_id=ident) if ident else events
    for key, lookup in (("since", "occurred_at__gte"), ("until", "occurred_at__lt")):
        if not values[key]:
            continue
        day = _day(values[key])
        if day is None:
            errors.append(
                _("日期“%(value)s”无法识别，请写作 2026-11-29。") % {"value": values[key]}
            )
            continue
        if key == "until":
            day += dt.timedelta(days=1)
        start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
        events = events.filter(**{lookup: start})
    return events.order_by("-id"), values, errors


class AuditTrailView(TitledMixin, TemplateView):
    template_name = "assessment/audit_trail.html"
    page_title = gettext_lazy("审计日志")
    header_icon = "history"

    def dispatch(self, request, *args, **kwargs):
        operator_only(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events, values, errors = filtered(self.request.GET)
        page = Paginator(events, 50).get_page(self.request.GET.get("page"))
        for event in page:
            event.summary = summary(event)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            page=page,
            filters=values,
            errors=errors,
            query=query.urlencode(),
            last_verification=AuditEvent.objects.filter(action=dashboard.VERIFIED)
            .order_by("-id")
            .first(),
        )
        return context


def export_csv(request):
    operator_only(request)
    events, _values, _errors = filtered(request.GET)
    rows = [[_("编号"), _("时间"), _("操作人"), _("动作"), _("对象类型"), _("对象标识"), _("内容")]]
    for event in events[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        rows.append(
            [
                event.pk,
                timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_label,
                event.action,
                event.target_type,
                event.target_id,
                event.data,
            ]
        )
    response = HttpResponse(write_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response


@require_POST
def verify(request):
    operator_only(request)
    event = dashboard.verify_audit_chain(actor=request.user)
    if event.data["ok"]:
        messages.success(
            request, _("审计链完整，已核验 %(count)d 条。") % {"count": event.data["checked"]}
        )
    else:
        messages.error(
            request,
            _("审计链在第 %(at)s 条处断裂：%(reason)s")
            % {"at": event.data["broken_at"] or "-", "reason": event.data["reason"]},
        )
    return redirect("audit_trail")
