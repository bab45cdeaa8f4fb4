"""The public site's page cache (docs/architecture.md, Public page cache).

An anonymous visitor's GET of a public page is answered from a shared cache (Redis, or
an SQLite file under `var/cache/pages/` in the embedded mode, so every worker process sees the same
pages and the same invalidations), keyed by scheme, host, language and full path with its
query. Nothing else is kept: not a request carrying a session cookie (a logged-in member
of staff, a visitor in the middle of a case), not a preview, not a POST, not an answer
other than 200, not an answer that sets a cookie or varies by cookie (one that used the
CSRF token or the session), and only pages that ask for it (cms.caching.PublicCacheMixin).

Invalidation is by tags, not by listing keys. A page names, while it renders, what it
depends on ("subject:<code>", "record:<id>", "list:<kind>", "page:<id>", "chrome", ...);
each tag has a random version kept in the same cache, read *before* the data it guards,
and the entry keeps the versions it saw. Invalidating a tag gives it a new random version,
one write whatever the number of pages, and an entry whose versions no longer all match
is a miss. A tag missing from the cache (evicted) is a miss too, never a match. The rules
saying which change invalidates which tags are in cms.invalidation.

Why our own rather than wagtail-cache (weighed for this): its precise purge works through
one "keyring" entry mapping every URL to its keys, read, modified and written back on
every miss by every worker, so two workers racing lose each other's keys and a purge can
miss a page; without the keyring its only purge is the whole cache. It knows publishing
only through hooks one writes, not which subject's pages a repaired record touches, and
records change in thousands per batch (one tag per subject, or one "subjects" tag for a big
batch, is what we need). It also caches 301/404 answers, serves hits before our rate limits
(the anti-scraping limits of profiles and searches would stop counting) and gives no ETag
or 304. What it does that we need took little code here: the middleware pair and the
cookie rules.

Hits are counted against the same rate limits as the page that was rendered
(cms.ratelimits.scopes_counted), carry the stored Cache-Control and ETag, and an
If-None-Match that matches gets 304.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import (
    cc_delim_re,
    get_conditional_response,
    has_vary_header,
    set_response_etag,
)

from cms.ratelimits import scopes_counted, throttle

CACHE_ALIAS = "pages"
# Headers of the page's own answer kept with it; the middlewares add the rest to each hit.
KEPT_HEADERS = ("Content-Type", "Cache-Control", "ETag", "X-Robots-Tag", "Content-Language")
# Longer addresses and bigger pages are served but not kept.
MAX_PATH = 2000
MAX_BYTES = 2 * 1024 * 1024
HIT_HEADER = "X-Page-Cache"

# Tags (see the module's docstring); cms.invalidation bumps them.
CHROME = "chrome"  # header, footer and menus every page shows
RECORDS = "records"  # anything listing public records across subjects: home, search
SUBJECTS = "subjects"  # every subject's profile and record pages at once
CATALOG = "catalog"  # catalog items, their fields and rules, departments
SITES = "sites"  # which site and home page answer a host (cms.sites), not a page's own tag
RESTRICTIONS = "restrictions"  # which pages have no view restriction (cms.sites)


def page_tag(page_id) -> str:
    return f"page:{page_id}"


def children_tag(page_id) -> str:
    """The pages listed below a page (news under their index, anything under home)."""
    return f"children:{page_id}"


def subject_tag(code: str) -> str:
    return f"subject:{code}"


def record_tag(record_id) -> str:
    return f"record:{record_id}"


def list_tag(kind: str) -> str:
    return f"list:{kind}"


def seconds() -> int:
    return settings.PORTAL_PAGE_CACHE_SECONDS


def enabled() -> bool:
    return seconds() > 0


def _cache():
    return caches[CACHE_ALIAS]


def _tag_key(tag: str) -> str:
    return f"tag:{tag}"


def versions_of(tags) -> dict[str, str]:
    """The tags' current versions, giving a fresh one to any tag the cache does not hold."""
    keys = {_tag_key(tag): tag for tag in tags}
    if not keys:
        return {}
    cache = _cache()
    found = cache.get_many(list(keys))
    missing = [key for key in keys if key not in found]
    for key in missing:
        cache.add(key, secrets.token_hex(8), timeout=None)
    if missing:
        found.update(cache.get_many(missing))
    return {keys[key]: value for key, value in found.items()}


def invalidate(*tags: str) -> None:
    """Every kept page depending on one of these tags is a miss from now on, in every process."""
    tags = {tag for tag in tags if tag}
    if tags:
        _cache().set_many({_tag_key(tag): secrets.token_hex(8) for tag in tags}, timeout=None)


# -- what a page declares while it renders ---------------------------------------------------
class Dependencies:
    """What a rendering page depends on, with the versions read before its data."""

    def __init__(self):
        self.versions: dict[str, str] = {}
        self.max_seconds: int | None = None
        self.keep = True

    def add(self, tags) -> None:
        new = [tag for tag in tags if tag not in self.versions]
        self.versions.update(versions_of(new))


