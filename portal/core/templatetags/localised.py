"""Template filters for data names in the reader's language (portal.core.languages)."""

from django import template

from portal.core import languages

register = template.Library()


@register.filter
def localised_name(obj) -> str:
    """{{ record.department|localised_name }}: the English name on English pages."""
    return languages.localised_name(obj)
