"""The site's chrome (header, footer, menus) as every public page shows it, built once per
site, language and version of the page cache's "chrome" tag, and kept in the process.

Building it costs three queries and a URL resolution per menu link (a page's address, or a
site path translated into the visitor's language); every public page shows it, so doing
that once per process instead of once per page view is a large part of what a page costs.
The editors' changes reach every process at once through the same tag the page cache uses
(cms.invalidation bumps it when the chrome, a menu link or a page the menus link to
changes): a process whose copy was built under another version builds a new one. The
version is read before the data, as the page cache does, so a change racing a build leaves
a copy that is already stale rather than one that looks current.
"""

import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from wagtail.models import Site

from cms import pagecache


@dataclass(frozen=True)
class MenuEntry:
    url: str
    label: str


@dataclass(frozen=True)
class Chrome:
    """What the templates read of the site's SiteChrome, in one language."""

    display_name: str
    display_subtitle: str
    # The display_* texts are in the language the chrome was built for (English when set).
    display_organiser: str
    display_operator: str
    display_address: str
    display_footer_note: str
    organiser: str
    operator: str
    contact_phone: str
    contact_email: str
    address: str
    icp_record: str
    police_record: str
    footer_note: str
    main_menu: tuple[MenuEntry, ...]
    footer_menu: tuple[MenuEntry, ...]


_lock = threading.Lock()
# (site id, language) -> (version of the "chrome" tag it was built under, Chrome)
_built: dict[tuple[int, str], tuple[str, Chrome]] = {}
# Fragments rendered from a Chrome: (site id, language, name) -> (version, html)
_fragments: dict[tuple[int, str, str], tuple[str, str]] = {}


def build(site: Site) -> Chrome:
    """The chrome of `site` in the active language, from the database."""
    from cms.models import SiteChrome

    setting = SiteChrome.for_site(site)
    return Chrome(
        display_name=setting.display_name,
        display_subtitle=setting.display_subtitle,
        display_organiser=setting.display_organiser,
        display_operator=setting.display_operator,
        display_address=setting.display_address,
        display_footer_note=setting.display_footer_note,
        organiser=setting.organiser,
        operator=setting.operator,
        contact_phone=setting.contact_phone,
        contact_email=setting.contact_email,
        address=setting.address,
        icp_record=setting.icp_record,
        police_record=setting.police_record,
        footer_note=setting.footer_note,
        main_menu=tuple(MenuEntry(item.url, item.label) for item in setting.main_menu),
        footer_menu=tuple(MenuEntry(link.url, link.label) for link in setting.footer_menu),
    )


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _version(request) -> str:
    """The "chrome" tag's version, read once per request."""
    memo = request.__dict__.setdefault("_portal_chrome_version", [])
    if not memo:
        memo.append(pagecache.versions_of([pagecache.CHROME])[pagecache.CHROME])
    return memo[0]


def for_request(request) -> Chrome | None:
    """The chrome of the request's site in the active language (None when no site matches:
    a fresh or flushed database shows plain chrome, not an error page)."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    version = _version(request)
    key = (site.pk, _language())
    kept = _built.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    chrome = build(site)
    with _lock:
        _built[key] = (version, chrome)
    return chrome


def fragment(request, name: str, render) -> str:
    """The HTML `render()` gives for this site, language and chrome version, rendered once
    per process; `render` must depend on nothing else of the request."""
    site = Site.find_for_request(request)
    if site is None:
        return render()
    version = _version(request)
    key = (site.pk, _language(), name)
    kept = _fragments.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    html = render()
    with _lock:
        _fragments[key] = (version, html)
    return html


def forget() -> None:
    """Drop every copy this process holds (tests; the next page builds them again)."""
    with _lock:
        _built.clear()
        _fragments.clear()
