"""The public site in English under /en/: chrome, editors' pages and data labels.

Chinese left on an English page is allowed only where it is data a department
submitted (subject names, decision numbers, free text) or a name of the
language itself.
"""

import datetime as dt
import re
from html import escape
from html.parser import HTMLParser

import pytest

from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, make_record

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]+")


class _Text(HTMLParser):
    """The visible text of a page and the <title>, without scripts and styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "alt", "title") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def chinese_left(body: str, allowed=()) -> list[str]:
    parser = _Text()
    parser.feed(body)
    text = " ".join(parser.parts)
    # Longest first: a fragment inside a longer one must not break it up.
    for fragment in sorted(
        ["简体中文", "粤ICP备00000000号（演示）", *allowed], key=len, reverse=True
    ):
        text = text.replace(fragment, " ")
    return CJK.findall(text)


def test_every_public_page_is_english_under_en(client, site):
    company = OrganisationFactory(name="惠州市英文测试科技有限公司", district="441302")
    record = make_record(company)
    from cms.models import PolicyPage

    data = [company.name, record.decision_no, "虚假宣传", "罚款", "罚款1.5万元"]
    # Official document numbers (国发〔2016〕33号) are identifiers, never translated.
    data += [p.document_number for p in PolicyPage.objects.exclude(document_number="")]
    left = {}
    for path in [
        "/en/",
        "/en/penalties/",
        "/en/licences/",
        "/en/black-list/",
        "/en/news/",
        "/en/news/platform-launch/",
        "/en/policies/",
        "/en/policies/huizhou-disclosure-rules/",
        "/en/about/",
        f"/en/subjects/{company.code}/",
        f"/en/records/{record.pk}/",
        "/en/search/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        body = page_text(response)
        assert '<html lang="en">' in body, path
        left[path] = chinese_left(body, data)
    assert {path: text for path, text in left.items() if text} == {}


def test_english_home_has_english_intro_search_label_cards_and_footer(client, site):
    body = page_text(client.get("/en/"))
    assert "<title>Joint Credit Portal · Credit Huizhou</title>" in body
    assert "Enter a company name, unified social credit code or decision number" in body
    assert "One database, one network, two platforms" in body
    assert 'href="/en/penalties/">Administrative penalties</a>' in body  # a featured card
    assert "Shown for a period set by the severity" in body
    assert "Huizhou Social Credit System Leading Group Office" in body  # footer organiser
    assert 'href="/en/about/">About</a>' in body  # footer link to the English page


def test_department_category_and_district_drop_downs_are_english(client, site):
    body = page_text(client.get("/en/penalties/"))
    assert ">Market Regulation Administration</option>" in body
    assert ">Huicheng District</option>" in body
    assert ">Dishonest judgment debtor</option>" in page_text(client.get("/en/black-list/"))
    chinese = page_text(client.get("/penalties/"))
    assert ">惠城区</option>" in chinese and ">市场监督管理局" not in chinese
    assert ">失信被执行人</option>" in page_text(client.get("/black-list/"))


def test_department_names_are_english_in_lists_and_case_pages(client, site):
    from portal.departments.models import Department

    market = Department.objects.get(code="MARKET")
    record = make_record(
        OrganisationFactory(), item_code="COURT_DISHONEST", department_code="COURT"
    )
    court = Department.objects.get(code="COURT")
    black = page_text(client.get("/en/black-list/"))
    assert escape(court.name_en) in black and court.name not in black
    penalty = make_record(OrganisationFactory())
    penalties = page_text(client.get("/en/penalties/"))
    assert market.name_en in penalties
    case_page = page_text(client.get(f"/en/objections/new/?record={penalty.pk}"))
    assert market.name_en in case_page and market.name not in case_page
    assert record.catalog_item.name_en in black


def test_policy_page_shows_its_summary_once_and_the_full_text_or_source(client, site):
    national = page_text(client.get("/policies/guofa-2016-33/"))
    summary = "建立完善守信联合激励和失信联合惩戒制度的总体要求和主要措施。"
    assert national.count(summary) == 1
    # Only confirmed addresses are linked: the State Council's site, and on the page where
    # on it the document is; the NDRC's list of its orders.
    assert 'href="https://www.gov.cn/"' in national
    assert "发布机关网站：www.gov.cn" in national and "国务院政策文件库" in national
    order = page_text(client.get("/en/policies/ndrc-order-58/"))
    assert 'href="https://www.ndrc.gov.cn/xxgk/zcfb/fzggwl/"' in order
    assert "The issuing authority's website: www.ndrc.gov.cn" in order
    assert "NDRC Order No. 58 of 2023" in order
    municipal = page_text(client.get("/policies/huizhou-disclosure-rules/"))
    assert "第五条" in municipal  # the demo rules in full
    english = page_text(client.get("/en/policies/huizhou-disclosure-rules/"))
    assert "Article 5 Credit repair" in english


def test_policy_needs_full_text_or_a_source_link(site):
    from django.core.exceptions import ValidationError

    from cms.models import PolicyPage

    policy = PolicyPage.objects.get(slug="guofa-2016-33", locale__language_code="zh-hans")
    policy.source_url = ""
    policy.full_clean()  # the page says where the text is published
    policy.body = ""
    with pytest.raises(ValidationError):
        policy.full_clean()


def test_setup_replaces_unconfirmed_policy_links_of_earlier_sites(site):
    import io

    from django.core.management import call_command

    from cms.models import PolicyPage

    old = "https://www.gov.cn/zhengce/content/2016-06/12/content_5081222.htm"
    for page in PolicyPage.objects.filter(slug="guofa-2016-33"):
        draft = page.get_latest_revision_as_object()
        draft.source_url, draft.body = old, ""
        draft.save_revision().publish()
    order = PolicyPage.objects.get(slug="ndrc-order-58", locale__language_code="zh-hans")
    order.effective_on = dt.date(2023, 3, 1)
    order.save_revision().publish()
    edited = PolicyPage.objects.get(slug="guobanfa-2020-49", locale__language_code="zh-hans")
    edited.source_url = "https://www.gov.cn/zhengce/edited-by-an-editor.htm"
    edited.save_revision().publish()

    call_command("setup_site", stdout=io.StringIO())

    for page in PolicyPage.objects.filter(slug="guofa-2016-33"):
        latest = page.get_latest_revision_as_object()
        assert (page.source_url, latest.source_url) == ("https://www.gov.cn/",) * 2
        assert "国发〔2016〕33号" in page.body_text()
    order.refresh_from_db()
    assert order.effective_on == dt.date(2023, 5, 1)  # the order's own preamble
    edited.refresh_from_db()
    assert edited.source_url == "https://www.gov.cn/zhengce/edited-by-an-editor.htm"
