"""The Chinese tokenisation both backends share.

Elasticsearch indexes names and text with the `portal_cjk` analyzer (standard
tokenizer, cjk_width, lowercase, cjk_bigram): runs of CJK characters become
overlapping bigrams ("华信科技" -> 华信 信科 科技), a lone CJK character stays a
unigram, and Latin letters and digits stay whole words, lower-cased. This
module is the same tokenisation in Python for the embedded backend, and the
query side of both: a query of two or more CJK characters is a phrase of
bigrams, which finds exactly the texts that contain it.
"""

from __future__ import annotations

import html
import re

from portal.core.text import normalise_text

# Bump when tokens() changes: indexes built with another version need a rebuild.
# "keys": the documents carry portal.subjects.name_keys, and persons' text is not indexed.
ANALYSIS_VERSION = "cjk-bigram-2-keys-1"

# Han, Hiragana, Katakana and Hangul, as Lucene's CJKBigramFilter treats them.
_CJK = "\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN_RUN = re.compile(rf"[{_CJK}]+|[^\W{_CJK}_]+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


def fold(text: object) -> str:
    """NFKC (full width -> half width), lower case, collapsed whitespace."""
    return normalise_text(text).lower()


def is_cjk(char: str) -> bool:
    return bool(_CJK_CHAR.match(char))


def tokens(text: object) -> list[str]:
    """The index tokens of a text, in order (the positions a phrase query relies on)."""
    result: list[str] = []
    for run in _TOKEN_RUN.findall(fold(text)):
        if is_cjk(run[0]):
            if len(run) == 1:
                result.append(run)
            else:
                result.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            result.append(run)
    return result


def query_terms(q: str) -> list[str]:
    """The meaningful parts of a query (split on whitespace): each must match."""
    return [part for part in fold(q).split(" ") if tokens(part)]


def is_single_char(term: str) -> bool:
    """A one-character CJK term cannot be a bigram phrase: it is searched in names only."""
    return len(term) == 1 and is_cjk(term)


def highlight(text: str, terms: list[str], limit: int = 160) -> str:
    """Escaped `text` with <mark> around each occurrence of the terms (case-insensitive).

    Works on the folded text, so a full-width query marks a half-width match.
    The output is safe HTML; only <mark> tags are added.
    """
    text = normalise_text(text)
    if not text:
        return ""
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare character whose lower case is longer
        text = lowered
    spans: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = 0
        while (found := lowered.find(term, start)) != -1:
            spans.append((found, found + len(term)))
            start = found + len(term)
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    # Keep the window around the first match when the text is long.
    offset = 0
    if len(text) > limit:
        first = merged[0][0] if merged else 0
        offset = max(0, min(first - limit // 4, len(text) - limit))
    window_end = offset + limit
    out: list[str] = ["…" if offset else ""]
    cursor = offset
    for start, end in merged:
        if end <= offset or start >= window_end:
            continue
        start, end = max(start, offset), min(end, window_end)
        out.append(html.escape(text[cursor:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        cursor = end
    out.append(html.escape(text[cursor:window_end]))
    if window_end < len(text):
        out.append("…")
    return "".join(out)
