"""The credit information catalog (docs/domain.md, The catalog): data that operators edit, not code."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from portal.departments.models import Department


class Openness(models.TextChoices):
    PUBLIC = "public", _("公开")
    SHARED = "shared", _("有条件共享")
    RESTRICTED = "restricted", _("不予共享")


class ListType(models.TextChoices):
    NONE = "", _("无")
    RED = "red", _("红名单（守信激励）")
    BLACK = "black", _("黑名单（失信惩戒）")


class DisclosureBasis(models.TextChoices):
    PERIOD = "period", _("按期限公示（按失信程度）")
    VALIDITY = "validity", _("有效期内公示")
    UNTIL_REVOKED = "until_revoked", _("公示至撤销或移出")


class Category(models.TextChoices):
    """What kind of information an item holds; lists and the double-publicity pages read it."""

    LICENCE = "licence", _("行政许可")
    PENALTY = "penalty", _("行政处罚")
    COERCIVE = "coercive", _("行政强制")
    LIST_ENTRY = "list_entry", _("名单与公告")
    HONOUR = "honour", _("表彰奖励")
    COMMITMENT = "commitment", _("信用承诺")
    OTHER = "other", _("其他")


class ReportSection(models.TextChoices):
    """The section of the credit report an item's records appear in."""

    LICENCE_PENALTY = "licence_penalty", _("行政许可和行政处罚信息")
    HONOUR_RED = "honour_red", _("表彰奖励和守信激励（红名单）信息")
    SERIOUS_DISHONESTY = "serious_dishonesty", _("严重失信主体名单信息（含失信被执行人）")
    ABNORMAL = "abnormal", _("经营异常名录信息")
    COMMITMENT = "commitment", _("信用承诺信息")
    OTHER = "other", _("其他信息")


class RepairRule(models.TextChoices):
    """Whether a subject may apply for credit repair of an item's records, and from when."""

    NONE = "none", _("不适用信用修复")
    AFTER_MINIMUM = "after_minimum", _("最短公示期满后可申请")
    ANY_TIME = "any_time", _("纠正失信行为后随时可申请")


class Severity(models.TextChoices):
    MINOR = "minor", _("轻微")
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("严重")


# The labels departments write in the 失信程度 column.
SEVERITY_BY_LABEL = {"轻微": Severity.MINOR, "一般": Severity.GENERAL, "严重": Severity.SERIOUS}


