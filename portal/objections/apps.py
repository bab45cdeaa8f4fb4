from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObjectionsConfig(AppConfig):
    name = "portal.objections"
    label = "objections"
    verbose_name = _("异议与信用修复")

    def ready(self):
        # The calendar in portal.core reads operators' overrides through this app.
        from portal.objections.workdays import load_overrides, use_overrides

        use_overrides(load_overrides)
