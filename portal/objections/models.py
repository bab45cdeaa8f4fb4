"""Objection (异议), credit-repair (信用修复) and statement (本人声明) cases (docs/domain.md,
Objections and credit repair; Statements).

A case concerns one credit record. Its stage changes only through
portal.objections.services.transition, which checks the transition map in
portal.objections.workflow, keeps a CaseTransition row and an audit entry, and
applies the decision to the record through portal.records.services.change_record.
"""

import datetime as dt

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.departments.models import Department
from portal.records.models import CreditRecord
from portal.subjects.models import Subject


class CaseKind(models.TextChoices):
    OBJECTION = "objection", _("异议申诉")
    REPAIR = "repair", _("信用修复")
    # The subject's own statement beside an adverse record, shown after an operator's check.
    STATEMENT = "statement", _("本人声明")


class Stage(models.TextChoices):
    SUBMITTED = "submitted", _("已提交，待受理")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    CHECKING = "checking", _("平台核查中")
    FORWARDED = "forwarded", _("已转数据来源部门核查")
    ANSWERED = "answered", _("部门已答复，待决定")
    DECIDED = "decided", _("已作出决定")
    CLOSED = "closed", _("已办结")


# Stages in which somebody still has to act (and a deadline can be missed).
OPEN_STAGES = frozenset(
    {Stage.SUBMITTED, Stage.ACCEPTED, Stage.CHECKING, Stage.FORWARDED, Stage.ANSWERED}
)


class Decision(models.TextChoices):
    CORRECTED = "corrected", _("更正")
    REMOVED = "removed", _("撤下（删除）")
    UPHELD = "upheld", _("维持原记录")
    APPROVED = "approved", _("准予修复")
    REJECTED = "rejected", _("不予修复")
    PUBLISHED = "published", _("审核通过，予以展示")
    DECLINED = "declined", _("审核不通过，不予展示")


class Ground(models.TextChoices):
    """The grounds an applicant can pick (docs/domain.md, Objections and credit repair)."""

    WRONG_INFO = "wrong_info", _("信息错误或遗漏")
    WRONG_SUBJECT = "wrong_subject", _("信用主体错误")
    DUPLICATE = "duplicate", _("重复公示")
    NOT_PUBLISHABLE = "not_publishable", _("不应公示")
    PAST_PERIOD = "past_period", _("超过公示期限仍在公示")
    DIFFERS = "differs", _("与决定机关的记录不一致")
    REPAIR_RESULT = "repair_result", _("信用修复结果有误")


class Relation(models.TextChoices):
    SUBJECT = "subject", _("信用主体本人或本单位")
    LEGAL_REP = "legal_rep", _("法定代表人或负责人")
    AGENT = "agent", _("受委托的代理人")
    INTERESTED = "interested", _("其他利害关系人")
    PUBLIC = "public", _("社会公众")


# Only the subject itself, or someone acting for it, may apply for repair.
REPAIR_RELATIONS = (Relation.SUBJECT, Relation.LEGAL_REP, Relation.AGENT)
# A statement is the subject's own words: the same people file it.
STATEMENT_RELATIONS = REPAIR_RELATIONS


class Recommendation(models.TextChoices):
    """What the source department recommends when it answers a forwarded case."""

    CORRECT = "correct", _("建议更正")
    REMOVE = "remove", _("建议撤下")
    UPHOLD = "uphold", _("建议维持")
    APPROVE = "approve", _("同意修复")
    REJECT = "reject", _("不同意修复")


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(stage__in=OPEN_STAGES)

    def overdue(self, today: dt.date | None = None):
        """Open cases past their stage's due date, and repair cases past the reply date."""
        today = today or timezone.localdate()
        return self.filter(
            models.Q(stage__in=OPEN_STAGES, due_on__lt=today)
            | models.Q(
                kind=CaseKind.REPAIR,
                stage__in=OPEN_STAGES,
                reply_due_on__lt=today,
            )
        )

    def for_department(self, department):
        """Cases that were ever forwarded to `department` (the exchange workspace list)."""
        return self.filter(department=department, forwarded_at__isnull=False)


