"""The data-exchange layer's own data: batches and what validation found.

Records and subjects live in the core (portal.records, portal.subjects); a
batch only points at them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from importers.messages import column_label, render
from portal.catalog.models import CatalogItem
from portal.departments.models import Department, DepartmentToken
from portal.records.models import ChangeReason, RecordVersion
from portal.subjects.models import Subject


class BatchStatus(models.TextChoices):
    RECEIVED = "received", _("已接收")
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("已校验")
    COMMITTING = "committing", _("入库中")
    COMMITTED = "committed", _("已入库")
    DISCARDED = "discarded", _("已放弃")
    # A refused file, or work the scheduled recovery gave up on (see Batch.gave_up_at).
    FAILED = "failed", _("处理失败")


# The only moves a batch may make. A failed load (crash, killed worker) rolls
# back and leaves the batch where the load found it, so it can be retried
# (validating → validating, committing → committing) or discarded; both only
# while its worker is silent (exchange.services.is_silent), since a load in
# flight is one transaction that nothing partial can come out of.
TRANSITIONS = {
    BatchStatus.RECEIVED: {BatchStatus.VALIDATING, BatchStatus.DISCARDED},
    BatchStatus.VALIDATING: {
        BatchStatus.VALIDATING,
        BatchStatus.VALIDATED,
        BatchStatus.FAILED,
        BatchStatus.COMMITTED,
        BatchStatus.DISCARDED,
    },
    BatchStatus.VALIDATED: {BatchStatus.COMMITTING, BatchStatus.DISCARDED},
    BatchStatus.COMMITTING: {
        BatchStatus.COMMITTING,
        BatchStatus.COMMITTED,
        BatchStatus.FAILED,
        BatchStatus.DISCARDED,
    },
    BatchStatus.COMMITTED: set(),
    BatchStatus.DISCARDED: set(),
    BatchStatus.FAILED: {BatchStatus.DISCARDED},
}

# States in which work is under way (or was, when a worker was lost).
IN_PROGRESS = {BatchStatus.RECEIVED, BatchStatus.VALIDATING, BatchStatus.COMMITTING}
# States in which a worker has taken the batch and beats for it while it works.
WORKED_ON = {BatchStatus.VALIDATING, BatchStatus.COMMITTING}
FINAL = {BatchStatus.COMMITTED, BatchStatus.DISCARDED, BatchStatus.FAILED}


class BatchSource(models.TextChoices):
    WEB = "web", _("网页上传")
    API = "api", _("接口报送")
    CLI = "cli", _("命令行")


class Batch(models.Model):
    """One submitted file for one catalog item by one department."""

    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="batches"
    )
    catalog_item = models.ForeignKey(
        CatalogItem, verbose_name=_("目录项"), on_delete=models.PROTECT, related_name="batches"
    )
    schema_version = models.PositiveIntegerField(_("模板版本"))
    # The template version the file says it was made from (importers.readers), if it says.
    file_template_version = models.PositiveIntegerField(
        _("文件所用模板版本"), null=True, blank=True
    )
    source = models.CharField(_("报送方式"), max_length=8, choices=BatchSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    token = models.ForeignKey(
        DepartmentToken,
        verbose_name=_("接口令牌"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="batches",
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=100, blank=True)
    dry_run = models.BooleanField(_("仅试运行"), default=False)
    auto_commit = models.BooleanField(_("校验后自动入库"), default=False)

    file_name = models.CharField(_("文件名"), max_length=255)
    file_path = models.CharField(max_length=255, editable=False)
    file_size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    file_sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    file_format = models.CharField(_("文件格式"), max_length=8)
    encoding = models.CharField(_("编码"), max_length=16, blank=True)
    # When the raw file was deleted after its retention (exchange.retention).
    file_purged_at = models.DateTimeField(_("原始文件删除时间"), null=True, blank=True)
    file_error_code = models.CharField(max_length=32, blank=True)
    file_error_params = models.JSONField(default=dict, blank=True)

    status = models.CharField(
        _("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.RECEIVED
    )
    rows_total = models.PositiveIntegerField(_("数据行"), default=0)
    accepted = models.PositiveIntegerField(_("通过"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    withdrawn_count = models.PositiveIntegerField(_("撤销或移出"), default=0)
    # Withdrawal rows that wait for a second officer (exchange.approvals) instead of acting.
    pending_count = models.PositiveIntegerField(_("撤销或移出待审批"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    candidate_count = models.PositiveIntegerField(_("待确认主体"), default=0)
    # Rows whose subject code is registered under a clearly different name: loaded only
    # once an officer confirms the codes (names_confirmed), see exchange.services.
    name_mismatch_count = models.PositiveIntegerField(_("名称与已登记名称不符"), default=0)
    names_confirmed = models.BooleanField(_("已确认代码与名称不符的行"), default=False)
    masked_count = models.PositiveIntegerField(_("已遮蔽单元格"), default=0)
    attempts = models.PositiveIntegerField(_("处理次数"), default=0)
    last_failure = models.TextField(_("最近一次处理失败"), blank=True)

    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    started_at = models.DateTimeField(_("开始处理"), null=True, blank=True)
    validated_at = models.DateTimeField(_("校验完成"), null=True, blank=True)
    committed_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    discarded_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)
    # When the scheduled recovery stopped sending the batch again and marked it failed.
    gave_up_at = models.DateTimeField(_("停止自动重试时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("报送批次")
        verbose_name_plural = _("报送批次")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="unique_batch_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["department", "status"]),
            # The dashboard's batches of today and the assessment's batches of a period.
            models.Index(fields=["created_at"], name="batch_created_at"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.catalog_item.code} {self.file_name}"

    @property
    def reference(self) -> str:
        """How record versions name this batch."""
        return f"batch:{self.pk}"

    def written_versions(self, version_bound: int | None = None):
        """The record versions this batch's load wrote, newest first (a queryset sliced
        to as many as the batch created and updated).

        They were the newest versions when the batch was committed, so walking the versions
        backwards from `version_bound` (the highest version id at the commit; the newest
        version without one) finds them at once without an index on the reference."""
        expected = self.created_count + self.updated_count
        versions = RecordVersion.objects.filter(reference=self.reference, reason=ChangeReason.BATCH)
        if version_bound is not None:
            versions = versions.filter(id__lte=version_bound)
        return versions.order_by("-id")[:expected]

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def can_commit(self) -> bool:
        return self.status == BatchStatus.VALIDATED and not self.dry_run and self.accepted > 0

    def file_error(self) -> str:
        """The file-level error in the active language."""
        if not self.file_error_code:
            return ""
        return render(self.file_error_code, self.file_error_params)


class MaskedCell(models.Model):
    """A free-text cell of an accepted row in which personal numbers were masked on the way in
    (identity, mobile or bank card numbers): the department is told which."""

    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="masked_cells", db_index=False
    )
    row = models.PositiveIntegerField(_("行号"))
    field = models.CharField(_("字段键"), max_length=64)
    column = models.CharField(_("列"), max_length=150)
    kinds = models.JSONField(_("遮蔽内容"), default=list)

    class Meta:
        ordering = ["batch", "row", "id"]
        verbose_name = _("已遮蔽单元格")
        verbose_name_plural = _("已遮蔽单元格")
        indexes = [models.Index(fields=["batch", "row"])]

    def __str__(self):
        return f"{self.row} {self.column}"

    def kinds_label(self) -> str:
        # The list separator of the page's language (、 in Chinese, a comma in English).
        return str(_("、")).join(str(MASKED_KIND_LABELS.get(kind, kind)) for kind in self.kinds)


MASKED_KIND_LABELS = {
    "identity_number": _("身份证号码"),
    "mobile": _("手机号码"),
    "bank_card": _("银行卡号"),
}


class RowError(models.Model):
    """One problem with one cell (or the whole row) of a batch."""

    # Indexed by the (batch, row) index, which starts with it.
    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="row_errors", db_index=False
    )
    row = models.PositiveIntegerField(_("行号"))
    field = models.CharField(_("字段键"), max_length=64, blank=True)
    column = models.CharField(_("列"), max_length=150, blank=True)
    code = models.CharField(_("错误类型"), max_length=32)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["batch", "row", "id"]
        verbose_name = _("行错误")
        verbose_name_plural = _("行错误")
        indexes = [models.Index(fields=["batch", "row"])]

    def __str__(self):
        return f"{self.row} {self.column}: {self.message()}"

    def message(self) -> str:
        return render(self.code, self.params)

    def column_label(self, catalog_fields=None) -> str:
        return column_label(self.field, self.column, catalog_fields)


class RowOutcome(models.TextChoices):
    REJECTED = "rejected", _("拒绝")
    CREATE = "create", _("新增")
    UPDATE = "update", _("更新")
    UNCHANGED = "unchanged", _("未变化")
    WITHDRAW = "withdraw", _("撤销或移出")
    PENDING = "pending", _("撤销或移出待审批")


class BatchRow(models.Model):
    """What validation found a row would do (the dry-run plan), kept per row."""

    # Indexed by unique_batch_row, which starts with it.
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows", db_index=False)
    row = models.PositiveIntegerField(_("行号"))
    outcome = models.CharField(_("结果"), max_length=10, choices=RowOutcome.choices)
    label = models.CharField(_("记录"), max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "row"]
        verbose_name = _("行结果")
        verbose_name_plural = _("行结果")
        constraints = [models.UniqueConstraint(fields=["batch", "row"], name="unique_batch_row")]

    def __str__(self):
        return f"{self.row} {self.outcome}"


class CandidateStatus(models.TextChoices):
    OPEN = "open", _("待确认")
    SAME = "same", _("确认为同一主体")
    DIFFERENT = "different", _("确认为不同主体")


class CandidateKind(models.TextChoices):
    SAME_NAME = "same_name", _("代码不同、名称相同")
    NAME_DIFFERS = "name_differs", _("代码相同、名称明显不同")


class IdentityCandidate(models.Model):
    """A row whose code and name disagree with the register, for review, never merged: a new
    code under an existing subject's name, or an existing subject's code under a clearly
    different name (the row attaches to the code's subject once the officer confirms)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="candidates")
    row = models.PositiveIntegerField(_("行号"))
    incoming_name = models.CharField(_("报送名称"), max_length=200)
    incoming_code = models.CharField(
        _("报送主体代码"),
        max_length=18,
        blank=True,
        help_text=_("自然人为派生代码，不含证件号码。"),
    )
    # The subject the row's own code attached to (created if new), when it had a code.
    attached_subject = models.ForeignKey(
        Subject,
        verbose_name=_("按代码归集的主体"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    matched_subject = models.ForeignKey(
        Subject, verbose_name=_("同名主体"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(
        _("类型"), max_length=12, choices=CandidateKind.choices, default=CandidateKind.SAME_NAME
    )
    score = models.PositiveSmallIntegerField(_("匹配度"), default=100)
    status = models.CharField(
        _("状态"), max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "batch", "row"]
        verbose_name = _("主体待确认")
        verbose_name_plural = _("主体待确认")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.incoming_name} ≈ {self.matched_subject.name}"


# -- two-person approval (A/B roles) ------------------------------------------------------------
class ApprovalAction(models.TextChoices):
    REVOCATION = "revocation", _("撤销记录")
    DELISTING = "delisting", _("移出名单")
    DELETION = "deletion", _("删除")
    BATCH_COMMIT = "batch_commit", _("批次入库")


# Whether an action needs a second officer when the department's policy says nothing:
# taking records down or deleting needs one (删除信息须履行审批程序), loading a batch not.
DEFAULT_APPROVAL = {
    ApprovalAction.REVOCATION: True,
    ApprovalAction.DELISTING: True,
    ApprovalAction.DELETION: True,
    ApprovalAction.BATCH_COMMIT: False,
}


class ApprovalPolicy(models.Model):
    """Per department and action: must a second officer of the department approve it?"""

    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        related_name="approval_policies",
    )
    action = models.CharField(_("操作"), max_length=16, choices=ApprovalAction.choices)
    required = models.BooleanField(
        _("须另一名数据专员审批"),
        help_text=_("未设置的部门和操作按默认：撤销、移出、删除须审批，批次入库不须审批。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["department", "action"]
        verbose_name = _("双人审批规则")
        verbose_name_plural = _("双人审批规则")
        constraints = [
            models.UniqueConstraint(fields=["department", "action"], name="unique_approval_policy")
        ]

    def __str__(self):
        return f"{self.department} {self.get_action_display()}"


# -- conditional sharing (有条件共享) ------------------------------------------------------------
class SharingGrant(models.Model):
    """Which shared-only catalog item a department's government users may query, and on
    what legal basis (docs/domain.md, Conditional sharing). No grant, no answer."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("查询部门"),
        on_delete=models.CASCADE,
        related_name="sharing_grants",
    )
    catalog_item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("目录项"),
        on_delete=models.CASCADE,
        related_name="sharing_grants",
        limit_choices_to={"openness": "shared"},
    )
    legal_basis = models.CharField(
        _("共享依据"),
        max_length=300,
        help_text=_(
            "授权该部门查询此类信息的法律、法规或规范性文件：写明文件名称及文号，"
            "引用条款的须与原文核对。"
        ),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["department", "catalog_item"]
        verbose_name = _("共享授权")
        verbose_name_plural = _("共享授权")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "catalog_item"], name="unique_sharing_grant"
            )
        ]

    def __str__(self):
        return f"{self.department} {self.catalog_item}"


class ApprovalScope(models.TextChoices):
    DEPARTMENT = "department", _("本部门数据专员")
    OPERATORS = "operators", _("平台运营人员")


class ApprovalOutcome(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已拒绝")


class PendingApproval(models.Model):
    """An action one person asked for that waits for a second person's decision.

    Nothing of the target changes until it is approved; approving carries the action out
    in the maker's name, and both names stay here and in the audit trail.
    """

    action = models.CharField(_("操作"), max_length=16, choices=ApprovalAction.choices)
    scope = models.CharField(
        _("审批人"), max_length=12, choices=ApprovalScope.choices, default=ApprovalScope.DEPARTMENT
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approvals",
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the action is about: a record (revocation, removal) or a batch (commit, deletion;
    # for an import row, the batch it came from).
    record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name=_("信用记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    batch = models.ForeignKey(
        Batch,
        verbose_name=_("报送批次"),
        null=True,
        blank=True,
        # A batch deleted on approval keeps its approval (and its number in `payload`).
        on_delete=models.SET_NULL,
        related_name="approvals",
    )
    payload = models.JSONField(_("申请内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    outcome = models.CharField(
        _("结果"),
        max_length=10,
        choices=ApprovalOutcome.choices,
        default=ApprovalOutcome.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reason = models.TextField(_("拒绝理由"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("待审批事项")
        verbose_name_plural = _("待审批事项")
        indexes = [models.Index(fields=["outcome", "department", "created_at"])]
        constraints = [
            # One open request per record and action, and per batch and action.
            models.UniqueConstraint(
                fields=["record"],
                condition=models.Q(outcome="pending", record__isnull=False),
                name="one_pending_approval_per_record",
            ),
            models.UniqueConstraint(
                fields=["batch", "action"],
                condition=models.Q(outcome="pending", record__isnull=True, batch__isnull=False),
                name="one_pending_approval_per_batch_action",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_action_display()} {self.get_outcome_display()}"

    @property
    def is_pending(self) -> bool:
        return self.outcome == ApprovalOutcome.PENDING

    def target_label(self) -> str:
        if self.record_id is not None:
            record = self.record
            # A deleted record's number went with its content.
            return f"{record.catalog_item.name} {record.decision_no or f'#{record.pk}'}"
        batch_id = self.batch_id or self.payload.get("batch")
        return str(_("批次 #%(id)s") % {"id": batch_id})
