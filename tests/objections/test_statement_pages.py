"""A subject's statement (本人声明) through HTTP: the public form (number and secret), the
operator's check on the staff case page, and the statement beside the record on the
profile, the record page, the API and the credit report, only once approved and only
while the record is public."""

import io
import json
import re

import pypdf
import pytest
from django.core import mail
from django.test import Client

from cms import pagecache
from portal.core.codes import make_resident_id
from portal.objections.models import Case, CaseKind, Decision, Stage
from portal.records.models import RecordStatement, WithdrawalGround
from portal.records.withdrawals import withdraw_record
from tests.factories import OrganisationFactory, make_record
from tests.objections.helpers import file_statement
from tests.objections.test_public import answer_for

pytestmark = pytest.mark.django_db

IDENTITY = make_resident_id("441302", "19850607", "123")
WORDS = "罚款已于次月全额缴纳，相关问题已整改完毕。"


@pytest.fixture(autouse=True)
def chrome(db):
    """The site's chrome exists, as after `make setup`: otherwise its creation on the first
    page view would empty the page cache and hide whether a statement invalidates it."""
    from wagtail.models import Site

    from cms.models import SiteChrome

    return SiteChrome.for_site(Site.objects.get(is_default_site=True))


def statement_post(html: str, **overrides) -> dict:
    token, answer = answer_for(html)
    data = {
        "applicant_name": "赵六",
        "applicant_email": "zhaoliu@example.com",
        "applicant_phone": "",
        "relation": "legal_rep",
        "explanation": WORDS,
        "consent": "on",
        "challenge_token": token,
        "challenge_answer": answer,
        "website": "",
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return response.content.decode()


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def shown_everywhere(client, record) -> dict:
    """Where the public might read the statement: profile, record page, both APIs, report."""
    code = record.subject.code
    report = client.post("/reports/issue/", {"subject": code, "kind": "standard"})
    assert report.status_code == 200
    api_record = json.loads(client.get(f"/api/v1/records/{record.pk}").content)
    api_subject = json.loads(client.get(f"/api/v1/subjects/{code}").content)
    (entry,) = [r for g in api_subject["groups"] for r in g["records"] if r["id"] == record.pk]
    return {
        "profile": text(client.get(f"/subjects/{code}/")),
        "record": text(client.get(f"/records/{record.pk}/")),
        "api_record": api_record["statement"],
        "api_subject": entry["statement"],
        "report": pdf_text(report.content),
    }


def test_filing_on_the_public_site_with_number_and_secret(
    client, record, django_capture_on_commit_callbacks
):
    # The record page offers it for an adverse record.
    assert f"/statements/new/?record={record.pk}" in text(client.get(f"/records/{record.pk}/"))
    url = f"/statements/new/?record={record.pk}"
    page = text(client.get(url))
    assert record.decision_no in page and "声明内容" in page and 'name="files"' not in page
    assert "不代表本平台或认定部门的意见" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, statement_post(page))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = text(response)
    number = re.search(r'id="tracking-no">([A-Z0-9]+)<', html).group(1)
    secret = re.search(r'id="secret">([A-Z0-9-]+)<', html).group(1)
    case = Case.objects.get(tracking_no=number)
    assert case.kind == CaseKind.STATEMENT and case.explanation == WORDS
    assert mail.outbox[0].to == ["zhaoliu@example.com"] and secret not in mail.outbox[0].body
    # Another browser needs the number and the secret; a wrong secret opens nothing.
    other = Client()
    wrong = text(other.post("/cases/", {"tracking_no": number, "secret": "AAAA-BBBB-CCCC"}))
    assert "受理编号或查询密码不正确" in wrong and WORDS not in wrong
    assert WORDS not in text(other.get(f"/cases/{number}/"))
    right = other.post("/cases/", {"tracking_no": number, "secret": secret})
    assert right.status_code == 302
    status = text(other.get(right["Location"]))
    assert WORDS in status and "已提交，待受理" in status and "审核" in status


def test_the_form_says_what_is_wrong(client, record):
    url = f"/statements/new/?record={record.pk}"
    page = text(client.get(url))
    response = client.post(url, statement_post(page, explanation="长" * 501))
    html = text(response)
    assert response.status_code == 200
    assert "声明内容最多 500 个字，当前为 501 个字" in html
    assert "长" * 501 in html  # kept in the form to shorten, not lost
    page = text(client.get(url))
    public = text(client.post(url, statement_post(page, relation="public")))
    assert "提交未成功" in public
    assert not Case.objects.exists()


