from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "portal.assessment"
    label = "assessment"
    verbose_name = _("报送考核")

    def ready(self):
        from django.db.models.signals import post_save

        from exchange.models import Batch
        from portal.assessment import signals

        post_save.connect(signals.batch_saved, sender=Batch, dispatch_uid="assessment.batch_saved")
