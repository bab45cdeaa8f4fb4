"""The staff journeys walked again in a real browser, each page looked at at desktop and
phone width in Chinese and in English (screenshots test-artifacts/staff-*.png): a clerk
(workspace, template upload, findings and the marked error report, commit, single-record
entry, revocation, tokens), an operator (cases: accept, forward, recall after the deadline,
correct with the typed form, refuse with confirmation; the admin dashboard, batches and the
audit trail) and a reviewer (screening list, lookup by code, feedback)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from exchange.models import Batch, BatchStatus
from portal.accounts import roles
from portal.catalog.models import CatalogItem
from portal.measures.exports import list_template_xlsx
from portal.records.models import CreditRecord
from tests.browser.staff_walk import Walk
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    catalog_item,
    department,
    make_record,
)
from tests.objections.helpers import file_objection

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


def choices_of(code: str) -> tuple[str, ...]:
    """The values a catalog item's fields offer: data of the national standard, in Chinese."""
    return tuple(
        c for f in catalog_item(code).fields.all() for c in f.choices.splitlines() if c.strip()
    )


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
    data = (
        *choices_of("ADM_PENALTY"),
        "张敏",
        "惠市监罚",
        "惠府行复",
        "执法办案系统",
        "2024年5月1日",  # a way of writing a date the file may use
        "撤销 or 移出",  # what to write in a file's column
        "国民经济行业分类",  # a field's help, kept by the catalog in Chinese only
    )
    walk = Walk(page, base, artifacts, data=data)

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


def case_form(page, action: str):
    """The form of one step on the case page (its hidden `action`)."""
    return page.locator("form").filter(has=page.locator(f"input[name=action][value={action}]"))


