"""The django-admin page of authenticators: removals go through the audited reset."""

from django.contrib import admin
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

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
