"""Addresses in the visitor's language: Chinese unprefixed, English under /en/."""

from django.conf import settings
from django.urls import translate_url
from django.utils import translation

from portal.core.languages import is_english


def localised_path(path: str, language: str | None = None, current: str | None = None) -> str:
    """`path` (read in language `current`) as it is written in `language`.

    Paths outside the translated URL patterns come back unchanged.
    """
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    current = current or settings.LANGUAGE_CODE
    with translation.override(current):
        return translate_url(path, language)


__all__ = ["is_english", "localised_path"]
