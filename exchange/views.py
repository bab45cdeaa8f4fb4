"""Department workspace views (thin: the work is in exchange.services).

Every view is for a logged-in department officer and sees only the officer's
own department: another department's batch is a 404, never a 403 that would
confirm it exists.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exchange import approvals, services, sharing
from exchange.forms import (
    FindRecordForm,
    RecordEntryForm,
    RefuseForm,
    SharedQueryForm,
    TokenForm,
    UploadForm,
    WithdrawForm,
)
from exchange.models import (
    ApprovalAction,
    ApprovalOutcome,
    ApprovalScope,
    Batch,
    BatchRow,
    BatchSource,
    BatchStatus,
    CandidateKind,
    PendingApproval,
    RowOutcome,
)
from exchange.registration import register_batch_view
from exchange.report import error_report_xlsx
from importers.schema import ImportSchema
from importers.templates import template_csv, template_filename, template_xlsx
from portal.catalog.models import CatalogItem
from portal.core.languages import activate_for
from portal.core.text import normalise_code
from portal.departments.models import DepartmentToken
from portal.departments.services import issue_token, revoke_token
from portal.queries.models import Channel as QueryChannel
from portal.records.models import CreditRecord, Withdrawal
from portal.records.withdrawals import WithdrawalError, withdraw_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WorkspaceLoginView(LoginView):
    template_name = "exchange/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        activate_for(request)
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return reverse("exchange:batch_list")


@require_POST
def logout_view(request):
    logout(request)
    return redirect("exchange:login")


def _workspace_user(has_role, refusal):
    """A decorator for the workspace's views: a logged-in user with the role `has_role(user)`
    checks (else a 403 saying `refusal`); sets request.department."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            activate_for(request)
            user = request.user
            if not user.is_authenticated:
                return redirect(f"{reverse('exchange:login')}?next={request.get_full_path()}")
            if not has_role(user):
                raise PermissionDenied(str(refusal))
            request.department = user.department
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# A logged-in department officer.
officer_required = _workspace_user(
    lambda user: user.is_department_officer, gettext_lazy("部门工作台仅供部门数据专员使用。")
)
# A logged-in government user (共享信息查询人员) of a department.
government_user_required = _workspace_user(
    lambda user: getattr(user, "is_government_user", False),
    gettext_lazy("共享信息查询仅供本部门的共享信息查询人员使用。"),
)


def own_batch(request, pk) -> Batch:
    return get_object_or_404(
        Batch.objects.select_related("catalog_item", "department", "created_by"),
        pk=pk,
        department=request.department,
    )


def providable_items(department):
    """Catalog items this department may submit: active, open to it or to any department."""
    items = CatalogItem.objects.filter(is_active=True).prefetch_related("departments")
    return [i for i in items if not i.departments.all() or department in i.departments.all()]


def _context(request, section, **extra):
    return {"workspace_section": section, "department": request.department, **extra}


@officer_required
@require_GET
def batch_list(request):
    batches = Batch.objects.filter(department=request.department).select_related(
        "catalog_item", "created_by"
    )
    status = request.GET.get("status", "")
    if status in BatchStatus.values:
        batches = batches.filter(status=status)
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/batch_list.html",
        _context(
            request,
            "batches",
            page=page,
            status=status,
            statuses=BatchStatus.choices,
            running=any(b.status in ("received", "validating", "committing") for b in page),
        ),
    )


