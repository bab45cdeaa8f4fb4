"""Password discipline and idle sessions for staff (docs/domain.md, Rules that protect people).

- A password someone else set (an operator creating the account or resetting it)
  must be replaced by its holder before any staff page opens, where
  PORTAL_REQUIRE_OWN_PASSWORD is on (production; the demo accounts are exempt).
- A password older than PORTAL_PASSWORD_MAX_AGE_DAYS must be replaced too.
- A staff session idle for PORTAL_STAFF_IDLE_MINUTES is logged out.

Both middlewares look only at staff areas, so public pages never read the session.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from portal.accounts.second_factor import PROTECTED_PREFIXES
from portal.audit.services import record_event

FIRST_USE = "first_use"
EXPIRED = "expired"

# Pages that stay open while a password change is due (login, logout, the change page).
OPEN_PATHS = (
    "/admin/login/",
    "/admin/logout/",
    "/workspace/login/",
    "/workspace/logout/",
    "/accounts/",
)
# The session key of the last staff request's time, and how often it is rewritten.
LAST_SEEN = "portal_staff_last_seen"
SEEN_RESOLUTION = dt.timedelta(minutes=1)


def password_change_due(user, now: dt.datetime | None = None) -> str | None:
    """FIRST_USE, EXPIRED or None: whether the user must replace their password now."""
    if not getattr(user, "is_authenticated", False):
        return None
    if settings.PORTAL_REQUIRE_OWN_PASSWORD and user.must_change_password:
        return FIRST_USE
    days = settings.PORTAL_PASSWORD_MAX_AGE_DAYS
    if days and user.password_changed_at is not None:
        now = now or timezone.now()
        if now - user.password_changed_at >= dt.timedelta(days=days):
            return EXPIRED
    return None


def _staff_path(path: str) -> bool:
    return path.startswith(PROTECTED_PREFIXES) and not path.startswith(OPEN_PATHS)


class PasswordPolicyMiddleware:
    """Sends staff whose password must change to the change page first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _staff_path(request.path):
            reason = password_change_due(getattr(request, "user", None))
            if reason is not None:
                target = reverse("accounts:password_change")
                query = urlencode({"next": request.get_full_path(), "reason": reason})
                return redirect(f"{target}?{query}")
        return self.get_response(request)


def idle_too_long(last_seen: float | None, now: dt.datetime) -> bool:
    minutes = settings.PORTAL_STAFF_IDLE_MINUTES
    if not minutes or last_seen is None:
        return False
    return now.timestamp() - last_seen > minutes * 60


class IdleTimeoutMiddleware:
    """Logs a staff session out after PORTAL_STAFF_IDLE_MINUTES without a staff request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _staff_path(request.path):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                now = timezone.now()
                last_seen = request.session.get(LAST_SEEN)
                if idle_too_long(last_seen, now):
                    record_event(
                        "auth.session_timeout",
                        actor=user,
                        target=user,
                        data={"idle_minutes": settings.PORTAL_STAFF_IDLE_MINUTES},
                    )
                    logout(request)
                    # The page itself sends the visitor to its own login form.
                    return redirect(request.get_full_path())
                if last_seen is None or now.timestamp() - last_seen >= SEEN_RESOLUTION.seconds:
                    request.session[LAST_SEEN] = now.timestamp()
        return self.get_response(request)
