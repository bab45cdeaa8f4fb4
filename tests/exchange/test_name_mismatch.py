"""A row whose subject code belongs to an existing subject under a clearly different name:
flagged in the plan, loaded only once the officer confirms the code."""

import pytest
from django.urls import reverse

from exchange import services
from exchange.models import Batch, BatchStatus, CandidateKind, IdentityCandidate
from portal.audit.models import AuditEvent
from portal.records.models import CreditRecord
from portal.subjects.models import SubjectName
from portal.subjects.name_keys import clearly_different, is_near_name
from tests.exchange.conftest import penalty_csv, penalty_row, submit, upload
from tests.factories import OrganisationFactory, PersonFactory, next_resident_id

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("registered", "incoming"),
    [
        ("惠州市华兴建筑有限公司", "惠州市华兴建筑有限责任公司"),  # organisational form
        ("华兴建筑有限公司", "惠州市华兴建筑有限公司"),  # city added
        ("惠州市华兴建筑有限公司", "惠州市华兴建设有限公司"),  # one character (a typo)
        ("惠州市汇通物流有限公司", "惠州市汇通物留有限公司"),  # homophone
        ("惠州市华兴建筑(惠阳)有限公司", "惠州市華興建築（惠阳）有限公司"),  # traditional, width
    ],
)
def test_renames_and_near_names_are_not_clearly_different(registered, incoming):
    assert is_near_name(incoming, registered)
    assert not clearly_different(incoming, [registered])


@pytest.mark.parametrize(
    ("registered", "incoming"),
    [
        ("惠州市华兴建筑有限公司", "惠州市绿源餐饮管理有限公司"),
        ("惠州市华兴有限公司", "惠州市华达有限公司"),  # short cores: another firm
        ("张三", "李四"),
    ],
)
def test_other_names_are_clearly_different(registered, incoming):
    assert clearly_different(incoming, [registered])


def test_a_former_name_is_one_of_the_subjects_names():
    assert not clearly_different(
        "惠州市旧城贸易有限公司", ["惠州市新港物流有限公司", "旧城贸易公司"]
    )


def mismatch_file(subject, **overrides):
    return penalty_csv([penalty_row(uscc=subject.uscc, **overrides)])


def test_the_plan_flags_a_code_registered_under_a_clearly_different_name():
    subject = OrganisationFactory(name="惠州市华兴建筑有限公司")
    renamed = OrganisationFactory(name="惠州市汇通物流有限公司")
    content = penalty_csv(
        [
            penalty_row(uscc=subject.uscc, subject_name="惠州市绿源餐饮管理有限公司"),
            penalty_row(uscc=renamed.uscc, subject_name="惠州市汇通物流有限责任公司"),
            penalty_row(),  # a new subject
        ]
    )
    batch = services.validate_batch(submit(content).pk)
    assert batch.status == BatchStatus.VALIDATED
    assert batch.name_mismatch_count == 1 and batch.candidate_count == 0
    flagged = IdentityCandidate.objects.get(batch=batch)
    assert flagged.kind == CandidateKind.NAME_DIFFERS
    assert (flagged.row, flagged.incoming_name) == (2, "惠州市绿源餐饮管理有限公司")
    assert flagged.matched_subject == subject == flagged.attached_subject
    assert not CreditRecord.objects.exists()


def test_commit_is_refused_until_the_codes_are_confirmed(django_capture_on_commit_callbacks):
    subject = OrganisationFactory(name="惠州市华兴建筑有限公司")
    batch = services.validate_batch(
        submit(mismatch_file(subject, subject_name="惠州市绿源餐饮管理有限公司")).pk
    )
    with pytest.raises(services.NamesUnconfirmed) as refused:
        services.request_commit(batch)
    assert "1 行" in refused.value.message()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED and not batch.names_confirmed

    with django_capture_on_commit_callbacks(execute=True):
        services.request_commit(batch, names_confirmed=True)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.names_confirmed
    record = CreditRecord.objects.get()
    assert record.subject == subject  # the code decides
    assert SubjectName.objects.filter(subject=subject, name="惠州市绿源餐饮管理有限公司").exists()
    # Still listed for the operators after the load, and the confirmation is audited.
    assert batch.candidates.filter(kind=CandidateKind.NAME_DIFFERS).count() == 1
    assert AuditEvent.objects.filter(action="exchange.batch.names_confirmed").exists()


def test_a_rename_or_a_known_former_name_is_not_flagged():
    subject = OrganisationFactory(name="惠州市华兴建筑有限公司")
    SubjectName.objects.create(
        subject=subject, name="惠州市老城装饰工程有限公司", name_normalised="老城装饰工程公司"
    )
    content = penalty_csv(
        [
            penalty_row(uscc=subject.uscc, subject_name="华兴建筑有限责任公司"),
            penalty_row(uscc=subject.uscc, subject_name="惠州市老城装饰工程有限公司"),
        ]
    )
    batch = services.validate_batch(submit(content).pk)
    assert batch.name_mismatch_count == 0
    assert not IdentityCandidate.objects.exists()


