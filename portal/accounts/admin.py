"""django-admin pages: authenticators' removals go through the audited reset; a role's
edits are audited as one before/after entry (portal/accounts/role_audit.py)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.role_audit import role_edit
from portal.audit.services import record_event


class AuditedTOTPDeviceAdmin(TOTPDeviceAdmin):
    def has_add_permission(self, request):
        # Devices are enrolled by their holder, who must scan the secret; an
        # operator creating one would know a second factor of someone else.
        return False

    def delete_model(self, request, obj):
        self.delete_queryset(request, TOTPDevice.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            record_event(
                "auth.second_factor_reset",
                actor=request.user,
                target=device.user,
                data={"devices": [device.pk], "reason": "django-admin"},
            )
        queryset.delete()


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, AuditedTOTPDeviceAdmin)


class AuditedGroupAdmin(GroupAdmin):
    # Each save or deletion is one entry per role (a permissions.set() alone would be two).
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        group = self.get_object(request, object_id) if object_id else None
        with role_edit(group, actor=request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with role_edit(self.get_object(request, object_id), actor=request.user):
            return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        # The "delete selected" action: each role deleted is noted by its pre_delete signal.
        with role_edit(actor=request.user):
            return super().changelist_view(request, extra_context)


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, AuditedGroupAdmin)
