from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts import roles


class User(AbstractUser):
    """A staff account. Department officers belong to exactly one department."""

    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    failed_login_count = models.PositiveIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def has_role(self, role: str) -> bool:
        if not self.is_active:
            return False
        # Group names are cached per instance: role checks happen on every request.
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return role in self._role_names

    @property
    def is_operator(self) -> bool:
        return self.is_superuser or self.has_role(roles.OPERATORS)

    @property
    def is_reviewer(self) -> bool:
        return self.has_role(roles.REVIEWERS)

    @property
    def is_department_officer(self) -> bool:
        return self.department_id is not None and self.has_role(roles.DEPARTMENT_OFFICERS)

    def is_locked(self, now=None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now
