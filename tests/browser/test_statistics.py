"""The public 信用统计 page in a browser: charts drawn by the self-hosted ECharts (a canvas),
each beside the table of its figures, no Content-Security-Policy violation; and the
operators' page in the Wagtail admin."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.accounts import roles
from portal.statistics.refresh import refresh
from tests.factories import OrganisationFactory, UserFactory, make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ECHARTS = (
    __import__("pathlib").Path(__file__).resolve().parents[2]
    / "portal/static/vendor/echarts/echarts.min.js"
)


@pytest.fixture
def statistics_site(live_server):
    if not ECHARTS.exists():
        pytest.skip("ECharts is not installed (make frontend)")
    call_command("setup_site", stdout=io.StringIO())
    today = timezone.localdate()
    # Two districts and two industries of five subjects each: every group may be shown.
    for n in range(10):
        company = OrganisationFactory(
            name=f"惠州市统计{n}电子有限公司",
            district="441302" if n < 5 else "441303",
            industry="C39" if n < 5 else "F52",
        )
        make_record(company, decision_date=today - dt.timedelta(days=20 + n * 10))
    refresh(trigger="test")
    return live_server.url


def _check_chart_beside_table(page, slug: str) -> None:
    chart = page.locator(f"#chart-{slug}")
    chart.locator("canvas").first.wait_for(state="attached", timeout=10_000)
    assert chart.get_attribute("data-drawn") == "true"
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["height"] > 200 and box["width"] > 200
    table = page.locator(f"#table-{slug}")
    assert table.is_visible()
    # The table carries the same figures for screen readers; the chart is hidden from them.
    assert chart.get_attribute("aria-hidden") == "true"
    assert table.locator("tbody tr").count() >= 1


def test_public_statistics_page_draws_charts_beside_tables(browser, statistics_site, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(statistics_site + "/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="信用统计").click()
    page.wait_for_url("**/statistics/")
    assert page.get_by_role("heading", level=1).inner_text() == "信用统计"
    _check_chart_beside_table(page, "public-records-by-month")
    _check_chart_beside_table(page, "public-records-by-district")
    table = page.locator("#table-public-records-by-district").inner_text()
    assert "惠城区\t5\t5" in table and "惠阳区\t5\t5" in table
    page.screenshot(path=artifacts / "statistics-public.png", full_page=True)

    page.goto(statistics_site + "/en/statistics/")
    assert page.get_by_role("heading", level=1).inner_text() == "Statistics"
    _check_chart_beside_table(page, "public-records-by-industry")
    page.screenshot(path=artifacts / "statistics-public-en.png", full_page=True)
    assert problems == []
    context.close()


def test_without_javascript_the_tables_remain(browser, statistics_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(statistics_site + "/statistics/")
    assert page.locator("#chart-public-records-by-month").is_hidden()
    assert page.locator("#table-public-records-by-month").is_visible()
    context.close()


def test_operators_statistics_page(browser, statistics_site, artifacts):
    UserFactory(username="statops", role=roles.OPERATORS)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(statistics_site + "/admin/login/")
    page.fill("input[name=username]", "statops")
    page.fill("input[name=password]", "correct-horse-battery-staple")
    page.locator("button[type=submit]").first.click()
    page.wait_for_url("**/admin/")
    page.goto(statistics_site + "/admin/statistics/")
    _check_chart_beside_table(page, "records-by-department")
    assert "市场监督管理局" in page.locator("#table-records-by-department").inner_text()
    page.screenshot(path=artifacts / "statistics-admin.png", full_page=True)
    context.close()
