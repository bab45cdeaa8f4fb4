"""A revocation in a real browser: one officer asks for it (in the workspace form, or in a row
of the department's own template uploaded and committed), a second officer of the same
department approves it, and the record's address answers 410 and the withdrawal feed
(JSON and Atom) lists it."""

import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from exchange.models import Batch, BatchStatus, PendingApproval
from portal.accounts.models import User
from portal.records.models import Withdrawal
from tests.factories import make_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def new_page(browser):
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page, base, username):
    page.goto(base + "/workspace/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workspace/batches/")


def test_a_revocation_through_a_second_officers_approval(new_page, live_server, artifacts):
    # The public site as `make setup` builds it: a live-server test before this one may
    # have flushed the pages the migrations made.
    call_command("setup_site", stdout=io.StringIO())
    # The demo accounts include two officers of one department.
    call_command("create_demo_accounts", stdout=io.StringIO())
    for username in ("market_officer", "market_officer_b"):
        user = User.objects.get(username=username)
        assert user.department.code == "MARKET" and user.is_department_officer
        user.set_password(PASSWORD)
        user.save()
    record = make_record(department_code="MARKET")
    base = live_server.url

    maker = new_page()
    log_in(maker, base, "market_officer")
    maker.get_by_role("link", name="撤销或移出").click()
    maker.get_by_label("决定文书号").fill(record.decision_no)
    maker.get_by_role("button", name="查找本部门的记录").click()
    found = maker.locator("section.record-to-withdraw")
    found.get_by_label("撤销（决定已被撤销）").check()
    found.get_by_label("撤销或移出依据").fill("惠州市人民政府行政复议决定撤销原处罚决定")
    found.get_by_label("撤销或移出文书号").fill("惠府行复〔2026〕31号")
    found.get_by_label("我已核对").check()
    maker.screenshot(path=artifacts / "approval-01-request.png", full_page=True)
    found.get_by_role("button", name="确认撤下公示").click()
    maker.wait_for_url("**/workspace/approvals/*/")
    assert "须本部门另一名数据专员批准" in maker.locator(".messages").inner_text()
    assert maker.locator("#approval-outcome").inner_text() == "待审批"
    # The maker is offered no way to approve it.
    assert maker.get_by_role("button", name="批准并执行").count() == 0
    approval_url = maker.url
    # Until approved the record stays public.
    assert maker.request.get(f"{base}/api/v1/records/{record.pk}").status == 200

    approver = new_page()
    log_in(approver, base, "market_officer_b")
    approver.get_by_role("link", name="双人审批").click()
    listing = approver.locator("#pending-approvals")
    assert record.decision_no in listing.inner_text()
    assert "market_officer" in listing.inner_text()
    approver.screenshot(path=artifacts / "approval-02-pending-list.png", full_page=True)
    listing.locator("tbody a").first.click()
    approver.wait_for_url(approval_url)
    assert "惠府行复〔2026〕31号" in approver.locator("#approval-facts").inner_text()
    approver.get_by_role("button", name="批准并执行").click()
    approver.wait_for_load_state()
    assert approver.locator("#approval-outcome").inner_text() == "已批准"
    approver.screenshot(path=artifacts / "approval-03-approved.png", full_page=True)

    # The record's public page now answers 410, saying when and why.
    response = approver.goto(f"{base}/records/{record.pk}/")
    assert response.status == 410
    assert "撤销" in approver.locator("main").inner_text()
    approver.screenshot(path=artifacts / "approval-04-record-410.png", full_page=True)

    feed = approver.goto(f"{base}/api/v1/withdrawals")
    entries = json.loads(feed.text())["entries"]
    assert [(e["record_id"], e["ground"]) for e in entries] == [(record.pk, "revocation")]


WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def no_sideways_scroll(page) -> None:
    """Nothing on the page is wider than the window (a phone would scroll sideways)."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the window"


def revocation_in_template(path, record) -> None:
    """The department's downloaded template with one 撤销 row below the example: what finds
    the record (subject name and code, decision number), the action and its grounds."""
    book = load_workbook(path)
    sheet = book["数据"]
    column = {cell.value: cell.column for cell in sheet[1]}
    cells = {
        "行政相对人名称": record.subject.name,
        "统一社会信用代码": record.subject.code,
        "行政处罚决定书文号": record.decision_no,
        "操作类型": "撤销",
        "撤销或移出依据": "惠州市人民政府行政复议决定撤销原处罚决定",
        "撤销或移出文书号": "惠府行复〔2026〕31号",
    }
    for label, value in cells.items():
        sheet.cell(row=3, column=column[label], value=value)
    book.save(path)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_revocation_uploaded_in_the_departments_file_then_approved(
    browser, live_server, artifacts, width, tmp_path
):
    call_command("setup_site", stdout=io.StringIO())
    call_command("create_demo_accounts", stdout=io.StringIO())
    for username in ("market_officer", "market_officer_b"):
        user = User.objects.get(username=username)
        user.set_password(PASSWORD)
        user.save()
    record = make_record(department_code="MARKET")
    base = live_server.url
    shot = f"approval-upload-{width}"
    w, h = WIDTHS[width]
    contexts = [
        browser.new_context(viewport={"width": w, "height": h}, accept_downloads=True)
        for _ in range(2)
    ]
    try:
        maker, approver = (context.new_page() for context in contexts)

        # Officer A downloads the department's template and sends the 撤销 row in it.
        log_in(maker, base, "market_officer")
        maker.goto(base + "/workspace/templates/")
        with maker.expect_download() as download:
            maker.locator("tr", has_text="ADM_PENALTY").get_by_role("link", name="XLSX").click()
        template = tmp_path / download.value.suggested_filename
        download.value.save_as(template)
        revocation_in_template(template, record)
        maker.goto(base + "/workspace/batches/new/")
        maker.get_by_label("目录项").select_option("ADM_PENALTY")
        maker.get_by_label("数据文件").set_input_files(str(template))
        maker.get_by_role("button", name="上传并校验").click()
        maker.wait_for_url("**/workspace/batches/*/")
        batch = Batch.objects.latest("pk")
        assert (batch.status, batch.accepted, batch.rejected) == (BatchStatus.VALIDATED, 1, 0)
        counts = maker.locator("dl.counts").inner_text()
        # Validation says the row will wait for a second officer; nothing is withdrawn yet.
        assert "撤销或移出待审批\n1" in counts
        no_sideways_scroll(maker)
        maker.screenshot(path=artifacts / f"{shot}-01-validated.png", full_page=True)

        # Committing turns the row into a request for a second officer: still public.
        maker.get_by_label("我已核对校验结果").check()
        maker.get_by_role("button", name="入库通过校验的 1 行").click()
        maker.wait_for_load_state()
        batch.refresh_from_db()
        assert (batch.status, batch.pending_count, batch.withdrawn_count) == (
            BatchStatus.COMMITTED,
            1,
            0,
        )
        requests = maker.locator("#row-approvals + p + table").inner_text()
        assert record.decision_no in requests and "待审批" in requests
        assert maker.request.get(f"{base}/api/v1/records/{record.pk}").status == 200
        no_sideways_scroll(maker)
        maker.screenshot(path=artifacts / f"{shot}-02-awaiting.png", full_page=True)
        approval = PendingApproval.objects.get(record=record)
        assert approval.maker.username == "market_officer"
        maker.goto(f"{base}/workspace/approvals/{approval.pk}/")
        assert maker.get_by_role("button", name="批准并执行").count() == 0

        # Officer B of the same department finds it in the workspace and approves it.
        log_in(approver, base, "market_officer_b")
        approver.get_by_role("link", name="双人审批").click()
        listing = approver.locator("#pending-approvals")
        assert record.decision_no in listing.inner_text()
        no_sideways_scroll(approver)
        approver.screenshot(path=artifacts / f"{shot}-03-pending.png", full_page=True)
        listing.locator("tbody a").first.click()
        approver.wait_for_url(f"**/workspace/approvals/{approval.pk}/")
        facts = approver.locator("#approval-facts").inner_text()
        assert "惠府行复〔2026〕31号" in facts
        approver.get_by_role("button", name="批准并执行").click()
        approver.wait_for_load_state()
        assert approver.locator("#approval-outcome").inner_text() == "已批准"
        no_sideways_scroll(approver)
        approver.screenshot(path=artifacts / f"{shot}-04-approved.png", full_page=True)

        # The record's address answers 410 with the ground and the date.
        withdrawal = Withdrawal.objects.get(record_id=record.pk)
        assert withdrawal.ground == "revocation" and withdrawal.actor.username == "market_officer"
        response = approver.goto(f"{base}/records/{record.pk}/")
        assert response.status == 410
        page_text = approver.locator("main").inner_text()
        assert "撤销" in page_text
        assert timezone.localdate(withdrawal.withdrawn_at).isoformat() in page_text
        no_sideways_scroll(approver)
        approver.screenshot(path=artifacts / f"{shot}-05-record-410.png", full_page=True)

        # And the withdrawal feed lists it, as JSON and as Atom.
        entries = json.loads(approver.goto(f"{base}/api/v1/withdrawals").text())["entries"]
        assert [(e["record_id"], e["ground"]) for e in entries] == [(record.pk, "revocation")]
        atom = approver.request.get(f"{base}/api/v1/withdrawals.atom")
        assert atom.status == 200 and f"/records/{record.pk}/" in atom.text()
    finally:
        for context in contexts:
            context.close()