@officer_required
def batch_upload(request):
    items = providable_items(request.department)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        items=items,
        max_bytes=settings.PORTAL_IMPORT_MAX_UPLOAD_BYTES,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch, _created = services.submit_batch(
                department=request.department,
                item=form.cleaned_data["catalog_item"],
                fileobj=upload,
                file_name=upload.name,
                source=BatchSource.WEB,
                user=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
        except services.SubmissionError as exc:
            form.add_error("file", exc.message())
        else:
            batch.refresh_from_db(fields=["status"])
            # Validation may already be over (a small file, tasks run in-process).
            messages.success(
                request,
                _("文件已接收，正在校验。")
                if batch.status in (BatchStatus.RECEIVED, BatchStatus.VALIDATING)
                else _("文件已接收，校验已完成。"),
            )
            earlier = services.same_file_batch(batch)
            if earlier is not None:
                messages.warning(
                    request,
                    _("该文件与批次 #%(pk)d 相同。如属重复上传，请放弃本批次。")
                    % {"pk": earlier.pk},
                )
            return redirect("exchange:batch_detail", pk=batch.pk)
    return render(request, "exchange/batch_upload.html", _context(request, "batches", form=form))


@officer_required
@require_GET
def batch_detail(request, pk):
    batch = own_batch(request, pk)
    register_batch_view(request.user, batch)
    progress = services.batch_progress(batch)
    errors = Paginator(batch.row_errors.order_by("row", "id"), 50).get_page(
        request.GET.get("errors")
    )
    fields = {f.key: f for f in batch.catalog_item.fields.all()}
    error_rows = [
        {"row": e.row, "column": e.column_label(fields), "message": e.message()} for e in errors
    ]
    return render(
        request,
        "exchange/batch_detail.html",
        _context(
            request,
            "batches",
            batch=batch,
            progress=progress,
            errors=errors,
            error_rows=error_rows,
            candidates=batch.candidates.filter(kind=CandidateKind.SAME_NAME).select_related(
                "matched_subject"
            )[:50],
            name_mismatches=batch.candidates.filter(kind=CandidateKind.NAME_DIFFERS)
            .select_related("matched_subject")
            .order_by("row")[:200],
            masked_cells=batch.masked_cells.all()[:200],
            same_as=services.same_file_batch(batch),
            template_notice=services.template_notice(batch),
            silence_note=silence_note(services.silence(batch)),
            gave_up_note=gave_up_note(batch),
            can_retry=services.can_retry(batch),
            can_discard=services.can_discard(batch),
            awaiting_approval=services.awaiting_approval(batch),
            row_approvals=batch.approvals.filter(record__isnull=False).select_related(
                "record__catalog_item"
            )[:200],
        ),
    )


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i:s")


def silence_note(silence: services.Silence | None) -> list[str]:
    """What the batch page and the API say about a batch whose worker stopped answering,
    in the active language: one sentence a line; none while the worker answers."""
    if silence is None:
        return []
    lines = [
        _("处理此批次的进程已停止响应，最后一次响应于 %(time)s。")
        % {"time": _moment(silence.last_heard)},
        _("中断的处理不会留下部分数据：此批次尚未入库任何记录。"),
    ]
    if silence.automatic == "retry":
        lines.append(
            _("如无人处理，系统最迟将于 %(time)s 自动重试（已处理 %(n)d 次，最多 %(max)d 次）。")
            % {
                "time": _moment(silence.automatic_by),
                "n": silence.attempts,
                "max": silence.max_attempts,
            }
        )
    else:
        lines.append(
            _("已处理 %(n)d 次，达到上限；如无人处理，系统最迟将于 %(time)s 将此批次标为处理失败。")
            % {"time": _moment(silence.automatic_by), "n": silence.attempts}
        )
    lines.append(_("您可以立即重试，或放弃此批次。"))
    return lines


def gave_up_note(batch: Batch) -> str:
    """Why a batch the scheduled recovery gave up on is failed, in the active language."""
    if batch.gave_up_at is None:
        return ""
    return _(
        "处理此批次的进程 %(n)d 次都未能完成，系统已于 %(time)s 停止自动重试并将其标为处理失败，"
        "未入库任何记录。请核对文件后重新上传；如反复出现，请联系平台运营人员。"
    ) % {"n": batch.attempts, "time": _moment(batch.gave_up_at)}


@officer_required
@require_GET
def batch_progress_json(request, pk):
    batch = own_batch(request, pk)
    data = services.batch_progress(batch).as_dict()
    data.update(
        {
            "batch": batch.pk,
            "silent": services.is_silent(batch),
            "accepted": batch.accepted,
            "rejected": batch.rejected,
            "created": batch.created_count,
            "updated": batch.updated_count,
            "unchanged": batch.unchanged_count,
            "withdrawn": batch.withdrawn_count,
        }
    )
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@officer_required
@require_GET
def batch_rows(request, pk):
    batch = own_batch(request, pk)
    register_batch_view(request.user, batch)
    rows = BatchRow.objects.filter(batch=batch)
    outcome = request.GET.get("outcome", "")
    if outcome in RowOutcome.values:
        rows = rows.filter(outcome=outcome)
    page = Paginator(rows.order_by("row"), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/batch_rows.html",
        _context(
            request,
            "batches",
            batch=batch,
            page=page,
            outcome=outcome,
            outcomes=RowOutcome.choices,
        ),
    )


@officer_required
@require_GET
def batch_error_report(request, pk):
    batch = own_batch(request, pk)
    if batch.status in (BatchStatus.RECEIVED, BatchStatus.VALIDATING, BatchStatus.FAILED):
        messages.error(request, _("此批次没有行错误报告。"))
        return redirect("exchange:batch_detail", pk=batch.pk)
    register_batch_view(request.user, batch)
    content = error_report_xlsx(batch)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-errors.xlsx"'
    return response


def _act(request, back: str, act, *, done, refused: str = "", confirm_first: str = ""):
    """The shape of the workspace's buttons on one of the department's own batches or tokens:
    the confirmation box where `confirm_first` asks for one, the service `act`, one message
    (`refused` when the batch's state does not allow the move, the service's own reason for
    names not confirmed or for a move that was already made, else `done`, or
    `done(result)`), and back to `back` either way."""
    if confirm_first and not request.POST.get("confirm"):
        messages.error(request, confirm_first)
        return redirect(back)
    try:
        result = act()
    except services.TransitionError:
        messages.error(request, refused)
    except services.NamesUnconfirmed as exc:
        messages.error(request, exc.message())
    except services.AlreadyDone as exc:
        messages.warning(request, exc.message())
    else:
        messages.success(request, done(result) if callable(done) else done)
    return redirect(back)


def _batch_page(batch: Batch) -> str:
    return reverse("exchange:batch_detail", args=[batch.pk])


def _commit_started(batch: Batch) -> str:
    if batch.status == BatchStatus.VALIDATED:
        return _("本部门批次入库须经另一名数据专员审批，已提交审批。")
    return _("已开始入库。")


@officer_required
@require_POST
def batch_commit(request, pk):
    batch = own_batch(request, pk)
    names_confirmed = bool(request.POST.get("confirm_names"))
    return _act(
        request,
        _batch_page(batch),
        lambda: services.request_commit(batch, actor=request.user, names_confirmed=names_confirmed),
        confirm_first=_("请勾选确认后再入库。"),
        refused=_("此批次当前不能入库。"),
        done=_commit_started,
    )


def _batch_button(service, *, refused, done):
    """The view of a button on the batch page that only calls `service(batch, actor=...)`
    on the department's own batch (messages as in _act)."""

    @officer_required
    @require_POST
    def view(request, pk):
        batch = own_batch(request, pk)
        act = functools.partial(service, batch, actor=request.user)
        # Translated now, in the officer's language (officer_required activated it).
        return _act(request, _batch_page(batch), act, refused=str(refused), done=str(done))

    return view


batch_promote = _batch_button(
    services.promote_dry_run,
    refused=gettext_lazy("只有校验完成的试运行批次可以转为正式入库。"),
    done=gettext_lazy("已转为正式批次，核对后即可入库。"),
)
batch_discard = _batch_button(
    services.discard_batch,
    refused=gettext_lazy("此批次当前不能放弃。"),
    done=gettext_lazy("批次已放弃，未入库任何数据。"),
)
batch_retry = _batch_button(
    services.retry_batch,
    refused=gettext_lazy("此批次仍在处理中，无需重试。"),
    done=gettext_lazy("已重新提交处理。"),
)


@officer_required
@require_GET
def template_list(request):
    items = providable_items(request.department)
    return render(
        request, "exchange/template_list.html", _context(request, "templates", items=items)
    )


@officer_required
@require_GET
def template_download(request, code, fmt):
    item = get_object_or_404(CatalogItem, code=code, is_active=True)
    if item not in providable_items(request.department):
        raise PermissionDenied
    return template_response(item, fmt)


def template_response(item, fmt):
    from django.http import Http404

    if fmt == "xlsx":
        return _attachment(template_xlsx(item), XLSX, template_filename(item, "xlsx"))
    if fmt == "csv":
        return _attachment(
            template_csv(item), "text/csv; charset=utf-8", template_filename(item, "csv")
        )
    raise Http404


def _attachment(content: bytes, content_type: str, name: str):
    import io

    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=name, content_type=content_type
    )


