"""Operators' views of the exchange in the Django admin (/django-admin/)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import timesince
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange import approvals, services
from exchange.models import (
    ApprovalPolicy,
    Batch,
    CandidateStatus,
    IdentityCandidate,
    PendingApproval,
    SharingGrant,
)
from portal.audit.services import record_event
from portal.queries import services as queries
from portal.queries.models import Channel
from portal.records.models import CreditRecord
from portal.records.wagtail_hooks import looked_at
from portal.records.withdrawals import BASIS_MAX, WithdrawalError
from portal.subjects.models import public_code_for


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "department",
        "catalog_item",
        "status",
        "rows_total",
        "accepted",
        "rejected",
        "created_at",
    ]
    list_filter = ["status", "department", "catalog_item", "source"]
    search_fields = ["file_name", "idempotency_key"]
    readonly_fields = [f.name for f in Batch._meta.fields]
    actions = ["retry_silent", "discard_silent"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def _act(self, request, queryset, action) -> None:
        """Apply an operator's action to the chosen batches whose worker is silent;
        the others are left as they are and counted."""
        done = refused = 0
        for batch in queryset:
            try:
                action(batch, actor=request.user)
            except services.TransitionError:
                refused += 1
            else:
                done += 1
        self.message_user(request, _("已处理 %(n)d 个批次。") % {"n": done}, messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                _("%(n)d 个批次的处理进程仍在响应（或批次已不在处理中），未作改动。")
                % {"n": refused},
                messages.WARNING,
            )

    @admin.action(description=gettext_lazy("立即重试处理进程已停止响应的批次"))
    def retry_silent(self, request, queryset):
        self._act(request, queryset, services.retry_batch)

    @admin.action(description=gettext_lazy("放弃处理进程已停止响应的批次"))
    def discard_silent(self, request, queryset):
        def discard(batch, actor):
            # Only the silent ones: a validated batch is the department's to discard.
            if not services.is_silent(batch):
                raise services.TransitionError(f"batch {batch.pk} is not silent")
            services.discard_batch(batch, actor=actor)

        self._act(request, queryset, discard)

    def get_actions(self, request):
        # Deleting several at once would bypass the second operator.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        """Confirming a deletion asks a second operator to approve it (exchange.approvals)."""
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        batch = get_object_or_404(Batch, pk=object_id)
        if not self.has_delete_permission(request, batch):
            return super().delete_view(request, object_id, extra_context)
        approval = approvals.request_batch_deletion(batch, request.user)
        messages.warning(
            request,
            _("删除批次 #%(batch)s 须经另一名平台运营人员审批，已提交审批申请 #%(id)s。")
            % {"batch": batch.pk, "id": approval.pk},
        )
        return redirect(reverse("admin:exchange_pendingapproval_change", args=[approval.pk]))


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    """Per department and action, whether a second officer must approve (changes audited)."""

    list_display = ["department", "action", "required", "updated_at"]
    list_editable = ["required"]
    list_filter = ["action", "required", "department"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        approvals.audit_policy(obj, request.user)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        approvals.audit_policy(obj, request.user)


@admin.register(SharingGrant)
class SharingGrantAdmin(admin.ModelAdmin):
    """Which shared-only items each department may query, and why (changes audited)."""

    list_display = ["department", "catalog_item", "legal_basis", "is_active", "updated_at"]
    list_editable = ["is_active"]
    list_filter = ["is_active", "catalog_item", "department"]
    search_fields = ["legal_basis", "department__name"]

    def _audit(self, request, obj, verb):
        record_event(
            f"sharing.grant_{verb}",
            actor=request.user,
            target=obj,
            data={
                "department": obj.department.code,
                "catalog_item": obj.catalog_item.code,
                "legal_basis": obj.legal_basis,
                "active": obj.is_active,
            },
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(request, obj, "changed" if change else "created")

    def delete_model(self, request, obj):
        self._audit(request, obj, "deleted")
        super().delete_model(request, obj)


class DecisionForm(forms.ModelForm):
    """An operator's decision on a request that waits for a second operator."""

    decision = forms.ChoiceField(
        label=gettext_lazy("审批"),
        required=False,
        choices=[
            ("", "—"),
            ("approve", gettext_lazy("批准并执行")),
            ("refuse", gettext_lazy("拒绝")),
        ],
    )
    refusal = forms.CharField(
        label=gettext_lazy("拒绝理由"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    user = None  # set per request by PendingApprovalAdmin.get_form

    class Meta:
        model = PendingApproval
        fields = []

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision:
            try:
                approvals.check_approver(self.instance, self.user)
            except approvals.ApprovalError as exc:
                raise forms.ValidationError(str(exc)) from None
        if decision == "refuse" and not (data.get("refusal") or "").strip():
            self.add_error("refusal", _("拒绝时须填写理由。"))
        return data


class RecordDeletionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("删除理由"),
        max_length=BASIS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "说明为何删除（例如录入错误：主体填错）。删除须经另一名平台运营人员审批；"
            "批准后该记录立即撤下公示，内容删除，审计日志保留删除记录。"
        ),
    )


