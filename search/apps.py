from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("信用搜索")

    def ready(self):
        from portal.records.signals import records_changing
        from portal.subjects.models import Subject, SubjectName
        from search import signals

        # Inside the changing transaction: the outbox row commits with the data or not at all.
        records_changing.connect(signals.on_records_changed, dispatch_uid="search.records_changing")
        post_save.connect(signals.on_subject_saved, sender=Subject, dispatch_uid="search.subject")
        post_save.connect(
            signals.on_subject_saved, sender=SubjectName, dispatch_uid="search.subject_name"
        )