@officer_required
def token_list(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = issue_token(
            request.department, form.cleaned_data["label"], actor=request.user
        )
        form = TokenForm()
    tokens = DepartmentToken.objects.filter(department=request.department)
    return render(
        request,
        "exchange/token_list.html",
        _context(request, "tokens", tokens=tokens, form=form, new_key=new_key),
    )


@officer_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(DepartmentToken, pk=pk, department=request.department)
    return _act(
        request,
        reverse("exchange:token_list"),
        lambda: revoke_token(token, actor=request.user),
        confirm_first=_("请勾选确认后再吊销令牌。"),
        done=_("令牌已吊销。"),
    )


@government_user_required
@never_cache
@require_http_methods(["GET", "POST"])
def shared_query(request):
    """One subject's shared-only records, after the query is registered with its purpose.
    Answered on the POST itself, so no identity number lands in a URL or a history."""
    grants = list(sharing.granted_items(request.department).values())
    form = SharedQueryForm(request.POST or None, grants=grants)
    answer = None
    if request.method == "POST" and form.is_valid():
        try:
            answer = sharing.query_shared(
                user=request.user,
                department=request.department,
                code=form.cleaned_data["code"],
                purpose=form.cleaned_data["purpose"],
                legal_basis=form.cleaned_data["legal_basis"],
                channel=QueryChannel.SHARED,
                item_code=form.cleaned_data["item"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The number asked for is not echoed back; purpose and basis stay for the next one.
            kept = {k: form.cleaned_data[k] for k in ("purpose", "legal_basis", "item")}
            form = SharedQueryForm(initial=kept, grants=grants)
    return render(
        request,
        "exchange/shared_query.html",
        _context(request, "shared", form=form, answer=answer, grants=grants),
    )


# -- withdrawing one record (撤销, 移出) ---------------------------------------------------------
FOUND_MAX = 20


def _own_records(request):
    return CreditRecord.objects.filter(department=request.department).select_related(
        "catalog_item", "subject"
    )


@officer_required
@require_http_methods(["GET", "POST"])
def record_withdraw(request):
    """Find one of the department's records by its key, choose revoke or remove with the
    ground and document number, confirm: the same service as a 撤销/移出 row in a file."""
    step = request.POST.get("step", "") if request.method == "POST" else ""
    find = FindRecordForm(request.POST if step == "find" else None)
    found, forms_by_record, error = None, {}, ""
    if step == "find" and find.is_valid():
        records = _own_records(request).filter(
            decision_no=" ".join(find.cleaned_data["decision_no"].split())
        )
        code = normalise_code(find.cleaned_data["subject_code"])
        if code:
            records = records.filter(subject__code=code)
        found = list(records.order_by("-decision_date", "-id")[:FOUND_MAX])
        forms_by_record = {r.pk: WithdrawForm(initial={"record": r.pk}) for r in found}
    elif step == "confirm":
        form = WithdrawForm(request.POST)
        record = None
        if form.is_valid():
            record = get_object_or_404(_own_records(request), pk=form.cleaned_data["record"])
            ground = form.cleaned_data["ground"]
            args = (record, ground, form.cleaned_data["basis"], form.cleaned_data["document_no"])
            decided_on = form.cleaned_data["decided_on"]
            # Where the department's policy asks for a second officer, only a request is made.
            needs_approval = approvals.requires_approval(request.department, ground)
            try:
                if needs_approval:
                    approval = approvals.request_withdrawal(
                        *args, request.user, decided_on=decided_on
                    )
                else:
                    withdraw_record(*args, request.user, decided_on=decided_on)
            except (WithdrawalError, approvals.ApprovalError) as exc:
                error = str(exc)
            else:
                if needs_approval:
                    messages.success(
                        request,
                        _("已提交审批：须本部门另一名数据专员批准后，该记录才撤下公示。"),
                    )
                    return redirect("exchange:approval_detail", pk=approval.pk)
                messages.success(request, _("该记录已撤下公示。"))
                return redirect("exchange:record_withdrawn", pk=record.pk)
        else:
            pk = request.POST.get("record", "")
            record = get_object_or_404(_own_records(request), pk=pk) if pk.isdigit() else None
        found = [record] if record is not None else []
        forms_by_record = {record.pk: form} if record is not None else {}
    rows = [(record, forms_by_record[record.pk]) for record in found or []]
    return render(
        request,
        "exchange/record_withdraw.html",
        _context(
            request, "withdraw", find=find, rows=rows, searched=found is not None, error=error
        ),
    )


@officer_required
@require_GET
def record_withdrawn(request, pk):
    record = get_object_or_404(_own_records(request), pk=pk)
    withdrawal = Withdrawal.objects.filter(record_id=record.pk).order_by("-id").first()
    return render(
        request,
        "exchange/record_withdrawn.html",
        _context(request, "withdraw", record=record, withdrawal=withdrawal),
    )


# -- entering one record -------------------------------------------------------------------------
@officer_required
@require_http_methods(["GET", "POST"])
def record_enter(request):
    """One record typed in by an officer (departments with few records keep no spreadsheet):
    a form from the item's template, judged by the import's own row validation, loaded as a
    one-row batch."""
    items = {item.code: item for item in providable_items(request.department)}
    item = items.get(request.POST.get("catalog_item") or request.GET.get("item", ""))
    form = None
    if item is not None:
        schema = ImportSchema.from_item(item)
        posted = request.method == "POST" and request.POST.get("step") == "enter"
        form = RecordEntryForm(request.POST if posted else None, schema=schema)
        if posted and form.is_valid():
            batch = services.enter_record(
                department=request.department, item=item, values=form.row(), user=request.user
            )
            if batch.status == BatchStatus.DISCARDED:
                _errors_onto(form, batch)
            else:
                if batch.status == BatchStatus.VALIDATED:
                    messages.success(
                        request, _("记录已通过校验；本部门入库须经另一名数据专员审批，已提交审批。")
                    )
                else:
                    messages.success(request, _("记录已通过校验，正在入库。"))
                return redirect("exchange:batch_detail", pk=batch.pk)
    return render(
        request,
        "exchange/record_enter.html",
        _context(request, "enter", items=list(items.values()), item=item, form=form),
        status=400 if form is not None and form.errors else 200,
    )


def _errors_onto(form, batch) -> None:
    """The row errors of a one-row batch, each on the field it is about."""
    fields = {f.key: f for f in batch.catalog_item.fields.all()}
    for error in batch.row_errors.order_by("id"):
        if error.field in form.fields:
            form.add_error(error.field, error.message())
        else:
            form.add_error(None, f"{error.column_label(fields)} {error.message()}".strip())
    if batch.file_error_code:
        form.add_error(None, batch.file_error())
    if not form.errors:
        form.add_error(None, _("该记录未能通过校验，未入库。"))


# -- two-person approval (A/B roles) ------------------------------------------------------------
def _own_approvals(request):
    return PendingApproval.objects.filter(
        scope=ApprovalScope.DEPARTMENT, department=request.department
    ).select_related(
        "maker", "decided_by", "record__catalog_item", "record__subject", "batch__token"
    )


@officer_required
@require_GET
def approval_list(request):
    """Requests of the department waiting for a second officer, oldest first, with their age."""
    waiting = approvals.pending_for(request.user).order_by("created_at", "id")
    decided = _own_approvals(request).exclude(outcome=ApprovalOutcome.PENDING)
    return render(
        request,
        "exchange/approval_list.html",
        _context(
            request,
            "approvals",
            waiting=waiting,
            decided=decided.order_by("-decided_at", "-id")[:50],
        ),
    )


@officer_required
@require_http_methods(["GET", "POST"])
def approval_detail(request, pk):
    approval = get_object_or_404(_own_approvals(request), pk=pk)
    refuse_form = RefuseForm(request.POST if request.POST.get("decision") == "refuse" else None)
    error = ""
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        try:
            if decision == "approve":
                approvals.approve(approval, request.user)
                messages.success(request, _("已批准，申请的操作已执行。"))
                return redirect("exchange:approval_detail", pk=approval.pk)
            if decision == "refuse" and refuse_form.is_valid():
                approvals.refuse(approval, request.user, refuse_form.cleaned_data["reason"])
                messages.success(request, _("已拒绝，申请的操作未执行。"))
                return redirect("exchange:approval_detail", pk=approval.pk)
        except approvals.ApprovalError as exc:
            error = str(exc)
        approval.refresh_from_db()
    return render(
        request,
        "exchange/approval_detail.html",
        _context(
            request,
            "approvals",
            approval=approval,
            refuse_form=refuse_form,
            error=error,
            is_maker=request.user.pk in approvals.maker_ids(approval),
            ground_label=_ground_label(approval),
        ),
        status=400 if error else 200,
    )


def _ground_label(approval):
    if approval.action == ApprovalAction.BATCH_COMMIT:
        return ""
    return ApprovalAction(approval.action).label
