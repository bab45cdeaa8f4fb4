"""Per-client rate limits for public endpoints (anti-scraping, anti-abuse; DESIGN §4).

A fixed window counter in the configured cache (Redis in production, local
memory in the embedded mode). Over the limit, the answer is HTTP 429 with a
Retry-After header and a sentence saying why.
"""

import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext as _


def client_key(request) -> str:
    """The client's address; behind the production proxy, the first forwarded address."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.PORTAL_TRUST_X_FORWARDED_FOR:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(scope: str, key: str, limit: int, window_seconds: int) -> tuple[bool, int]:
    """Count one request; return (allowed, seconds until the window resets)."""
    now = int(time.time())
    window_start = now - now % window_seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"rl:{scope}:{digest}:{window_start}"
    cache.add(cache_key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit, window_start + window_seconds - now


def too_many_requests(retry_after: int, html: bool = False):
    message = _("请求过于频繁，请在 %(seconds)d 秒后重试。") % {"seconds": retry_after}
    if html:
        from django.http import HttpResponse

        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    else:
        response = JsonResponse({"error": "rate_limited", "detail": message}, status=429)
    response["Retry-After"] = str(max(retry_after, 1))
    return response


def rate_limited(scope: str, limit: int, window_seconds: int = 60, html: bool = False):
    """View decorator: at most `limit` requests per client per window in this scope.

    The limits are read from settings PORTAL_RATE_LIMITS[scope] = (limit, window)
    when present, so operators can tune them without a release.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            configured = settings.PORTAL_RATE_LIMITS.get(scope)
            max_hits, window = configured or (limit, window_seconds)
            allowed, retry_after = hit(scope, client_key(request), max_hits, window)
            if not allowed:
                return too_many_requests(retry_after, html=html)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
