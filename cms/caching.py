"""Cache headers for the public site (docs/architecture.md: safe caching of public pages).

Public pages are the same for everybody, so shared caches (the production proxy, a CDN)
and the portal's own page cache (cms.pagecache) may keep them for a short while. Anything
personal, any preview, any error and anything that sets a cookie is never cached, and a
logged-in member of staff gets a private answer. Views that decide for themselves (CSV
exports, reports, 429 answers) set their own Cache-Control header first and are left alone.
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers, patch_cache_control

from cms import pagecache
from portal.core.caching import mark_private


def public_max_age() -> int:
    """Seconds a public page may be kept; short, so a repaired record leaves quickly."""
    return settings.PORTAL_PUBLIC_CACHE_SECONDS


def is_logged_in(request) -> bool:
    """Whether a user is logged in, reading the session only when there is one: reading
    it adds "Vary: Cookie", which would keep shared caches from the anonymous answers."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def mark_public(request, response):
    """Let shared caches keep a public page, when it is safe to."""
    if response.has_header("Cache-Control"):
        return response
    if getattr(request, "is_preview", False) or request.method not in ("GET", "HEAD"):
        add_never_cache_headers(response)
        return response
    if response.status_code != 200:
        return response
    if is_logged_in(request):
        return mark_private(response)
    max_age = public_max_age()
    patch_cache_control(response, public=True, max_age=max_age, s_maxage=max_age)
    return response


class PublicCacheMixin:
    """For page models: public cache headers on every answer the page serves, and its
    anonymous answers kept in the page cache until a tag they depend on is invalidated."""

    def cache_tags(self) -> list[str]:
        """What every answer of this page depends on (cms.pagecache); routes add their own."""
        return [pagecache.CHROME, pagecache.page_tag(self.pk)]

    def serve(self, request, *args, **kwargs):
        pagecache.cacheable_page(request, *self.cache_tags())
        return mark_public(request, super().serve(request, *args, **kwargs))

    def get_view_restrictions(self):
        """Wagtail's, without its two queries while this process knows there are none."""
        from cms import sites

        return sites.view_restrictions(self, super().get_view_restrictions)
