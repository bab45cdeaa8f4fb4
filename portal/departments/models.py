"""Departments that provide credit records, and their API tokens.

Catalog, records, the exchange and objections all point at a department, so it
lives below them all. Department officers are users with a department
(portal.accounts.User.department).
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class Department(models.Model):
    """A department that provides credit records (市场监督管理局, 税务局, …)."""

    code = models.SlugField(_("部门代码"), max_length=32, unique=True, allow_unicode=False)
    name = models.CharField(_("部门名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("name_en"),
        FieldPanel("uscc"),
        FieldPanel("is_active"),
    ]

    class Meta:
        db_table = "catalog_department"  # the table predates this app; rows stay where they are
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self):
        return self.name


def hash_token_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DepartmentTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, department__is_active=True)


class DepartmentToken(models.Model):
    """An API key of one department. Only a digest of the key is stored."""

    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    label = models.CharField(_("用途说明"), max_length=100)
    prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    # Granted by an operator: the key may also query subjects' shared-only records
    # (有条件共享), each call with a purpose and legal basis, all registered.
    shared_query = models.BooleanField(_("可查询有条件共享信息"), default=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = DepartmentTokenQuerySet.as_manager()

    class Meta:
        db_table = "exchange_departmenttoken"  # the table predates this app
        ordering = ["department", "-created_at"]
        verbose_name = _("部门接口令牌")
        verbose_name_plural = _("部门接口令牌")

    def __str__(self):
        return f"{self.department.code} {self.label} ({self.prefix}…)"

    @classmethod
    def issue(cls, department: Department, label: str, created_by=None):
        """Create a token; returns (token, key). The clear key is shown once and never kept."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            department=department,
            label=label,
            prefix=key[:8],
            key_hash=hash_token_key(key),
            created_by=created_by,
        )
        return token, key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
