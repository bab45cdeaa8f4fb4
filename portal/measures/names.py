"""Name keys and score explanations for matching reviewers' lists to subjects.

Builds on portal.core.names.normalise_name (widths, brackets, spaces, the city
prefix, company forms) and adds what lists typed by other offices bring: a
province prefix before the city (广东省惠州市…). Every candidate comes with a
plain-language explanation of its score, so a reviewer can judge it.
"""

import re
import unicodedata

from django.conf import settings
from django.utils.translation import get_language, gettext
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from portal.core.names import normalise_name
from portal.core.text import normalise_text

# A stored name's matching key and its block are name keys (portal.subjects.name_keys).
from portal.subjects.name_keys import PROVINCES as PROVINCE_PREFIXES
from portal.subjects.name_keys import block_key, refine_key  # noqa: F401  # used as names.*

_translated: dict[tuple[str, str], str] = {}


def _(message: str, lang: str | None = None) -> str:
    """gettext, remembered per language: explanations are built for thousands of candidates
    (pass `lang` when calling many times: finding the active language is the slow part)."""
    key = (lang if lang is not None else (get_language() or ""), message)
    try:
        return _translated[key]
    except KeyError:
        _translated[key] = value = gettext(message)
        return value


_BRACKETS = re.compile(r"[()\[\]【】〔〕（）]")
_COMPANY_FORMS = (
    ("股份有限公司", "股份公司"),
    ("有限责任公司", "公司"),
    ("有限公司", "公司"),
)


def match_key(name: object, city: str | None = None) -> str:
    """The key two spellings of one organisation's name share."""
    city = settings.PORTAL_CITY_NAME if city is None else city
    text = normalise_text(name).replace(" ", "")
    for province in PROVINCE_PREFIXES:
        if text.startswith(province):
            text = text[len(province) :]
            break
    return normalise_name(text, city=city)


def normalisation_steps(
    name: object, city: str | None = None, lang: str | None = None
) -> list[str]:
    """What normalisation changed in a name, in words (in the order the core applies it)."""
    lang = lang if lang is not None else (get_language() or "")
    city = settings.PORTAL_CITY_NAME if city is None else city
    raw = "" if name is None else str(name)
    steps = []
    text = unicodedata.normalize("NFKC", raw)
    if text != raw:
        steps.append(_("全角字符转为半角", lang))
    if re.search(r"\s", text):
        steps.append(_("去除空格", lang))
    text = re.sub(r"\s+", "", text)
    for province in PROVINCE_PREFIXES:
        if text.startswith(province):
            steps.append(_("去除省名前缀", lang))
            text = text[len(province) :]
            break
    if city:
        text, count = re.subn(rf"[(（]{re.escape(city)}市?[)）]", "", text)
        if count:
            steps.append(_("去除括号内的城市名“%(city)s”", lang) % {"city": city})
    if _BRACKETS.search(text):
        steps.append(_("去除括号", lang))
        text = _BRACKETS.sub("", text)
    if city:
        for prefix in (f"{city}市", city):
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix) :]
                steps.append(_("去除城市名前缀“%(city)s”", lang) % {"city": prefix})
                break
    for variant, canonical in _COMPANY_FORMS:
        if text.endswith(variant):
            steps.append(
                _("组织形式“%(variant)s”统一为“%(canonical)s”", lang)
                % {"variant": variant, "canonical": canonical}
            )
            break
    return steps


def score(query_key: str, candidate_key: str) -> float:
    """Similarity of two matching keys, 0–100 (normalised Indel similarity)."""
    return round(fuzz.ratio(query_key, candidate_key), 1)


def describe_differences(query_key: str, candidate_key: str, lang: str | None = None) -> list[str]:
    """The edits that turn the input's key into the candidate's, in words."""
    lang = lang if lang is not None else (get_language() or "")
    parts = []
    for op in Indel.opcodes(query_key, candidate_key):
        source = query_key[op.src_start : op.src_end]
        dest = candidate_key[op.dest_start : op.dest_end]
        if op.tag == "insert":
            parts.append(_("候选名称多出“%(text)s”", lang) % {"text": dest})
        elif op.tag == "delete":
            parts.append(_("候选名称缺少“%(text)s”", lang) % {"text": source})
        elif op.tag == "replace":
            parts.append(_("“%(a)s”与“%(b)s”不同", lang) % {"a": source, "b": dest})
    return parts


def explain(
    query_name: str,
    query_key: str,
    candidate_name: str,
    candidate_key: str,
    value: float,
    *,
    former_name: bool = False,
) -> str:
    """Why a candidate got its score: the normalisations applied and what still differs."""
    lang = get_language() or ""
    sentences = []
    if former_name:
        sentences.append(_("与该主体的曾用名“%(name)s”比对", lang) % {"name": candidate_name})
    if query_key == candidate_key:
        if "".join(str(query_name).split()) == "".join(str(candidate_name).split()):
            sentences.append(_("名称完全相同，得分100", lang))
        else:
            described = []
            for label, steps in (
                (_("输入名称", lang), normalisation_steps(query_name, lang=lang)),
                (_("库中名称", lang), normalisation_steps(candidate_name, lang=lang)),
            ):
                if steps:
                    described.append(label + _("：", lang) + _("、", lang).join(steps))
            sentences.append(
                _("规范化后名称相同（%(steps)s），得分100", lang)
                % {"steps": _("；", lang).join(described) or _("书写形式统一", lang)}
            )
    else:
        differences = describe_differences(query_key, candidate_key, lang)
        sentences.append(
            _("规范化名称“%(a)s”与“%(b)s”的相似度为%(score)s（按字符增删计算）：%(diff)s", lang)
            % {
                "a": query_key,
                "b": candidate_key,
                "score": f"{value:g}",
                "diff": _("；", lang).join(differences),
            }
        )
    sentences.append(_("名称相同不代表同一主体，须核对代码后人工确认", lang))
    stop = _("。", lang)
    return stop.join(sentences) + stop.rstrip()


def literal_rank(query_name: object, candidate_name: object) -> int:
    """How literally a candidate's name repeats the input: 0 the same characters (spaces
    aside), 1 the same after full-width/half-width folding, 2 only alike after normalisation."""
    typed = "".join(str(query_name or "").split())
    stored = "".join(str(candidate_name or "").split())
    if typed == stored:
        return 0
    if unicodedata.normalize("NFKC", typed) == unicodedata.normalize("NFKC", stored):
        return 1
    return 2
