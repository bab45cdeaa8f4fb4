"""Normalisation of incoming text, applied before any validation (docs/domain.md, The catalog).

Departments type codes and names by hand, in full-width forms, with stray
spaces. Two foldings:

- normalise_text / normalise_code: full NFKC, for codes and for matching
  keys (names, search terms, header labels), where two spellings must meet;
- clean_text: for text that is kept and published (facts, content, names as
  written). Full-width letters and digits and the ideographic space are
  folded (docs/domain.md, The catalog), and the text is canonically composed (NFC).
  Everything else stays as written: full-width punctuation (，；：（）) is how
  Chinese is written, and NFKC's other foldings change what official text
  says (㎡ becomes m2, ① becomes 1, ℃ becomes °C).
"""

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# Characters that NFKC leaves alone but departments use as spaces.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)

# Full-width digits and Latin letters (U+FF10-FF19, FF21-FF3A, FF41-FF5A) and the
# ideographic space, with their ASCII forms.
_WIDE_CHARACTERS = re.compile("[\u3000\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_NARROW = {0x3000: " "} | {
    code: code - 0xFEE0
    for first, last in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for code in range(first, last + 1)
}


def fold_width(text: str) -> str:
    """Full-width letters, digits and spaces as ASCII, canonically composed (NFC);
    nothing else changed. Two C-speed scans for text that needs nothing."""
    if _WIDE_CHARACTERS.search(text):
        text = text.translate(_NARROW)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def clean_text(value: object) -> str:
    """Text as kept: fold_width, zero-width characters dropped, trimmed, inner
    whitespace collapsed to single spaces."""
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
