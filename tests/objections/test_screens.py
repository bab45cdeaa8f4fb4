"""The operators' screens (/staff/cases/), the department workspace (/workspace/cases/)
and the department API (/api/v1/cases/)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.departments.models import DepartmentToken
from portal.objections import services
from portal.objections.models import Case, DeadlineSettings, Stage, WorkdayOverride
from tests.factories import department, make_record
from tests.objections.helpers import PDF_BYTES, checked, file_objection, file_repair, pdf_upload
from tests.objections.test_uploads import EXE_BYTES

pytestmark = pytest.mark.django_db


def forwarded(record, operator, **kw):
    case, _ = file_objection(record, files=checked(pdf_upload("申请材料.pdf")), **kw)
    services.transition(case, "accept", actor=operator)
    services.transition(case, "forward", actor=operator, comment="请核查处罚金额")
    return case


# --- Operators ----------------------------------------------------------------------


def test_staff_pages_are_for_operators(client, officer):
    assert client.get("/staff/cases/")["Location"].startswith("/admin/login/?next=")
    client.force_login(officer)
    assert client.get("/staff/cases/").status_code == 403
    assert client.get("/staff/cases/calendar/").status_code == 403


def test_list_flags_overdue_cases(client, record, operator):
    late, _ = file_objection(record)
    Case.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    fresh, _ = file_objection(make_record(department_code="MARKET"))
    client.force_login(operator)
    html = client.get("/staff/cases/").content.decode()
    assert late.tracking_no in html and fresh.tracking_no in html
    assert "1 件案件已超期" in html and html.count("已超期</span>") == 1
    only = client.get("/staff/cases/?overdue=1").content.decode()
    assert late.tracking_no in only and fresh.tracking_no not in only
    by_number = client.get(f"/staff/cases/?q={fresh.tracking_no.lower()}").content.decode()
    assert fresh.tracking_no in by_number and late.tracking_no not in by_number


def test_operator_takes_steps_on_the_detail_page(client, record, operator):
    case, _ = file_objection(record)
    client.force_login(operator)
    url = f"/staff/cases/{case.tracking_no}/"
    html = client.get(url).content.decode()
    assert "lisi@example.com" in html and "受理" in html and "不予受理" in html
    response = client.post(url, {"action": "accept", "comment": ""}, follow=True)
    assert "已完成" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.ACCEPTED
    # An illegal step is refused with a message, and nothing changes.
    html = client.post(url, {"action": "close", "comment": "x"}, follow=True).content.decode()
    assert "不能执行“办结”" in html
    case.refresh_from_db()
    assert case.stage == Stage.ACCEPTED
    client.post(url, {"action": "check", "comment": ""})
    # The correction form: one input per field, only changed fields are applied.
    html = client.get(url).content.decode()
    assert 'name="field__fine_amount"' in html
    data = {"action": "correct", "comment": "金额更正为 0.5 万元"}
    data.update(
        {
            f"field__{k}": ("、".join(v) if isinstance(v, list) else v)
            for k, v in record.data.items()
        }
    )
    data["field__fine_amount"] = "0.5"
    client.post(url, data)
    case.refresh_from_db()
    record.refresh_from_db()
    assert case.stage == Stage.DECIDED and case.decision == "corrected"
    assert record.data["fine_amount"] == "0.5"
    assert record.data["penalty_types"] == ["罚款"]  # list fields survive the round trip


def test_operators_edit_deadlines_and_calendar_overrides(client, operator):
    client.force_login(operator)
    html = client.get("/staff/cases/calendar/").content.decode()
    # A year the library does not cover yet, and where the calendar comes from.
    assert "2026" in html and "chinese-calendar 尚未包含" in html
    fields = {
        "form": "deadlines",
        "accept_days": 3,
        "check_days": 2,
        "department_days": 15,
        "repair_decision_days": 3,
        "repair_notify_days": 10,
    }
    client.post("/staff/cases/calendar/", fields)
    assert DeadlineSettings.load().department_days == 15
    client.post(
        "/staff/cases/calendar/",
        {"form": "override", "date": "2027-02-08", "is_working_day": "", "note": "春节"},
    )
    override = WorkdayOverride.objects.get(date=dt.date(2027, 2, 8))
    assert not override.is_working_day
    # Saving the same date again edits it rather than failing on uniqueness.
    client.post(
        "/staff/cases/calendar/",
        {"form": "override", "date": "2027-02-08", "is_working_day": "on", "note": "调休"},
    )
    override.refresh_from_db()
    assert override.is_working_day and override.note == "调休"
    client.post(f"/staff/cases/calendar/{override.pk}/delete/")
    assert not WorkdayOverride.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"case.deadlines_changed", "case.workday_override_saved"} <= actions
    assert "case.workday_override_deleted" in actions


# --- Department workspace -------------------------------------------------------------


def test_workspace_lists_only_the_departments_forwarded_cases(
    client, record, operator, officer, tax_officer
):
    # Not forwarded: invisible to the department.
    waiting, _ = file_objection(make_record(department_code="MARKET"))
    case = forwarded(record, operator)
    client.force_login(officer)
    html = client.get("/workspace/cases/").content.decode()
    assert case.tracking_no in html and waiting.tracking_no not in html
    detail = client.get(f"/workspace/cases/{case.tracking_no}/").content.decode()
    assert "请核查处罚金额" in detail and "申请材料.pdf" in detail
    assert "lisi@example.com" not in detail  # the applicant's contact stays with the platform
    client.force_login(tax_officer)
    assert case.tracking_no not in client.get("/workspace/cases/").content.decode()
    assert client.get(f"/workspace/cases/{case.tracking_no}/").status_code == 404


def test_workspace_needs_a_department_officer(client, operator):
    assert client.get("/workspace/cases/")["Location"].startswith("/workspace/login/")
    client.force_login(operator)
    assert client.get("/workspace/cases/").status_code == 403


def test_department_answers_with_evidence(client, record, operator, officer):
    case = forwarded(record, operator)
    client.force_login(officer)
    url = f"/workspace/cases/{case.tracking_no}/"
    bad = client.post(
        url,
        {
            "recommendation": "correct",
            "comment": "x",
            "files": [SimpleUploadedFile("a.pdf", EXE_BYTES)],
        },
    )
    assert "的内容不是" in bad.content.decode()
    response = client.post(
        url,
        {
            "recommendation": "correct",
            "comment": "经核查，罚款金额应为 0.5 万元。",
            "files": [SimpleUploadedFile("核查报告.pdf", PDF_BYTES)],
        },
        follow=True,
    )
    assert "答复已提交" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.ANSWERED and case.recommendation == "correct"
    assert case.evidence.filter(party="department", original_name="核查报告.pdf").exists()
    # Answering twice is refused.
    again = client.post(url, {"recommendation": "uphold", "comment": "再次答复"})
    assert again.status_code == 200 and "答复已提交" not in again.content.decode()
    case.refresh_from_db()
    assert case.recommendation == "correct"


# --- Department API ---------------------------------------------------------------------


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_api_lists_and_answers_forwarded_cases(client, record, operator):
    waiting, _ = file_objection(make_record(department_code="MARKET"))
    case = forwarded(record, operator)
    _token, key = DepartmentToken.issue(department("MARKET"), "异议接口")
    listing = client.get("/api/v1/cases/?stage=forwarded", **auth(key)).json()
    assert [c["tracking_no"] for c in listing] == [case.tracking_no]
    assert listing[0]["decision_no"] == record.decision_no
    assert "applicant_email" not in listing[0]
    detail = client.get(f"/api/v1/cases/{case.tracking_no}/", **auth(key)).json()
    assert detail["evidence"][0]["name"] == "申请材料.pdf"
    download = client.get(
        f"/api/v1/cases/{case.tracking_no}/evidence/{detail['evidence'][0]['id']}/", **auth(key)
    )
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    bad = client.post(
        f"/api/v1/cases/{case.tracking_no}/answer/",
        {
            "recommendation": "uphold",
            "comment": "x",
            "files": [SimpleUploadedFile("a.pdf", EXE_BYTES)],
        },
        **auth(key),
    )
    assert bad.status_code == 400 and "的内容不是" in bad.json()["detail"][0]
    answer = client.post(
        f"/api/v1/cases/{case.tracking_no}/answer/",
        {
            "recommendation": "uphold",
            "comment": "经核查无误。",
            "files": [SimpleUploadedFile("r.pdf", PDF_BYTES)],
        },
        **auth(key),
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["stage"] == Stage.ANSWERED
    again = client.post(
        f"/api/v1/cases/{case.tracking_no}/answer/",
        {"recommendation": "uphold", "comment": "再次"},
        **auth(key),
    )
    assert again.status_code == 409 and "部门已答复" in again.json()["detail"]
    event = AuditEvent.objects.filter(action="objection.answer").get()
    assert event.actor is None and event.data["actor"].startswith("token:")
    assert client.get(f"/api/v1/cases/{waiting.tracking_no}/", **auth(key)).status_code == 404


def test_api_refuses_other_departments_and_missing_tokens(client, record, operator):
    case = forwarded(record, operator)
    _token, key = DepartmentToken.issue(department("TAX"), "税务")
    assert client.get("/api/v1/cases/", **auth(key)).json() == []
    assert client.get(f"/api/v1/cases/{case.tracking_no}/", **auth(key)).status_code == 404
    answer = client.post(
        f"/api/v1/cases/{case.tracking_no}/answer/",
        {"recommendation": "uphold", "comment": "x"},
        **auth(key),
    )
    assert answer.status_code == 404
    assert client.get("/api/v1/cases/").status_code == 401


def test_api_answers_a_repair_case(client, repairable, operator):
    case, _ = file_repair(repairable)
    services.transition(case, "accept", actor=operator)
    services.transition(case, "forward", actor=operator, comment="请出具修复意见")
    _token, key = DepartmentToken.issue(department("MARKET"), "修复")
    wrong = client.post(
        f"/api/v1/cases/{case.tracking_no}/answer/",
        {"recommendation": "uphold", "comment": "x"},
        **auth(key),
    )
    assert wrong.status_code == 409
    ok = client.post(
        f"/api/v1/cases/{case.tracking_no}/answer/",
        {"recommendation": "approve", "comment": "已履行处罚决定。"},
        **auth(key),
    )
    assert ok.status_code == 200 and ok.json()["recommendation"] == "approve"


def test_the_admin_menu_leads_operators_to_the_cases(client):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", is_superuser=True)
    client.force_login(admin)
    html = client.get("/admin/").content.decode()
    assert "/staff/cases/" in html
