"""The register: escalation deadlines per grade, status moves, the written report as PDF,
and the dashboard panel operators see."""

import datetime as dt
import io
import itertools

import pypdf
import pytest
from django.utils import timezone

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.incidents import services
from portal.incidents.models import (
    Category,
    EntryKind,
    Grade,
    GradePolicy,
    Incident,
    Recipient,
    ReportingStep,
    Status,
    TimelineEntry,
)
from portal.incidents.pdf import incident_report_pdf

pytestmark = pytest.mark.django_db

DETECTED = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)


def make_incident(**fields):
    values = {
        "title": "公示系统数据泄露",
        "grade": Grade.MAJOR,
        "category": Category.DATA_LEAK,
        "detected_at": DETECTED,
    }
    return Incident.objects.create(**(values | fields))


def test_starter_policies_cover_every_grade():
    assert set(GradePolicy.objects.values_list("grade", flat=True)) == set(Grade.values)


def test_the_grades_deadlines_are_counted_from_detection():
    incident = make_incident(grade=Grade.MAJOR)
    GradePolicy.objects.filter(grade=Grade.MAJOR).update(
        leader_minutes=30, city_office_minutes=60, province_minutes=120
    )
    deadlines = services.escalation_deadlines(incident)
    assert [(d.recipient, d.due_at) for d in deadlines] == [
        (Recipient.LEADER, DETECTED + dt.timedelta(minutes=30)),
        (Recipient.CITY_OFFICE, DETECTED + dt.timedelta(minutes=60)),
        (Recipient.PROVINCE, DETECTED + dt.timedelta(minutes=120)),
    ]


def test_a_grade_that_need_not_reach_the_province_has_no_such_deadline():
    GradePolicy.objects.filter(grade=Grade.GENERAL).update(
        leader_minutes=240, city_office_minutes=None, province_minutes=None
    )
    incident = make_incident(grade=Grade.GENERAL)
    assert [d.recipient for d in services.escalation_deadlines(incident)] == [Recipient.LEADER]


def test_the_reporting_chain_meets_deadlines_and_late_ones_are_overdue():
    GradePolicy.objects.filter(grade=Grade.MAJOR).update(
        leader_minutes=30, city_office_minutes=60, province_minutes=120
    )
    incident = make_incident()
    ReportingStep.objects.create(
        incident=incident,
        recipient=Recipient.LEADER,
        informed_at=DETECTED + dt.timedelta(minutes=10),
    )
    ReportingStep.objects.create(
        incident=incident,
        recipient=Recipient.CITY_OFFICE,
        informed_at=DETECTED + dt.timedelta(minutes=90),
    )
    now = DETECTED + dt.timedelta(minutes=150)
    verdict = {d.recipient: d.overdue(now) for d in services.escalation_deadlines(incident)}
    assert verdict == {
        Recipient.LEADER: False,
        Recipient.CITY_OFFICE: True,  # informed, but late
        Recipient.PROVINCE: True,  # not informed, past due
    }
    assert services.next_deadline(incident).recipient == Recipient.PROVINCE


@pytest.mark.parametrize(
    ("moves", "allowed"),
    [
        ([Status.CONTAINED, Status.RESOLVED, Status.CLOSED], True),
        ([Status.RESOLVED, Status.OPEN], True),
        ([Status.CLOSED], False),
        ([Status.RESOLVED, Status.CLOSED, Status.OPEN], False),
    ],
)
def test_status_moves_follow_the_transition_map(moves, allowed):
    path = [Status.OPEN, *moves]
    assert all(services.can_move(a, b) for a, b in itertools.pairwise(path)) is allowed


def test_the_pdf_report_carries_the_incidents_chinese_text():
    incident = make_incident(
        is_drill=True,
        description="十一月二十九日上午发现公示页面泄露身份证号",
        remediation="已下线相关页面并通知市信用办",
    )
    ReportingStep.objects.create(
        incident=incident,
        recipient=Recipient.LEADER,
        recipient_name="张主任",
        informed_at=DETECTED + dt.timedelta(minutes=10),
        method="电话",
    )
    TimelineEntry.objects.create(
        incident=incident, at=DETECTED, actor="值班员李明", what="启动应急预案，封堵数据出口"
    )
    pdf = incident_report_pdf(incident)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "安全事件报告（应急演练）",
        "公示系统数据泄露",
        "重大（II级）",
        "十一月二十九日上午发现公示页面泄露身份证号",
        "已下线相关页面并通知市信用办",
        "张主任",
        "启动应急预案，封堵数据出口",
        "省级主管部门",
    ):
        assert expected in text, expected


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("duty", "duty@example.gov.cn", "a-long-test-pass-1")
    client.force_login(user)
    return client


