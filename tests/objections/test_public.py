"""The public pages: filing through the forms, the challenge, the receipt and the
status page that a wrong secret does not open."""

import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from portal.objections import challenge
from portal.objections.models import Case, CaseKind, Stage
from portal.objections.views.public import RATE_LIMITS
from tests.factories import make_record
from tests.objections.helpers import file_objection, pdf_upload

pytestmark = pytest.mark.django_db


def answer_for(html: str) -> tuple[str, str]:
    token = re.search(r'name="challenge_token" value="([^"]+)"', html).group(1)
    return token, str(sum(challenge.terms_of(token)))


def objection_post(html: str, **overrides) -> dict:
    token, answer = answer_for(html)
    data = {
        "applicant_name": "李四",
        "applicant_email": "lisi@example.com",
        "applicant_phone": "0752-1234567",
        "relation": "legal_rep",
        "ground": "wrong_info",
        "explanation": "处罚金额有误，应为 0.5 万元。",
        "consent": "on",
        "challenge_token": token,
        "challenge_answer": answer,
        "website": "",
    }
    data.update(overrides)
    return data


def strip_volatile(html: str, *numbers: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    for number in numbers:
        html = html.replace(number, "NUMBER")
    return html


def test_objection_form_only_for_published_records(client, record):
    assert client.get(f"/objections/new/?record={record.pk}").status_code == 200
    hidden = make_record(department_code="MARKET", item_code="SOCIAL_INSURANCE_ARREARS")
    assert not hidden.is_public
    assert client.get(f"/objections/new/?record={hidden.pk}").status_code == 404
    assert client.get("/objections/new/?record=999999").status_code == 404
    assert client.get("/objections/new/?record=abc").status_code == 404


def test_filing_an_objection_end_to_end(client, record, django_capture_on_commit_callbacks):
    page = client.get(f"/objections/new/?record={record.pk}").content.decode()
    assert record.decision_no in page and "验证问题" in page
    data = objection_post(page, files=[pdf_upload("决定书.pdf")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/objections/new/?record={record.pk}", data)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    number = re.search(r'id="tracking-no">([A-Z0-9]+)<', html).group(1)
    secret = re.search(r'id="secret">([A-Z0-9-]+)<', html).group(1)
    case = Case.objects.get(tracking_no=number)
    assert case.kind == CaseKind.OBJECTION and case.stage == Stage.SUBMITTED
    assert case.applicant_phone == "0752-1234567"
    assert case.evidence.get().original_name == "决定书.pdf"
    assert secret not in case.secret_hash
    assert not Case.objects.filter(secret_hash__contains=secret).exists()
    # The acknowledgement email carries the number, never the secret.
    ack = mail.outbox[0]
    assert ack.to == ["lisi@example.com"] and number in ack.subject
    assert secret not in ack.body
    # The filing browser can read its case at once.
    status = client.get(f"/cases/{number}/").content.decode()
    assert "已提交，待受理" in status and case.due_on.strftime("%Y-%m-%d") in status


def test_challenge_and_honeypot(client, record):
    url = f"/objections/new/?record={record.pk}"
    page = client.get(url).content.decode()
    wrong = objection_post(page, challenge_answer="99")
    response = client.post(url, wrong)
    assert "验证问题回答错误" in response.content.decode()
    # The page comes back with a fresh question.
    assert answer_for(response.content.decode())[0] != wrong["challenge_token"]
    # The token reveals nothing of the sum: only a signed random nonce.
    assert set(str(signing.loads(wrong["challenge_token"], salt=challenge.SALT))) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    # A wrong answer used the question up: no second guess on the same token.
    assert challenge.terms_of(wrong["challenge_token"]) is None
    page = client.get(url).content.decode()
    bot = objection_post(page, website="http://spam.example")
    assert "提交未通过校验" in client.post(url, bot).content.decode()
    assert not Case.objects.exists()
    good = objection_post(page)
    assert "tracking-no" in client.post(url, good).content.decode()
    # A used question cannot be replayed.
    assert "已使用过" in client.post(url, good).content.decode()
    assert Case.objects.count() == 1


def test_required_fields_and_ground(client, record):
    url = f"/objections/new/?record={record.pk}"
    page = client.get(url).content.decode()
    response = client.post(url, objection_post(page, ground="", consent=""))
    html = response.content.decode()
    assert response.status_code == 200 and "提交未成功" in html
    assert not Case.objects.exists()


def test_submissions_are_rate_limited_per_client(client, record, settings):
    settings.PORTAL_RATE_LIMITS = {"case_submit": (2, 3600)}
    # One record each: a second objection on a record under objection is refused anyway.
    records = [record, make_record(department_code="MARKET"), make_record(department_code="MARKET")]
    for each in records[:2]:
        url = f"/objections/new/?record={each.pk}"
        page = client.get(url).content.decode()
        assert client.post(url, objection_post(page)).status_code == 200
    url = f"/objections/new/?record={records[2].pk}"
    page = client.get(url).content.decode()
    response = client.post(url, objection_post(page))
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Case.objects.count() == 2


def test_a_wrong_secret_reveals_nothing(record):
    case, secret = file_objection(record)
    unknown = "YY20260101ABCDEF"
    browser = Client()
    # Without the secret, the status URL shows the same form for a real and an unknown case.
    real = browser.get(f"/cases/{case.tracking_no}/").content.decode()
    fake = browser.get(f"/cases/{unknown}/").content.decode()
    assert strip_volatile(real, case.tracking_no) == strip_volatile(fake, unknown)
    assert "李四" not in real and record.decision_no not in real
    # A wrong secret for a real case answers exactly like any secret for an unknown one.
    wrong = browser.post("/cases/", {"tracking_no": case.tracking_no, "secret": "AAAA-BBBB-CCCC"})
    none = browser.post("/cases/", {"tracking_no": unknown, "secret": secret})
    assert wrong.status_code == none.status_code == 200
    assert strip_volatile(wrong.content.decode(), case.tracking_no) == strip_volatile(
        none.content.decode(), unknown
    )
    assert "受理编号或查询密码不正确" in wrong.content.decode()
    assert "已提交" not in wrong.content.decode()
    # The right secret opens the case for this browser only.
    right = browser.post("/cases/", {"tracking_no": case.tracking_no.lower(), "secret": secret})
    assert right.status_code == 302 and right["Location"] == f"/cases/{case.tracking_no}/"
    assert "已提交，待受理" in browser.get(right["Location"]).content.decode()
    assert "已提交，待受理" not in Client().get(right["Location"]).content.decode()


def test_secret_guessing_is_rate_limited(record):
    case, secret = file_objection(record)
    browser = Client()
    limit = RATE_LIMITS["case_lookup"][0]
    for _ in range(limit):
        response = browser.post(
            f"/cases/{case.tracking_no}/", {"tracking_no": case.tracking_no, "secret": "WRONG"}
        )
        assert response.status_code == 200
    blocked = browser.post("/cases/", {"tracking_no": case.tracking_no, "secret": secret})
    assert blocked.status_code == 429


def test_guesses_at_one_number_are_limited_from_any_address(record, settings):
    settings.PORTAL_RATE_LIMITS = {"case_lookup_number": (3, 3600)}
    case, secret = file_objection(record)
    for i in range(3):
        Client(REMOTE_ADDR=f"10.0.0.{i}").post(
            "/cases/", {"tracking_no": case.tracking_no, "secret": "WRONG"}
        )
    blocked = Client(REMOTE_ADDR="10.0.0.99").post(
        "/cases/", {"tracking_no": case.tracking_no, "secret": secret}
    )
    assert blocked.status_code == 429


def test_repair_form_explains_ineligibility(client):
    recent = make_record(
        department_code="MARKET", decision_date=timezone.localdate() - dt.timedelta(days=10)
    )
    html = client.get(f"/repair/new/?record={recent.pk}").content.decode()
    assert "最短公示期尚未届满" in html and "challenge_token" not in html
    licence = make_record(
        department_code="MARKET",
        item_code="ADM_LICENSE",
        valid_until=timezone.localdate() + dt.timedelta(days=300),
    )
    assert licence.is_public
    assert (
        "该类信息不适用信用修复" in client.get(f"/repair/new/?record={licence.pk}").content.decode()
    )


def test_filing_a_repair_needs_proof_and_a_signed_commitment(client, repairable):
    url = f"/repair/new/?record={repairable.pk}"
    page = client.get(url).content.decode()
    assert "信用承诺书" in page and "本人（本单位）郑重承诺" in page
    base = objection_post(page, relation="subject")
    base.pop("ground")
    response = client.post(url, base)
    html = response.content.decode()
    assert "提交未成功" in html and not Case.objects.exists()
    page = html
    data = objection_post(
        page,
        relation="subject",
        commitment="on",
        commitment_signed_by="王五",
        files=[pdf_upload("缴款凭证.pdf")],
    )
    data.pop("ground")
    response = client.post(url, data)
    assert "tracking-no" in response.content.decode()
    case = Case.objects.get()
    assert case.kind == CaseKind.REPAIR and case.tracking_no.startswith("XF")
    assert case.commitment_signed_by == "王五" and "郑重承诺" in case.commitment_text
    assert case.reply_due_on is not None
    # A second application for the same record is refused while the first is open.
    html = client.get(url).content.decode()
    assert "已有正在办理的信用修复申请" in html


def test_english_pages_and_emails(client, record, django_capture_on_commit_callbacks):
    url = f"/en/objections/new/?record={record.pk}"
    page = client.get(url).content.decode()
    assert "Object to published information" in page
    assert re.search(r"What is [a-z]+ plus [a-z]+\?", page)
    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(url, objection_post(page)).content.decode()
    assert "Application submitted" in html
    case = Case.objects.get()
    assert case.language == "en"
    assert mail.outbox[0].subject.startswith("[Joint Credit Portal] Objection")
    assert "Submitted, awaiting acceptance" in mail.outbox[0].body
    assert f"/en/cases/{case.tracking_no}/" in mail.outbox[0].body
    # The status page in English.
    status = client.get(f"/en/cases/{case.tracking_no}/").content.decode()
    assert "Submitted, awaiting acceptance" in status


def test_menu_links_without_a_record_explain_the_way(client):
    html = client.get("/objections/new/").content.decode()
    assert "在有异议的记录旁选择“提出异议”" in html and 'href="/search/"' in html
    html = client.get("/en/repair/new/").content.decode()
    assert "Apply for credit repair" in html and 'href="/en/search/"' in html
