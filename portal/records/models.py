"""Credit records and their versions (docs/domain.md, Credit records and their public state)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.catalog.models import CatalogItem, Severity
from portal.departments.models import Department
from portal.records.disclosure import (
    PUBLIC_STATES,
    DisclosureWindow,
    PublicState,
    RecordStatus,
    derive_public_state,
    disclosure_window,
)
from portal.subjects.models import Subject


class CreditRecordQuerySet(models.QuerySet):
    def public(self):
        """Records the public may see: a public state, which already implies a public item."""
        return self.filter(public_state__in=PUBLIC_STATES)

    def in_force(self, today: dt.date | None = None):
        """Records that still bind their subject, whoever may see them: active (not revoked,
        corrected or repaired) and inside their disclosure window. Government users and
        joint rewards and penalties use this; shared-only items count here too."""
        today = today or timezone.localdate()
        return self.filter(status=RecordStatus.ACTIVE, decision_date__lte=today).filter(
            models.Q(disclosure_ends__isnull=True) | models.Q(disclosure_ends__gte=today)
        )

    def of_item(self, code: str):
        return self.filter(catalog_item__code=code)


class CreditRecord(models.Model):
    """One credit record of one subject under one catalog item."""

    # No single-column indexes where a composite index below starts with the
    # column: each index costs every insert, and the composite serves the same lookups.
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("信用主体"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
    )
    catalog_item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("目录项"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
    )
    department = models.ForeignKey(
        Department, verbose_name=_("提供部门"), on_delete=models.PROTECT, related_name="records"
    )
    # The item's natural key values joined, unique per item and department.
    natural_key = models.CharField(_("业务主键"), max_length=255)
    decision_no = models.CharField(_("决定文书号"), max_length=200, blank=True)
    decision_date = models.DateField(_("决定日期"), db_index=True)
    severity = models.CharField(_("失信程度"), max_length=16, choices=Severity.choices, blank=True)
    title = models.CharField(_("标题"), max_length=300, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    publish_until = models.DateField(
        _("公示截止日期"), null=True, blank=True, help_text=_("部门填报的公示截止期。")
    )
    # The window the catalog rule gives, kept so date-driven state changes are one query.
    disclosure_ends = models.DateField(_("公示期满日期"), null=True, blank=True, db_index=True)
    repair_from = models.DateField(_("可申请修复日期"), null=True, blank=True)
    publishable = models.BooleanField(_("按规则可公示"), default=True)
    data = models.JSONField(_("字段内容"), default=dict)
    content_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        _("记录状态"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    under_objection = models.BooleanField(_("异议处理中"), default=False)
    public_state = models.CharField(_("公示状态"), max_length=16, choices=PublicState.choices)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    state_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    # Past its item's retention the content is purged: the row stays as a tombstone.
    purged_at = models.DateTimeField(_("内容删除时间"), null=True, blank=True)

    objects = CreditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-decision_date", "-id"]
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        constraints = [
            models.UniqueConstraint(
                fields=["catalog_item", "department", "natural_key"], name="unique_record_key"
            )
        ]
        indexes = [
            models.Index(fields=["subject", "public_state"]),
            models.Index(fields=["catalog_item", "public_state", "decision_date"]),
            models.Index(fields=["public_state", "disclosure_ends"]),
        ]

    def __str__(self):
        return f"{self.catalog_item.name} {self.decision_no or self.natural_key}"

    @property
    def is_public(self) -> bool:
        return self.public_state in PUBLIC_STATES

    def apply_disclosure_rule(self, rule=None) -> DisclosureWindow:
        """Recompute the stored window from the catalog rule (call when dates or rule change)."""
        rule = rule or self.catalog_item.disclosure_rule()
        window = disclosure_window(
            rule,
            decision_date=self.decision_date,
            severity=self.severity,
            valid_until=self.valid_until,
            publish_until=self.publish_until,
            penalty_types=self.data.get("penalty_types") or None,
        )
        self.disclosure_ends = window.ends
        self.repair_from = window.repair_from
        self.publishable = window.publishable
        return window

    def derive_public_state(
        self, today: dt.date | None = None, *, item_is_public=None, subject_is_minor=None
    ) -> str:
        today = today or timezone.localdate()
        window = DisclosureWindow(
            self.publishable, self.decision_date, self.disclosure_ends, self.repair_from
        )
        return derive_public_state(
            status=self.status,
            item_is_public=self.catalog_item.is_public
            if item_is_public is None
            else item_is_public,
            # Conduct while a minor is never published, whenever it is looked at.
            subject_is_minor=(
                self.subject.is_minor(self.decision_date)
                if subject_is_minor is None
                else subject_is_minor
            ),
            window=window,
            under_objection=self.under_objection,
            today=today,
        )


class ChangeReason(models.TextChoices):
    BATCH = "batch", _("数据报送")
    OBJECTION = "objection", _("异议处理")
    REPAIR = "repair", _("信用修复")
    DEPARTMENT = "department", _("部门更正")
    SCHEDULE = "schedule", _("公示期管理")
    OPERATOR = "operator", _("运营人员")
    SEED = "seed", _("演示数据")


class RecordVersion(models.Model):
    """A snapshot of a record after each change: who, when and why."""

    # Indexed by unique_record_version, which starts with it.
    record = models.ForeignKey(
        CreditRecord, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField(_("版本号"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=16, choices=ChangeReason.choices)
    reference = models.CharField(
        _("来源"), max_length=64, blank=True, help_text=_("例如 batch:12、objection:3。")
    )
    comment = models.TextField(_("说明"), blank=True)
    public_state = models.CharField(_("公示状态"), max_length=16, choices=PublicState.choices)
    snapshot = models.JSONField(_("快照"))

    class Meta:
        ordering = ["record", "number"]
        verbose_name = _("记录版本")
        verbose_name_plural = _("记录版本")
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="unique_record_version")
        ]

    def __str__(self):
        return f"{self.record_id} v{self.number}"


class WithdrawalGround(models.TextChoices):
    """Why a public record left public view (docs/domain.md, Withdrawals)."""

    # A context of their own: 更正 and 撤销 name other things elsewhere (decisions, states).
    REPAIR = "repair", pgettext_lazy("withdrawal ground", "信用修复")
    CORRECTION = "correction", pgettext_lazy("withdrawal ground", "更正")
    EXPIRY = "expiry", pgettext_lazy("withdrawal ground", "公示期满")
    REVOCATION = "revocation", pgettext_lazy("withdrawal ground", "撤销")
    DELISTING = "delisting", pgettext_lazy("withdrawal ground", "移出名单")
    # An operator's deletion of a record entered by mistake, approved by a second operator.
    DELETION = "deleted", pgettext_lazy("withdrawal ground", "删除")


class Withdrawal(models.Model):
    """One public record leaving public view: written in the transaction that ends its
    publication, never changed. The feed, the record's old address (410) and the case
    pages read it; what is public is still decided by portal.records.visibility alone."""

    # No database constraint: the entry outlives a record whose content is purged later,
    # so its old address still answers that it was withdrawn.
    record = models.ForeignKey(
        CreditRecord,
        verbose_name=_("信用记录"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="withdrawals",
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("信用主体"), on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField(_("撤下原因"), max_length=16, choices=WithdrawalGround.choices)
    public_state = models.CharField(_("撤下后状态"), max_length=16, choices=PublicState.choices)
    withdrawn_at = models.DateTimeField(_("撤下时间"))
    reference = models.CharField(
        _("来源"), max_length=64, blank=True, help_text=_("例如 batch:12、repair:XF…。")
    )
    basis = models.CharField(_("撤销或移出依据"), max_length=500, blank=True)
    document_no = models.CharField(_("撤销或移出文书号"), max_length=200, blank=True)
    # The day the revocation or removal was decided, as the department gave it: the clock
    # of its reporting duty starts there (portal.assessment.revocations).
    decided_on = models.DateField(_("撤销或移出日期"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The entry's place on the public feed, given only after the row has committed, one
    # writer at a time (portal.records.feed_positions): ids are handed out at INSERT, so
    # a later id can commit first and a reader following ids would skip the earlier one.
    feed_position = models.PositiveBigIntegerField(
        _("订阅序号"), null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        ordering = ["id"]
        # The assessment reads a period's revocations by ground and time.
        indexes = [models.Index(fields=["ground", "withdrawn_at"], name="withdrawal_ground_time")]
        verbose_name = _("撤下公示登记")
        verbose_name_plural = _("撤下公示登记")

    def __str__(self):
        return f"{self.record_id} {self.get_ground_display()} {self.withdrawn_at:%Y-%m-%d}"


class RecordStatement(models.Model):
    """The subject's own statement (本人声明) beside one of its adverse records, as published
    after an operator's check (portal.records.statements). One current statement per record:
    a later one, once checked, replaces it. The text was masked (portal.core.pii) on the way
    in; whether the public may read it is decided by portal.records.visibility."""

    record = models.ForeignKey(
        CreditRecord,
        verbose_name=_("信用记录"),
        on_delete=models.CASCADE,
        related_name="statements",
        db_index=False,
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("信用主体"), on_delete=models.PROTECT, related_name="statements"
    )
    text = models.TextField(_("声明内容"))
    # The case the statement came through (statement:SM…), shown to operators.
    reference = models.CharField(_("来源"), max_length=64)
    published_at = models.DateTimeField(_("展示时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["record"]
        verbose_name = _("本人声明")
        verbose_name_plural = _("本人声明")
        constraints = [models.UniqueConstraint(fields=["record"], name="one_statement_per_record")]

    def __str__(self):
        return f"{self.record_id} {self.reference}"
