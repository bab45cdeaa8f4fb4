from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    """Joint rewards and penalties (联合奖惩): measures, reviewer lookups, screening, feedback."""

    name = "portal.measures"
    label = "measures"
    verbose_name = _("联合奖惩")
    default_auto_field = "django.db.models.BigAutoField"
