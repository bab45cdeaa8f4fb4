"""The incident register: grades, escalation deadlines, reporting chain, timeline, drills.

Grades follow the national grading of information security incidents (GB/Z 20986),
as the platform's emergency procedure uses them (docs/architecture.md).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel


class Grade(models.TextChoices):
    EXTRAORDINARY = "I", _("特大（I级）")
    MAJOR = "II", _("重大（II级）")
    LARGE = "III", _("较大（III级）")
    GENERAL = "IV", _("一般（IV级）")


GRADE_CRITERIA = {
    Grade.EXTRAORDINARY: _(
        "平台信用信息大规模泄露或被篡改（涉及10万条以上记录或个人身份信息），"
        "或平台全部服务中断超过24小时，造成特别严重社会影响。"
    ),
    Grade.MAJOR: _(
        "信用信息泄露或被篡改（1万条以上记录），审计链被破坏且无法排除篡改，"
        "或公示、查询服务中断超过8小时。"
    ),
    Grade.LARGE: _(
        "少量信用信息泄露或误公示，公示、查询服务中断超过2小时，或备份连续缺失、数据可能无法恢复。"
    ),
    Grade.GENERAL: _(
        "单项功能故障或性能下降（搜索索引积压、批次反复失败、单次备份缺失），"
        "未造成数据泄露或公示错误。"
    ),
}


def grade_help_text():
    """All four grades and their criteria, shown under the grade field."""
    from django.utils.text import format_lazy

    parts = []
    for grade in Grade:
        parts += [grade.label, "：", GRADE_CRITERIA[grade], " "]
    return format_lazy("{}" * len(parts), *parts)


class Category(models.TextChoices):
    SEARCH_UNREACHABLE = "search_unreachable", _("搜索引擎不可用")
    OUTBOX_BACKLOG = "outbox_backlog", _("索引待处理积压")
    BACKUP_MISSED = "backup_missed", _("备份缺失")
    AUDIT_CHAIN_BROKEN = "audit_chain_broken", _("审计链断裂")
    BATCHES_FAILING = "batches_failing", _("报送批次反复失败")
    HOLIDAY_CALENDAR = "holiday_calendar", _("节假日日历未覆盖")
    SECURITY = "security", _("网络安全事件")
    DATA_LEAK = "data_leak", _("数据泄露")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    OPEN = "open", _("处置中")
    CONTAINED = "contained", _("已控制")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")


# The only moves an incident may make; a new incident starts open.
TRANSITIONS = {
    None: {Status.OPEN},
    Status.OPEN: {Status.CONTAINED, Status.RESOLVED},
    Status.CONTAINED: {Status.RESOLVED},
    Status.RESOLVED: {Status.CLOSED, Status.OPEN},
    Status.CLOSED: set(),
}


class Recipient(models.TextChoices):
    LEADER = "leader", _("单位负责领导")
    CITY_OFFICE = "city_office", _("市信用办")
    PROVINCE = "province", _("省级主管部门")
    OTHER = "other", _("其他")


class EntryKind(models.TextChoices):
    # A note in the incident log, not a credit record: English needs another word than for the record.
    NOTE = "note", pgettext_lazy("incident log entry", "记录")
    DETECTED = "detected", _("自动检测发现")
    STILL_FAILING = "still_failing", _("检测仍未通过")
    RECOVERED = "recovered", _("检测恢复正常")
    STATUS = "status", _("状态变更")


class GradePolicy(models.Model):
    """When each party must have been informed of an incident of this grade, in minutes
    from its detection; empty means that party need not be informed."""

    grade = models.CharField(_("事件等级"), max_length=3, choices=Grade.choices, unique=True)
    leader_minutes = models.PositiveIntegerField(
        _("报告单位负责领导时限（分钟）"), null=True, blank=True
    )
    city_office_minutes = models.PositiveIntegerField(
        _("报告市信用办时限（分钟）"), null=True, blank=True
    )
    province_minutes = models.PositiveIntegerField(
        _("报告省级主管部门时限（分钟）"), null=True, blank=True
    )

    class Meta:
        ordering = ["grade"]
        verbose_name = _("事件等级与报告时限")
        verbose_name_plural = _("事件等级与报告时限")

    def __str__(self):
        return str(Grade(self.grade).label)

    @property
    def criteria(self):
        return GRADE_CRITERIA[Grade(self.grade)]

    def minutes_by_recipient(self) -> dict[str, int | None]:
        return {
            Recipient.LEADER: self.leader_minutes,
            Recipient.CITY_OFFICE: self.city_office_minutes,
            Recipient.PROVINCE: self.province_minutes,
        }


class Incident(ClusterableModel):
    title = models.CharField(_("事件名称"), max_length=200)
    is_drill = models.BooleanField(
        _("应急演练"),
        default=False,
        help_text=_("演练按事件登记，但在列表、首页和报告中标明为演练。"),
    )
    grade = models.CharField(
        _("事件等级"),
        max_length=3,
        choices=Grade.choices,
        default=Grade.GENERAL,
        help_text=grade_help_text(),
    )
    category = models.CharField(_("事件类别"), max_length=24, choices=Category.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    description = models.TextField(_("事件经过"), blank=True)
    impact = models.TextField(_("影响范围"), blank=True)
    cause = models.TextField(_("原因分析"), blank=True)
    remediation = models.TextField(_("处置与整改措施"), blank=True)
    automatic = models.BooleanField(_("由健康检查发现"), default=False, editable=False)
    contained_at = models.DateTimeField(_("控制时间"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        verbose_name = _("安全事件")
        verbose_name_plural = _("安全事件")
        constraints = [
            # A health check keeps one live incident per category (concurrent runs included).
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(automatic=True, is_drill=False) & ~Q(status="closed"),
                name="one_live_automatic_incident_per_category",
            )
        ]
        indexes = [models.Index(fields=["status", "category"])]

    def __str__(self):
        prefix = f"[{_('演练')}] " if self.is_drill else ""
        return f"{prefix}{self.title}"

    @property
    def reference(self) -> str:
        return f"SJ-{self.detected_at:%Y}-{self.pk:04d}"


class ReportingStep(models.Model):
    """One party informed of the incident: who, when, how."""

    incident = ParentalKey(Incident, on_delete=models.CASCADE, related_name="reporting_steps")
    recipient = models.CharField(_("报告对象"), max_length=16, choices=Recipient.choices)
    recipient_name = models.CharField(_("接报人"), max_length=100, blank=True)
    informed_at = models.DateTimeField(_("报告时间"), default=timezone.now)
    informed_by = models.CharField(_("报告人"), max_length=100, blank=True)
    method = models.CharField(
        _("报告方式"), max_length=50, blank=True, help_text=_("如电话、短信、书面报告")
    )

    class Meta:
        ordering = ["informed_at", "pk"]
        verbose_name = _("报告记录")
        verbose_name_plural = _("报告链")

    def __str__(self):
        return f"{self.get_recipient_display()} {self.informed_at:%Y-%m-%d %H:%M}"


class TimelineEntry(models.Model):
    incident = ParentalKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.CharField(_("记录人"), max_length=100, blank=True)
    what = models.TextField(_("经过"))
    kind = models.CharField(
        max_length=16, choices=EntryKind.choices, default=EntryKind.NOTE, editable=False
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("时间线条目")
        verbose_name_plural = _("时间线")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.what[:40]}"
