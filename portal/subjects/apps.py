from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class SubjectsConfig(AppConfig):
    name = "portal.subjects"
    label = "subjects"
    verbose_name = _("信用主体")

    def ready(self):
        from portal.subjects import signals
        from portal.subjects.models import Subject, SubjectName

        # A subject's stored name keys follow its names (portal.subjects.stored_keys). A
        # deleted name's keys may stay: keys only lead to subjects, their names decide.
        post_save.connect(signals.subject_saved, sender=Subject, dispatch_uid="subjects.keys")
        post_save.connect(
            signals.subject_name_saved, sender=SubjectName, dispatch_uid="subjects.name_keys"
        )
