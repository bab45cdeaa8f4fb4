"""Per-client rate limits for public endpoints (anti-scraping, anti-abuse).

A fixed window counter in the "counters" cache, which every worker process
shares (Redis in production, files under the var directory in the embedded
mode). Over the limit, the answer is HTTP 429 with a Retry-After header and a
sentence saying why.
"""

import functools
import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from django.http import JsonResponse
from django.utils.translation import gettext as _


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    """The trusted proxy networks, parsed once per configured list (not per request)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue  # a typo must not make every client one
    return tuple(networks)


def _is_proxy(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_key(request) -> str:
    """The client's address.

    Behind our proxies, the right-most X-Forwarded-For address that is not one
    of them: each proxy appends the address it saw, so everything left of that
    was written by the client and proves nothing.
    """
    peer = request.META.get("REMOTE_ADDR", "unknown")
    if not settings.PORTAL_TRUST_X_FORWARDED_FOR:
        return peer
    networks = _networks(tuple(settings.PORTAL_TRUSTED_PROXIES))
    if networks and not _is_proxy(peer, networks):
        return peer  # not through our proxy: its header is the client's own
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _is_proxy(address, networks):
            return address
    return peer


def hit(scope: str, key: str, limit: int, window_seconds: int) -> tuple[bool, int]:
    """Count one request; return (allowed, seconds until the window resets)."""
    now = int(time.time())
    window_start = now - now % window_seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"rl:{scope}:{digest}:{window_start}"
    cache = caches["counters"]
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
