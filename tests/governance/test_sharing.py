"""Conditional sharing with government users (issue 15, item 7)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange import sharing
from exchange.models import Batch, SharingGrant
from portal.accounts import roles
from portal.audit.models import AuditEvent
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


# -- sharing grants (what a department may query, as data) --------------------------------------
def test_the_starter_grants_let_housing_query_social_insurance_arrears():
    housing = sharing.granted_items(department("HOUSING"))
    assert [g.catalog_item.code for g in housing.values()] == ["SOCIAL_INSURANCE_ARREARS"]
    assert sharing.granted_items(department("TRANSPORT")) == {}


def test_a_department_without_a_grant_is_refused_and_the_query_registered_as_refused(
    client, arrears, person_number
):
    transport_user = UserFactory(role=roles.GOVERNMENT_USERS, department=department("TRANSPORT"))
    client.force_login(transport_user)
    page = ask(client, person_number)
    text = page.content.decode()
    assert page.status_code == 200
    assert "尚未获得查询有条件共享信息的授权" in text and "8600" not in text
    registration = QueryRegistration.objects.get()
    assert registration.refused and registration.user == transport_user
    assert AuditEvent.objects.filter(action="queries.refused", actor=transport_user).exists()


def test_an_item_outside_the_grant_is_refused(client, government_user, arrears, person_number):
    client.force_login(government_user)
    page = client.post(
        SHARED,
        {
            "code": person_number,
            "purpose": "资格审核",
            "legal_basis": "条例第七条",
            "item": "TAX_ARREARS",
        },
    )
    assert "未获授权查询目录项“TAX_ARREARS”" in page.content.decode()
    assert "8600" not in page.content.decode()
    assert QueryRegistration.objects.get().refused


def test_a_withdrawn_grant_refuses_and_a_new_one_answers(
    client, government_user, arrears, person_number
):
    SharingGrant.objects.filter(department=department("HOUSING")).update(is_active=False)
    client.force_login(government_user)
    assert "8600" not in ask(client, person_number).content.decode()

    operator = UserFactory(role=roles.OPERATORS)
    client.force_login(operator)
    grant = SharingGrant.objects.get(department=department("HOUSING"))
    response = client.post(
        reverse("admin:exchange_sharinggrant_change", args=[grant.pk]),
        {
            "department": grant.department_id,
            "catalog_item": grant.catalog_item_id,
            "legal_basis": "《公共租赁住房管理办法》第七条",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(action="sharing.grant_changed", actor=operator).exists()

    client.force_login(government_user)
    assert "8600" in ask(client, person_number).content.decode()


def test_the_api_refuses_an_item_outside_the_grant(client, arrears, person_number):
    token, key = DepartmentToken.issue(department("HOUSING"), "sharing")
    DepartmentToken.objects.filter(pk=token.pk).update(shared_query=True)
    body = {
        "code": person_number,
        "purpose": "资格审核",
        "legal_basis": "条例第七条",
        "catalog_item": "COURT_DISHONEST",
    }
    refused = client.post(
        API, body, HTTP_AUTHORIZATION=f"Token {key}", content_type="application/json"
    )
    assert refused.status_code == 403 and "COURT_DISHONEST" in refused.content.decode()
    assert QueryRegistration.objects.get().refused


def test_a_sharing_key_only_queries(client):
    token, key = DepartmentToken.issue(department("HOUSING"), "sharing")
    DepartmentToken.objects.filter(pk=token.pk).update(shared_query=True)
    upload = SimpleUploadedFile("data.csv", b"a,b\n1,2\n", content_type="text/csv")
    response = client.post(
        "/api/v1/exchange/batches/",
        {"catalog": "ADM_PENALTY", "file": upload},
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 403
    assert "仅用于查询有条件共享信息" in response.content.decode()
    assert not Batch.objects.exists()
    listing = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert listing.status_code == 403


def test_the_starter_grants_name_instruments_without_made_up_article_numbers():
    from exchange.models import SharingGrant
    from exchange.sharing import STARTER_GRANTS

    for _department, _item, basis in STARTER_GRANTS:
        assert "《" in basis and "》" in basis  # a named instrument
        assert "第" not in basis and "条" not in basis.split("》")[-1]  # no article cited
    installed = set(SharingGrant.objects.values_list("legal_basis", flat=True))
    assert installed == {basis for _d, _i, basis in STARTER_GRANTS}


def test_a_deactivated_department_gets_nothing_through_its_grants(
    client, government_user, arrears, person_number
):
    """A department switched off (merged, dissolved) keeps its grant rows, but its
    government users' queries are refused and registered as refused, as its keys are."""
    Department = type(department("HOUSING"))
    Department.objects.filter(code="HOUSING").update(is_active=False)
    client.force_login(government_user)
    assert "8600" not in ask(client, person_number).content.decode()
    assert QueryRegistration.objects.get().refused
