"""How catalog items map to the sections of the national credit report (DESIGN §3).

The catalog is data, so items are placed by what they are (red or black list)
first and by the starter codes second; an item operators add later lands in
"other information" until it is a red or black list.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portal.catalog.models import CatalogItem, ListType

LICENCE_PENALTY = "licence_penalty"
HONOUR_RED = "honour_red"
SERIOUS_DISHONESTY = "serious_dishonesty"
ABNORMAL = "abnormal"
COMMITMENT = "commitment"
OTHER = "other"


@dataclass(frozen=True)
class Section:
    key: str
    number: str
    title: str
    empty: str


SECTIONS = [
    Section(
        LICENCE_PENALTY, "一", _("行政许可和行政处罚信息"), _("未查询到行政许可和行政处罚信息。")
    ),
    Section(
        HONOUR_RED, "二", _("表彰奖励和守信激励（红名单）信息"), _("未查询到表彰奖励和红名单信息。")
    ),
    Section(
        SERIOUS_DISHONESTY,
        "三",
        _("严重失信主体名单信息（含失信被执行人）"),
        _("未查询到严重失信主体名单信息。"),
    ),
    Section(ABNORMAL, "四", _("经营异常名录信息"), _("未查询到经营异常名录信息。")),
    Section(COMMITMENT, "五", _("信用承诺信息"), _("未查询到信用承诺信息。")),
    Section(OTHER, "六", _("其他信息"), _("未查询到其他信息。")),
]
SECTION_BY_KEY = {section.key: section for section in SECTIONS}

BY_CODE = {
    "ADM_LICENSE": LICENCE_PENALTY,
    "ADM_PENALTY": LICENCE_PENALTY,
    "ABNORMAL_OPERATION": ABNORMAL,
    "CREDIT_COMMITMENT": COMMITMENT,
}
# Items whose records count against the subject: what an objection or a repair is about.
ADVERSE_CODES = frozenset(
    {"ADM_PENALTY", "TAX_ARREARS", "ABNORMAL_OPERATION", "SOCIAL_INSURANCE_ARREARS"}
)
PENALTY_CODES = frozenset({"ADM_PENALTY"})


def section_of(item: CatalogItem) -> str:
    if item.list_type == ListType.BLACK:
        return SERIOUS_DISHONESTY
    if item.list_type == ListType.RED:
        return HONOUR_RED
    return BY_CODE.get(item.code, OTHER)


def is_adverse(item: CatalogItem) -> bool:
    """A record the subject may want repaired: penalties, arrears, abnormal and black lists."""
    return item.list_type == ListType.BLACK or item.code in ADVERSE_CODES


def is_penalty(item: CatalogItem) -> bool:
    return item.code in PENALTY_CODES


def is_coercive_measure(item: CatalogItem) -> bool:
    """Administrative coercive measures (行政强制): no starter item, operators may add one."""
    return item.code.startswith("ADM_COERC") or "行政强制" in item.name
