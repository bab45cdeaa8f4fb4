"""Aggregates of the statistics pages (docs/domain.md, Statistics), refreshed by
portal.statistics.refresh so no page counts records per request: monthly and all-time
figures (Figure, what the public page reads) and daily ones (DayFigure, which the
operators' day, month, quarter and year views sum)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Figure(models.Model):
    """One figure: a metric of one group (a dimension's key) in one month, or all time.

    `subjects` is the number of distinct subjects behind the value where it is
    counted (all-time groups and monthly totals); `suppressed` marks groups the
    public page must not show on their own (fewer than the minimum subjects).
    """

    metric = models.CharField(_("指标"), max_length=32)
    dimension = models.CharField(_("维度"), max_length=16)
    key = models.CharField(_("分组"), max_length=64, blank=True)
    # The first day of the month; empty for the all-time figure.
    month = models.DateField(_("月份"), null=True, blank=True)
    value = models.PositiveBigIntegerField(_("数值"), default=0)
    subjects = models.PositiveIntegerField(_("主体数"), null=True, blank=True)
    suppressed = models.BooleanField(_("不单独公开"), default=False)
    # Not small itself, but withheld with the small ones so the total minus the shown
    # figures does not give a small one away (complementary suppression).
    withheld = models.BooleanField(_("为防推算不公开"), default=False)

    class Meta:
        verbose_name = _("统计数据")
        verbose_name_plural = _("统计数据")
        indexes = [models.Index(fields=["metric", "dimension", "month"])]

    def __str__(self):
        return f"{self.metric}/{self.dimension}/{self.key} {self.month or ''} = {self.value}"


class DayFigure(models.Model):
    """One metric of one group on one day (records by their decision date, cases, lookups
    and feedback by the day they happened). Kept for every metric's total and for records
    by each breakdown; `subjects` (distinct subjects that day) for the records' total.
    Operators' views sum them by day, month, quarter or year; never shown to the public."""

    metric = models.CharField(_("指标"), max_length=32)
    dimension = models.CharField(_("维度"), max_length=16)
    key = models.CharField(_("分组"), max_length=64, blank=True)
    day = models.DateField(_("日期"))
    value = models.PositiveBigIntegerField(_("数值"), default=0)
    subjects = models.PositiveIntegerField(_("主体数"), null=True, blank=True)

    class Meta:
        verbose_name = _("每日统计数据")
        verbose_name_plural = _("每日统计数据")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "dimension", "day", "key"], name="unique_day_figure"
            )
        ]

    def __str__(self):
        return f"{self.metric}/{self.dimension}/{self.key} {self.day} = {self.value}"


class Refresh(models.Model):
    """One recomputation of the figures: when, why and how long it took."""

    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"))
    trigger = models.CharField(_("触发原因"), max_length=32)
    figures = models.PositiveIntegerField(_("数据条数"), default=0)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("统计刷新")
        verbose_name_plural = _("统计刷新")

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.trigger}"
