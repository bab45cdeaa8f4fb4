"""Every public journey in English, at desktop (1280 px) and phone (390 px) widths: home,
search with facets, profile, record, lists, statistics, news, policy, about, the objection
and repair forms and the credit report (request and verification). No page scrolls
sideways, and no Chinese is left in what a reader sees except data: subject names, record
content, decision and document numbers, the language switch and the ICP number."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.statistics.refresh import refresh
from tests.factories import OrganisationFactory, make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]+")
COMPANY = "惠州市云帆湾智能装备制造有限公司"
CONTENT = ["虚假宣传", "罚款1.5万元", "罚款", "食品经营许可决定书"]
ALWAYS = ["简体中文", "粤ICP备00000000号（演示）"]

# What a reader sees: the rendered text, the title and the labels read out for controls.
VISIBLE_TEXT = """() => [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[aria-label], [placeholder], img[alt]')]
     .filter(e => e.offsetParent !== null)
     .map(e => e.getAttribute('aria-label') || e.getAttribute('placeholder') || e.alt)
].join('\\n')"""


@pytest.fixture
def english_site(live_server):
    from cms.models import PolicyPage
    from portal.records.models import CreditRecord

    call_command("setup_site", stdout=io.StringIO())
    today = timezone.localdate()
    company = OrganisationFactory(name=COMPANY, district="441302", industry="C35")
    penalty = make_record(company)
    make_record(company, item_code="ADM_LICENSE", data={"decision_name": CONTENT[-1]})
    make_record(company, item_code="TAX_A_GRADE", department_code="TAX", data={})
    # Enough subjects in two districts for the statistics to show their groups.
    others = []
    for n in range(10):
        other = OrganisationFactory(
            name=f"惠州市统计{n}电子有限公司",
            district="441302" if n < 5 else "441303",
            industry="C39" if n < 5 else "F52",
        )
        record = make_record(other, decision_date=today - dt.timedelta(days=20 + n * 10))
        others.append((other, record))
    refresh(trigger="test")
    call_command("search_index", rebuild=True, stdout=io.StringIO())
    data = [COMPANY, *CONTENT, *ALWAYS, *(o.name for o, _r in others)]
    data += list(CreditRecord.objects.values_list("decision_no", flat=True))
    data += [p.document_number for p in PolicyPage.objects.exclude(document_number="")]
    return {"base": live_server.url, "company": company, "penalty": penalty, "data": data}


def chinese_left(text: str, data) -> list[str]:
    """Chinese outside the data, each with the words around it (to say where it is)."""
    for fragment in sorted(data, key=len, reverse=True):
        text = text.replace(fragment, " ")
    return [
        " ".join(text[max(m.start() - 30, 0) : m.end() + 30].split()) for m in CJK.finditer(text)
    ]


@pytest.mark.parametrize("width", [1280, 390])
def test_every_public_journey_in_english(browser, english_site, artifacts, width):
    base, company, penalty = (english_site[k] for k in ("base", "company", "penalty"))
    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 400 else 844},
        is_mobile=width < 400,
        device_scale_factor=1 if width > 400 else 2,
        accept_downloads=True,
    )
    page = context.new_page()
    pages = {
        "home": "/en/",
        "search": "/en/search/?kind=enterprise",
        "profile": f"/en/subjects/{company.code}/",
        "record": f"/en/records/{penalty.pk}/",
        "penalties": "/en/penalties/",
        "licences": "/en/licences/",
        "black-list": "/en/black-list/",
        "statistics": "/en/statistics/",
        "news": "/en/news/",
        "news-article": "/en/news/platform-launch/",
        "policies": "/en/policies/",
        "policy": "/en/policies/guofa-2016-33/",
        "about": "/en/about/",
        "objection": f"/en/objections/new/?record={penalty.pk}",
        "repair": f"/en/repair/new/?record={penalty.pk}",
        "report-verify": "/en/reports/verify/",
    }
    left, sideways = {}, []
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == "en", path
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            sideways.append(path)
        text = page.evaluate(VISIBLE_TEXT)
        if found := chinese_left(text, english_site["data"]):
            left[path] = found
        page.screenshot(path=artifacts / f"en-{width}-{name}.png", full_page=True)
    assert sideways == [], f"scroll sideways at {width} px"
    assert left == {}

    # Search: the facets and the result cards name departments and districts in English.
    page.goto(base + pages["search"])
    facets = page.locator(".facets")
    if width < 400 and not facets.locator("a").first.is_visible():
        facets.locator("summary").first.click()
    assert "Market Regulation Administration" in facets.inner_text()
    assert "Huicheng District" in facets.inner_text()
    page.locator(".facets a", has_text="Tax Service").first.click()
    page.wait_for_url("**department=TAX**")
    assert "A-grade taxpayer" in page.locator(".hits").inner_text()

    # The credit report: the standard report is issued as a PDF from the English profile.
    page.goto(base + pages["profile"])
    with page.expect_download() as download:
        page.locator(".report-form button[type=submit]").click()
    assert download.value.suggested_filename.endswith(".pdf")
    context.close()
