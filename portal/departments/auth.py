"""Department API authentication: `Authorization: Token <key>`, one department per key.

Reusable by any department-facing API (batches here, forwarded objection
cases elsewhere): put `DepartmentTokenAuthentication` in a view's
authentication_classes and `IsDepartment` in its permission_classes, then read
`department_of(request)`.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from portal.departments.models import DepartmentToken, hash_token_key

# Writing last_used_at on every call would make every read a write.
_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenPrincipal:
    """request.user for a call made with a department token: authenticated, not a staff user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    is_operator = False
    is_reviewer = False
    is_department_officer = True
    pk = None
    id = None

    def __init__(self, token: DepartmentToken):
        self.token = token
        self.department = token.department
        self.department_id = token.department_id

    def __str__(self):
        return self.get_username()

    def get_username(self) -> str:
        return f"token:{self.token.prefix}"

    def has_perm(self, perm, obj=None) -> bool:
        return False


class DepartmentTokenAuthentication(BaseAuthentication):
    """DRF authentication by a department API token."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        if parts[0].lower() != self.keyword.lower().encode():
            # "Bearer …" and the like: say which scheme this API expects instead of
            # answering as if no credentials had been sent.
            scheme = parts[0].decode("latin-1")[:20]
            raise exceptions.AuthenticationFailed(
                _("不支持的认证方式「%(scheme)s」：本接口使用 “Authorization: Token <密钥>”。")
                % {"scheme": scheme}
            )
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式错误：应为 “Token <密钥>”。"))
        try:
            key = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("令牌含有不允许的字符。")) from exc
        token = (
            DepartmentToken.objects.active()
            .select_related("department")
            .filter(key_hash=hash_token_key(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销。"))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
            DepartmentToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        request._request.department = token.department
        return TokenPrincipal(token), token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a missing or bad token.
        return self.keyword


def department_of(request):
    """The department a request acts for: the token's, or a logged-in officer's; else None."""
    token = getattr(request, "auth", None)
    if isinstance(token, DepartmentToken):
        return token.department
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_department_officer", False):
        return user.department
    return None


class IsDepartment(BasePermission):
    """Allows a request that acts for a department, and sets request.department."""

    message = _("此接口仅供部门使用。")

    def has_permission(self, request, view):
        department = department_of(request)
        if department is None:
            return False
        token = getattr(request, "auth", None)
        # A key granted conditional sharing only queries: it submits, answers and reads
        # nothing else, so a leaked query key cannot change a department's records.
        if getattr(token, "shared_query", False) and not getattr(view, "for_shared_query", False):
            raise exceptions.PermissionDenied(SHARED_QUERY_ONLY)
        request.department = department
        return True


SHARED_QUERY_ONLY = _(
    "此令牌仅用于查询有条件共享信息，不能报送批次或办理其他业务；请使用本部门的报送令牌。"
)


def actor_of(request):
    """The user to record in the audit trail (None for a token) and a label for the data."""
    token = getattr(request, "auth", None)
    if isinstance(token, DepartmentToken):
        return None, f"token:{token.prefix}:{token.label}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user, user.get_username()
    return None, ""
