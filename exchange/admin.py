"""Operators' views of the exchange in the Django admin (/django-admin/)."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange import services
from exchange.models import Batch, CandidateStatus, IdentityCandidate


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


@admin.register(IdentityCandidate)
class IdentityCandidateAdmin(admin.ModelAdmin):
    """Name-only matches: an operator decides; nothing is merged here."""

    list_display = [
        "incoming_name",
        "incoming_code",
        "matched_subject",
        "status",
        "batch",
        "row",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["incoming_name", "incoming_code"]
    readonly_fields = [
        "batch",
        "row",
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
