"""Name keys: how an organisation is found however its name is typed (docs/domain.md).

Computed in Python from a subject's name, once, when it is indexed; the
search index stores them as exact keyword terms, so every backend finds the
same names, and screening draws its candidates from the same keys. A key is
"<class>:<value>":

- ``e:`` the whole name folded (widths, case, spaces) with traditional
  characters read as simplified: a person is found by this key only;
- ``n:`` the *core* name: simplified, the place prefix dropped (province,
  city, county or district, with or without 省/市/县/区, or in brackets as in
  华兴建筑（惠州）有限公司) and the organisational form dropped
  (有限责任公司/有限公司/股份有限公司/公司): the key two spellings of one
  organisation share;
- ``p:`` the core read in pinyin without tones: a homophone typo (汇通物留);
- ``d:`` the core with one character deleted (SymSpell's deletion
  neighbourhood): a query whose core has one character wrong, missing or extra
  shares a ``d:``/``n:`` key with the name (see :func:`query_keys`);
- ``q:`` the pinyin with one syllable deleted: looser still, only for
  "did you mean" suggestions after a search found nothing.

Organisations get every class; natural persons only ``e:`` of their current
name (a person is found by the full name, never a fragment or a near name).

Screening matches on its own *matching key* (the stored normalised name with
a province prefix dropped, :func:`refine_key`) and stores, per organisation
name, :func:`screening_keys`: ``b:`` its block (the matching key's first two
characters) and the ``n:``/``p:``/``d:`` keys of the matching key, so that
candidates are one indexed lookup (portal.subjects.stored_keys).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from portal.core.text import normalise_text
from portal.subjects.districts import DISTRICTS

PROVINCES = ("广东省", "广东")
_PROVINCE_START = PROVINCES[-1]
# Shortest core that gets deletion keys: deleting one of two or three characters
# would make keys that half the register shares.
MIN_FUZZY_CORE = 4
MIN_KEYED_CORE = 2
MAX_CORE = 60
# The organisational forms, with the common typo 有线 for 有限 (one key for all).
_FORMS = re.compile(r"(?:股份)?有[限线](?:责任)?公司|股份公司|公司")
_NOT_WORD = re.compile(r"[\W_]+")
_OPENING = re.compile(r"[(\[【〔]")


@functools.cache
def _t2s_table() -> dict[int, str]:
    """Traditional -> simplified, character by character (OpenCC's character table).

    Character level is enough for names and fast enough for a whole register
    (screening computes keys for every organisation).
    """
    import opencc

    table: dict[int, str] = {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
            table[ord(parts[0])] = parts[1]
    return table


def simplified(text: object) -> str:
    """Folded (NFKC, lower case, no spaces) and in simplified characters."""
    return normalise_text(text).lower().replace(" ", "").translate(_t2s_table())


def _value(text: str) -> str:
    """A key's value: letters, digits and CJK only (one token for every backend)."""
    return _NOT_WORD.sub("", text)[:MAX_CORE]


_SOUNDS: dict[str, str] = {}


def _syllable(char: str) -> str:
    if "\u3400" <= char <= "\u9fff":
        from pypinyin import Style, lazy_pinyin

        sound = lazy_pinyin(char, style=Style.NORMAL)[0].lower()
    else:
        sound = char
    _SOUNDS[char] = sound
    return sound


def syllables(text: str) -> list[str]:
    """One pinyin syllable (no tone) per character; other characters stand for themselves.

    Read a character at a time (remembered), so a word's context never changes a
    reading: the index and the query always agree."""
    sounds = _SOUNDS
    return [sounds.get(c) or _syllable(c) for c in text]


@functools.cache
def _place_prefixes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    city = settings.PORTAL_CITY_NAME
    cities = (f"{city}市", city) if city else ()
    districts = []
    for _, name in DISTRICTS:
        districts.append(name)
        if name[-1] in "市县区" and len(name) > 2:
            districts.append(name[:-1])
    return cities, tuple(sorted(districts, key=len, reverse=True))


def _drop_prefix(text: str, prefixes) -> tuple[str, str]:
    for prefix in prefixes:
        if text.startswith(prefix) and len(text) - len(prefix) >= MIN_KEYED_CORE:
            return text[len(prefix) :], prefix
    return text, ""


@dataclass(frozen=True)
class NameParts:
    """A name taken apart: the core and what was dropped to reach it."""

    core: str
    place: str  # the place prefix or bracketed place dropped ("" when none)
    form: str  # the organisational form dropped ("" when none)


def _bracketed_places() -> re.Pattern:
    cities, districts = _place_prefixes()
    names = "|".join(re.escape(p) for p in (*cities, *districts, *PROVINCES))
    return re.compile(rf"[(（\[【〔]\s*(?:{names})\s*[)）\]】〕]")


_BRACKETED: dict[str, re.Pattern] = {}


def parts(name: object) -> NameParts:
    """The core name and what was dropped (see the module docstring)."""
    text = simplified(name)
    city = settings.PORTAL_CITY_NAME
    pattern = _BRACKETED.get(city)
    if pattern is None:
        pattern = _BRACKETED[city] = _bracketed_places()
    bracketed = ""
    if _OPENING.search(text):  # most names have no brackets: skip the long pattern
        bracketed = "".join(pattern.findall(text))
        text = pattern.sub("", text)
    text = _NOT_WORD.sub("", text)
    cities, districts = _place_prefixes()
    text, province = _drop_prefix(text, PROVINCES)
    text, in_city = _drop_prefix(text, cities)
    text, in_district = _drop_prefix(text, districts)
    form = ""
    found = _FORMS.search(text)
    if found and len(text) - len(found.group()) >= MIN_KEYED_CORE:
        form = found.group()
        text = text[: found.start()] + text[found.end() :]
    place = province + in_city + in_district + bracketed
    return NameParts(text[:MAX_CORE], place, form)


def refine_key(normalised: str, city: str | None = None) -> str:
    """Screening's matching key of a stored normalised name: a province prefix dropped
    (and the city after it), as portal.measures.names.match_key does for an input name."""
    if not normalised.startswith(_PROVINCE_START):
        return normalised  # nearly every name: keep this path cheap
    city = settings.PORTAL_CITY_NAME if city is None else city
    for province in PROVINCES:
        if normalised.startswith(province) and len(normalised) > len(province) + 1:
            rest = normalised[len(province) :]
            if city:
                for prefix in (f"{city}市", city):
                    if rest.startswith(prefix) and len(rest) > len(prefix):
                        return rest[len(prefix) :]
            return rest
    return normalised


def block_key(key: str) -> str:
    """Screening scores every matching key sharing this prefix with the input's."""
    return key[:2]


def screening_keys(normalised: str, city: str | None = None) -> tuple[str, set[str]]:
    """A stored organisation name's matching key and the keys it is screened by (see the
    module docstring); no keys without a matching key."""
    key = refine_key(normalised, city)
    if not key:
        return key, set()
    return key, {f"b:{block_key(key)}", *near_keys(key)}


def core_name(name: object) -> str:
    return parts(name).core


def deletions(text: str) -> set[str]:
    """Every string made by deleting one character (or item) of `text`."""
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


def _syllable_deletions(sounds: list[str]) -> set[str]:
    return {"".join(sounds[:i] + sounds[i + 1 :]) for i in range(len(sounds))}


def near_keys(name: object) -> set[str]:
    """The n:, p: and d: keys of one organisation name (what :func:`query_keys` finds)."""
    core = core_name(name)
    if len(core) < MIN_KEYED_CORE:
        return set()
    keys = {f"n:{core}", f"p:{''.join(syllables(core))}"}
    if len(core) >= MIN_FUZZY_CORE:
        keys.update(f"d:{d}" for d in deletions(core))
    return keys


def index_keys(names: list[str], organisation: bool) -> list[str]:
    """The keys a subject is indexed under (current name first in `names`)."""
    if not names:
        return []
    if not organisation:
        exact = _value(simplified(names[0]))
        return [f"e:{exact}"] if exact else []
    keys: set[str] = set()
    for name in names:
        exact = _value(simplified(name))
        if not exact:
            continue
        keys.add(f"e:{exact}")
        core = core_name(name)
        if len(core) < MIN_KEYED_CORE:
            continue
        keys.add(f"n:{core}")
        sounds = syllables(core)
        keys.add(f"p:{''.join(sounds)}")
        if len(core) >= MIN_FUZZY_CORE:
            keys.update(f"d:{d}" for d in deletions(core))
            keys.update(f"q:{d}" for d in _syllable_deletions(sounds))
    return sorted(keys)


@dataclass
class QueryKeys:
    """The keys a query looks for, by how close a match they mean."""

    exact: str = ""  # e: the whole query, simplified
    normalised: list[str] = field(default_factory=list)  # n: the same core
    fuzzy: list[str] = field(default_factory=list)  # e:, p:, one character apart
    loose: list[str] = field(default_factory=list)  # for "did you mean" only

    def __bool__(self) -> bool:
        return bool(self.exact)


def query_keys(q: str, with_loose: bool = False) -> QueryKeys:
    """What a query matches in the index keys; empty for fragments of one character.
    The looser keys (for "did you mean") only when asked for."""
    exact = _value(simplified(q))
    if len(exact) < MIN_KEYED_CORE:
        return QueryKeys()
    core = core_name(q)
    if len(core) < MIN_KEYED_CORE or not settings.PORTAL_SEARCH_NEAR_NAMES:
        return QueryKeys(exact=f"e:{exact}", fuzzy=[f"e:{exact}"])
    sounds = syllables(core)
    fuzzy = {f"e:{exact}", f"p:{''.join(sounds)}"}
    loose: set[str] = set()
    if len(core) >= MIN_FUZZY_CORE - 1:
        fuzzy.add(f"d:{core}")  # one character missing
    if len(core) >= MIN_FUZZY_CORE:
        for variant in deletions(core):
            fuzzy.add(f"n:{variant}")  # one character extra
            fuzzy.add(f"d:{variant}")  # one character wrong
    if with_loose and len(core) >= MIN_FUZZY_CORE:
        dropped = _syllable_deletions(sounds)
        loose.update(f"p:{d}" for d in dropped)
        loose.update(f"q:{d}" for d in dropped)
        loose.add(f"q:{''.join(sounds)}")
    fuzzy.discard(f"n:{core}")
    return QueryKeys(
        exact=f"e:{exact}",
        normalised=[f"n:{core}"],
        fuzzy=sorted(fuzzy),
        loose=sorted(loose - fuzzy),
    )


# Why a near name matched, as codes (the search layer words them).
TRADITIONAL = "traditional"
PLACE_OMITTED = "place_omitted"
PLACE_WRITTEN = "place_written"
FORM = "form"
FORM_OMITTED = "form_omitted"
HOMOPHONE = "homophone"
ONE_CHARACTER = "one_character"


def within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return short in deletions(long)


def match_reasons(q: str, name: str) -> list[str]:
    """Why `name` answers the query `q` although it is not literally the same."""
    reasons = []
    folded = normalise_text(q).lower().replace(" ", "")
    if simplified(q) != folded:
        reasons.append(TRADITIONAL)
    asked, found = parts(q), parts(name)
    if simplified(q) == simplified(name):
        return reasons
    # A bare trade name (汇通物留) omits place and form on purpose: not worth saying.
    whole = bool(asked.place or asked.form)
    if whole and asked.place != found.place:
        reasons.append(PLACE_WRITTEN if asked.place else PLACE_OMITTED)
    if whole and asked.form != found.form:
        reasons.append(FORM if asked.form else FORM_OMITTED)
    if asked.core != found.core:
        if syllables(asked.core) == syllables(found.core):
            reasons.append(HOMOPHONE)
        elif within_one_edit(asked.core, found.core):
            reasons.append(ONE_CHARACTER)
    return reasons


def best_name(q: str, names: list[str]) -> str:
    """The one of a subject's names (current first) a query is closest to."""
    keys = query_keys(q)
    wanted = {keys.exact, *keys.normalised}
    for name in names:
        if wanted & set(index_keys([name], organisation=True)):
            return name
    fuzzy = set(keys.fuzzy)
    for name in names:
        if fuzzy & set(index_keys([name], organisation=True)):
            return name
    return names[0] if names else ""


def is_near_name(name: str, other: str) -> bool:
    """Whether two names can be one subject's spellings: the same core once place and
    organisational form are set aside (有限公司 → 有限责任公司, adding 惠州市), or cores that
    sound alike or are one character apart (a typo) - what a near-name search finds."""
    if simplified(name) == simplified(other):
        return True
    mine, theirs = core_name(name), core_name(other)
    if not mine or not theirs:
        return False
    if mine == theirs or syllables(mine) == syllables(theirs):
        return True
    # One character apart is a typo only in cores as long as a search forgives one in
    # (华兴 and 华星 are two firms).
    return max(len(mine), len(theirs)) >= MIN_FUZZY_CORE and within_one_edit(mine, theirs)


def clearly_different(name: str, known_names: list[str]) -> bool:
    """A row's name for a subject is clearly different from every name the register knows
    it by (current and former): not even a near name of any of them."""
    names = [known for known in known_names if known]
    return bool(name) and bool(names) and not any(is_near_name(name, known) for known in names)
