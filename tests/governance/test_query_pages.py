"""Browsing pages that show natural persons' data are registered in the query register,
once per reload window, and count towards the alerts; the off-hours alert follows the
statutory working-day calendar."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.accounts import roles
from portal.catalog.models import CatalogItem
from portal.measures.models import Scenario
from portal.measures.reader import InputRow
from portal.measures.services import run_lookup
from portal.objections.models import WorkdayOverride
from portal.queries import services
from portal.queries.models import AlertKind, QueryAlert, QueryRegistration
from tests.exchange.conftest import submit
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    department,
    make_record,
    next_resident_id,
)
from tests.objections.helpers import file_objection

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return UserFactory(role=roles.OPERATORS)


@pytest.fixture
def officer():
    return UserFactory(role=roles.DEPARTMENT_OFFICERS, department=department("MARKET"))


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


# -- the workspace's batch pages ------------------------------------------------------------------
def test_a_batch_page_is_registered_once_per_reload_window(client, officer):
    batch = submit("a,b\n1,2\n", user=officer)
    client.force_login(officer)
    for url in (
        f"/workspace/batches/{batch.pk}/",
        f"/workspace/batches/{batch.pk}/",
        f"/workspace/batches/{batch.pk}/rows/",
    ):
        assert client.get(url).status_code == 200
    registration = QueryRegistration.objects.get()
    assert (registration.user, registration.channel, registration.target) == (
        officer,
        "workspace",
        f"batch:{batch.pk}",
    )
    assert registration.purpose == f"核对本部门报送批次 #{batch.pk}"
    assert registration.natural_person and registration.department == department("MARKET")


def test_a_batchs_rows_read_through_the_api_are_registered_under_the_key(client):
    """The API's batch detail, errors, rows and error report show what the workspace's
    batch pages show: reading them is a staff view too, registered under the key."""
    from portal.departments.models import DepartmentToken

    token, key = DepartmentToken.issue(department("MARKET"), "报送系统")
    batch = submit("a,b\n1,2\n")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    for suffix in ("", "errors/", "rows/"):
        assert (
            client.get(f"/api/v1/exchange/batches/{batch.pk}/{suffix}", **auth).status_code == 200
        )
    registration = QueryRegistration.objects.get()
    assert (registration.user, registration.channel, registration.target) == (
        None,
        "exchange_api",
        f"batch:{batch.pk}",
    )
    assert registration.user_label == f"token:{token.prefix}:报送系统"
    assert registration.natural_person and registration.department == department("MARKET")


def test_a_reload_after_the_window_is_a_new_query(client, officer, settings):
    settings.PORTAL_QUERY_REPEAT_SECONDS = 0
    batch = submit("a,b\n1,2\n", user=officer)
    client.force_login(officer)
    client.get(f"/workspace/batches/{batch.pk}/")
    client.get(f"/workspace/batches/{batch.pk}/")
    assert QueryRegistration.objects.count() == 2


def test_a_batch_of_an_item_without_persons_is_not_registered(client, officer):
    item = CatalogItem.objects.get(code="ADM_PENALTY")
    CatalogItem.objects.filter(pk=item.pk).update(for_natural_persons=False)
    batch = submit("a,b\n1,2\n", user=officer, item=CatalogItem.objects.get(pk=item.pk))
    client.force_login(officer)
    assert client.get(f"/workspace/batches/{batch.pk}/").status_code == 200
    assert not QueryRegistration.objects.exists()


def test_batch_pages_count_towards_the_alerts(client, officer, settings):
    settings.PORTAL_QUERY_ALERT_PER_DAY = 1
    first, second = submit("a\n1\n", user=officer), submit("b\n2\n", user=officer)
    client.force_login(officer)
    client.get(f"/workspace/batches/{first.pk}/")
    assert not QueryAlert.objects.filter(kind=AlertKind.VOLUME).exists()
    client.get(f"/workspace/batches/{second.pk}/rows/")
    alert = QueryAlert.objects.get(kind=AlertKind.VOLUME)
    assert (alert.user, alert.count) == (officer, 2)


# -- case pages -------------------------------------------------------------------------------------
def test_a_case_about_a_person_is_registered_once_per_reload_window(client, operator, officer):
    person = PersonFactory(name="陈小明")
    case, _secret = file_objection(make_record(person, department_code="MARKET"))
    client.force_login(operator)
    assert client.get(f"/staff/cases/{case.tracking_no}/").status_code == 200
    assert client.get(f"/staff/cases/{case.tracking_no}/").status_code == 200
    registration = QueryRegistration.objects.get()
    assert (registration.user, registration.channel, registration.subject_id) == (
        operator,
        "admin",
        person.pk,
    )
    assert registration.target == f"record:{case.record_id}"
    assert registration.purpose == f"办理异议案件 {case.tracking_no}"


def test_a_case_about_an_organisation_is_not_registered(client, operator):
    case, _secret = file_objection(make_record(OrganisationFactory(), department_code="MARKET"))
    client.force_login(operator)
    assert client.get(f"/staff/cases/{case.tracking_no}/").status_code == 200
    assert not QueryRegistration.objects.exists()


# -- admin listings ---------------------------------------------------------------------------------
def test_the_admin_listings_register_the_persons_shown(client, operator):
    person = PersonFactory(name="林大海")
    company = OrganisationFactory()
    make_record(person)
    make_record(company)
    client.force_login(operator)

    assert client.get("/admin/snippets/subjects/subject/").status_code == 200
    listed = QueryRegistration.objects.get()
    assert (listed.target, listed.subject_id, listed.purpose) == (
        f"subject:{person.pk}",
        person.pk,
        "浏览信用主体列表",
    )
    # The listing's search results (the same view, results only) are registered too.
    QueryRegistration.objects.all().delete()
    assert client.get("/admin/snippets/subjects/subject/results/", {"q": "林"}).status_code == 200
    assert QueryRegistration.objects.get().subject_id == person.pk

    QueryRegistration.objects.all().delete()
    assert client.get("/admin/snippets/records/creditrecord/").status_code == 200
    registration = QueryRegistration.objects.get()
    assert registration.subject_id == person.pk and registration.target.startswith("record:")
    assert registration.purpose == "浏览信用记录列表"


# -- reading back a screening lookup ------------------------------------------------------------------
def test_the_admin_choosers_register_the_persons_they_show(client, operator):
    """The chooser modals list and search subjects and records as the listings do: a person
    found there by name or identity number is a registered query."""
    number = next_resident_id()
    person = PersonFactory(identity_number=number, name="陈小明")
    record = make_record(person)
    OrganisationFactory()
    client.force_login(operator)
    found = client.get("/admin/snippets/choose/subjects/subject/results/", {"q": "陈小明"})
    assert found.status_code == 200 and "陈小明" in found.content.decode()
    registration = QueryRegistration.objects.get()
    assert (registration.user, registration.channel, registration.target) == (
        operator,
        "admin",
        f"subject:{person.pk}",
    )
    assert registration.natural_person and registration.purpose == "在选择器中浏览信用主体"
    assert client.get("/admin/snippets/choose/records/creditrecord/").status_code == 200
    assert QueryRegistration.objects.filter(target=f"record:{record.pk}").exists()


def test_reading_back_an_old_lookup_registers_its_persons(client, operator):
    reviewer = UserFactory(role=roles.REVIEWERS)
    number = next_resident_id()
    person = PersonFactory(identity_number=number, name="林大海")
    lookup, _results = run_lookup(
        user=reviewer,
        scenario=Scenario.objects.get(code="HIRING"),
        purpose="公务员招录考察",
        rows=[InputRow(1, "林大海", number)],
        channel="single",
    )
    assert QueryRegistration.objects.count() == 1  # the lookup itself
    # The reviewer's page right after the lookup is the same query.
    client.force_login(reviewer)
    assert client.get(f"/review/lookups/{lookup.pk}/").status_code == 200
    assert QueryRegistration.objects.count() == 1

    client.force_login(operator)
    assert client.get(f"/review/lookups/{lookup.pk}/").status_code == 200
    read_back = QueryRegistration.objects.get(user=operator)
    assert (read_back.channel, read_back.target, read_back.subject_id) == (
        "review",
        f"lookup:{lookup.pk}",
        person.pk,
    )
    assert read_back.purpose == "公务员招录考察"
    assert client.get(f"/review/lookups/{lookup.pk}/export.xlsx").status_code == 200
    assert QueryRegistration.objects.filter(user=operator).count() == 1


# -- the off-hours alert on the statutory calendar ---------------------------------------------------
def off_hours_alert(user, moment: dt.datetime) -> bool:
    services.register(
        user=user,
        channel="admin",
        looked=[services.Looked(f"subject:{moment:%Y%m%d}", 1, natural_person=True)],
        purpose="核查",
        now=moment,
    )
    return QueryAlert.objects.filter(
        kind=AlertKind.OFF_HOURS, user=user, day=moment.date()
    ).exists()


def test_off_hours_follow_holidays_and_adjusted_working_weekends():
    user = UserFactory(role=roles.OPERATORS)
    assert not off_hours_alert(user, at(dt.date(2026, 2, 14), 10))  # Saturday worked
    assert off_hours_alert(user, at(dt.date(2026, 2, 23), 10))  # Monday of Spring Festival
    assert off_hours_alert(user, at(dt.date(2026, 10, 11), 10))  # an ordinary Sunday
    assert off_hours_alert(user, at(dt.date(2026, 3, 3), 20))  # a Tuesday evening
    assert not off_hours_alert(user, at(dt.date(2026, 3, 4), 10))  # a Wednesday morning


def test_off_hours_follow_the_operators_calendar_overrides():
    WorkdayOverride.objects.create(date=dt.date(2026, 3, 2), is_working_day=False)
    user = UserFactory(role=roles.OPERATORS)
    assert off_hours_alert(user, at(dt.date(2026, 3, 2), 10))
