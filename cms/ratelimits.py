"""Rate limits of the public pages (anti-scraping; docs/domain.md, Rules that protect people), tunable in settings.

PORTAL_RATE_LIMITS = {"public_search": (30, 60), ...} overrides the defaults
below, as the core's @rate_limited decorator does.
"""

from django.conf import settings

from portal.core.ratelimit import client_key, hit, too_many_requests

DEFAULTS = {
    "public_search": (30, 60),
    "public_profile": (60, 60),
    "public_list_export": (10, 600),
}


def throttle(request, scope: str):
    """None when the client may go on, else the 429 answer to return."""
    scopes = request.__dict__.setdefault("_portal_throttle_scopes", [])
    if scope not in scopes:
        scopes.append(scope)
    limit, window = settings.PORTAL_RATE_LIMITS.get(scope) or DEFAULTS[scope]
    allowed, retry_after = hit(scope, client_key(request), limit, window)
    return None if allowed else too_many_requests(retry_after, html=True)


def scopes_counted(request) -> tuple[str, ...]:
    """The limits this request was counted against: a copy of its answer served from the
    page cache counts against the same ones (cms.pagecache), or scraping would be free."""
    return tuple(getattr(request, "_portal_throttle_scopes", ()))
