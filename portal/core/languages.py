"""Names of data in the reader's language.

Departments, catalog items and districts carry an English name as data
(`name_en`); pages in English show it, Chinese pages (and English pages whose
data has no English name yet) show the Chinese name.
"""

from django.conf import settings
from django.utils import translation


def is_english() -> bool:
    return (translation.get_language() or "").startswith("en")


def localised_name(obj) -> str:
    """`obj.name_en` when the page is in English and it is set, otherwise `obj.name`."""
    if obj is None:
        return ""
    english = getattr(obj, "name_en", "")
    if english and is_english():
        return english
    return obj.name


def localised_choices(rows) -> list[tuple[str, str]]:
    """(code, name, name_en) rows as (code, label) choices in the reader's language."""
    english = is_english()
    return [(code, name_en if english and name_en else name) for code, name, name_en in rows]


def activate_for(request, *, accept_header: bool = False) -> str:
    """The language of a staff page or an API answer, which have no URL prefix.

    The public site switches language by path (/en/…), and LocaleMiddleware therefore
    treats every unprefixed path as Chinese. The staff areas (the workspace, the case
    screens, the review pages) live at literal paths, so they follow the language cookie
    that Django's set_language view writes; the API follows the Accept-Language header.
    """
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if not code and accept_header and request.headers.get("Accept-Language"):
        code = translation.get_language_from_request(request, check_path=False)
    if code:
        try:
            code = translation.get_supported_language_variant(code)
        except LookupError:
            return translation.get_language()
        translation.activate(code)
        request.LANGUAGE_CODE = code
    return translation.get_language()
