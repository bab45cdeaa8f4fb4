"""Department tokens in the Django admin (/django-admin/); departments are Wagtail snippets."""

from django.contrib import admin

from portal.departments.models import DepartmentToken


@admin.register(DepartmentToken)
class DepartmentTokenAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "department",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
        "shared_query",
    ]
    list_filter = ["department"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at"]
    fields = [
        "department",
        "label",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "shared_query",
    ]

    def has_add_permission(self, request):
        return False  # keys are issued in the workspace or by `issue_department_token`