def test_a_person_under_another_name_is_flagged():
    number = next_resident_id()
    PersonFactory(identity_number=number, name="张三")
    item_rows = [penalty_row(subject_kind="自然人", uscc="", subject_name="李四")]
    from tests.factories import catalog_item

    fields = {f.key for f in catalog_item("ADM_PENALTY").fields.all()}
    id_key = next(k for k in ("id_number", "identity_number") if k in fields)
    item_rows[0][id_key] = number
    for key in ("id_type", "identity_type"):
        if key in fields:
            item_rows[0][key] = "身份证"
    batch = services.validate_batch(submit(penalty_csv(item_rows)).pk)
    assert batch.rejected == 0, list(batch.row_errors.values_list("code", "column"))
    assert batch.name_mismatch_count == 1


def test_auto_commit_stops_validated_and_loads_nothing_until_confirmed(
    django_capture_on_commit_callbacks,
):
    subject = OrganisationFactory(name="惠州市华兴建筑有限公司")
    content = penalty_csv(
        [
            penalty_row(uscc=subject.uscc, subject_name="惠州市绿源餐饮管理有限公司"),
            penalty_row(),
        ]
    )
    batch = services.validate_batch(submit(content, auto_commit=True).pk)
    assert batch.status == BatchStatus.VALIDATED
    assert (batch.name_mismatch_count, batch.accepted, batch.created_count) == (1, 2, 2)
    assert not CreditRecord.objects.exists()
    assert IdentityCandidate.objects.filter(batch=batch).count() == 1

    confirmed = services.validate_batch(
        submit(
            penalty_csv(
                [penalty_row(uscc=subject.uscc, subject_name="惠州市绿源餐饮管理有限公司")]
            ),
            auto_commit=True,
            names_confirmed=True,
        ).pk
    )
    assert confirmed.status == BatchStatus.COMMITTED
    assert CreditRecord.objects.get().subject == subject


def test_workspace_lists_the_rows_and_asks_for_a_second_confirmation(
    client, officer, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    subject = OrganisationFactory(name="惠州市华兴建筑有限公司")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("exchange:batch_upload"),
            {
                "catalog_item": "ADM_PENALTY",
                "file": upload(
                    mismatch_file(subject, subject_name="惠州市绿源餐饮管理有限公司"), "a.csv"
                ),
            },
        )
    batch = Batch.objects.get()
    url = reverse("exchange:batch_detail", args=[batch.pk])
    page = client.get(url).content.decode()
    assert "名称与已登记名称不符" in page
    assert "惠州市绿源餐饮管理有限公司" in page and "惠州市华兴建筑有限公司" in page
    assert 'name="confirm_names"' in page

    commit = reverse("exchange:batch_commit", args=[batch.pk])
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(commit, {"confirm": "1"}, follow=True)
    assert "可能是代码填错" in refused.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED

    with django_capture_on_commit_callbacks(execute=True):
        client.post(commit, {"confirm": "1", "confirm_names": "1"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED


def test_api_lists_the_rows_and_refuses_an_unconfirmed_commit(
    client, market_token, django_capture_on_commit_callbacks
):
    subject = OrganisationFactory(name="惠州市华兴建筑有限公司")
    headers = {"HTTP_AUTHORIZATION": f"Token {market_token}"}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/exchange/batches/",
            {
                "catalog": "ADM_PENALTY",
                "file": upload(
                    mismatch_file(subject, subject_name="惠州市绿源餐饮管理有限公司"), "a.csv"
                ),
            },
            **headers,
        ).json()
    detail = client.get(created["links"]["self"], **headers).json()
    assert detail["name_mismatch_count"] == 1
    assert detail["name_mismatches"] == [
        {
            "row": 2,
            "code": subject.uscc,
            "name": "惠州市绿源餐饮管理有限公司",
            "registered_name": "惠州市华兴建筑有限公司",
        }
    ]
    refused = client.post(created["links"]["commit"], **headers)
    assert refused.status_code == 409 and refused.json()["error"] == "names_unconfirmed"
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(created["links"]["commit"], {"confirm_names": "true"}, **headers)
    assert accepted.status_code == 202
    assert CreditRecord.objects.get().subject == subject


def test_the_operators_dashboard_lists_the_rows_to_confirm(client):
    from exchange.wagtail_hooks import operator_todo
    from portal.accounts import roles
    from tests.factories import UserFactory

    subject = OrganisationFactory(name="惠州市华兴建筑有限公司")
    services.validate_batch(
        submit(mismatch_file(subject, subject_name="惠州市绿源餐饮管理有限公司")).pk
    )
    counts = {item["label"]: item["count"] for item in operator_todo()}
    assert counts["代码相同、名称明显不同的报送行"] == 1
    client.force_login(UserFactory(role=roles.OPERATORS))
    page = client.get("/admin/").content.decode()
    assert 'id="operator-todo-section"' in page and "代码相同、名称明显不同的报送行" in page
    listing = client.get(
        "/django-admin/exchange/identitycandidate/?status__exact=open&kind__exact=name_differs"
    )
    assert listing.status_code == 200 and "惠州市绿源餐饮管理有限公司" in listing.content.decode()
