"""A human check that needs no third-party service and no JavaScript.

The form carries a signed, timestamped token naming a small sum written in
Chinese numerals ("七加五等于几？"); the answer is checked against the token,
and each token is accepted once (its nonce is remembered in the cache until it
expires). Together with per-client rate limits and a hidden honeypot field this
stops casual scripted filing without sending visitors elsewhere.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.core.cache import cache
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


def new_challenge() -> tuple[str, str]:
    """(question, token) for a fresh challenge."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"a": a, "b": b, "n": secrets.token_hex(8)}, salt=SALT)
    return question_for(a, b), token


def question_for(a: int, b: int) -> str:
    return _("%(a)s加%(b)s等于几？（请填写阿拉伯数字）") % {"a": _numeral(a), "b": _numeral(b)}


def question_of(token: str) -> str | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return question_for(data["a"], data["b"])


def check(token: str, answer: str) -> str | None:
    """None when the answer is right (and the token unused); else a message."""
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return _("验证问题已过期，请回答新的问题。")
    except signing.BadSignature:
        return _("验证问题无效，请回答新的问题。")
    try:
        given = int(str(answer).strip())
    except ValueError:
        return _("请用阿拉伯数字回答验证问题。")
    if given != data["a"] + data["b"]:
        return _("验证问题回答错误，请重新回答。")
    if not cache.add(f"challenge:{data['n']}", 1, timeout=MAX_AGE_SECONDS + 60):
        return _("该验证问题已使用过，请回答新的问题。")
    return None