def test_only_adverse_public_records_take_a_statement(client):
    licence = make_record(item_code="ADM_LICENSE", data={"decision_name": "食品经营许可"})
    html = text(client.get(f"/statements/new/?record={licence.pk}"))
    assert "本人声明仅适用于失信（不良）信息" in html and "challenge_token" not in html
    assert "/statements/new/" not in text(client.get(f"/records/{licence.pk}/"))
    shared_only = make_record(item_code="SOCIAL_INSURANCE_ARREARS", department_code="HRSS")
    assert client.get(f"/statements/new/?record={shared_only.pk}").status_code == 404
    assert client.get("/statements/new/?record=999999").status_code == 404
    start = text(client.get("/statements/new/"))
    assert "提交本人声明" in start


def test_a_waiting_statement_blocks_a_second_one_with_its_number(client, record):
    case, _ = file_statement(record)
    html = text(client.get(f"/statements/new/?record={record.pk}"))
    assert case.tracking_no in html and "challenge_token" not in html


def test_statements_share_the_filing_rate_limit(client, settings):
    settings.PORTAL_RATE_LIMITS = {"case_submit": (1, 3600)}
    first, second = make_record(), make_record()
    page = text(client.get(f"/statements/new/?record={first.pk}"))
    assert client.post(f"/statements/new/?record={first.pk}", statement_post(page)).status_code
    page = text(client.get(f"/statements/new/?record={second.pk}"))
    response = client.post(f"/statements/new/?record={second.pk}", statement_post(page))
    assert response.status_code == 429
    assert Case.objects.count() == 1


def test_shown_everywhere_only_after_the_operators_approval(
    client, record, operator, django_capture_on_commit_callbacks
):
    case, _ = file_statement(record, explanation=f"{WORDS}身份证 {IDENTITY}。")
    before = shown_everywhere(client, record)
    assert WORDS not in before["profile"] and WORDS not in before["record"]
    assert before["api_record"] is None and before["api_subject"] is None
    assert WORDS not in before["report"] and "本人声明" not in before["report"]
    # The profile is now in the page cache: approving must not leave a stale copy.
    assert client.get(f"/subjects/{record.subject.code}/")[pagecache.HIT_HEADER] == "hit"

    staff = Client()
    staff.force_login(operator)
    url = f"/staff/cases/{case.tracking_no}/"
    html = text(staff.get(url))
    assert "审核通过，展示声明" in html and "审核不通过" in html and WORDS in html
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(url, {"action": "publish", "comment": ""}, follow=True)
    assert "已完成“审核通过，展示声明”" in text(response)
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.decision == Decision.PUBLISHED

    after = shown_everywhere(client, record)
    for where in ("profile", "record"):
        assert WORDS in after[where], where
        assert "不代表本平台或认定部门的意见" in after[where], where
        assert IDENTITY not in after[where], where
    assert after["api_record"]["text"].startswith(WORDS)
    assert after["api_record"] == after["api_subject"]
    assert "不代表本平台或认定部门的意见" in after["api_record"]["note"]
    assert IDENTITY not in after["api_record"]["text"]
    flat_report = after["report"].replace("\n", "")
    assert "本人声明" in flat_report and WORDS in flat_report
    assert IDENTITY not in flat_report


def test_decline_with_a_reason_on_the_staff_page_shows_nothing(client, record, operator):
    case, _ = file_statement(record)
    client.force_login(operator)
    url = f"/staff/cases/{case.tracking_no}/"
    # Declining asks for a confirmation and a reason.
    html = text(client.post(url, {"action": "decline", "comment": "与记录无关"}, follow=True))
    assert "请勾选确认" in html
    client.post(url, {"action": "decline", "comment": "与记录无关", "confirm": "1"})
    case.refresh_from_db()
    assert case.decision == Decision.DECLINED
    assert not RecordStatement.objects.exists()
    client.logout()
    assert WORDS not in text(client.get(f"/records/{record.pk}/"))


def test_html_is_escaped_everywhere(client, record, operator):
    from portal.objections import services

    case, _ = file_statement(record, explanation='<script>alert("x")</script><b>整改</b>')
    services.transition(case, "publish", actor=operator)
    for url in (f"/subjects/{record.subject.code}/", f"/records/{record.pk}/"):
        html = text(client.get(url))
        assert "<script>alert" not in html and "<b>整改</b>" not in html, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, url
    api = json.loads(client.get(f"/api/v1/records/{record.pk}").content)
    assert api["statement"]["text"] == '<script>alert("x")</script><b>整改</b>'
    assert client.get(f"/api/v1/records/{record.pk}")["Content-Type"].startswith("application/json")
    report = client.post("/reports/issue/", {"subject": record.subject.code})
    assert '<script>alert("x")</script>' in pdf_text(report.content).replace("\n", "")


