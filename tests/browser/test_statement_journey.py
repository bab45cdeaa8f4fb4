"""In a real browser: the subject files a statement (本人声明) from the record page on a
390 px phone without JavaScript, follows it with the number and secret, the operator
approves it on the staff case page, and the statement shows beside the record on the
profile and the record page, on a desktop and on the phone. Screenshots go to
test-artifacts/statement-*.png."""

import io

import pytest
from django.core.management import call_command

from tests.factories import OrganisationFactory, UserFactory, make_record
from tests.objections.test_browser import challenge_answer, logged_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPANY = "惠州市云帆湾智能装备制造有限公司"
WORDS = "本公司已于2026年10月全额缴纳罚款，并对广告内容逐条整改，特此说明。"


@pytest.fixture
def contexts(browser):
    """Browser contexts, all closed when the test ends (while the live server still runs)."""
    opened = []

    def make(phone=False, cookies=()):
        options = {"viewport": {"width": 1280, "height": 900}}
        if phone:
            options = {
                "viewport": {"width": 390, "height": 844},
                "java_script_enabled": False,
                "is_mobile": True,
                "device_scale_factor": 2,
            }
        context = browser.new_context(**options)
        opened.append(context)
        if cookies:
            context.add_cookies(list(cookies))
        return context.new_page()

    yield make
    for context in opened:
        context.close()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_statement_from_the_phone_to_the_profile(contexts, live_server, artifacts):
    from portal.accounts import roles

    call_command("setup_site", stdout=io.StringIO())
    company = OrganisationFactory(name=COMPANY, district="441302")
    penalty = make_record(company)
    make_record(company, item_code="ADM_LICENSE", data={"decision_name": "食品经营许可决定书"})
    operator = UserFactory(username="op", role=roles.OPERATORS)
    base = live_server.url

    # 1. On the phone, the subject opens its penalty and files a statement.
    phone = contexts(phone=True)
    phone.goto(f"{base}/records/{penalty.pk}/")
    phone.get_by_role("link", name="提交本人声明").click()
    assert "不代表本平台或认定部门的意见" in phone.content()
    assert fits(phone)
    phone.get_by_label("申请人姓名或单位名称").fill("陈法人")
    phone.get_by_label("电子邮箱").fill("chen@example.com")
    phone.get_by_label("与信用主体的关系").select_option("legal_rep")
    phone.get_by_label("声明内容").fill(WORDS)
    phone.get_by_label("我同意平台为办理本申请处理我提供的个人信息").check()
    phone.locator("input[name=challenge_answer]").fill(challenge_answer(phone))
    phone.screenshot(path=artifacts / "statement-phone-form.png", full_page=True)
    phone.locator("#main").get_by_role("button", name="提交申请").click()
    number = phone.locator("#tracking-no").inner_text()
    secret = phone.locator("#secret").inner_text()
    assert number.startswith("SM") and secret
    assert fits(phone)
    phone.screenshot(path=artifacts / "statement-phone-receipt.png", full_page=True)

    # Not shown before the operator's check (looked at from another browser: public pages
    # may be kept by a browser for a minute, as by any shared cache).
    before = contexts()
    before.goto(f"{base}/subjects/{company.code}/")
    assert company.name in before.content() and WORDS not in before.content()

    # 2. On a desktop, the same number and secret open the case.
    desk = contexts()
    desk.goto(f"{base}/cases/{number}/")
    desk.get_by_label("查询密码").fill("AAAA-BBBB-CCCC")
    desk.locator("#main").get_by_role("button", name="查询").click()
    assert "受理编号或查询密码不正确" in desk.content()
    desk.get_by_label("查询密码").fill(secret)
    desk.locator("#main").get_by_role("button", name="查询").click()
    assert desk.locator("#case-stage").inner_text() == "已提交，待受理"
    assert desk.locator("#statement-text").inner_text() == WORDS

    # 3. The operator approves it on the staff case page.
    staff = logged_in(lambda cookies: contexts(cookies=cookies), live_server, operator)
    staff.goto(f"{base}/staff/cases/?kind=statement")
    staff.get_by_role("link", name=number).click()
    assert WORDS in staff.content()
    staff.screenshot(path=artifacts / "statement-staff-case.png", full_page=True)
    staff.locator("#comment-publish").fill("内容属实，予以展示。")
    staff.locator("button[name=submit-publish]").click()
    assert staff.locator("#case-stage").inner_text() == "已办结"
    assert "审核通过，予以展示" in staff.content()

    # 4. Beside the record on the profile and the record page: desktop, then phone.
    desk.goto(f"{base}/subjects/{company.code}/")
    statement = desk.locator(".statement")
    assert statement.count() == 1
    assert (
        WORDS in statement.inner_text() and "不代表本平台或认定部门的意见" in statement.inner_text()
    )
    desk.screenshot(path=artifacts / "statement-desktop-profile.png", full_page=True)
    desk.goto(f"{base}/records/{penalty.pk}/")
    assert WORDS in desk.locator(".statement").inner_text()
    desk.screenshot(path=artifacts / "statement-desktop-record.png", full_page=True)

    phone.goto(f"{base}/subjects/{company.code}/")
    assert WORDS in phone.locator(".statement").inner_text()
    assert fits(phone), "the profile with a statement scrolls sideways at 390 px"
    phone.screenshot(path=artifacts / "statement-phone-profile.png", full_page=True)
    # The phone opened this page before the approval and may keep it for a minute (public
    # pages are cacheable): reloading asks the site again.
    phone.goto(f"{base}/records/{penalty.pk}/")
    phone.reload()
    assert WORDS in phone.locator(".statement").inner_text()
    assert fits(phone)
    phone.screenshot(path=artifacts / "statement-phone-record.png", full_page=True)

    # The subject's case page says it is shown.
    desk.goto(f"{base}/cases/{number}/")
    assert "该声明已展示在记录旁" in desk.content()
