"""Where operators stumbled: repeated objections, silent departments, the history, the
correction form, refusals, the staff header and logins, and the holiday calendar."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.incidents.health import check_holiday_calendar
from portal.objections import services
from portal.objections.models import Case, Ground, Stage, WorkdayOverride
from portal.objections.workdays import library_covers, uncovered_years
from tests.factories import make_record
from tests.objections.helpers import file_objection

pytestmark = pytest.mark.django_db


def forwarded(record, operator):
    case, _ = file_objection(record)
    services.transition(case, "accept", actor=operator)
    services.transition(case, "forward", actor=operator, comment="请核查")
    return case


# --- A second objection on the same record -------------------------------------------


def test_second_objection_by_the_same_applicant_is_refused_naming_the_open_case(record):
    first, _ = file_objection(record)
    with pytest.raises(services.CaseError, match=first.tracking_no):
        file_objection(record, ground=Ground.DUPLICATE, applicant_email="other@example.com")
    # Another person on the same grounds is refused too: the open case already asks it.
    with pytest.raises(services.CaseError, match=first.tracking_no):
        file_objection(record, applicant_name="赵六", applicant_email="zhao@example.com")
    assert Case.objects.filter(record=record).count() == 1


def test_another_applicant_with_other_grounds_is_filed_and_linked(record, operator):
    first, _ = file_objection(record)
    second, _ = file_objection(
        record,
        applicant_name="赵六",
        applicant_email="zhao@example.com",
        ground=Ground.WRONG_SUBJECT,
    )
    assert second.linked_case == first
    # Once the first is decided and closed, a new objection is an ordinary one again.
    services.transition(first, "refuse", actor=operator, comment="材料不全")
    services.transition(second, "refuse", actor=operator, comment="材料不全")
    third, _ = file_objection(record)
    assert third.linked_case is None


def test_staff_page_of_a_linked_case_points_to_the_open_one(client, record, operator):
    first, _ = file_objection(record)
    second, _ = file_objection(
        record, applicant_name="赵六", applicant_email="zhao@example.com", ground=Ground.DIFFERS
    )
    client.force_login(operator)
    html = client.get(f"/staff/cases/{second.tracking_no}/").content.decode()
    assert "应一并决定" in html and f"/staff/cases/{first.tracking_no}/" in html


# --- A department that never answers ---------------------------------------------------


def test_operator_recalls_a_case_only_after_the_departments_deadline(record, operator, officer):
    case = forwarded(record, operator)
    with pytest.raises(services.CaseError, match="届满后方可"):
        services.transition(case, "recall", actor=operator, comment="部门未答复")
    assert case.stage == Stage.FORWARDED
    Case.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    case.refresh_from_db()
    row = services.transition(
        case, "recall", actor=operator, comment="部门超期未答复，平台自行核查"
    )
    assert case.stage == Stage.CHECKING and row.from_stage == Stage.FORWARDED
    assert case.due_on > timezone.localdate()
    # The department can no longer answer; the operator decides.
    with pytest.raises(services.CaseError):
        services.transition(case, "answer", actor=officer, comment="晚了", recommendation="uphold")
    services.transition(case, "uphold", actor=operator, comment="经核查维持")
    assert case.stage == Stage.DECIDED
    assert list(case.transitions.values_list("action", flat=True)) == [
        "submit",
        "accept",
        "forward",
        "recall",
        "uphold",
    ]


def test_recall_is_offered_on_the_page_only_when_overdue_and_must_be_confirmed(
    client, record, operator
):
    case = forwarded(record, operator)
    client.force_login(operator)
    url = f"/staff/cases/{case.tracking_no}/"
    assert 'value="recall"' not in client.get(url).content.decode()
    Case.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    assert 'value="recall"' in client.get(url).content.decode()
    html = client.post(url, {"action": "recall", "comment": "超期"}, follow=True)
    assert "请勾选确认" in html.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.FORWARDED
    client.post(url, {"action": "recall", "comment": "超期", "confirm": "1"})
    case.refresh_from_db()
    assert case.stage == Stage.CHECKING


def test_urging_says_it_urged_not_that_the_case_was_forwarded(client, record, operator):
    case = forwarded(record, operator)
    client.force_login(operator)
    response = client.post(
        f"/staff/cases/{case.tracking_no}/", {"action": "urge", "comment": ""}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["已催办数据来源部门（第 1 次），部门已收到通知。"]


# --- The case page ---------------------------------------------------------------------


def test_history_names_the_steps_in_words(client, record, operator):
    case = forwarded(record, operator)
    client.force_login(operator)
    html = client.get(f"/staff/cases/{case.tracking_no}/").content.decode()
    history = html[html.index("办理记录") :]
    action = '<td data-label="操作">'  # the history's 操作 column
    for label in ("申请人提交", "受理", "转数据来源部门"):
        assert f"{action}{label}</td>" in history
    for code in ("submit", "accept", "forward"):
        assert f"{action}{code}</td>" not in history


def test_refusal_is_distinct_and_needs_confirmation(client, record, operator):
    case, _ = file_objection(record)
    client.force_login(operator)
    url = f"/staff/cases/{case.tracking_no}/"
    html = client.get(url).content.decode()
    assert 'name="submit-refuse" class="button-danger"' in html
    assert 'name="submit-accept">' in html  # accepting is an ordinary button
    client.post(url, {"action": "refuse", "comment": "非本平台受理范围"})
    case.refresh_from_db()
    assert case.stage == Stage.SUBMITTED
    client.post(url, {"action": "refuse", "comment": "非本平台受理范围", "confirm": "1"})
    case.refresh_from_db()
    assert case.stage == Stage.REFUSED


def test_correction_form_uses_the_catalogs_types_and_choices(client, operator):
    record = make_record(
        department_code="MARKET",
        data={
            "subject_name": "惠州市示例商贸有限公司",
            "decision_no": "惠市监罚〔2026〕88号",
            "violation_type": "虚假宣传",
            "penalty_types": ["罚款"],
            "fine_amount": "1.5",
            "content": "罚款1.5万元",
            "decision_date": "2026-10-12",
            "severity": "一般",
        },
    )
    case, _ = file_objection(record)
    services.transition(case, "accept", actor=operator)
    services.transition(case, "check", actor=operator)
    client.force_login(operator)
    url = f"/staff/cases/{case.tracking_no}/"
    html = client.get(url).content.decode()
    assert 'type="date" name="field__decision_date" value="2026-10-12"' in html
    assert '<select name="field__severity"' in html and '<option value="严重">' in html
    assert 'type="checkbox" name="field__penalty_types" value="罚款"' in html
    data = {
        "action": "correct",
        "comment": "决定日期与程度更正",
        "field__subject_name": "惠州市示例商贸有限公司",
        "field__decision_no": "惠市监罚〔2026〕88号",
        "field__violation_type": "虚假宣传",
        "field__penalty_types": ["罚款", "警告"],
        "field__fine_amount": "1.5",
        "field__content": "罚款1.5万元",
        "field__decision_date": "2026-10-10",
        "field__severity": "严重",
    }
    client.post(url, data)
    record.refresh_from_db()
    assert record.data["decision_date"] == "2026-10-10"
    assert record.data["severity"] == "严重"
    assert record.data["penalty_types"] == ["罚款", "警告"]
    assert record.data["fine_amount"] == "1.5"
    # A value outside the catalog's choices is refused, and nothing changes.
    case2, _ = file_objection(make_record(department_code="MARKET", data=dict(record.data)))
    services.transition(case2, "accept", actor=operator)
    services.transition(case2, "check", actor=operator)
    bad = dict(data, field__severity="非常严重")
    html = client.post(f"/staff/cases/{case2.tracking_no}/", bad, follow=True).content.decode()
    case2.refresh_from_db()
    assert case2.stage == Stage.CHECKING and "非常严重" in html


# --- Headers and logins ----------------------------------------------------------------


def test_staff_pages_show_who_is_signed_in_and_a_way_out(client, operator):
    operator.first_name = "陈"
    operator.last_name = "明"
    operator.save()
    client.force_login(operator)
    html = client.get("/staff/cases/").content.decode()
    assert "当前用户" in html and 'action="/admin/logout/"' in html
    assert 'class="main-nav"' not in html and 'class="header-search"' not in html


def test_workspace_shows_the_officer_and_logout(client, officer):
    client.force_login(officer)
    html = client.get("/workspace/", follow=True).content.decode()
    assert "当前用户：market" in html and 'action="/workspace/logout/"' in html
    assert 'class="workspace-nav"' in html and 'class="main-nav"' not in html


def test_workspace_login_shows_no_workspace_menu_to_visitors(client):
    html = client.get("/workspace/login/").content.decode()
    assert 'class="workspace-nav"' not in html and "接口令牌" not in html
    assert "退出登录" not in html


def test_wagtail_login_page_is_translated(client):
    html = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登录联合征信平台管理后台" in html and "登录Wagtail" not in html
    assert ">Password" not in html and "密码" in html


# --- The holiday calendar --------------------------------------------------------------


def test_operators_are_alerted_before_a_year_the_library_does_not_cover():
    year = next(y for y in range(2025, 2100) if not library_covers(y))
    early = dt.datetime(year - 1, 6, 1, 12, tzinfo=dt.UTC)
    assert year not in uncovered_years(early.date())
    late = dt.datetime(year - 1, 11, 29, 12, tzinfo=dt.UTC)
    verdict = check_holiday_calendar(late)
    assert not verdict.ok and "chinese-calendar" in verdict.detail and str(year) in verdict.detail
    # Entering the year's holidays by hand answers the alert.
    WorkdayOverride.objects.create(date=dt.date(year, 1, 1), is_working_day=False, note="元旦")
    assert check_holiday_calendar(late).ok


def test_calendar_page_names_its_source_and_warns(client, operator):
    client.force_login(operator)
    html = client.get("/staff/cases/calendar/").content.decode()
    assert "chinese-calendar" in html and "国务院办公厅" in html
    if uncovered_years(timezone.localdate()):
        assert 'role="alert"' in html