def test_a_withdrawn_record_takes_its_statement_off_every_page(
    client, record, operator, django_capture_on_commit_callbacks
):
    from portal.objections import services

    other = make_record(record.subject)
    case, secret = file_statement(record)
    services.transition(case, "publish", actor=operator)
    assert WORDS in text(client.get(f"/subjects/{record.subject.code}/"))
    with django_capture_on_commit_callbacks(execute=True):
        withdraw_record(record, WithdrawalGround.REVOCATION, "复议撤销", "惠市监撤〔2026〕3号")
    profile = text(client.get(f"/subjects/{record.subject.code}/"))
    assert other.decision_no in profile and WORDS not in profile
    gone = client.get(f"/records/{record.pk}/")
    assert gone.status_code == 410 and WORDS not in text(gone)
    api = client.get(f"/api/v1/records/{record.pk}")
    assert api.status_code == 410 and WORDS not in text(api)
    subject_api = text(client.get(f"/api/v1/subjects/{record.subject.code}"))
    assert WORDS not in subject_api
    report = client.post("/reports/issue/", {"subject": record.subject.code})
    assert WORDS not in pdf_text(report.content).replace("\n", "")
    # The subject's case page says why it is no longer shown.
    client.post("/cases/", {"tracking_no": case.tracking_no, "secret": secret})
    assert "声明随之不再展示" in text(client.get(f"/cases/{case.tracking_no}/"))


def test_one_subjects_statement_is_not_shown_beside_another_record(client, operator):
    from portal.objections import services

    subject = OrganisationFactory()
    first, second = make_record(subject), make_record(subject)
    case, _ = file_statement(first)
    services.transition(case, "publish", actor=operator)
    assert text(client.get(f"/subjects/{subject.code}/")).count(WORDS) == 1
    assert WORDS not in text(client.get(f"/records/{second.pk}/"))
    api = json.loads(client.get(f"/api/v1/records/{second.pk}").content)
    assert api["statement"] is None


def test_english_pages_say_the_same(client, record, operator):
    from portal.objections import services

    page = text(client.get(f"/en/statements/new/?record={record.pk}"))
    assert "File a statement" in page and "does not represent the views" in page
    assert "提交本人声明" not in page
    response = client.post(
        f"/en/statements/new/?record={record.pk}", statement_post(page, explanation="长" * 501)
    )
    assert "at most 500 characters; this one has 501" in text(response)
    case, _ = file_statement(record)
    services.transition(case, "publish", actor=operator)
    english = text(client.get(f"/en/records/{record.pk}/"))
    assert "The subject's own statement" in english and WORDS in english
    assert "does not represent the views of the platform" in english
    api = json.loads(client.get(f"/api/v1/records/{record.pk}", HTTP_ACCEPT_LANGUAGE="en").content)
    assert api["statement"]["text"] == WORDS


def test_the_operator_sees_the_statement_a_new_one_would_replace(client, record, operator):
    from portal.objections import services

    first, _ = file_statement(record, explanation="第一份声明。")
    services.transition(first, "publish", actor=operator)
    second, _ = file_statement(record, explanation="第二份声明。")
    client.force_login(operator)
    html = text(client.get(f"/staff/cases/{second.tracking_no}/"))
    assert "该记录当前展示的声明" in html and "第一份声明。" in html
    assert f"statement:{first.tracking_no}" in html and "证明材料" not in html
    client.post(f"/staff/cases/{second.tracking_no}/", {"action": "publish", "comment": ""})
    client.logout()
    page = text(client.get(f"/records/{record.pk}/"))
    assert "第二份声明。" in page and "第一份声明。" not in page