class CatalogItem(ClusterableModel):
    """One kind of credit information: its fields, openness and disclosure rule."""

    code = models.SlugField(_("目录代码"), max_length=64, unique=True)
    name = models.CharField(_("目录名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    description = models.TextField(_("说明"), blank=True)
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("提供部门"),
        blank=True,
        related_name="catalog_items",
        help_text=_("留空表示任何部门均可提供。"),
    )
    for_organisations = models.BooleanField(_("适用于法人和非法人组织"), default=True)
    for_individual_businesses = models.BooleanField(_("适用于个体工商户"), default=True)
    for_natural_persons = models.BooleanField(_("适用于自然人"), default=True)
    openness = models.CharField(
        _("开放属性"), max_length=16, choices=Openness.choices, default=Openness.PUBLIC
    )
    list_type = models.CharField(
        _("红黑名单"), max_length=8, choices=ListType.choices, default=ListType.NONE, blank=True
    )
    category = models.CharField(
        _("信息类别"), max_length=16, choices=Category.choices, default=Category.OTHER
    )
    is_adverse = models.BooleanField(
        _("失信（不良）信息"),
        default=False,
        help_text=_("对主体不利的信息：可提出异议、申请信用修复，在联合奖惩查询中列出。"),
    )
    repair_rule = models.CharField(
        _("信用修复"),
        max_length=16,
        choices=RepairRule.choices,
        default=RepairRule.NONE,
        help_text=_("最短公示期按“公示期限”中的最短公示期计算。"),
    )
    report_section = models.CharField(
        _("信用报告栏目"),
        max_length=24,
        choices=ReportSection.choices,
        default=ReportSection.OTHER,
    )
    double_publicity = models.BooleanField(
        _("双公示事项"),
        default=False,
        help_text=_(
            "在“行政许可”“行政处罚”双公示栏目中按信息类别列出；"
            "双公示决定应在作出决定后7个工作日内上网公示。"
        ),
    )
    disclosure_basis = models.CharField(
        _("公示期限规则"),
        max_length=16,
        choices=DisclosureBasis.choices,
        default=DisclosureBasis.PERIOD,
    )
    warning_only_unpublished = models.BooleanField(
        _("仅警告的处罚不公示"),
        default=False,
        help_text=_("处罚类别仅为警告的记录不予公示。"),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("保存期限（年）"),
        null=True,
        blank=True,
        help_text=_(
            "公示期届满（或记录撤销、修复）后保存的年数，期满后内容删除、仅留存档标记；留空表示长期保存。"
        ),
    )
    natural_key = models.CharField(
        _("业务主键字段"),
        max_length=200,
        help_text=_("以逗号分隔的字段键，与提供部门一起唯一确定一条记录，例如 decision_no,uscc。"),
    )
    title_field = models.CharField(
        _("标题字段"),
        max_length=64,
        blank=True,
        help_text=_("在列表中作为记录标题显示的字段键。"),
    )
    schema_version = models.PositiveIntegerField(_("模板版本"), default=1, editable=False)
    # What the version stands for: a digest of what a file must contain (portal.catalog.versions).
    schema_signature = models.CharField(max_length=64, blank=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("code"),
                FieldPanel("name"),
                FieldPanel("name_en"),
                FieldPanel("description"),
                FieldPanel("departments"),
                FieldPanel("sort_order"),
                FieldPanel("is_active"),
            ],
            heading=_("基本信息"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("for_organisations"),
                        FieldPanel("for_individual_businesses"),
                        FieldPanel("for_natural_persons"),
                    ]
                )
            ],
            heading=_("适用主体"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("category"),
                FieldPanel("is_adverse"),
                FieldPanel("repair_rule"),
                FieldPanel("report_section"),
            ],
            heading=_("信息含义"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("openness"),
                FieldPanel("list_type"),
                FieldPanel("double_publicity"),
                FieldPanel("disclosure_basis"),
                FieldPanel("warning_only_unpublished"),
                FieldPanel("retention_years"),
                InlinePanel("disclosure_periods", label=_("公示期限")),
            ],
            heading=_("公开与公示"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("natural_key"),
                FieldPanel("title_field"),
                InlinePanel("fields", label=_("字段")),
            ],
            heading=_("字段结构"),
        ),
    ]

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("目录项")
        verbose_name_plural = _("目录项")

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def is_public(self) -> bool:
        return self.openness == Openness.PUBLIC

    @property
    def repairable(self) -> bool:
        return self.repair_rule != RepairRule.NONE

    @property
    def natural_key_fields(self) -> list[str]:
        return [part.strip() for part in self.natural_key.split(",") if part.strip()]

    def clean(self):
        super().clean()
        errors = {}
        if not self.natural_key_fields:
            errors["natural_key"] = _("至少需要一个业务主键字段。")
        if self.repair_rule != RepairRule.NONE and not self.is_adverse:
            errors["repair_rule"] = _("只有失信（不良）信息可以申请信用修复。")
        if self.list_type == ListType.BLACK and not self.is_adverse:
            errors["is_adverse"] = _("黑名单属于失信（不良）信息。")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)  # the inline fields are written by now, too
        from portal.catalog.versions import refresh_schema_version

        # The template's version moves only when what a file must contain changed.
        refresh_schema_version(self)

    def refresh_template_version(self) -> int:
        """After the fields were changed directly (not through this item's save)."""
        from portal.catalog.versions import refresh_schema_version

        return refresh_schema_version(self)

    def disclosure_rule(self) -> "DisclosureRule":
        periods = {
            p.severity: (p.min_months, p.max_months, p.published)
            for p in self.disclosure_periods.all()
        }
        return DisclosureRule(
            basis=self.disclosure_basis,
            periods=periods,
            warning_only_unpublished=self.warning_only_unpublished,
        )


@dataclass(frozen=True)
class DisclosureRule:
    """A catalog item's disclosure rule as plain data, for the disclosure functions."""

    basis: str
    # severity ("" = any) -> (minimum months, maximum months, published at all)
    periods: dict
    warning_only_unpublished: bool = False

    def period_for(self, severity: str) -> tuple[int, int | None, bool] | None:
        return self.periods.get(severity) or self.periods.get("")


