"""End to end in a real browser: a citizen files an objection with evidence, follows it
with the tracking number and secret, the operator and the source department handle it
in their screens, and the citizen reads the decision."""

import pytest
from django.test import Client

from portal.objections import challenge
from portal.objections.models import Case, Stage
from portal.records.disclosure import PublicState
from portal.records.models import CreditRecord
from tests.factories import make_record
from tests.objections.helpers import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts, all closed when the test ends (while the live
    server still runs, so its keep-alive connections close cleanly)."""
    contexts = []

    def make(cookies=()):
        context = browser.new_context()
        contexts.append(context)
        if cookies:
            context.add_cookies(list(cookies))
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def logged_in(new_page, live_server, user):
    """A page carrying a session of `user` (logins are tested elsewhere)."""
    client = Client()
    client.force_login(user)
    return new_page(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def challenge_answer(page) -> str:
    token = page.locator("input[name=challenge_token]").input_value()
    return str(sum(challenge.terms_of(token)))


def test_file_an_objection_and_follow_it_to_a_decision(new_page, live_server, tmp_path):
    from portal.accounts import roles
    from tests.factories import UserFactory, department

    record = make_record(department_code="MARKET")
    operator = UserFactory(username="op", role=roles.OPERATORS)
    officer = UserFactory(username="market", role=roles.DEPARTMENT_OFFICERS)
    officer.department = department("MARKET")
    officer.save()
    evidence = tmp_path / "缴款凭证.pdf"
    evidence.write_bytes(PDF_BYTES)

    # 1. The citizen files the objection.
    citizen = new_page()
    citizen.goto(f"{live_server.url}/objections/new/?record={record.pk}")
    assert record.decision_no in citizen.content()
    citizen.get_by_label("申请人姓名或单位名称").fill("李四")
    citizen.get_by_label("电子邮箱").fill("lisi@example.com")
    citizen.get_by_label("与信用主体的关系").select_option("legal_rep")
    citizen.get_by_label("信息错误或遗漏").check()
    citizen.get_by_label("情况说明").fill("罚款金额与决定书不一致。")
    citizen.get_by_label("证明材料").set_input_files(str(evidence))
    citizen.get_by_label("我同意平台为办理本申请处理我提供的个人信息").check()
    citizen.locator("input[name=challenge_answer]").fill(challenge_answer(citizen))
    citizen.locator("#main").get_by_role("button", name="提交申请").click()
    number = citizen.locator("#tracking-no").inner_text()
    secret = citizen.locator("#secret").inner_text()
    case = Case.objects.get(tracking_no=number)
    assert case.evidence.get().original_name == "缴款凭证.pdf"

    # 2. Someone else's browser: a wrong secret shows nothing, the right one the case.
    other = new_page()
    other.goto(f"{live_server.url}/cases/{number}/")
    other.get_by_label("查询密码").fill("AAAA-BBBB-CCCC")
    other.locator("#main").get_by_role("button", name="查询").click()
    assert "受理编号或查询密码不正确" in other.content()
    other.get_by_label("查询密码").fill(secret)
    other.locator("#main").get_by_role("button", name="查询").click()
    assert other.locator("#case-stage").inner_text() == "已提交，待受理"

    # 3. The operator accepts and forwards the case to the source department.
    desk = logged_in(new_page, live_server, operator)
    desk.goto(f"{live_server.url}/staff/cases/?overdue=0")
    desk.get_by_role("link", name=number).click()
    desk.locator("button[name=submit-accept]").click()
    assert desk.locator("#case-stage").inner_text() == "已受理"
    assert CreditRecord.objects.get(pk=record.pk).public_state == PublicState.UNDER_OBJECTION
    desk.locator("#comment-forward").fill("请核查罚款金额。")
    desk.locator("button[name=submit-forward]").click()
    assert desk.locator("#case-stage").inner_text() == "已转数据来源部门核查"

    # 4. The department answers in its workspace.
    department_page = logged_in(new_page, live_server, officer)
    department_page.goto(f"{live_server.url}/workspace/cases/")
    department_page.get_by_role("link", name=number).click()
    assert "请核查罚款金额。" in department_page.content()
    department_page.get_by_label("建议维持").check()
    department_page.get_by_label("核查情况说明").fill("经核查，处罚决定书记载无误。")
    department_page.locator("#main").get_by_role("button", name="提交答复").click()
    assert department_page.locator("#case-stage").inner_text() == "部门已答复，待决定"

    # 5. The operator decides and closes the case.
    desk.reload()
    assert "建议维持" in desk.content()
    desk.locator("#comment-uphold").fill("经数据来源部门核查，原记录无误，予以维持。")
    desk.locator("button[name=submit-uphold]").click()
    desk.locator("button[name=submit-close]").click()
    assert desk.locator("#case-stage").inner_text() == "已办结"

    # 6. The citizen reads the decision.
    other.reload()
    assert other.locator("#case-stage").inner_text() == "已办结"
    assert other.locator("#case-decision").inner_text() == "维持原记录"
    assert "原记录无误，予以维持" in other.content()
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED and not record.under_objection
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    assert list(case.transitions.values_list("action", flat=True)) == [
        "submit",
        "accept",
        "forward",
        "answer",
        "uphold",
        "close",
    ]