def test_the_subject_withdraws_it_on_the_case_site_and_it_leaves_at_once(
    client, record, operator, django_capture_on_commit_callbacks
):
    from portal.objections import services

    case, secret = file_statement(record)
    services.transition(case, "publish", actor=operator)
    profile = f"/subjects/{record.subject.code}/"
    assert WORDS in text(client.get(profile))
    assert client.get(profile)[pagecache.HIT_HEADER] == "hit"
    status_url = f"/cases/{case.tracking_no}/"
    withdraw_url = f"/cases/{case.tracking_no}/withdraw-statement/"
    # A browser that has not given the number and secret cannot withdraw it.
    stranger = Client()
    assert stranger.post(withdraw_url, {"confirm": "1"}).status_code == 403
    assert RecordStatement.objects.exists()

    applicant = Client()
    applicant.post("/cases/", {"tracking_no": case.tracking_no, "secret": secret})
    page = text(applicant.get(status_url))
    assert "撤回声明" in page and withdraw_url in page
    # Without the confirmation nothing happens, and the page says why.
    refused = applicant.post(withdraw_url, {"comment": ""})
    assert refused.status_code == 400 and "请勾选确认后再撤回声明" in text(refused)
    assert RecordStatement.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant.post(withdraw_url, {"confirm": "1", "comment": "情况已变化"})
    assert response.status_code == 302 and response["Location"].endswith(status_url)
    after = shown_everywhere(client, record)
    assert WORDS not in after["profile"] and WORDS not in after["record"]
    assert after["api_record"] is None and after["api_subject"] is None
    assert WORDS not in after["report"].replace("\n", "")
    page = text(applicant.get(status_url))
    assert "撤回该声明" in page and withdraw_url not in page
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.decision == Decision.PUBLISHED


def test_the_operator_takes_it_down_and_the_case_page_says_why(
    client, record, operator, django_capture_on_commit_callbacks
):
    from portal.objections import services

    case, secret = file_statement(record)
    services.transition(case, "publish", actor=operator)
    assert WORDS in text(client.get(f"/records/{record.pk}/"))
    staff = Client()
    staff.force_login(operator)
    url = f"/staff/cases/{case.tracking_no}/"
    assert "撤下声明" in text(staff.get(url))
    reason = "声明内容涉及第三方名誉"
    html = text(staff.post(url, {"action": "take_down_statement", "comment": reason}, follow=True))
    assert "请勾选确认" in html and RecordStatement.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(url, {"action": "take_down_statement", "comment": reason, "confirm": "1"})
    assert not RecordStatement.objects.exists()
    assert WORDS not in text(client.get(f"/records/{record.pk}/"))
    assert WORDS not in text(client.get(f"/subjects/{record.subject.code}/"))
    # Nothing left to take down: the step is no longer offered.
    assert 'value="take_down_statement"' not in text(staff.get(url))
    # The applicant reads why, on the case page and in the email.
    client.post("/cases/", {"tracking_no": case.tracking_no, "secret": secret})
    page = text(client.get(f"/cases/{case.tracking_no}/"))
    assert "平台已于" in page and "撤下原因" in page and reason in page
    assert "撤回声明" not in page.split('id="statement-heading"')[1].split("</section>")[0]
    assert any(reason in message.body for message in mail.outbox)


def test_the_verification_page_counts_the_statements_in_the_report(client, record, operator):
    from portal.objections import services
    from portal.reports.models import IssuedReport

    other = make_record(record.subject)
    plain = client.post("/reports/issue/", {"subject": record.subject.code})
    assert plain.status_code == 200
    case, _ = file_statement(record)
    services.transition(case, "publish", actor=operator)
    client.post("/reports/issue/", {"subject": record.subject.code})
    before, after = IssuedReport.objects.order_by("issued_at", "id")
    assert before.record_count == after.record_count == 2 and other.pk
    page = text(client.get(f"/reports/verify/?code={after.code}&checksum={after.checksum}"))
    assert "核验通过" in page and "其中 1 条附有信用主体的本人声明" in page
    # A report issued before the statement was shown says nothing of one.
    page = text(client.get(f"/reports/verify/?code={before.code}&checksum={before.checksum}"))
    assert "核验通过" in page and "本人声明" not in page


def test_the_english_case_page_offers_the_withdrawal_and_says_it_was_done(client, record, operator):
    from portal.objections import services

    case, secret = file_statement(record)
    services.transition(case, "publish", actor=operator)
    client.post("/cases/", {"tracking_no": case.tracking_no, "secret": secret})
    page = text(client.get(f"/en/cases/{case.tracking_no}/"))
    assert "Withdraw the statement" in page and "I confirm that I withdraw my statement" in page
    client.post(f"/en/cases/{case.tracking_no}/withdraw-statement/", {"confirm": "1"})
    page = text(client.get(f"/en/cases/{case.tracking_no}/"))
    assert "You withdrew this statement on" in page and "撤回" not in page
