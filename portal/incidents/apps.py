from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "portal.incidents"
    label = "incidents"
    verbose_name = _("安全事件")
