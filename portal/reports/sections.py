"""The sections of the national credit report; each catalog item names its own section."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portal.catalog.models import CatalogItem, Category, ReportSection

LICENCE_PENALTY = ReportSection.LICENCE_PENALTY
HONOUR_RED = ReportSection.HONOUR_RED
SERIOUS_DISHONESTY = ReportSection.SERIOUS_DISHONESTY
ABNORMAL = ReportSection.ABNORMAL
COMMITMENT = ReportSection.COMMITMENT
OTHER = ReportSection.OTHER


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


def section_of(item: CatalogItem) -> str:
    return item.report_section


def is_penalty(item: CatalogItem) -> bool:
    return item.category == Category.PENALTY


def is_coercive_measure(item: CatalogItem) -> bool:
    return item.category == Category.COERCIVE
