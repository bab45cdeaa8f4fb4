"""Reporting duties, assessment weights and the per-batch figures the assessment sums
(docs/domain.md, Reporting duties and assessment).

Duties and weights are data operators edit. BatchFigures and LateRecord are derived:
written when a batch is committed (portal.assessment.figures), rebuilt at any time,
so a month's assessment sums a few thousand rows instead of scanning records.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from exchange.models import Batch
from portal.assessment.starter import REVOCATION_START_FIELD
from portal.catalog.models import CatalogItem
from portal.departments.models import Department
from portal.records.models import CreditRecord


class Frequency(models.TextChoices):
    REALTIME = "realtime", _("实时（作出决定后N个工作日内）")
    DAILY = "daily", _("每日")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class DutyEvent(models.TextChoices):
    DECISION = "decision", _("作出决定")
    REVOCATION = "revocation", _("撤销决定")
    DELISTING = "delisting", _("移出名单")


class ReportingDuty(models.Model):
    """What one department must report for one catalog item, and how soon."""

    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.CASCADE, related_name="duties"
    )
    catalog_item = models.ForeignKey(
        CatalogItem, verbose_name=_("目录项"), on_delete=models.CASCADE, related_name="duties"
    )
    event = models.CharField(
        _("报送事项"), max_length=16, choices=DutyEvent.choices, default=DutyEvent.DECISION
    )
    frequency = models.CharField(
        _("报送频次"), max_length=16, choices=Frequency.choices, default=Frequency.REALTIME
    )
    deadline_working_days = models.PositiveSmallIntegerField(
        _("报送时限（工作日）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("实时报送：自起算日期起的工作日数。"),
    )
    start_field = models.SlugField(
        _("起算日期字段"),
        max_length=64,
        default="decision_date",
        help_text=_(
            "计算时限的起算日期所在字段键；撤销事项自撤下公示登记的撤销或移出日期"
            "（withdrawal_date）起算。"
        ),
    )
    recommended_fields = models.CharField(
        _("建议填写字段"),
        max_length=500,
        blank=True,
        help_text=_("以逗号分隔的字段键，用于计算完整性；留空表示该目录项全部非必填字段。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("依据或说明"), max_length=200, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("department"), FieldPanel("catalog_item")]),
        FieldRowPanel([FieldPanel("event"), FieldPanel("frequency")]),
        FieldRowPanel([FieldPanel("deadline_working_days"), FieldPanel("start_field")]),
        FieldPanel("recommended_fields"),
        FieldPanel("note"),
        FieldPanel("is_active"),
    ]

    class Meta:
        ordering = ["department", "catalog_item", "event"]
        verbose_name = _("报送责任")
        verbose_name_plural = _("报送责任")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "catalog_item", "event"], name="one_duty_per_event"
            )
        ]

    def __str__(self):
        return f"{self.department.code} {self.catalog_item.code} {self.get_event_display()}"

    def clean(self):
        super().clean()
        if self.frequency == Frequency.REALTIME and not self.deadline_working_days:
            raise ValidationError({"deadline_working_days": _("实时报送须填写报送时限。")})
        withdrawals = (DutyEvent.REVOCATION, DutyEvent.DELISTING)
        if self.event in withdrawals and self.start_field != REVOCATION_START_FIELD:
            raise ValidationError(
                {"start_field": _("撤销事项自撤销或移出日期（withdrawal_date）起算。")}
            )

    @property
    def recommended_keys(self) -> list[str]:
        return [key.strip() for key in self.recommended_fields.split(",") if key.strip()]


def _weight(label, default):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(100)]
    )


class AssessmentWeights(models.Model):
    """How the five dimensions make the 0–100 score. One row (pk=1); weights are
    relative (they need not add up to 100)."""

    timeliness = _weight(_("及时性权重"), 30)
    completeness = _weight(_("完整性权重"), 20)
    accuracy = _weight(_("准确性权重"), 25)
    responsiveness = _weight(_("异议与修复响应权重"), 15)
    feedback = _weight(_("应用反馈权重"), 10)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    panels = [
        FieldRowPanel([FieldPanel("timeliness"), FieldPanel("completeness")]),
        FieldRowPanel([FieldPanel("accuracy"), FieldPanel("responsiveness")]),
        FieldPanel("feedback"),
    ]

    class Meta:
        verbose_name = _("考核权重")
        verbose_name_plural = _("考核权重")

    def __str__(self):
        return str(_("考核权重"))

    def clean(self):
        if not sum(self.as_dict().values()):
            raise ValidationError(_("至少一项权重须大于零。"))

    def as_dict(self) -> dict[str, int]:
        return {
            "timeliness": self.timeliness,
            "completeness": self.completeness,
            "accuracy": self.accuracy,
            "responsiveness": self.responsiveness,
            "feedback": self.feedback,
        }

    @classmethod
    def current(cls) -> "AssessmentWeights":
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class BatchFigures(models.Model):
    """What one committed batch contributes to its department's assessment."""

    batch = models.OneToOneField(
        Batch, on_delete=models.CASCADE, related_name="assessment_figures", primary_key=True
    )
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    catalog_item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="+")
    # The local day the batch was submitted: what places it in a period.
    day = models.DateField(_("提交日期"))
    committed_at = models.DateTimeField(_("入库时间"))
    timed = models.PositiveIntegerField(_("计时记录"), default=0)
    late = models.PositiveIntegerField(_("迟报记录"), default=0)
    untimed = models.PositiveIntegerField(_("无起算日期"), default=0)
    recommended_filled = models.PositiveIntegerField(default=0)
    recommended_total = models.PositiveIntegerField(default=0)
    # The highest id of the batch's own versions: a recount walks back from it.
    version_bound = models.BigIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("批次考核数据")
        verbose_name_plural = _("批次考核数据")
        indexes = [models.Index(fields=["day", "department"])]

    def __str__(self):
        return f"{self.batch_id} {self.day}"


class LateRecord(models.Model):
    """A record that reached the platform after its duty's deadline."""

    figures = models.ForeignKey(BatchFigures, on_delete=models.CASCADE, related_name="late_records")
    record = models.ForeignKey(
        CreditRecord, verbose_name=_("信用记录"), on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(_("报送事项"), max_length=16, choices=DutyEvent.choices)
    start_date = models.DateField(_("起算日期"))
    deadline = models.DateField(_("报送期限"))
    committed_on = models.DateField(_("入库日期"))
    working_days_late = models.PositiveIntegerField(_("超期工作日"))

    class Meta:
        ordering = ["figures", "record"]
        verbose_name = _("迟报记录")
        verbose_name_plural = _("迟报记录")

    def __str__(self):
        return f"{self.record_id} +{self.working_days_late}"


class SearchDriftCheck(models.Model):
    """The last scheduled comparison of the search index with the database (for the dashboard)."""

    checked_at = models.DateTimeField(_("检查时间"), auto_now_add=True)
    expected = models.PositiveIntegerField(_("应有文档"), default=0)
    indexed = models.PositiveIntegerField(_("已索引文档"), default=0)
    missing = models.PositiveIntegerField(_("缺失"), default=0)
    stale = models.PositiveIntegerField(_("过期"), default=0)
    extra = models.PositiveIntegerField(_("多余"), default=0)
    error = models.CharField(_("错误"), max_length=300, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("搜索索引偏差检查")
        verbose_name_plural = _("搜索索引偏差检查")

    def __str__(self):
        return f"{self.checked_at:%Y-%m-%d %H:%M} {self.drift}"

    @property
    def drift(self) -> int:
        return self.missing + self.stale + self.extra
