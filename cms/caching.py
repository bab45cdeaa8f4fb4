"""Cache headers for the public site (docs/architecture.md: safe caching of public pages).

Public pages are the same for everybody, so shared caches (the production
proxy, a CDN) may keep them for a short while. Anything personal, any
preview, any error and anything that sets a cookie is never cached. Views
that decide for themselves (CSV exports, reports, 429 answers) set their own
Cache-Control header first and are left alone.
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers, patch_cache_control


def public_max_age() -> int:
    """Seconds a public page may be kept; short, so a repaired record leaves quickly."""
    return settings.PORTAL_PUBLIC_CACHE_SECONDS


def mark_public(request, response):
    """Let shared caches keep a public page, when it is safe to."""
    if response.has_header("Cache-Control"):
        return response
    if getattr(request, "is_preview", False) or request.method not in ("GET", "HEAD"):
        add_never_cache_headers(response)
        return response
    if response.status_code != 200:
        return response
    max_age = public_max_age()
    patch_cache_control(response, public=True, max_age=max_age, s_maxage=max_age)
    return response


class PublicCacheMixin:
    """For page models: public cache headers on every answer the page serves."""

    def serve(self, request, *args, **kwargs):
        return mark_public(request, super().serve(request, *args, **kwargs))