def test_the_dashboard_lists_open_incidents_with_their_next_deadline(admin_client):
    overdue = make_incident(
        title="审计链被篡改", detected_at=timezone.now() - dt.timedelta(hours=5)
    )
    make_incident(
        title="备份演练",
        grade=Grade.GENERAL,
        category=Category.BACKUP_MISSED,
        detected_at=timezone.now(),
        is_drill=True,
    )
    make_incident(title="已关闭的旧事件", status=Status.CLOSED)

    html = admin_client.get("/admin/").content.decode()
    panel = html[html.index('id="open-incidents-section"') :]
    assert "审计链被篡改" in panel
    assert "备份演练" in panel and "演练</span>" in panel
    assert "已关闭的旧事件" not in html
    assert f"/admin/snippets/incidents/incident/edit/{overdue.pk}/" in panel
    assert panel.count('class="incident-overdue"') == 1  # the drill's first deadline is ahead


def test_no_panel_without_open_incidents(admin_client):
    assert 'id="open-incidents-section"' not in admin_client.get("/admin/").content.decode()


def test_an_operator_moves_the_status_in_the_admin_and_the_timeline_notes_it(admin_client):
    incident = make_incident()
    url = f"/admin/snippets/incidents/incident/edit/{incident.pk}/"
    form = {
        "title": incident.title,
        "grade": incident.grade,
        "category": incident.category,
        "status": Status.CLOSED,
        "detected_at": "2026-11-29 16:00",
        "reporting_steps-TOTAL_FORMS": "0",
        "reporting_steps-INITIAL_FORMS": "0",
        "reporting_steps-MIN_NUM_FORMS": "0",
        "reporting_steps-MAX_NUM_FORMS": "1000",
        "timeline-TOTAL_FORMS": "0",
        "timeline-INITIAL_FORMS": "0",
        "timeline-MIN_NUM_FORMS": "0",
        "timeline-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200  # the form again, with the error
    incident.refresh_from_db()
    assert incident.status == Status.OPEN

    response = admin_client.post(url, form | {"status": Status.CONTAINED})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.CONTAINED and incident.contained_at is not None
    entry = incident.timeline.get()
    assert entry.kind == EntryKind.STATUS and entry.actor == "duty"
    assert entry.what == "状态：处置中 → 已控制"
    event = AuditEvent.objects.get(action="incident.status")
    assert event.actor_label == "duty" and event.data == {"from": "open", "to": "contained"}


def test_the_report_pdf_is_served_in_the_admin(admin_client, client):
    incident = make_incident()
    response = admin_client.get(f"/admin/incidents/{incident.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_register_speaks_english_too():
    from django.utils import translation

    with translation.override("en"):
        assert str(Status.OPEN.label) == "Open"
        assert str(Grade.EXTRAORDINARY.label) == "Extraordinary (grade I)"
        assert "grade IV" in str(Incident._meta.get_field("grade").help_text)


def test_the_register_lists_drills_distinctly_with_a_report_link(admin_client):
    drill = make_incident(title="数据泄露应急演练", is_drill=True)
    html = admin_client.get("/admin/snippets/incidents/incident/").content.decode()
    assert "[演练] 数据泄露应急演练" in html
    assert f"/admin/incidents/{drill.pk}/report.pdf" in html
    add = admin_client.get("/admin/snippets/incidents/incident/add/").content.decode()
    assert "特大（I级）：" in add  # the grades' criteria, as help text
    policies = admin_client.get("/admin/snippets/incidents/gradepolicy/")
    assert policies.status_code == 200


def test_operators_see_the_register_and_department_officers_do_not(client):
    from portal.accounts import roles
    from tests.factories import UserFactory

    incident = make_incident(title="搜索引擎不可用")
    client.force_login(UserFactory(role=roles.OPERATORS))
    assert "搜索引擎不可用" in client.get("/admin/").content.decode()
    assert client.get(f"/admin/incidents/{incident.pk}/report.pdf").status_code == 200

    client.force_login(UserFactory(role=roles.DEPARTMENT_OFFICERS))
    assert client.get(f"/admin/incidents/{incident.pk}/report.pdf").status_code in (302, 403)
