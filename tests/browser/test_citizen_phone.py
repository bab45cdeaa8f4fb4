"""A citizen on a 390 px phone without JavaScript, in Chinese and English: no page
scrolls sideways, the menu folds behind a button, filters fold, targets are at least
24×24 CSS px; on a wide screen the report period shows only for the specialised report."""

import io

import pytest
from django.core.management import call_command

from tests.factories import OrganisationFactory, make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPANY = "惠州市云帆湾智能装备制造有限公司"

# Visible interactive targets that are not inline in a sentence, smaller than 24×24.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'li a, input[type=radio], input[type=checkbox], button, summary, td a, th a'
  )].filter(e => e.offsetParent !== null && !e.closest('.visually-hidden, .skip-link'))
   .map(e => [e, e.getBoundingClientRect()])
   .filter(([e, r]) => r.width > 0 && (r.width < 24 || r.height < 24))
   .map(([e, r]) => `${e.tagName} ${(e.textContent || e.id).trim().slice(0, 20)} ${r.width}x${r.height}`)"""


@pytest.fixture
def public_site(live_server):
    call_command("setup_site", stdout=io.StringIO())
    company = OrganisationFactory(name=COMPANY, district="441302")
    penalty = make_record(company)
    make_record(company, item_code="ADM_LICENSE", data={"decision_name": "食品经营许可决定书"})
    make_record(company, item_code="TAX_A_GRADE", department_code="TAX", data={})
    call_command("search_index", rebuild=True, stdout=io.StringIO())
    return {"base": live_server.url, "company": company, "penalty": penalty}


def phone(browser, **options):
    return browser.new_context(
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
        is_mobile=True,
        device_scale_factor=2,
        **options,
    )


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_phone_pages_fit_the_screen_and_the_menu_folds(browser, public_site, artifacts, language):
    base, company, penalty = public_site["base"], public_site["company"], public_site["penalty"]
    prefix = "/en" if language == "en" else ""
    menu_name, penalties = ("Menu", "Penalties") if language == "en" else ("菜单", "行政处罚")
    context = phone(browser)
    page = context.new_page()
    pages = {
        "home": f"{prefix}/",
        "search": f"{prefix}/search/?q=云帆湾",
        "list": f"{prefix}/penalties/",
        "profile": f"{prefix}/subjects/{company.code}/",
        "record": f"{prefix}/records/{penalty.pk}/",
    }
    for name, path in pages.items():
        page.goto(base + path)
        assert fits(page), f"{path} scrolls sideways at 390 px"
        assert page.evaluate(SMALL_TARGETS) == [], path
        page.screenshot(path=artifacts / f"phone-{language}-{name}.png", full_page=True)

    page.goto(base + pages["home"])
    menu = page.locator("summary.nav-button")
    assert menu.is_visible() and menu.inner_text().strip() == menu_name
    link = page.locator(".main-nav").get_by_role("link", name=penalties, exact=True)
    assert not link.is_visible(), "the menu is folded until the button is pressed"
    menu.click()
    assert link.is_visible()
    assert fits(page)
    page.screenshot(path=artifacts / f"phone-{language}-menu-open.png", full_page=True)
    link.click()
    page.wait_for_url(f"**{pages['list']}")

    # Filters fold: the results come first, the filters open on demand.
    filters = page.locator(".filters-fold")
    assert filters.get_attribute("open") is None
    assert not page.locator("#id_department").is_visible()
    page.locator(".filters-fold > summary").click()
    assert page.locator("#id_department").is_visible()
    page.locator("#id_department").select_option("MARKET")
    page.locator(".filters form button[type=submit], .filters button[type=submit]").first.click()
    assert "department=MARKET" in page.url
    assert page.locator(".filters-fold").get_attribute("open") is not None  # stays open
    context.close()


def test_wide_screen_shows_menu_and_filters_open(browser, public_site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(public_site["base"] + "/penalties/")
    assert not page.locator("summary.nav-button").is_visible()
    assert page.locator(".main-nav").get_by_role("link", name="黑名单").is_visible()
    assert page.locator("#id_department").is_visible()
    page.close()


def test_report_period_only_for_the_specialised_report(browser, public_site, artifacts):
    company = public_site["company"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{public_site['base']}/subjects/{company.code}/")
    period = page.locator("#report-years")
    assert page.locator("#kind-standard").is_checked()
    assert not period.is_visible()
    page.locator("#kind-special").check()
    assert period.is_visible()
    assert "仅用于专项信用报告" in page.locator(".report-period").inner_text()
    page.screenshot(path=artifacts / "profile-report-specialised.png", full_page=True)
    page.close()
