"""The public 信用统计 page (both languages, aggregates only) and the operators' admin page."""

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from portal.accounts import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_public_page_shows_aggregates_and_hides_small_groups(client, data_set):
    response = client.get("/statistics/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>信用统计</h1>" in body
    assert 'id="table-public-records-by-department"' in body
    # MARKET's 7 subjects are shown; ENV (5) joins TAX (1) in 其他 so TAX cannot be derived.
    table = body.split('id="table-public-records-by-department"')[1].split("</table>")[0]
    assert "市场监督管理局" in table
    assert "税务局" not in table and "生态环境局" not in table
    assert ">其他<" in table
    # One person: kinds are not shown apart, and no person's details at all.
    kinds = body.split('id="table-public-records-by-subject-kind"')[1].split("</table>")[0]
    assert "自然人" not in kinds
    assert "李四" not in body and "4413" not in body
    # One red-list entry: shown as "<5", never as 1.
    assert "&lt;5" in body
    # Charts get their figures from a JSON block and a self-hosted script, never inline code.
    assert '<script id="statistics-charts" type="application/json">' in body
    assert "/static/vendor/echarts/echarts.min.js" in body
    assert "/static/js/charts.js" in body
    assert "Cache-Control" in response.headers and "public" in response.headers["Cache-Control"]


def test_public_page_in_english(client, data_set):
    response = client.get("/en/statistics/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Statistics</h1>" in body
    assert "Published credit records" in body
    assert ">Other<" in body
    assert "Market Regulation Administration" in body
    assert "C Manufacturing" in body


def test_public_page_before_any_refresh(client, db):
    response = client.get("/statistics/")
    assert response.status_code == 200
    assert "暂无数据" in response.content.decode()


def test_the_public_nav_links_the_page(client, db):
    call_command("setup_site", stdout=io.StringIO())
    body = client.get("/").content.decode()
    assert 'href="/statistics/"' in body
    assert 'href="/en/statistics/"' in client.get("/en/").content.decode()


def test_operators_see_every_figure_and_export_it(client, data_set, operator):
    client.force_login(operator)
    response = client.get("/admin/statistics/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="table-records-by-department"' in body
    # Operators see small groups too: TAX's single record.
    table = body.split('id="table-records-by-department"')[1].split("</table>")[0]
    assert "税务局" in table
    assert 'id="chart-records-by-district"' in body

    xlsx = client.get("/admin/statistics/?export=xlsx")
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content))
    summary = workbook[workbook.sheetnames[0]]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=3, values_only=True)}
    assert values["信用记录"] == 14
    assert values["涉及主体"] == 13
    assert values["黑名单移出"] == 1

    exported = client.get("/admin/statistics/?export=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert ["信用记录", "14"] in rows


def test_other_staff_may_not_see_the_operators_page(client, data_set):
    reviewer = UserFactory(username="reviewer1", role=roles.REVIEWERS)
    client.force_login(reviewer)
    response = client.get("/admin/statistics/")
    assert response.status_code in (302, 403)
    assert "records-by-department" not in response.content.decode()
