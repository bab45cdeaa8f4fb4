"""Names of data in the reader's language.

Departments, catalog items and districts carry an English name as data
(`name_en`); pages in English show it, Chinese pages (and English pages whose
data has no English name yet) show the Chinese name.
"""

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
