"""Operators' views of the exchange in the Django admin (/django-admin/)."""

from django.contrib import admin
from django.utils import timezone

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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Batches are the exchange's record of what was submitted: never deleted by hand
        # (which also removes the bulk-delete action).
        return False


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
