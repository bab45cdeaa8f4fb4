"""Normalisation of incoming text, applied before any validation (DESIGN §3).

Departments type codes and names by hand, in full-width forms, with stray
spaces; everything is folded to one canonical form first.
"""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# Characters that NFKC leaves alone but departments use as spaces.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)


def normalise_text(value: object) -> str:
    """NFKC-fold, drop zero-width characters, trim and collapse inner whitespace."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    return _WHITESPACE.sub(" ", text).strip()


def normalise_code(value: object) -> str:
    """A code: NFKC-folded, all whitespace and hyphens removed, upper-cased."""
    return _WHITESPACE.sub("", normalise_text(value)).replace("-", "").upper()
