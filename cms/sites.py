"""Which Wagtail site (and its home page) answers a host, and whether a page has view
restrictions, found once per process.

Wagtail looks the site up with a query (a CASE over hostnames, port and default) and loads
the site's root page as its specific class on every request it serves; on a search page
that was about a fifth of the server's time. The answer only changes when a site is
edited or its root page is published, moved or deleted, so each process keeps it per
(host, port) and checks it with one read of the page cache's "sites" tag, which
cms.invalidation bumps on exactly those changes (in every process at once, as for pages).

The middleware runs last, only for requests the page cache did not answer, and hands
Wagtail the site through the attribute Site.find_for_request already memoises on.

Wagtail also asks every page it serves for its view restrictions (two queries: the page's
ancestors, then their restrictions). Public pages almost never have any, so each process
remembers which pages have none, checked by the "restrictions" tag that cms.invalidation
bumps when a restriction is added, changed or removed, or a page moves.
"""

import threading

from django.http.request import split_domain_port
from wagtail.models import PageViewRestriction, Site
from wagtail.models.sites import get_site_for_hostname

from cms import pagecache

# More hosts than this (a client sending made-up Host headers where ALLOWED_HOSTS lets it)
# and the memo starts over rather than growing.
MAX_HOSTS = 64

_lock = threading.Lock()
# (hostname, port) -> (version of the "sites" tag, Site or None)
_known: dict[tuple[str, int | str], tuple[str, Site | None]] = {}


def site_for(request) -> Site | None:
    """The site answering this request (None when none matches), from the process's memo
    while the "sites" tag has not moved."""
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    version = pagecache.versions_of([pagecache.SITES])[pagecache.SITES]
    key = (hostname, port)
    kept = _known.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    try:
        site = get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        site = None
    with _lock:
        if len(_known) >= MAX_HOSTS:
            _known.clear()
        _known[key] = (version, site)
    return site


# page id -> version of the "restrictions" tag under which it was found to have none
_unrestricted: dict[int, str] = {}
MAX_PAGES = 10_000


def view_restrictions(page, find):
    """The page's view restrictions: `find()` (Wagtail's query set), or an empty query set
    without a query when this process already found none under the current version."""
    version = pagecache.versions_of([pagecache.RESTRICTIONS])[pagecache.RESTRICTIONS]
    if _unrestricted.get(page.pk) == version:
        return PageViewRestriction.objects.none()
    restrictions = find()
    if not restrictions.exists():
        with _lock:
            if len(_unrestricted) >= MAX_PAGES:
                _unrestricted.clear()
            _unrestricted[page.pk] = version
    return restrictions


def forget() -> None:
    with _lock:
        _known.clear()
        _unrestricted.clear()


class KnownSiteMiddleware:
    """Sets request._wagtail_site (Site.find_for_request's memo) from site_for()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not hasattr(request, "_wagtail_site"):
            request._wagtail_site = site_for(request)
        return self.get_response(request)
