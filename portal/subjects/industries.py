"""Industries of subjects: the sections (门类, A–T) and divisions (大类, 01–97) of
GB/T 4754-2017, 国民经济行业分类 (docs/domain.md, Subjects and identity).

A subject's industry is stored as its section letter, optionally followed by its
division's two digits ("C" or "C39"); statistics group by the letter.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SECTIONS = [
    ("A", _("农、林、牧、渔业")),
    ("B", _("采矿业")),
    ("C", _("制造业")),
    ("D", _("电力、热力、燃气及水生产和供应业")),
    ("E", _("建筑业")),
    ("F", _("批发和零售业")),
    ("G", _("交通运输、仓储和邮政业")),
    ("H", _("住宿和餐饮业")),
    ("I", _("信息传输、软件和信息技术服务业")),
    ("J", _("金融业")),
    ("K", _("房地产业")),
    ("L", _("租赁和商务服务业")),
    ("M", _("科学研究和技术服务业")),
    ("N", _("水利、环境和公共设施管理业")),
    ("O", _("居民服务、修理和其他服务业")),
    ("P", _("教育")),
    ("Q", _("卫生和社会工作")),
    ("R", _("文化、体育和娱乐业")),
    ("S", _("公共管理、社会保障和社会组织")),
    ("T", _("国际组织")),
]
SECTION_NAMES = dict(SECTIONS)

# The divisions (大类) of each section, as ranges of their two-digit codes.
DIVISION_RANGES = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}
SECTION_OF_DIVISION = {
    f"{number:02d}": letter
    for letter, (first, last) in DIVISION_RANGES.items()
    for number in range(first, last + 1)
}

# What a department may write: the letter, the letter and the division ("C39",
# "C 39", "C-39"), the division alone ("39"), or the section's Chinese name.
_CODE = re.compile(r"^([A-Za-z])?[\s\-_.]*(\d{2})?$")
_BY_NAME = {str(name): letter for letter, name in SECTIONS}


def parse_industry(text: str) -> str | None:
    """The stored form of an industry as written ("c39" -> "C39", "39" -> "C39"),
    or None when it is not a GB/T 4754-2017 section or division."""
    text = (text or "").strip()
    if not text:
        return None
    if text in _BY_NAME:
        return _BY_NAME[text]
    match = _CODE.match(text)
    if match is None or not any(match.groups()):
        return None
    letter, division = match.groups()
    letter = letter.upper() if letter else None
    if division is None:
        return letter if letter in DIVISION_RANGES else None
    section = SECTION_OF_DIVISION.get(division)
    if section is None or (letter is not None and letter != section):
        return None
    return section + division


def validate_industry(value: str) -> None:
    """Model validation: only the stored form of a known section or division."""
    if value and parse_industry(value) != value:
        raise ValidationError(
            _("「%(value)s」不是国民经济行业分类（GB/T 4754-2017）的门类或大类代码"),
            params={"value": value},
        )


def section_of(code: str | None) -> str:
    """The section letter of a stored industry ("" when there is none)."""
    return (code or "")[:1]
