from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "portal.assessment"
    label = "assessment"
    verbose_name = _("报送考核")

    def ready(self):
        from django.db.models.signals import post_delete, post_save, pre_save

        from exchange.models import Batch
        from portal.assessment import signals

        post_save.connect(signals.batch_saved, sender=Batch, dispatch_uid="assessment.batch_saved")
        duty = self.get_model("ReportingDuty")
        pre_save.connect(signals.duty_pairs_before, sender=duty, dispatch_uid="assessment.duty_pre")
        post_save.connect(signals.duty_changed, sender=duty, dispatch_uid="assessment.duty_saved")
        post_delete.connect(
            signals.duty_changed, sender=duty, dispatch_uid="assessment.duty_deleted"
        )
