"""Template tags of the public site: the editors' chrome, addresses of dynamic pages, badges."""

import re

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from wagtail.models import Site

from cms import chrome
from cms.localise import localised_path
from portal.core.languages import localised_name
from portal.records.disclosure import PublicState
from portal.subjects.districts import district_name

register = template.Library()


def _home(request):
    """The site's home page (specific), looked up once per request."""
    if request is None:
        return None
    if not hasattr(request, "_portal_home"):
        site = Site.find_for_request(request)
        # The home page's translation in the request's language (the English tree under /en/).
        root = site.root_page.localized.specific if site else None
        request._portal_home = root if hasattr(root, "subject_url") else None
    return request._portal_home


@register.simple_tag(takes_context=True)
def site_chrome(context):
    """The header/footer settings of the request's site in the visitor's language (None
    outside a request, or when no Wagtail site matches), kept by the process (cms.chrome)."""
    request = context.get("request")
    if request is None:
        return None
    return chrome.for_request(request)


@register.simple_tag(takes_context=True)
def site_footer(context):
    """The footer, rendered once per site, language and chrome version (cms.chrome): it
    shows nothing of the request."""
    request = context.get("request")

    def render():
        return render_to_string(
            "cms/includes/footer.html",
            {"chrome": chrome.for_request(request) if request is not None else None},
        )

    if request is None:
        return mark_safe(render())  # noqa: S308  # nosec B308 B703  # our own template's output
    return mark_safe(chrome.fragment(request, "footer", render))  # noqa: S308  # nosec B308 B703  # our own template's output


def _route_prefix(request, home, name: str, key: str, sample) -> str:
    """The address of a home-page route with a placeholder, reversed once per request."""
    cache = request.__dict__.setdefault("_portal_route_prefixes", {})
    if name not in cache:
        cache[name] = home.url + home.reverse_subpage(name, kwargs={key: sample})
    return cache[name]


@register.simple_tag(takes_context=True)
def subject_url(context, subject_or_code):
    request = context.get("request")
    home = _home(request)
    if home is None:
        return ""
    code = getattr(subject_or_code, "code", subject_or_code)
    return _route_prefix(request, home, "subject_profile", "code", "CODE").replace("CODE", code)


@register.simple_tag(takes_context=True)
def record_url(context, record_or_id):
    request = context.get("request")
    home = _home(request)
    if home is None:
        return ""
    record_id = getattr(record_or_id, "pk", record_or_id)
    prefix = _route_prefix(request, home, "record_detail", "record_id", 0)
    return prefix.replace("/0/", f"/{record_id}/")


@register.simple_tag(takes_context=True)
def search_url(context):
    home = _home(context.get("request"))
    return home.search_url() if home else localised_path("/search/")


@register.simple_tag(takes_context=True)
def home_url(context):
    home = _home(context.get("request"))
    return home.url if home else "/"


@register.simple_tag
def local_path(path):
    """A site path (e.g. /objections/new/) in the visitor's language."""
    return localised_path(path)


@register.inclusion_tag("cms/includes/language_links.html", takes_context=True)
def language_links(context):
    """Links to the same page in each language: no cookie, no form, cache-friendly."""
    request = context.get("request")
    current = translation.get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path() if request else "/"
    links = []
    for code, name in settings.LANGUAGES:
        # The current language is shown without a link: no address to translate for it.
        links.append(
            {
                "code": code,
                "name": name,
                "url": "" if current == code else localised_path(path, code, current),
                "current": current == code,
            }
        )
    return {"links": links}


@register.filter
def state_label(record):
    return PublicState(record.public_state).label


@register.filter
def is_under_objection(record):
    return record.public_state == PublicState.UNDER_OBJECTION


@register.filter
def item_name(item):
    """A catalog item's name in the visitor's language."""
    return localised_name(item)


@register.filter
def department_name(department):
    return localised_name(department)


@register.filter
def district_label(code):
    return district_name(code)


@register.filter
def call(column, record):
    """Apply a list column to a record: {{ column|call:record }}."""
    return column.value(record)


_NOT_MARK = re.compile(r"<(?!/?mark>)[^>]*>", re.IGNORECASE)


@register.filter
def highlight_html(fragment: str):
    """The search contract's highlight (escaped text with <mark>): any other tag is dropped."""
    return mark_safe(_NOT_MARK.sub("", fragment or ""))  # noqa: S308  # nosec B308 B703  # only <mark> survives
