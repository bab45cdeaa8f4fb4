"""The staff journeys walked again in a real browser, each page looked at at desktop and
phone width in Chinese and in English (screenshots test-artifacts/staff-*.png): a clerk
(workspace, template upload, findings and the marked error report, commit, single-record
entry, revocation, tokens), an operator (cases: accept, forward, recall after the deadline,
correct with the typed form, refuse with confirmation; the admin dashboard, batches and the
audit trail) and a reviewer (screening list, lookup by code, feedback)."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from exchange.models import Batch, BatchStatus
from portal.accounts import roles
from portal.records.models import CreditRecord
from tests.browser.staff_walk import Walk
from tests.exchange.conftest import penalty_row
from tests.factories import UserFactory, catalog_item, department, make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    yield context.new_page()
    context.close()


def logged_in(page, base, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def fill_template(path, rows: list[dict]) -> None:
    """Rows typed into the downloaded template below its example row."""
    book = load_workbook(path)
    sheet = book["数据"]
    labels = {cell.value: cell.column for cell in sheet[1]}
    by_key = {f.key: f.label for f in catalog_item("ADM_PENALTY").fields.all()}
    for offset, row in enumerate(rows):
        for key, value in row.items():
            sheet.cell(row=3 + offset, column=labels[by_key[key]], value=value)
    book.save(path)


def site_as_installed() -> None:
    """The public site's pages and settings as `make setup` leaves them (a live-server test
    before this one may have flushed them): the staff pages share its footer."""
    call_command("setup_site", stdout=io.StringIO())


def report(walk: Walk, name: str) -> None:
    """What the walk noticed, kept next to the screenshots; nothing is the answer."""
    (walk.artifacts / f"staff-{name}-noticed.txt").write_text("\n".join(walk.noticed))
    assert not walk.noticed, "\n".join(walk.noticed)


def test_a_clerk_walks_the_workspace(page, live_server, artifacts, tmp_path):
    clerk = UserFactory(
        username="clerk", role=roles.DEPARTMENT_OFFICERS, first_name="", last_name="张敏"
    )
    clerk.department = department("MARKET")
    clerk.save()
    base = live_server.url
    site_as_installed()
    walk = Walk(page, base, artifacts)

    page.goto(base + "/workspace/login/")
    walk.look("clerk-01-login")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workspace/batches/")
    walk.look("clerk-02-home")

    page.get_by_role("link", name="导入模板", exact=True).click()
    walk.look("clerk-03-templates")
    with page.expect_download() as download:
        page.locator("tr", has_text="ADM_PENALTY").get_by_role("link", name="XLSX").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    good, bad = penalty_row(), penalty_row(decision_date="2026-13-45")
    fill_template(template, [good, bad])

    page.goto(base + "/workspace/batches/new/")
    walk.look("clerk-04-upload")
    page.get_by_label("目录项").select_option("ADM_PENALTY")
    page.get_by_label("数据文件").set_input_files(str(template))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url("**/workspace/batches/*/")
    batch = Batch.objects.latest("pk")
    assert (batch.status, batch.accepted, batch.rejected) == (BatchStatus.VALIDATED, 1, 1)
    walk.look("clerk-05-findings")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载行错误报告（XLSX）").click()
    marked = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert [c.coordinate for row in marked.iter_rows(min_row=2) for c in row if c.comment]

    # A second tab still shows the commit button when the first has committed.
    stale = page.context.new_page()
    stale.goto(page.url)
    page.get_by_label("我已核对校验结果").check()
    page.get_by_role("button", name="入库通过校验的 1 行").click()
    page.wait_for_load_state()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    walk.look("clerk-06-committed")
    stale.get_by_label("我已核对校验结果").check()
    stale.get_by_role("button", name="入库通过校验的 1 行").click()
    stale.wait_for_load_state()
    said = stale.locator(".messages").inner_text()
    assert "本次未重复入库" in said and "已开始入库" not in said
    stale.screenshot(path=artifacts / "staff-clerk-07-committed-again.png", full_page=True)
    stale.close()

    # One record typed in.
    page.goto(base + "/workspace/records/new/?item=ADM_PENALTY")
    walk.look("clerk-08-enter")
    entered = penalty_row()
    form = page.locator("form[method=post]").filter(has=page.locator("[name=step][value=enter]"))
    for key, value in entered.items():
        field = form.locator(f"[name={key}]")
        if field.count() == 0:
            continue
        tag = field.first.evaluate("e => e.tagName + (e.type || '')")
        if tag.startswith("SELECT"):
            field.select_option(value)
        elif tag == "INPUTcheckbox":
            for choice in value.split("、"):
                form.locator(f"[name={key}][value='{choice}']").check()
        else:
            field.fill(value)
    form.get_by_role("button", name="校验并入库").click()
    page.wait_for_url("**/workspace/batches/*/")
    assert CreditRecord.objects.filter(decision_no=entered["decision_no"]).exists()

    # The revocation of that record.
    page.goto(base + "/workspace/records/withdraw/")
    page.get_by_label("决定文书号").fill(entered["decision_no"])
    page.get_by_role("button", name="查找本部门的记录").click()
    walk.look("clerk-09-withdraw")  # a second search when it reloads, nothing more
    found = page.locator("section.record-to-withdraw")
    found.get_by_label("撤销（决定已被撤销）").check()
    found.get_by_label("撤销或移出依据").fill("惠州市人民政府行政复议决定撤销原处罚决定")
    found.get_by_label("撤销或移出文书号").fill("惠府行复〔2026〕31号")
    found.get_by_label("我已核对").check()
    found.get_by_role("button", name="确认撤下公示").click()
    page.wait_for_load_state()
    walk.look("clerk-10-withdrawn")

    # Tokens: one made, then revoked after the confirmation box.
    page.goto(base + "/workspace/tokens/")
    page.get_by_label("用途说明").fill("执法办案系统")
    page.get_by_role("button", name="创建令牌").click()
    page.wait_for_load_state()
    # Not reloaded: that would make a second token.
    page.screenshot(path=artifacts / "staff-clerk-11-token-made.png", full_page=True)
    page.goto(base + "/workspace/tokens/")
    walk.look("clerk-11-tokens")
    page.get_by_label("确认吊销").check()
    page.get_by_role("button", name="吊销").click()
    page.wait_for_load_state()
    assert "令牌已吊销" in page.locator(".messages").inner_text()
    walk.look("clerk-12-token-revoked")
    report(walk, "clerk")
