"""Credit subjects (docs/domain.md, Subjects and identity): organisations by USCC, persons by a keyed hash."""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.codes import validate_uscc
from portal.core.names import normalise_name
from portal.subjects.districts import DISTRICTS
from portal.subjects.identity import RESIDENT_ID, PersonIdentity
from portal.subjects.industries import validate_industry


class SubjectKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PUBLIC_INSTITUTION = "institution", _("事业单位")
    SOCIAL_ORGANISATION = "social_org", _("社会组织")
    OTHER_ORGANISATION = "other_org", _("其他组织")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    NATURAL_PERSON = "natural_person", _("自然人")


ORGANISATION_KINDS = {
    SubjectKind.ENTERPRISE,
    SubjectKind.PUBLIC_INSTITUTION,
    SubjectKind.SOCIAL_ORGANISATION,
    SubjectKind.OTHER_ORGANISATION,
}

# The 行政相对人类别 labels of the double-publicity templates.
KIND_LABEL_ORGANISATION = "法人及非法人组织"
KIND_LABEL_INDIVIDUAL_BUSINESS = "个体工商户"
KIND_LABEL_NATURAL_PERSON = "自然人"


def kind_from_uscc(code: str) -> str:
    """The subject kind a USCC's registration authority and type characters imply."""
    authority, kind = code[0], code[1]
    if authority == "9" and kind == "2":
        return SubjectKind.INDIVIDUAL_BUSINESS
    if authority == "9":
        return SubjectKind.ENTERPRISE
    if authority == "1" and kind == "2":
        return SubjectKind.PUBLIC_INSTITUTION
    if authority == "5":
        return SubjectKind.SOCIAL_ORGANISATION
    return SubjectKind.OTHER_ORGANISATION


def public_code_for(kind: str, code: str, identity_masked: str) -> str:
    """What the public sees as a subject's code: the masked number for a person."""
    return identity_masked if kind == SubjectKind.NATURAL_PERSON else code


class SubjectQuerySet(models.QuerySet):
    def by_code(self, code: str):
        return self.filter(code=code)


class Subject(models.Model):
    """A credit subject. A person's identity number is kept only hashed and masked."""

    code = models.CharField(
        _("主体代码"),
        max_length=18,
        unique=True,
        help_text=_("组织为统一社会信用代码；自然人为由证件号码派生的不可逆代码。"),
    )
    kind = models.CharField(_("主体类别"), max_length=24, choices=SubjectKind.choices)
    name = models.CharField(_("名称"), max_length=200)
    name_normalised = models.CharField(_("规范化名称"), max_length=200, db_index=True)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, null=True, blank=True
    )
    identity_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    identity_masked = models.CharField(_("证件号码（脱敏）"), max_length=32, blank=True)
    identity_type = models.CharField(_("证件类型"), max_length=32, blank=True)
    # The day a person turns 18: records of minors are never published.
    adult_on = models.DateField(_("成年日期"), null=True, blank=True, editable=False)
    district = models.CharField(_("所属区县"), max_length=6, choices=DISTRICTS, blank=True)
    industry = models.CharField(
        _("所属行业"),
        max_length=3,
        null=True,
        blank=True,
        validators=[validate_industry],
        help_text=_(
            "国民经济行业分类（GB/T 4754-2017）门类字母，可加两位大类代码，例如 C 或 C39。"
        ),
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=100, blank=True)
    registered_on = models.DateField(_("成立日期"), null=True, blank=True)
    # The version of the stored name keys (SubjectNameKey); another one means they are stale.
    name_keys_version = models.CharField(max_length=16, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("信用主体")
        verbose_name_plural = _("信用主体")
        indexes = [models.Index(fields=["kind", "district"])]

    def __str__(self):
        return f"{self.name} ({self.public_code})"

    @property
    def is_natural_person(self) -> bool:
        return self.kind == SubjectKind.NATURAL_PERSON

    @property
    def public_code(self) -> str:
        """What the public sees as the subject's code: the masked number for a person."""
        return public_code_for(self.kind, self.code, self.identity_masked)

    def is_minor(self, today: dt.date | None = None) -> bool:
        return self.adult_on is not None and (today or timezone.localdate()) < self.adult_on

    def set_name(self, name: str) -> None:
        self.name = name
        self.name_normalised = normalise_name(name)

    @classmethod
    def for_organisation(cls, uscc: str, name: str, **extra) -> "Subject":
        """An unsaved organisation or individual business keyed by a validated USCC."""
        code = validate_uscc(uscc)
        subject = cls(
            code=code, uscc=code, kind=extra.pop("kind", None) or kind_from_uscc(code), **extra
        )
        subject.set_name(name)
        return subject

    @classmethod
    def for_person(
        cls, identity_number: str, name: str, identity_type: str = RESIDENT_ID, **extra
    ) -> "Subject":
        """An unsaved natural person: the number is validated, then only hashed and masked
        (portal.subjects.identity)."""
        identity = PersonIdentity.from_number(identity_type, identity_number)
        subject = cls(kind=SubjectKind.NATURAL_PERSON, **identity.subject_fields(), **extra)
        subject.set_name(name)
        return subject


class SubjectName(models.Model):
    """A name a subject has carried: renames keep the former names findable."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("名称"), max_length=200)
    name_normalised = models.CharField(max_length=200, db_index=True)
    used_from = models.DateField(_("启用日期"), null=True, blank=True)
    used_until = models.DateField(_("停用日期"), null=True, blank=True)

    class Meta:
        ordering = ["-used_until"]
        verbose_name = _("曾用名")
        verbose_name_plural = _("曾用名")
        constraints = [
            models.UniqueConstraint(fields=["subject", "name"], name="unique_subject_name")
        ]

    def __str__(self):
        return self.name


class SubjectNameKey(models.Model):
    """A key an organisation is screened by, from any of its names (current or former).

    Written by portal.subjects.stored_keys whenever a subject's names are written,
    so screening finds its candidates with one indexed lookup instead of computing
    the keys of every organisation (portal.subjects.name_keys.screening_keys).
    """

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="name_keys")
    key = models.CharField(max_length=400)
    # The matching key of the name the key comes from (what screening scores).
    matching_key = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("名称检索键")
        verbose_name_plural = _("名称检索键")
        # The lookup reads (key -> matching key, subject) from the index alone.
        indexes = [
            models.Index(fields=["key", "matching_key", "subject"], name="subject_name_key_lookup")
        ]

    def __str__(self):
        return self.key
