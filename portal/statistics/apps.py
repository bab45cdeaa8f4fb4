from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "portal.statistics"
    label = "statistics"
    verbose_name = _("信用统计")

    def ready(self):
        from django.db.models.signals import post_save

        from exchange.models import Batch
        from portal.statistics import signals

        post_save.connect(
            signals.on_batch_saved, sender=Batch, dispatch_uid="statistics.batch_committed"
        )
