"""Normalisation of incoming text, applied before any validation (DESIGN §3).

Departments type codes and names by hand, in full-width forms, with stray
spaces. Two foldings:

- normalise_text / normalise_code: full NFKC, for codes and for matching
  keys (names, search terms, header labels), where two spellings must meet;
- clean_text: for text that is kept and published (facts, content, names as
  written). Full-width letters and digits are folded, but full-width
  punctuation (，；：（）！？) is how Chinese is written and stays as written.
"""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# Characters that NFKC leaves alone but departments use as spaces.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)


# The full-width forms of ASCII punctuation: U+FF01-FF0F, FF1A-FF20, FF3B-FF40, FF5B-FF60.
_FULL_WIDTH_PUNCTUATION = "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff60"
_PUNCTUATION = re.compile(f"[{_FULL_WIDTH_PUNCTUATION}]")
_PUNCTUATION_SPLIT = re.compile(f"([{_FULL_WIDTH_PUNCTUATION}]+)")


def _nfkc(text: str) -> str:
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def fold_width(text: str) -> str:
    """NFKC, except that full-width punctuation stays as written.

    Fast for the usual Chinese text, whose only compatibility characters are
    its punctuation: two C-speed checks and no copy.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    if unicodedata.is_normalized("NFKC", _PUNCTUATION.sub("", text)):
        return text
    parts = _PUNCTUATION_SPLIT.split(text)  # text, punctuation, text, ...
    return "".join(part if index % 2 else _nfkc(part) for index, part in enumerate(parts))


def clean_text(value: object) -> str:
    """Text as kept: widths folded but punctuation as written (fold_width), zero-width
    characters dropped, trimmed, inner whitespace collapsed to single spaces."""
    if value is None:
        return ""
    text = fold_width(str(value)).translate(_INVISIBLE)
    return _WHITESPACE.sub(" ", text).strip()


def normalise_text(value: object) -> str:
    """NFKC-fold, drop zero-width characters, trim and collapse inner whitespace."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    return _WHITESPACE.sub(" ", text).strip()


def normalise_code(value: object) -> str:
    """A code: NFKC-folded, all whitespace and hyphens removed, upper-cased."""
    if type(value) is str and value.isascii() and value.isalnum():
        return value.upper()  # already clean but for case: the usual input
    return _WHITESPACE.sub("", normalise_text(value)).replace("-", "").upper()
