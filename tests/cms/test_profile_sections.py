"""The profile's sections as people know them from Credit China: 行政许可, 行政处罚,
守信激励, 失信惩戒, then the rest; anchored links that need no JavaScript."""

import re

import pytest

from cms.profiles import sections_of
from portal.catalog.models import CatalogItem
from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, make_record

pytestmark = pytest.mark.django_db


def section_of(body: str, key: str) -> str:
    match = re.search(
        rf'<section class="profile-section" id="section-{key}".*?</section>\s*(?=<section class="profile-section"|</div>)',
        body,
        re.S,
    )
    assert match, key
    return match.group(0)


def test_records_fall_into_the_four_sections_then_the_rest(client, home):
    subject = OrganisationFactory(name="惠州市栏目测试有限公司")
    make_record(subject)  # 行政处罚
    make_record(subject, item_code="ADM_LICENSE", data={"decision_name": "食品经营许可"})
    make_record(subject, item_code="TAX_A_GRADE", department_code="TAX", data={})
    make_record(subject, item_code="COURT_DISHONEST", department_code="COURT", data={})
    make_record(subject, item_code="TAX_ARREARS", department_code="TAX", data={})
    body = page_text(client.get(f"/subjects/{subject.code}/"))

    tabs = re.findall(r'<a href="#section-([a-z]+)">([^<]+)<span class="count">(\d+)</span>', body)
    assert [(key, title.strip(), int(n)) for key, title, n in tabs] == [
        ("licences", "行政许可", 1),
        ("penalties", "行政处罚", 1),
        ("incentives", "守信激励", 1),
        ("punishments", "失信惩戒", 1),
        ("other", "其他信息", 1),
    ]
    assert 'id="item-ADM_LICENSE"' in section_of(body, "licences")
    assert 'id="item-ADM_PENALTY"' in section_of(body, "penalties")
    assert 'id="item-TAX_A_GRADE"' in section_of(body, "incentives")
    assert 'id="item-COURT_DISHONEST"' in section_of(body, "punishments")
    assert 'id="item-TAX_ARREARS"' in section_of(body, "other")


def test_empty_sections_still_show_and_say_so(client, home):
    subject = OrganisationFactory()
    make_record(subject, item_code="ADM_LICENSE", data={"decision_name": "食品经营许可"})
    body = page_text(client.get(f"/subjects/{subject.code}/"))
    assert 'href="#section-punishments">失信惩戒 <span class="count">0</span>' in body
    assert "暂无失信惩戒信息。" in section_of(body, "punishments")
    assert 'id="section-other"' not in body  # the rest only when it has records


def test_sections_follow_the_catalog_attributes_not_item_codes(home):
    from cms.profiles import ItemGroup

    item = CatalogItem.objects.get(code="TAX_ARREARS")
    item.list_type = "black"  # an operator lists tax arrears as a black list
    assert [s.key for s in sections_of([ItemGroup(item, 1, [])]) if s.groups] == ["punishments"]
    item.list_type, item.category = "", "penalty"
    assert [s.key for s in sections_of([ItemGroup(item, 1, [])]) if s.groups] == ["penalties"]


def test_sections_in_english(client, home):
    subject = OrganisationFactory()
    make_record(subject, item_code="COURT_DISHONEST", department_code="COURT", data={})
    body = page_text(client.get(f"/en/subjects/{subject.code}/"))
    assert "Penalties for dishonesty" in body and "Administrative licence" in body