@admin.register(PendingApproval)
class PendingApprovalAdmin(admin.ModelAdmin):
    """Every request for a second person's approval, with its age; operators decide the
    requests of operators (deleting batches), and see the departments' ones."""

    form = DecisionForm
    list_display = [
        "id",
        "action",
        "scope",
        "department",
        "target",
        "maker",
        "created_at",
        "age",
        "outcome",
        "decided_by",
    ]
    list_filter = ["outcome", "scope", "action", "department"]
    readonly_fields = [
        "action",
        "scope",
        "department",
        "maker",
        "record",
        "batch",
        "payload",
        "created_at",
        "age",
        "outcome",
        "decided_by",
        "decided_at",
        "reason",
    ]
    fields = [*readonly_fields, "decision", "refusal"]

    @admin.display(description=gettext_lazy("对象"))
    def target(self, obj):
        return obj.target_label()

    @admin.display(description=gettext_lazy("已等待"))
    def age(self, obj):
        if not obj.is_pending:
            return "—"
        return timesince(obj.created_at)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("maker", "decided_by", "department", "record__catalog_item", "batch")
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def get_urls(self):
        return [
            path(
                "record/<int:record_id>/delete/",
                self.admin_site.admin_view(self.record_deletion_view),
                name="exchange_pendingapproval_record_deletion",
            ),
            *super().get_urls(),
        ]

    def record_deletion_view(self, request, record_id: int):
        """An operator asks for one record's deletion, with a reason; a second operator
        decides it on the request's page (exchange.approvals)."""
        if not getattr(request.user, "is_operator", False):
            raise PermissionDenied
        record = get_object_or_404(
            CreditRecord.objects.select_related("catalog_item", "department", "subject"),
            pk=record_id,
        )
        looked = looked_at(record)
        if looked is not None:
            # Checking what is to be deleted is a staff view of the record like any other.
            queries.register(
                user=request.user,
                channel=Channel.ADMIN,
                looked=[looked],
                purpose="核对拟删除的信用记录",  # stored as typed, in the source language
            )
        form = RecordDeletionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                approval = approvals.request_record_deletion(
                    record, form.cleaned_data["reason"], request.user
                )
            except (approvals.ApprovalError, WithdrawalError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.warning(
                    request,
                    _("删除信用记录须经另一名平台运营人员审批，已提交审批申请 #%(id)s。")
                    % {"id": approval.pk},
                )
                return redirect(
                    reverse("admin:exchange_pendingapproval_change", args=[approval.pk])
                )
        subject = record.subject
        context = {
            **self.admin_site.each_context(request),
            "title": _("申请删除信用记录"),
            "opts": self.model._meta,
            "record": record,
            "subject_code": public_code_for(subject.kind, subject.code, subject.identity_masked),
            "form": form,
        }
        return TemplateResponse(request, "exchange/admin/record_deletion.html", context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        try:
            if decision == "approve":
                approvals.approve(obj, request.user)
            elif decision == "refuse":
                approvals.refuse(obj, request.user, form.cleaned_data["refusal"])
        except approvals.ApprovalError as exc:
            messages.error(request, str(exc))


@admin.register(IdentityCandidate)
class IdentityCandidateAdmin(admin.ModelAdmin):
    """Name-only matches: an operator decides; nothing is merged here."""

    list_display = [
        "incoming_name",
        "incoming_code",
        "matched_subject",
        "kind",
        "status",
        "batch",
        "row",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["incoming_name", "incoming_code"]
    readonly_fields = [
        "batch",
        "row",
        "kind",
        "incoming_name",
        "incoming_code",
        "attached_subject",
        "matched_subject",
        "score",
        "reviewed_by",
        "reviewed_at",
        "created_at",
    ]
    fields = [*readonly_fields, "status", "note"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data and obj.status != CandidateStatus.OPEN:
            obj.reviewed_by = request.user
            obj.reviewed_at = timezone.now()
        super().save_model(request, obj, form, change)
