"""A department clerk in a real browser, at desktop and phone width: log in, download the
template, upload a file with a bad date and an identity code Excel turned into a number,
read the row errors, download the error report (bad cells marked), fix it and upload it
again, commit with confirmation (including a code registered under another name); and an
operator opening the admin dashboard and an objection case."""

import pytest
from django.test import Client
from openpyxl import load_workbook

from exchange.models import Batch, BatchStatus
from portal.accounts import roles
from portal.records.models import CreditRecord
from tests.exchange.conftest import penalty_row
from tests.factories import OrganisationFactory, UserFactory, department, make_record
from tests.objections.helpers import file_objection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def width(request):
    return request.param


@pytest.fixture
def new_page(browser, width):
    contexts = []

    def make(cookies=()):
        w, h = WIDTHS[width]
        context = browser.new_context(viewport={"width": w, "height": h}, accept_downloads=True)
        contexts.append(context)
        if cookies:
            context.add_cookies(list(cookies))
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def no_sideways_scroll(page) -> None:
    """Nothing on the page is wider than the window (a phone would scroll sideways)."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the window"


def fill_template(path, rows: list[dict]) -> None:
    """Rows typed into the downloaded template below its example row."""
    book = load_workbook(path)
    sheet = book["数据"]
    labels = {cell.value: cell.column for cell in sheet[1]}
    from tests.factories import catalog_item

    by_key = {f.key: f.label for f in catalog_item("ADM_PENALTY").fields.all()}
    for offset, row in enumerate(rows):
        for key, value in row.items():
            sheet.cell(row=3 + offset, column=labels[by_key[key]], value=value)
    book.save(path)


def test_a_clerk_fixes_a_file_and_commits_it(new_page, live_server, artifacts, width, tmp_path):
    clerk = UserFactory(username="clerk", role=roles.DEPARTMENT_OFFICERS)
    clerk.department = department("MARKET")
    clerk.save()
    renamed = OrganisationFactory(name="惠州市华兴建筑有限公司")
    base = live_server.url
    shot = f"clerk-{width}"

    page = new_page()
    page.goto(base + "/workspace/login/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(PASSWORD)
    page.screenshot(path=artifacts / f"{shot}-01-login.png", full_page=True)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workspace/batches/")

    # The template.
    page.get_by_role("link", name="导入模板", exact=True).click()
    no_sideways_scroll(page)
    page.screenshot(path=artifacts / f"{shot}-02-templates.png", full_page=True)
    row = page.locator("tr", has_text="ADM_PENALTY")
    with page.expect_download() as download:
        row.get_by_role("link", name="XLSX").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.name.startswith("ADM_PENALTY_template_v")

    good = penalty_row(uscc=renamed.uscc, subject_name="惠州市绿源餐饮管理有限公司")
    bad_date = penalty_row(decision_date="2026-13-45")
    damaged = penalty_row()
    damaged_code = damaged["uscc"]
    damaged["uscc"] = 914413027000000000  # what Excel keeps of a code typed as a number
    fill_template(template, [good, bad_date, damaged])

    # The upload, with its row errors.

    page.goto(base + "/workspace/batches/new/")
    page.get_by_label("目录项").select_option("ADM_PENALTY")
    page.get_by_label("数据文件").set_input_files(str(template))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url("**/workspace/batches/*/")
    first = Batch.objects.latest("pk")
    assert (first.status, first.accepted, first.rejected) == (BatchStatus.VALIDATED, 1, 2)
    assert "校验已完成" in page.locator(".messages").inner_text()
    errors = page.locator("table.data-table", has_text="原因").inner_text()
    assert "设置单元格格式" in errors and "文本" in errors  # how to fix the damaged code
    assert "2026-13-45" in errors
    assert "惠州市绿源餐饮管理有限公司" in page.locator(".name-mismatches").inner_text()
    no_sideways_scroll(page)
    page.screenshot(path=artifacts / f"{shot}-03-row-errors.png", full_page=True)

    # The error report, its bad cells marked; fixed and uploaded again.
    with page.expect_download() as download:
        page.get_by_role("link", name="下载行错误报告（XLSX）").click()
    report = tmp_path / "report.xlsx"
    download.value.save_as(report)
    book = load_workbook(report)
    sheet = book.active
    header = {cell.value: cell.column for cell in sheet[1]}
    marked = [cell.coordinate for row in sheet.iter_rows(min_row=2) for cell in row if cell.comment]
    assert len(marked) == 2
    for cell in sheet.iter_rows(min_row=2):
        for c in cell:
            if c.comment is not None and "文本" in c.comment.text:
                assert c.number_format == "@"
                c.value = damaged_code
            elif c.comment is not None:
                c.value = "2026-03-15"
    sheet.delete_cols(header["错误说明"])
    book.save(report)
    page.goto(base + "/workspace/batches/new/")
    page.get_by_label("目录项").select_option("ADM_PENALTY")
    page.get_by_label("数据文件").set_input_files(str(report))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url("**/workspace/batches/*/")
    fixed = Batch.objects.latest("pk")
    assert (fixed.accepted, fixed.rejected) == (2, 0)
    page.get_by_label("我已核对校验结果").check()
    page.screenshot(path=artifacts / f"{shot}-04-commit.png", full_page=True)
    page.get_by_role("button", name="入库通过校验的 2 行").click()
    page.wait_for_load_state()
    fixed.refresh_from_db()
    assert fixed.status == BatchStatus.COMMITTED

    # The first batch's good row: its code is registered under another name.
    page.goto(f"{base}/workspace/batches/{first.pk}/")
    page.get_by_label("我已核对校验结果").check()
    page.get_by_role("button", name="入库通过校验的 1 行").click()
    first.refresh_from_db()
    assert first.status == BatchStatus.VALIDATED  # the browser refuses without the second box
    page.get_by_label("主体代码无误").check()
    page.screenshot(path=artifacts / f"{shot}-05-confirm-names.png", full_page=True)
    page.get_by_role("button", name="入库通过校验的 1 行").click()
    page.wait_for_load_state()
    first.refresh_from_db()
    assert first.status == BatchStatus.COMMITTED and first.names_confirmed
    assert CreditRecord.objects.filter(subject=renamed).count() == 1
    assert CreditRecord.objects.count() == 3
    no_sideways_scroll(page)
    page.screenshot(path=artifacts / f"{shot}-06-committed.png", full_page=True)


def test_an_operator_opens_the_dashboard_and_a_case(new_page, live_server, artifacts, width):
    operator = UserFactory(username="op", role=roles.OPERATORS, is_superuser=False)
    case, _secret = file_objection(make_record(department_code="MARKET"))
    client = Client()
    client.force_login(operator)
    page = new_page(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    shot = f"operator-{width}"
    response = page.goto(live_server.url + "/admin/")
    assert response.status == 200
    # What waits for the operator, with links: here the one open objection.
    todo = page.locator("#operator-todo-section")
    assert "待办理的异议与信用修复" in todo.inner_text()
    assert todo.locator("tr.operator-todo").first.locator("td").nth(1).inner_text() == "1"
    page.screenshot(path=artifacts / f"{shot}-01-dashboard.png", full_page=True)

    todo.get_by_role("link", name="待办理的异议与信用修复").click()
    page.wait_for_url("**/staff/cases/")
    assert case.tracking_no in page.locator("main").inner_text()
    no_sideways_scroll(page)
    page.screenshot(path=artifacts / f"{shot}-02-cases.png", full_page=True)
    page.get_by_role("link", name=case.tracking_no).first.click()
    page.wait_for_url(f"**/staff/cases/{case.tracking_no}/")
    assert "罚款金额与决定书不一致" in page.locator("main").inner_text()
    no_sideways_scroll(page)
    page.screenshot(path=artifacts / f"{shot}-03-case.png", full_page=True)
