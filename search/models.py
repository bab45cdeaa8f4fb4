"""Search bookkeeping: the embedded index's live generation and the indexing outbox."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmbeddedIndex(models.Model):
    """Which generation of the embedded index's tables serves queries (its "alias").

    A rebuild fills the tables of a new generation while the live one keeps
    serving, then switches `live` in one transaction and drops the old tables.
    """

    prefix = models.CharField(max_length=64, unique=True)
    live = models.PositiveIntegerField(null=True, blank=True)
    building = models.PositiveIntegerField(null=True, blank=True)
    last_generation = models.PositiveIntegerField(default=0)
    analysis = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("内置搜索索引")
        verbose_name_plural = _("内置搜索索引")

    def __str__(self):
        return f"{self.prefix} (live {self.live})"


class OutboxEntry(models.Model):
    """Changes waiting to reach the search index. Nothing is lost while the engine is down:
    an entry is deleted only after its documents were written, and the periodic
    catch-up task retries failed entries with a growing delay."""

    record_ids = models.JSONField(default=list, blank=True)
    subject_ids = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("待索引变更")
        verbose_name_plural = _("待索引变更")

    def __str__(self):
        return f"outbox {self.pk}: {len(self.record_ids)} records, {len(self.subject_ids)} subjects"


class IndexBuild(models.Model):
    """One full rebuild of a backend's index: a log, a lock, and what --if-needed checks."""

    backend = models.CharField(max_length=32)
    prefix = models.CharField(max_length=64)
    target = models.CharField(max_length=128, help_text=_("新索引（或内置索引代次）的名称"))
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failed = models.BooleanField(default=False)
    documents = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    analysis = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("索引重建")
        verbose_name_plural = _("索引重建")

    def __str__(self):
        return f"{self.backend}:{self.target}"
