"""A human check that needs no third-party service and no JavaScript.

The form carries a signed, timestamped token holding only a random nonce; the
sum it asks ("七加五等于几？", in the page's language) is kept server-side in the
shared "counters" cache under that nonce, so the token says nothing a script
could read. Each token is accepted once. Together with per-client rate limits
and a hidden honeypot field this stops casual scripted filing without sending
visitors elsewhere.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.core.cache import caches
from django.utils.translation import get_language
from django.utils.translation import gettext as _

SALT = "portal.objections.challenge"
MAX_AGE_SECONDS = 60 * 60
_NUMERALS = "零一二三四五六七八九十"


_WORDS = "zero one two three four five six seven eight nine ten".split()


def _numeral(n: int) -> str:
    """The number in words of the page's language (Chinese numerals by default)."""
    if not (get_language() or "zh").startswith("zh"):
        return _WORDS[n] if n <= 10 else str(n)
    if n <= 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + (_NUMERALS[ones] if ones else "")


def _store():
    return caches["counters"]


def new_challenge() -> tuple[str, str]:
    """(question, token) for a fresh challenge."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(16)
    _store().set(f"challenge:{nonce}", (a, b), timeout=MAX_AGE_SECONDS + 60)
    return question_for(a, b), signing.dumps(nonce, salt=SALT)


def _sum_of(token: str, max_age=MAX_AGE_SECONDS) -> tuple[str, tuple[int, int] | None]:
    nonce = signing.loads(token or "", salt=SALT, max_age=max_age)
    if not isinstance(nonce, str):
        raise signing.BadSignature("not a challenge token")
    return nonce, _store().get(f"challenge:{nonce}")


def question_for(a: int, b: int) -> str:
    return _("%(a)s加%(b)s等于几？（请填写阿拉伯数字）") % {"a": _numeral(a), "b": _numeral(b)}


def question_of(token: str) -> str | None:
    try:
        _nonce, terms = _sum_of(token)
    except signing.BadSignature:
        return None
    return question_for(*terms) if terms else None


def check(token: str, answer: str) -> str | None:
    """None when the answer is right (and the token unused); else a message."""
    try:
        nonce, terms = _sum_of(token)
    except signing.SignatureExpired:
        return _("验证问题已过期，请回答新的问题。")
    except signing.BadSignature:
        return _("验证问题无效，请回答新的问题。")
    if terms is None:
        return _("该验证问题已使用过，请回答新的问题。")
    try:
        given = int(str(answer).strip())
    except ValueError:
        return _("请用阿拉伯数字回答验证问题。")
    # Right or wrong, a question is answered once: a script cannot try every sum.
    if not _store().delete(f"challenge:{nonce}"):
        return _("该验证问题已使用过，请回答新的问题。")  # another request took it first
    if given != sum(terms):
        return _("验证问题回答错误，请重新回答。")
    return None


def terms_of(token: str) -> tuple[int, int] | None:
    """The sum a token asks, for staff tools and tests; None once answered or expired."""
    try:
        return _sum_of(token)[1]
    except signing.BadSignature:
        return None
