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
    # Set when someone else (an operator) chose the password: the holder must
    # replace it before using staff pages (PORTAL_REQUIRE_OWN_PASSWORD).
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码设置时间"), default=timezone.now)

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

    def set_password(self, raw_password):
        """Set the password and note when and by whom: one set by another person
        (an operator in the admin) must be replaced by its holder at first use."""
        from portal.audit.acting import acting_user

        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        actor = acting_user()
        self.must_change_password = actor is not None and actor.pk != self.pk
        self._password_set_by = actor

    @property
    def is_government_user(self) -> bool:
        return self.department_id is not None and self.has_role(roles.GOVERNMENT_USERS)

    def is_locked(self, now=None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now