class DisclosurePeriod(Orderable):
    """How long records of one severity are disclosed, counted from the decision date."""

    catalog_item = ParentalKey(
        CatalogItem, related_name="disclosure_periods", on_delete=models.CASCADE
    )
    severity = models.CharField(
        _("失信程度"),
        max_length=16,
        choices=Severity.choices,
        blank=True,
        help_text=_("留空表示适用于所有程度。"),
    )
    min_months = models.PositiveIntegerField(_("最短公示期（月）"), default=0)
    max_months = models.PositiveIntegerField(
        _("最长公示期（月）"), null=True, blank=True, help_text=_("留空表示不限。")
    )
    published = models.BooleanField(_("公示"), default=True)

    panels = [
        FieldPanel("severity"),
        FieldPanel("min_months"),
        FieldPanel("max_months"),
        FieldPanel("published"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["catalog_item", "severity"], name="one_period_per_severity"
            )
        ]
        verbose_name = _("公示期限")
        verbose_name_plural = _("公示期限")

    def clean(self):
        if self.max_months is not None and self.max_months < self.min_months:
            raise ValidationError({"max_months": _("最长公示期不能短于最短公示期。")})


class FieldType(models.TextChoices):
    TEXT = "text", _("文本")
    DATE = "date", _("日期")
    DECIMAL = "decimal", _("金额/数值")
    CHOICE = "choice", _("单选")
    MULTI_CHOICE = "multi_choice", _("多选")
    USCC = "uscc", _("统一社会信用代码")
    ID_NUMBER = "id_number", _("证件号码")


class Condition(models.TextChoices):
    EQUALS = "equals", _("等于")
    NOT_EQUALS = "not_equals", _("不等于")
    INCLUDES = "includes", _("包含")


class CatalogField(Orderable):
    """One column of a catalog item's template: label, type and validation rules."""

    catalog_item = ParentalKey(CatalogItem, related_name="fields", on_delete=models.CASCADE)
    key = models.SlugField(_("字段键"), max_length=64)
    label = models.CharField(_("字段名称"), max_length=100)
    label_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    field_type = models.CharField(
        _("类型"), max_length=16, choices=FieldType.choices, default=FieldType.TEXT
    )
    required = models.BooleanField(_("必填"), default=False)
    # A conditional requirement: required when <field> <op> <value>.
    required_if_field = models.SlugField(_("条件字段"), max_length=64, blank=True)
    required_if_op = models.CharField(
        _("条件"), max_length=16, choices=Condition.choices, blank=True
    )
    required_if_value = models.CharField(_("条件值"), max_length=100, blank=True)
    choices = models.TextField(_("可选值"), blank=True, help_text=_("每行一个。"))
    default = models.CharField(_("默认值"), max_length=100, blank=True)
    max_length = models.PositiveIntegerField(_("最大长度"), null=True, blank=True)
    min_value = models.DecimalField(
        _("最小值"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    not_before_field = models.SlugField(
        _("不早于字段"), max_length=64, blank=True, help_text=_("日期不得早于该字段的日期。")
    )
    not_in_future = models.BooleanField(_("不得晚于今天"), default=False)
    is_public = models.BooleanField(
        _("可公开"), default=True, help_text=_("不公开的字段只对政府用户可见。")
    )
    help_text = models.CharField(_("填写说明"), max_length=255, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("key"), FieldPanel("label"), FieldPanel("label_en")]),
        FieldRowPanel([FieldPanel("field_type"), FieldPanel("required"), FieldPanel("is_public")]),
        FieldRowPanel(
            [
                FieldPanel("required_if_field"),
                FieldPanel("required_if_op"),
                FieldPanel("required_if_value"),
            ]
        ),
        FieldPanel("choices"),
        FieldRowPanel([FieldPanel("default"), FieldPanel("max_length"), FieldPanel("min_value")]),
        FieldRowPanel([FieldPanel("not_before_field"), FieldPanel("not_in_future")]),
        FieldPanel("help_text"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["catalog_item", "key"], name="unique_field_key"),
            models.UniqueConstraint(fields=["catalog_item", "label"], name="unique_field_label"),
        ]
        verbose_name = _("字段")
        verbose_name_plural = _("字段")

    def __str__(self):
        return f"{self.label} ({self.key})"

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class TemplateVersion(models.Model):
    """What a catalog item's import template asked for at one version: the columns and their
    rules, so a file made from an older template can be told what changed since."""

    catalog_item = models.ForeignKey(
        CatalogItem, on_delete=models.CASCADE, related_name="template_versions"
    )
    version = models.PositiveIntegerField(_("模板版本"))
    shape = models.JSONField(_("模板内容"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["catalog_item", "version"]
        verbose_name = _("模板版本")
        verbose_name_plural = _("模板版本")
        constraints = [
            models.UniqueConstraint(
                fields=["catalog_item", "version"], name="unique_template_version"
            )
        ]

    def __str__(self):
        return f"{self.catalog_item_id} v{self.version}"