class Case(models.Model):
    kind = models.CharField(_("类别"), max_length=16, choices=CaseKind.choices)
    tracking_no = models.CharField(_("受理编号"), max_length=24, unique=True)
    # SHA-256 of the applicant's secret; the secret itself is shown once and never stored.
    secret_hash = models.CharField(max_length=64, editable=False)
    record = models.ForeignKey(
        CreditRecord, verbose_name=_("信用记录"), on_delete=models.PROTECT, related_name="cases"
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("信用主体"), on_delete=models.PROTECT, related_name="cases"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("数据来源部门"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    applicant_name = models.CharField(_("申请人"), max_length=100)
    applicant_email = models.EmailField(_("电子邮箱"))
    applicant_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    relation = models.CharField(_("与信用主体的关系"), max_length=16, choices=Relation.choices)
    ground = models.CharField(_("异议理由"), max_length=24, choices=Ground.choices, blank=True)
    explanation = models.TextField(_("情况说明"))
    # Repair: the signed credit commitment (信用承诺书), kept as the applicant saw it.
    commitment_text = models.TextField(_("信用承诺书"), blank=True)
    commitment_signed_by = models.CharField(_("承诺人签名"), max_length=100, blank=True)
    commitment_signed_at = models.DateTimeField(_("承诺签署时间"), null=True, blank=True)
    consent_at = models.DateTimeField(_("同意处理个人信息时间"))
    language = models.CharField(max_length=8, default="zh-hans", editable=False)

    stage = models.CharField(
        _("办理阶段"), max_length=16, choices=Stage.choices, default=Stage.SUBMITTED
    )
    stage_entered_at = models.DateTimeField(_("进入本阶段时间"), default=timezone.now)
    due_on = models.DateField(_("本阶段办理期限"), null=True, blank=True, db_index=True)
    # Repair: the day by which the applicant must hear the result.
    reply_due_on = models.DateField(_("答复期限"), null=True, blank=True)
    decision = models.CharField(_("处理决定"), max_length=16, choices=Decision.choices, blank=True)
    decision_comment = models.TextField(_("决定说明"), blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("转部门时间"), null=True, blank=True)
    recommendation = models.CharField(
        _("部门意见"), max_length=16, choices=Recommendation.choices, blank=True
    )
    urge_count = models.PositiveIntegerField(_("催办次数"), default=0)
    last_urged_at = models.DateTimeField(_("最近催办时间"), null=True, blank=True)
    last_reminded_on = models.DateField(_("最近超期提醒日期"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    # A later objection by another applicant on other grounds, filed while this one was
    # open: both are decided together (see services.open_objection_check).
    linked_case = models.ForeignKey(
        "self",
        verbose_name=_("关联的在办异议"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linked_cases",
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("异议与修复案件")
        verbose_name_plural = _("异议与修复案件")
        indexes = [
            models.Index(fields=["stage", "due_on"]),
            models.Index(fields=["department", "stage"]),
            models.Index(fields=["record", "kind", "stage"]),
        ]

    def __str__(self):
        return self.tracking_no

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        if not self.is_open:
            return False
        late = self.due_on is not None and self.due_on < today
        late_reply = (
            self.kind == CaseKind.REPAIR
            and self.reply_due_on is not None
            and self.reply_due_on < today
        )
        return late or late_reply


class CaseTransition(models.Model):
    """One step of a case: who moved it from which stage to which, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=32)
    from_stage = models.CharField(_("原阶段"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=16, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    # Whether the comment is meant for the applicant (refusal reasons, decisions).
    public = models.BooleanField(default=False)
    due_on = models.DateField(_("下一阶段期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["case", "created_at", "id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self):
        return f"{self.case_id}: {self.from_stage} → {self.to_stage}"

    @property
    def action_label(self) -> str:
        """The step's name as people say it (the stored code is for machines)."""
        from portal.objections.workflow import action_label

        return action_label(self.action)


def private_storage():
    return storages["private"]


class EvidenceParty(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    DEPARTMENT = "department", _("数据来源部门")
    OPERATOR = "operator", _("平台")


class EvidenceFile(models.Model):
    """An uploaded proof. Lives in the private storage; downloaded only through
    the authorised views, never served by URL."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    transition = models.ForeignKey(
        CaseTransition, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    party = models.CharField(_("提交方"), max_length=16, choices=EvidenceParty.choices)
    file = models.FileField(_("文件"), storage=private_storage, upload_to="cases/", max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        ordering = ["case", "uploaded_at", "id"]
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")

    def __str__(self):
        return self.original_name


class WorkdayOverride(models.Model):
    """An operator's correction of the statutory calendar for one date (e.g. a year
    the calendar library does not cover yet, or a local 调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self):
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"


def _days_field(label, default):
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )


class DeadlineSettings(models.Model):
    """The working-day deadlines, editable by operators. One row (pk=1)."""

    accept_days = _days_field(_("受理或不予受理（工作日）"), 2)
    check_days = _days_field(_("平台核查与决定（工作日）"), 2)
    department_days = _days_field(_("数据来源部门答复（工作日）"), 10)
    repair_decision_days = _days_field(_("部门作出修复决定（工作日）"), 3)
    repair_notify_days = _days_field(_("告知修复申请人结果（工作日）"), 10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("办理期限")
        verbose_name_plural = _("办理期限")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> "DeadlineSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
