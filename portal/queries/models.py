"""Query registration (查询登记), abnormal-query alerts and the monthly security statistics
(docs/domain.md, Rules that protect people).

Every staff view of a natural person's record or of shared-only data is registered
with who, when, what and why; thresholds on those registrations raise alerts for
the operators, and each month's figures are kept as a report.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    ADMIN = "admin", _("管理后台")
    WORKSPACE = "workspace", _("部门工作台")
    REVIEW = "review", _("联合奖惩查询")
    SHARED = "shared", _("共享信息查询")
    API = "api", _("共享查询接口")
    # A department key reading its batches' rows (/api/v1/exchange/batches/...).
    EXCHANGE_API = "exchange_api", _("报送接口")


class QueryRegistration(models.Model):
    """One staff view of a natural person's data or of shared-only data."""

    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查询人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,  # the register outlives accounts
    )
    user_label = models.CharField(_("查询人名称"), max_length=150)
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    # What was looked at, as "record:12", "subject:5", "batch:3".
    target = models.CharField(_("查询对象"), max_length=64)
    subject_id = models.BigIntegerField(_("信用主体"), null=True, blank=True)
    natural_person = models.BooleanField(_("自然人信息"), default=False)
    shared_only = models.BooleanField(_("有条件共享信息"), default=False)
    purpose = models.CharField(_("查询事由"), max_length=500)
    legal_basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    # Asked but not answered (e.g. a shared item outside the department's sharing grant).
    refused = models.BooleanField(_("已拒绝"), default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("查询登记")
        verbose_name_plural = _("查询登记")
        indexes = [models.Index(fields=["user", "occurred_at"])]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.user_label} {self.target}"


class AlertKind(models.TextChoices):
    VOLUME = "volume", _("单日查询量超限")
    PERSONS = "persons", _("单日查询自然人过多")
    OFF_HOURS = "off_hours", _("非工作时间查询")


class QueryAlert(models.Model):
    """An abnormal pattern of one user's queries on one day; one alert per kind, user and day."""

    kind = models.CharField(_("类型"), max_length=16, choices=AlertKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查询人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    user_label = models.CharField(_("查询人名称"), max_length=150)
    day = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("次数"))
    raised_at = models.DateTimeField(_("告警时间"))
    acknowledged_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    acknowledged_by = models.CharField(_("处理人"), max_length=150, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("异常查询告警")
        verbose_name_plural = _("异常查询告警")
        constraints = [
            models.UniqueConstraint(fields=["kind", "user_label", "day"], name="one_alert_a_day")
        ]

    def __str__(self):
        return f"{self.day} {self.user_label} {self.get_kind_display()}"


class SecurityReport(models.Model):
    """A month's security statistics: queries, alerts, account changes."""

    month = models.DateField(_("月份"), unique=True, help_text=_("该月第一天。"))
    generated_at = models.DateTimeField(_("生成时间"))
    figures = models.JSONField(_("统计数据"), default=dict)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("安全统计月报")
        verbose_name_plural = _("安全统计月报")

    def __str__(self):
        return f"{self.month:%Y-%m}"
