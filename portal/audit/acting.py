"""Who is acting in the current request, for audit entries written far from the view.

Model signals (an account's role or department changed) and model methods (a
password set) have no request; the middleware below keeps the request in a
context variable so they can name the operator. The user is read only when an
entry is written, so public pages never touch the session for it.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_request: ContextVar = ContextVar("portal_acting_request", default=None)
# Who acts when no person does (a command, a migration): named in the audit trail.
_system: ContextVar = ContextVar("portal_acting_system", default="")


def acting_user():
    """The logged-in user of the current request, or None (commands, tasks, anonymous)."""
    request = _request.get()
    if request is None:
        return None
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def acting_system() -> str:
    """The description of the system process acting now, or "" (see `system_actor`)."""
    return _system.get()


@contextmanager
def system_actor(description: str):
    """Entries written inside are by `description` (e.g. "migrate: role sync") where no
    user acts, so the trail never shows an unexplained blank actor."""
    token = _system.set(description)
    try:
        yield
    finally:
        _system.reset(token)


class ActingUserMiddleware:
    """Keeps the request at hand for `acting_user()` (place after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