def may_use_cache(request) -> bool:
    """Whether this request may be answered from, and feed, the page cache."""
    return (
        enabled()
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not getattr(request, "is_preview", False)
    )


def cacheable_page(request, *tags: str) -> None:
    """A public page's answer to this request may be kept, depending on `tags` (called
    before the page reads its data; more tags may follow with depends_on)."""
    if not may_use_cache(request):
        return
    dependencies = request.__dict__.setdefault("_portal_page_cache", Dependencies())
    dependencies.add(tags)


def depends_on(request, *tags: str) -> None:
    """More tags this page depends on, named before it reads what they guard."""
    dependencies = getattr(request, "_portal_page_cache", None)
    if dependencies is not None:
        dependencies.add(tags)


def keep_at_most(request, seconds: int) -> None:
    """Keep this answer no longer than `seconds` (e.g. search, whose index catches up
    after records_changed)."""
    dependencies = getattr(request, "_portal_page_cache", None)
    if dependencies is not None:
        current = dependencies.max_seconds
        dependencies.max_seconds = seconds if current is None else min(current, seconds)


def do_not_keep(request) -> None:
    """Serve this answer without keeping it: for pages whose addresses seldom repeat (free-text
    searches), where writing each answer to the shared cache costs more than its rare hits
    save."""
    dependencies = getattr(request, "_portal_page_cache", None)
    if dependencies is not None:
        dependencies.keep = False


# -- keeping and serving ---------------------------------------------------------------------
def cache_key(request) -> str | None:
    path = request.get_full_path()
    if len(path) > MAX_PATH:
        return None
    material = "\n".join(
        [request.scheme, request.get_host(), translation.get_language() or "", path]
    )
    return "page:" + hashlib.sha256(material.encode()).hexdigest()


def _cache_control(response) -> set[str]:
    return {
        part.split("=", 1)[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
        if part.strip()
    }


def is_public_answer(request, response) -> bool:
    """An answer any shared cache may keep: a 200 marked public that sets no cookie."""
    directives = _cache_control(response)
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "public" in directives
        and not directives & {"private", "no-cache", "no-store"}
    )


def may_keep(request, response) -> bool:
    """Whether this rendered answer goes into the page cache."""
    dependencies = getattr(request, "_portal_page_cache", None)
    return (
        dependencies is not None
        and dependencies.keep
        and getattr(request, "_portal_page_key", None) is not None
        and request.method == "GET"
        and is_public_answer(request, response)
        # The session or the CSRF token was read: the answer is this visitor's.
        and not has_vary_header(response, "Cookie")
        and len(response.content) <= MAX_BYTES
    )


def keep(request, response) -> None:
    dependencies = request._portal_page_cache
    timeout = seconds()
    if dependencies.max_seconds is not None:
        timeout = min(timeout, dependencies.max_seconds)
    if timeout <= 0:
        return
    entry = {
        "content": response.content,
        "headers": [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)],
        "versions": dependencies.versions,
        "scopes": scopes_counted(request),
    }
    _cache().set(request._portal_page_key, entry, timeout)


def cached_answer(request):
    """The kept answer for this request if it is still valid, else None. Counts the hit
    against the page's rate limits (a 429 answer when over)."""
    key = cache_key(request)
    request._portal_page_key = key
    if key is None:
        return None
    cache = _cache()
    entry = cache.get(key)
    if entry is None:
        return None
    versions = entry["versions"]
    current = cache.get_many([_tag_key(tag) for tag in versions])
    if any(current.get(_tag_key(tag)) != version for tag, version in versions.items()):
        return None
    for scope in entry["scopes"]:
        limited = throttle(request, scope)
        if limited is not None:
            return limited
    response = HttpResponse(entry["content"])
    for name, value in entry["headers"]:
        response[name] = value
    response[HIT_HEADER] = "hit"
    request._portal_page_hit = True
    return response


class PageCacheMiddleware:
    """Outer half (before the session, locale and CSRF middlewares): keeps what may be
    kept, once every inner middleware has had its say on cookies and Vary, and answers
    conditional requests for public answers (ETag, 304)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_public_answer(request, response):
            return response
        if not response.has_header("ETag"):
            set_response_etag(response)
        if not getattr(request, "_portal_page_hit", False) and may_keep(request, response):
            keep(request, response)
            response[HIT_HEADER] = "miss"
        if response.has_header("ETag"):
            return get_conditional_response(request, etag=response["ETag"], response=response)
        return response


class CachedPageMiddleware:
    """Inner half (last): a valid kept page is answered here, before any URL resolution,
    page lookup or query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if may_use_cache(request):
            answer = cached_answer(request)
            if answer is not None:
                return answer
        return self.get_response(request)
