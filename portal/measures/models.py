"""Joint rewards and penalties (docs/domain.md, Joint rewards and penalties): scenarios, the measures list, lookups and feedback.

Measures are data that operators edit. A lookup keeps what the reviewer asked
(scenario, purpose, the input rows) and what the system answered at that
moment (match, candidates, list memberships, measures) as a snapshot, so the
log shows what the reviewer saw even after records change later. Feedback
(the measure taken) is appended per subject row.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from portal.catalog.models import CatalogItem, Category, ListType, Severity
from portal.subjects.models import Subject


class Scenario(ClusterableModel):
    """Where a reviewer checks a subject: procurement, bidding, subsidies, honours, …

    Besides the lists, a scenario may name conditions on other records (its
    `conditions`), e.g. serious penalties of the last three years in procurement.
    """

    code = models.SlugField(_("场景代码"), max_length=32, unique=True, allow_unicode=False)
    name = models.CharField(_("场景名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("name_en"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
        FieldPanel("is_active"),
        InlinePanel("conditions", label=_("核查条件（名单以外）")),
    ]

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("应用场景")
        verbose_name_plural = _("应用场景")

    def __str__(self):
        return f"{self.name} ({self.code})"


class ScreeningCondition(Orderable):
    """Records a scenario checks beyond the red/black lists, as data: which catalog item (or
    every item of a category), how far back by decision date, and optionally a severity or a
    field value. Only records in force count, so repair lifts a finding as it lifts a list."""

    scenario = ParentalKey(Scenario, related_name="conditions", on_delete=models.CASCADE)
    code = models.SlugField(_("条件代码"), max_length=64, allow_unicode=False)
    name = models.CharField(_("条件名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=250, blank=True)
    catalog_item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("目录项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="screening_conditions",
        help_text=_("留空表示按信息类别选取目录项。"),
    )
    category = models.CharField(
        _("信息类别"),
        max_length=16,
        choices=Category.choices,
        blank=True,
        help_text=_("未选目录项时，适用于该类别的全部目录项。"),
    )
    adverse_only = models.BooleanField(
        _("仅失信（不良）信息"),
        default=True,
        help_text=_("只计目录中标为失信（不良）信息的目录项。"),
    )
    years = models.PositiveSmallIntegerField(
        _("回溯年数"),
        null=True,
        blank=True,
        help_text=_("只计决定日期在最近若干年内的记录；留空表示不限。"),
    )
    severity = models.CharField(
        _("失信程度"),
        max_length=16,
        choices=Severity.choices,
        blank=True,
        help_text=_("留空表示不限失信程度。"),
    )
    field_key = models.SlugField(
        _("字段键"), max_length=64, blank=True, help_text=_("可选：只计该字段取某值的记录。")
    )
    field_value = models.CharField(_("字段值"), max_length=100, blank=True)
    legal_basis = models.TextField(_("依据和后果"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("name"), FieldPanel("name_en")]),
        FieldRowPanel(
            [FieldPanel("catalog_item"), FieldPanel("category"), FieldPanel("adverse_only")]
        ),
        FieldRowPanel([FieldPanel("years"), FieldPanel("severity")]),
        FieldRowPanel([FieldPanel("field_key"), FieldPanel("field_value")]),
        FieldPanel("legal_basis"),
        FieldPanel("is_active"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["scenario", "code"], name="unique_condition_code")
        ]
        verbose_name = _("核查条件")
        verbose_name_plural = _("核查条件")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if not self.catalog_item_id and not self.category:
            errors["catalog_item"] = _("请选择目录项或信息类别。")
        if bool(self.field_key) != bool(self.field_value):
            errors["field_value"] = _("字段键和字段值须同时填写。")
        if errors:
            raise ValidationError(errors)


class MeasureQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_scenario(self, scenario):
        return self.active().filter(scenarios=scenario)


class Measure(models.Model):
    """One entry of the measures list (措施清单): a reward of a red list or a penalty of a
    black list, applying in the scenarios named."""

    code = models.SlugField(_("措施代码"), max_length=64, unique=True, allow_unicode=False)
    name = models.CharField(_("措施名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=250, blank=True)
    list_type = models.CharField(
        _("适用名单类型"),
        max_length=8,
        choices=[c for c in ListType.choices if c[0]],
        help_text=_("红名单对应激励措施，黑名单对应惩戒措施。"),
    )
    catalog_item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("适用名单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
        limit_choices_to={"list_type__in": [ListType.RED, ListType.BLACK]},
        help_text=_("留空表示适用于该类型的全部名单。"),
    )
    scenarios = models.ManyToManyField(
        Scenario, verbose_name=_("适用场景"), related_name="measures"
    )
    legal_basis = models.TextField(_("设定依据"))
    description = models.TextField(_("措施内容"), blank=True)
    implementing_body = models.CharField(_("实施单位"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)

    objects = MeasureQuerySet.as_manager()

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("code"),
                FieldPanel("name"),
                FieldPanel("name_en"),
                FieldPanel("description"),
                FieldPanel("implementing_body"),
            ],
            heading=_("基本信息"),
        ),
        MultiFieldPanel(
            [FieldPanel("list_type"), FieldPanel("catalog_item"), FieldPanel("scenarios")],
            heading=_("适用范围"),
        ),
        FieldPanel("legal_basis"),
        FieldPanel("sort_order"),
        FieldPanel("is_active"),
    ]

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("奖惩措施")
        verbose_name_plural = _("奖惩措施")

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def is_reward(self) -> bool:
        return self.list_type == ListType.RED

    def clean(self):
        super().clean()
        if self.catalog_item_id and self.catalog_item.list_type != self.list_type:
            raise ValidationError(
                {"catalog_item": _("所选目录项不是该类型的名单。")}, code="list_type_mismatch"
            )


class Channel(models.TextChoices):
    SINGLE = "single", _("单个查询")
    FILE = "file", _("名单筛查")
    CLI = "cli", _("命令行")


class Match(models.TextChoices):
    EXACT = "exact", _("代码精确匹配")
    CANDIDATES = "candidates", _("名称候选")
    NONE = "none", _("未匹配")


class Lookup(models.Model):
    """One reviewer lookup: who, when, in which scenario, for what purpose, and the answer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查询人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_lookups",
    )
    user_label = models.CharField(_("查询人账号"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("查询时间"), auto_now_add=True, db_index=True)
    scenario = models.ForeignKey(
        Scenario, verbose_name=_("应用场景"), on_delete=models.PROTECT, related_name="lookups"
    )
    purpose = models.CharField(_("查询事由"), max_length=500)
    reference = models.CharField(
        _("业务编号"), max_length=100, blank=True, help_text=_("例如采购项目编号、审批事项编号。")
    )
    channel = models.CharField(_("查询方式"), max_length=8, choices=Channel.choices)
    file_name = models.CharField(_("上传文件"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("查询主体数"), default=0)
    # Totals are written only by portal.measures.totals.refresh_totals (see there).
    exact_count = models.PositiveIntegerField(_("精确匹配"), default=0)
    confirmed_count = models.PositiveIntegerField(_("人工确认"), default=0)
    candidate_count = models.PositiveIntegerField(_("待确认候选"), default=0)
    none_count = models.PositiveIntegerField(_("未匹配"), default=0)
    red_count = models.PositiveIntegerField(_("列入红名单"), default=0)
    black_count = models.PositiveIntegerField(_("列入黑名单"), default=0)
    condition_count = models.PositiveIntegerField(_("符合核查条件"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("联合奖惩查询")
        verbose_name_plural = _("联合奖惩查询")
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self):
        return f"#{self.pk} {self.scenario.name} {self.purpose[:30]}"


class LookupRow(models.Model):
    """One input row of a lookup with the answer given at the time (a snapshot)."""

    lookup = models.ForeignKey(Lookup, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField(_("序号"))
    # {"row": n, "name": ..., "code": ...}; a person's identity number is kept masked only.
    input = models.JSONField(_("输入"))
    match = models.CharField(_("匹配结果"), max_length=12, choices=Match.choices)
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("信用主体"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_code = models.CharField(_("主体代码"), max_length=18, blank=True, db_index=True)
    subject_name = models.CharField(_("主体名称"), max_length=200, blank=True)
    candidates = models.JSONField(_("候选主体"), default=list, blank=True)
    lists = models.JSONField(_("名单情况"), default=list, blank=True)
    measures = models.JSONField(_("适用措施"), default=list, blank=True)
    adverse = models.JSONField(_("不良信息"), default=list, blank=True)
    # Records meeting the scenario's conditions beyond the lists (ScreeningCondition).
    findings = models.JSONField(_("符合核查条件的记录"), default=list, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    # A reviewer may confirm one of the name candidates; the system never does.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    # Candidates the reviewer ruled out; once all are, the row counts as not matched.
    rejected_codes = models.JSONField(_("已排除的候选"), default=list, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("排除人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("全部排除时间"), null=True, blank=True)

    class Meta:
        ordering = ["lookup", "position"]
        verbose_name = _("查询明细")
        verbose_name_plural = _("查询明细")
        constraints = [
            models.UniqueConstraint(fields=["lookup", "position"], name="unique_lookup_row")
        ]

    def __str__(self):
        return (
            f"{self.lookup_id}/{self.position} {self.input.get('name') or self.input.get('code')}"
        )

    @property
    def has_subject(self) -> bool:
        return bool(self.subject_code)

    @property
    def list_types(self) -> set[str]:
        return {entry["list_type"] for entry in self.lists}

    @property
    def needs_decision(self) -> bool:
        """A name-candidate row the reviewer has neither confirmed nor ruled out (疑似)."""
        return self.match == Match.CANDIDATES and not self.confirmed_at and not self.rejected_at

    @property
    def open_candidates(self) -> list[dict]:
        rejected = set(self.rejected_codes)
        return [c for c in self.candidates if c["subject"] not in rejected]


class Outcome(models.TextChoices):
    APPLIED = "applied", _("已采取措施")
    NOT_APPLIED = "not_applied", _("未采取措施")


class Feedback(models.Model):
    """The measure a reviewer took for one subject of a lookup (反馈). Appended, never edited:
    a later entry for the same row and measure supersedes the earlier one."""

    row = models.ForeignKey(LookupRow, on_delete=models.CASCADE, related_name="feedback")
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("措施"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    outcome = models.CharField(_("反馈结果"), max_length=12, choices=Outcome.choices)
    reason = models.TextField(_("原因或采取的措施"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("反馈时间"), auto_now_add=True)

    class Meta:
        ordering = ["row", "-created_at", "-id"]
        verbose_name = _("措施反馈")
        verbose_name_plural = _("措施反馈")

    def __str__(self):
        return f"{self.row_id} {self.get_outcome_display()}"
