"""Name normalisation for identity matching (docs/domain.md, Joint rewards and penalties).

Two spellings of one organisation's name normalise to the same key: widths
folded, brackets of both widths removed, spaces dropped, company-form variants
unified and the city prefix (with or without 市) dropped. A match on this key
is only ever a *candidate*; codes are what identify a subject.
"""

import re

from django.conf import settings

from portal.core.text import normalise_text

# Longest first, so that 股份有限公司 is not read as ...有限公司.
_COMPANY_FORMS = (
    ("股份有限公司", "股份公司"),
    ("有限责任公司", "公司"),
    ("有限公司", "公司"),
)
_BRACKETS = re.compile(r"[()\[\]【】〔〕（）]")
_SPACES = re.compile(r"\s+")


def normalise_name(name: object, city: str | None = None) -> str:
    text = normalise_text(name)  # NFKC folds full-width brackets, letters and digits
    text = _SPACES.sub("", text)
    city = city if city is not None else settings.PORTAL_CITY_NAME
    if city:
        # A bracketed place name, as in 某某(惠州)有限公司, is dropped entirely.
        text = re.sub(rf"[(（]{re.escape(city)}市?[)）]", "", text)
    text = _BRACKETS.sub("", text)
    if city:
        for prefix in (f"{city}市", city):
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix) :]
                break
    for variant, canonical in _COMPANY_FORMS:
        if text.endswith(variant):
            text = text[: -len(variant)] + canonical
            break
    return text.upper()
