"""In a real browser: the operators' dashboard and the assessment with its charts drawn by
the locally built ECharts, each beside the table that carries the same figures."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from portal.accounts import roles
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def operator_page(browser, live_server):
    call_command("install_duties", stdout=io.StringIO())
    client = Client()
    client.force_login(UserFactory(username="op", role=roles.OPERATORS))
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    yield context.new_page()
    context.close()


def test_dashboard_and_assessment_with_charts_and_tables(operator_page, live_server, artifacts):
    page = operator_page
    page.goto(live_server.url + "/admin/")
    overview = page.locator("#oversight-overview")
    assert overview.is_visible()
    assert "市场监督管理局" in overview.inner_text()  # every department misses its duties
    page.screenshot(path=str(artifacts / "assessment-dashboard.png"), full_page=True)

    page.goto(live_server.url + "/admin/assessment/?period=2026-11")
    chart = page.locator("#ranking-chart-canvas")
    chart.wait_for(state="visible")
    page.wait_for_selector("#ranking-chart-canvas[data-drawn=true] svg")
    assert chart.get_attribute("role") == "img"
    table = page.locator("#assessment-ranking")
    assert table.locator("tbody tr").count() == 10
    assert "90.0" in table.inner_text()
    page.screenshot(path=str(artifacts / "assessment-ranking.png"), full_page=True)

    page.locator("#assessment-ranking a").first.click()
    page.wait_for_selector("#dimension-chart-canvas[data-drawn=true] svg")
    assert page.locator("table.assessment-dimensions tbody tr").count() == 6
