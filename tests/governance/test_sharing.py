"""Conditional sharing with government users (issue 15, item 7)."""

import pytest
from django.urls import reverse

from portal.accounts import roles
from portal.departments.models import DepartmentToken
from portal.queries.models import QueryRegistration
from portal.records import visibility
from portal.records.models import CreditRecord
from tests.factories import PersonFactory, UserFactory, department, make_record, next_resident_id

pytestmark = pytest.mark.django_db

SHARED = reverse("exchange:shared_query")
API = "/api/v1/exchange/shared/"


@pytest.fixture
def person_number():
    return next_resident_id()


@pytest.fixture
def arrears(person_number):
    person = PersonFactory(identity_number=person_number, name="黄建国")
    return make_record(
        person,
        item_code="SOCIAL_INSURANCE_ARREARS",
        department_code="HRSS",
        data={"subject_name": "黄建国", "arrears_period": "2026年1-6月", "arrears_amount": "8600"},
    )


@pytest.fixture
def government_user():
    return UserFactory(role=roles.GOVERNMENT_USERS, department=department("HOUSING"))


def ask(client, code, purpose="保障房资格审核", legal_basis="《公共租赁住房管理办法》第七条"):
    return client.post(SHARED, {"code": code, "purpose": purpose, "legal_basis": legal_basis})


def test_a_government_user_sees_shared_records_and_the_query_is_registered(
    client, government_user, arrears, person_number
):
    client.force_login(government_user)
    page = ask(client, person_number)
    assert page.status_code == 200
    text = page.content.decode()
    assert "社保欠费" in text and "8600" in text and "黄建国" in text
    assert person_number not in text  # only the masked number
    registration = QueryRegistration.objects.get()
    assert registration.user == government_user
    assert registration.department == department("HOUSING")
    assert (registration.channel, registration.shared_only, registration.natural_person) == (
        "shared",
        True,
        True,
    )
    assert registration.legal_basis == "《公共租赁住房管理办法》第七条"


def test_purpose_and_legal_basis_are_required(client, government_user, arrears, person_number):
    client.force_login(government_user)
    page = ask(client, person_number, legal_basis="")
    assert "8600" not in page.content.decode()
    assert not QueryRegistration.objects.exists()
    bad = ask(client, "12345")
    assert "不是有效的" in bad.content.decode()


def test_officers_reviewers_and_the_public_get_nothing(client, arrears, person_number):
    client.force_login(UserFactory(role=roles.DEPARTMENT_OFFICERS, department=department("HRSS")))
    assert ask(client, person_number).status_code == 403
    client.force_login(UserFactory(role=roles.REVIEWERS))
    assert ask(client, person_number).status_code == 403
    client.logout()
    assert ask(client, person_number).status_code == 302
    # The public rule never lets a shared item through.
    assert not visibility.public_records(CreditRecord.objects.filter(pk=arrears.pk)).exists()
    assert client.get(f"/records/{arrears.pk}/").status_code in (404, 410)
    assert not QueryRegistration.objects.exists()


def test_the_token_api_answers_only_keys_granted_sharing(client, arrears, person_number):
    _token, plain = DepartmentToken.issue(department("HOUSING"), "submission")
    body = {"code": person_number, "purpose": "资格审核", "legal_basis": "条例第七条"}
    refused = client.post(API, body, HTTP_AUTHORIZATION=f"Token {plain}")
    assert refused.status_code == 403

    granted, key = DepartmentToken.issue(department("HOUSING"), "sharing")
    DepartmentToken.objects.filter(pk=granted.pk).update(shared_query=True)
    answer = client.post(
        API, body, HTTP_AUTHORIZATION=f"Token {key}", content_type="application/json"
    )
    assert answer.status_code == 200, answer.content
    records = answer.json()["records"]
    assert [r["catalog_item"] for r in records] == ["SOCIAL_INSURANCE_ARREARS"]
    assert records[0]["values"]["欠费金额（元）"] == "8600"
    registration = QueryRegistration.objects.get()
    assert registration.channel == "api" and registration.user is None
    assert registration.user_label.startswith(f"token:{granted.prefix}")

    missing = client.post(
        API,
        {**body, "legal_basis": ""},
        HTTP_AUTHORIZATION=f"Token {key}",
        content_type="application/json",
    )
    assert missing.status_code == 400
    assert client.post(API, body, content_type="application/json").status_code == 401
