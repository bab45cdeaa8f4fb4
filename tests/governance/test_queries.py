"""Query registration, abnormal-query alerts and the monthly security report (issue 15, item 5)."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from portal.accounts import roles
from portal.audit.models import AuditEvent
from portal.measures.models import Scenario
from portal.measures.reader import InputRow
from portal.measures.services import run_lookup
from portal.queries import services
from portal.queries.models import AlertKind, QueryAlert, QueryRegistration, SecurityReport
from tests.factories import PersonFactory, UserFactory, make_record, next_resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return UserFactory(role=roles.OPERATORS)


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def a_weekday() -> dt.date:
    day = timezone.localdate() - dt.timedelta(days=7)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def test_opening_a_persons_record_in_the_admin_asks_for_a_purpose_and_registers_it(
    client, operator
):
    person = PersonFactory(name="陈小明")
    record = make_record(person)
    client.force_login(operator)
    url = f"/admin/snippets/records/creditrecord/inspect/{record.pk}/"

    asked = client.get(url)
    assert asked.status_code == 200
    assert 'name="purpose"' in asked.content.decode()
    assert "罚款1.5万元" not in asked.content.decode()
    assert not QueryRegistration.objects.exists()
    # Not even the person's name shows before the purpose is given.
    subject_page = client.get(f"/admin/snippets/subjects/subject/inspect/{person.pk}/")
    assert 'name="purpose"' in subject_page.content.decode()
    assert "陈小明" not in asked.content.decode() + subject_page.content.decode()

    shown = client.get(url, {"purpose": "核查异议材料"})
    assert shown.status_code == 200 and "罚款1.5万元" in shown.content.decode()
    registration = QueryRegistration.objects.get()
    assert (registration.user, registration.channel, registration.target) == (
        operator,
        "admin",
        f"record:{record.pk}",
    )
    assert registration.natural_person and registration.subject_id == person.pk
    assert registration.purpose == "核查异议材料"
    assert AuditEvent.objects.filter(action="queries.registered", actor=operator).exists()


def test_an_organisations_public_record_opens_without_registration(client, operator):
    record = make_record()
    client.force_login(operator)
    response = client.get(f"/admin/snippets/records/creditrecord/inspect/{record.pk}/")
    assert response.status_code == 200 and "罚款1.5万元" in response.content.decode()
    assert not QueryRegistration.objects.exists()


def test_a_reviewers_lookup_of_a_person_is_registered_with_its_purpose():
    reviewer = UserFactory(role=roles.REVIEWERS)
    number = next_resident_id()
    person = PersonFactory(identity_number=number, name="林大海")
    lookup, results = run_lookup(
        user=reviewer,
        scenario=Scenario.objects.get(code="HIRING"),
        purpose="公务员招录考察",
        rows=[InputRow(1, "林大海", number)],
        channel="single",
    )
    assert results[0].subject.id == person.pk
    registration = QueryRegistration.objects.get()
    assert registration.channel == "review" and registration.subject_id == person.pk
    assert registration.purpose == "公务员招录考察"


def test_thresholds_raise_one_alert_each_per_user_and_day(settings):
    settings.PORTAL_QUERY_ALERT_PER_DAY = 3
    settings.PORTAL_QUERY_ALERT_PERSONS_PER_DAY = 2
    user = UserFactory(role=roles.OPERATORS)
    day = a_weekday()
    for n in range(5):
        services.register(
            user=user,
            channel="admin",
            looked=[services.Looked(f"subject:{n}", n, natural_person=True)],
            purpose="核查",
            now=at(day, 10),
        )
    alerts = {a.kind: a.count for a in QueryAlert.objects.filter(user=user)}
    assert alerts == {AlertKind.VOLUME: 5, AlertKind.PERSONS: 5}
    # Another day starts afresh; a query at night is an alert of its own.
    services.register(
        user=user,
        channel="admin",
        looked=[services.Looked("subject:1", 1, natural_person=True)],
        purpose="核查",
        now=at(day + dt.timedelta(days=1), 23),
    )
    night = QueryAlert.objects.get(user=user, day=day + dt.timedelta(days=1))
    assert night.kind == AlertKind.OFF_HOURS and night.count == 1
    assert AuditEvent.objects.filter(action="queries.alert_raised").count() == 3


def _an_alert(settings) -> QueryAlert:
    """One open alert: any query counts past a daily threshold of 0."""
    settings.PORTAL_QUERY_ALERT_PER_DAY = 0
    services.register(
        user=UserFactory(username="curious"),
        channel="admin",
        looked=[services.Looked("record:1")],
        purpose="核查",
        now=at(a_weekday(), 10),
    )
    return QueryAlert.objects.get()


def test_alerts_show_on_the_operators_dashboard_until_acknowledged(client, operator, settings):
    alert = _an_alert(settings)
    client.force_login(operator)
    dashboard = client.get("/admin/").content.decode()
    assert "异常查询告警" in dashboard and "curious" in dashboard

    client.post(f"/admin/queries/alerts/{alert.pk}/acknowledge/")
    alert.refresh_from_db()
    assert alert.acknowledged_by == operator.username
    assert "curious" not in client.get("/admin/").content.decode()


def test_an_alert_is_acknowledged_from_the_dashboard_with_csrf_checks_on(operator, settings):
    """The panel is rendered apart from the page's context: its form must still carry the
    page's CSRF token, or the button is refused in a real browser."""
    alert = _an_alert(settings)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(operator)
    dashboard = browser.get("/admin/").content.decode()
    panel = dashboard[dashboard.index('id="query-alerts-section"') :]
    form = panel[panel.index('<tr class="query-alert">') : panel.index("</form>")]
    assert f'action="/admin/queries/alerts/{alert.pk}/acknowledge/"' in form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    answer = browser.post(
        f"/admin/queries/alerts/{alert.pk}/acknowledge/", {"csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == operator.username


def test_a_purpose_is_required():
    with pytest.raises(Exception, match="查询事由"):
        services.register(
            user=UserFactory(),
            channel="admin",
            looked=[services.Looked("record:1")],
            purpose="  ",
        )
    assert not QueryRegistration.objects.exists()


def test_the_monthly_report_is_made_once_and_downloadable_by_operators(client, operator):
    today = timezone.localdate()
    last_month = services.previous_month(today)
    services.register(
        user=operator,
        channel="admin",
        looked=[services.Looked("subject:7", 7, natural_person=True)],
        purpose="核查",
        now=at(last_month + dt.timedelta(days=2), 23),
    )
    UserFactory(username="created-this-month")  # an account change outside the month

    report = services.generate_due_report(today.replace(day=3))
    assert report is not None and report.month == last_month
    assert report.figures["queries"]["total"] == 1
    assert report.figures["queries"]["persons"] == 1
    assert report.figures["alerts"]["by_kind"] == {AlertKind.OFF_HOURS: 1}
    assert services.generate_due_report(today.replace(day=4)) is None
    assert SecurityReport.objects.count() == 1

    out = io.StringIO()
    call_command("security_report", "--month", today.strftime("%Y-%m"), stdout=out)
    this_month = SecurityReport.objects.get(month=today.replace(day=1))
    assert this_month.figures["account_changes"].get("accounts.user_created", 0) >= 2

    client.force_login(operator)
    download = client.get(f"/admin/queries/reports/{report.pk}.xlsx")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    client.force_login(UserFactory(role=roles.REVIEWERS))
    assert client.get(f"/admin/queries/reports/{report.pk}.xlsx").status_code in (302, 403)
