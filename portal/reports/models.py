"""Issued credit reports (docs/domain.md, Credit reports): one row per PDF handed out, for verification."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.subjects.models import Subject


class ReportKind(models.TextChoices):
    STANDARD = "standard", _("信用报告")
    SPECIALISED = "specialised", _("专项信用报告")


class IssuedReport(models.Model):
    """What was issued, to whom and when, and the fingerprints that expose a forgery.

    `checksum` is printed on the report (and in its QR code): a keyed digest of
    the code, subject, kind, period, time of issue and content. `pdf_sha256` is
    the digest of the exact file handed out, so an uploaded copy can be compared
    byte for byte. `signature` seals the row itself.
    """

    code = models.CharField(_("报告编号"), max_length=32, unique=True)
    subject = models.ForeignKey(
        Subject, verbose_name=_("信用主体"), on_delete=models.PROTECT, related_name="reports"
    )
    subject_name = models.CharField(_("主体名称（出具时）"), max_length=200)
    subject_public_code = models.CharField(_("主体代码（出具时）"), max_length=32)
    kind = models.CharField(_("报告类型"), max_length=16, choices=ReportKind.choices)
    period_start = models.DateField(_("查询期间自"), null=True, blank=True)
    period_end = models.DateField(_("查询期间至"), null=True, blank=True)
    issued_at = models.DateTimeField(_("出具时间"))
    record_count = models.PositiveIntegerField(_("记录条数"), default=0)
    summary = models.JSONField(_("内容摘要"), default=dict)
    content_digest = models.CharField(max_length=64)
    checksum = models.CharField(_("校验码"), max_length=32)
    pdf_sha256 = models.CharField(max_length=64, db_index=True)
    pdf_size = models.PositiveIntegerField(default=0)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("已出具的信用报告")
        verbose_name_plural = _("已出具的信用报告")

    def __str__(self):
        return f"{self.code} {self.subject_name}"