def test_an_operator_walks_cases_and_the_admin(page, live_server, artifacts):
    site_as_installed()
    operator = UserFactory(
        username="op", role=roles.OPERATORS, is_superuser=False, first_name="", last_name="陈静"
    )
    record = make_record(department_code="MARKET")
    decided, _secret = file_objection(record)
    refused, _secret = file_objection(make_record(department_code="MARKET"))
    load(penalty_csv([penalty_row()]))  # a batch for the batches view
    base = live_server.url
    logged_in(page, base, operator)
    data = (
        *choices_of("ADM_PENALTY"),
        "陈静",
        "李四",
        "惠市监罚",
        "虚假宣传",
        "罚款金额",  # what the applicant and the operator wrote
        "请核对",
        "部门逾期",
        "申请材料不全",
        "联合征信平台",  # WAGTAIL_SITE_NAME, a setting
        "首页",  # the root page's title
        *(f"{item.name} ({item.code})" for item in CatalogItem.objects.all()),  # admin filters
    )
    walk = Walk(page, base, artifacts, user=operator, data=data)

    page.goto(base + "/admin/")
    walk.look("operator-01-dashboard")
    page.goto(base + "/staff/cases/")
    walk.look("operator-02-cases")

    # Accepted, forwarded, left unanswered past the deadline, recalled, corrected.
    page.get_by_role("link", name=decided.tracking_no).first.click()
    walk.look("operator-03-case")
    case_form(page, "accept").get_by_role("button").click()
    page.wait_for_load_state()
    assert "受理" in page.locator(".messages").inner_text()
    forward = case_form(page, "forward")
    forward.get_by_label("意见").fill("请核对罚款金额。")
    forward.get_by_role("button").click()
    page.wait_for_load_state()
    decided.refresh_from_db()
    assert decided.stage == "forwarded"
    type(decided).objects.filter(pk=decided.pk).update(
        due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    page.reload()
    walk.look("operator-04-overdue")
    recall = case_form(page, "recall")
    recall.get_by_label("意见").fill("部门逾期未答复，由平台核查决定。")
    recall.get_by_label("我确认执行").check()
    recall.get_by_role("button").click()
    page.wait_for_load_state()
    decided.refresh_from_db()
    assert decided.stage == "checking"
    walk.look("operator-05-recalled")
    correct = case_form(page, "correct")
    correct.locator("[name=field__fine_amount]").fill("1.2")
    correct.get_by_label("决定说明").fill("经核对决定书，罚款金额应为1.2万元，已更正。")
    correct.get_by_role("button").click()
    page.wait_for_load_state()
    decided.refresh_from_db()
    assert decided.stage == "decided"
    record.refresh_from_db()
    assert record.data["fine_amount"] == "1.2"
    walk.look("operator-06-corrected")

    # Refused, only once the box is ticked.
    page.goto(f"{base}/staff/cases/{refused.tracking_no}/")
    refuse = case_form(page, "refuse")
    refuse.get_by_label("意见").fill("申请材料不全，请补充决定书后重新提交。")
    walk.look("operator-07-refuse")
    refuse = case_form(page, "refuse")
    refuse.get_by_label("意见").fill("申请材料不全，请补充决定书后重新提交。")
    refuse.get_by_label("我确认执行").check()
    refuse.get_by_role("button").click()
    page.wait_for_load_state()
    refused.refresh_from_db()
    assert refused.stage == "refused"
    walk.look("operator-08-refused")

    page.goto(base + "/admin/snippets/exchange/batch/")
    walk.look("operator-09-batches")
    page.goto(base + "/admin/audit-trail/")
    walk.look("operator-10-audit")
    report(walk, "operator")


def test_a_reviewer_screens_a_list_and_looks_a_code_up(page, live_server, artifacts, tmp_path):
    site_as_installed()
    reviewer = UserFactory(username="rv", role=roles.REVIEWERS, first_name="", last_name="周岚")
    listed = OrganisationFactory(name="惠州市鼎盛建筑工程有限责任公司")
    make_record(
        listed,
        item_code="COURT_DISHONEST",
        department_code="COURT",
        severity="",
        data={"subject_name": listed.name, "dishonest_behaviour": "违反限制消费令"},
    )
    base = live_server.url
    logged_in(page, base, reviewer)
    data = (
        "周岚",
        "鼎盛",
        "供应商资格审查",
        "评优评先",  # the purposes typed
        "已取消其投标资格",
        "限制参加政府采购活动",  # a measure's name (the lookup keeps it as it was)
        "《",  # legal bases cite laws by their Chinese titles
        # The matcher's notes, kept in the language the lookup ran in.
        "未找到名称相近的主体",
        "名称完全相同",
        "规范化后名称相同",
        "“名称”",  # a column the file must have
    )
    walk = Walk(page, base, artifacts, data=data)

    page.goto(base + "/review/")
    walk.look("reviewer-01-lookup")
    book = load_workbook(io.BytesIO(list_template_xlsx()))
    sheet = book.active
    for offset, row in enumerate(
        [
            [listed.name, "", listed.code],  # 名称, 主体类别, 代码
            ["鼎盛建筑工程有限公司（惠州）"],
            ["惠州市不存在商贸有限公司"],
        ]
    ):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=4 + offset, column=column, value=value)
    screening = tmp_path / "list.xlsx"
    book.save(screening)
    page.get_by_label("应用场景").select_option(index=1)
    page.get_by_label("查询事由").fill("供应商资格审查")
    page.get_by_label("或上传名单").set_input_files(str(screening))
    page.get_by_role("button", name="开始核查").click()
    page.wait_for_url("**/review/lookups/*/")
    walk.look("reviewer-02-results")

    page.goto(base + "/review/")
    page.get_by_label("应用场景").select_option(index=1)
    page.get_by_label("查询事由").fill("评优评先")
    page.get_by_label("名称或代码").fill(listed.code)
    page.get_by_role("button", name="开始核查").click()
    page.wait_for_url("**/review/lookups/*/")
    walk.look("reviewer-03-code")
    page.get_by_text("记录反馈").first.click()
    feedback = page.locator("form").filter(has=page.locator("[name=outcome]")).first
    feedback.get_by_label("原因或采取的措施").fill("已取消其投标资格。")
    feedback.get_by_role("button", name="保存反馈").click()
    page.wait_for_load_state()
    assert "已取消其投标资格" in page.locator("main").inner_text()
    walk.look("reviewer-04-feedback")
    report(walk, "reviewer")
