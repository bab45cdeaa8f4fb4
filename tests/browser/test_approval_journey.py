"""A revocation in a real browser: one officer asks for it in the workspace form, a second
officer of the same department approves it, and the record's address answers 410 and the
withdrawal feed lists it."""

import io
import json

import pytest
from django.core.management import call_command

from portal.accounts.models import User
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
