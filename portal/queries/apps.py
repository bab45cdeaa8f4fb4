from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueriesConfig(AppConfig):
    name = "portal.queries"
    label = "queries"
    verbose_name = _("查询登记与监测")
