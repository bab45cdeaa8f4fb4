"""The subject's credit profile (信用档案) and the record page."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from portal.records.disclosure import PublicState, RecordStatus
from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, PersonFactory, make_record, next_resident_id

pytestmark = pytest.mark.django_db


def test_profile_groups_records_by_item_with_badges(client, home):
    subject = OrganisationFactory(name="惠州市档案测试有限公司")
    penalty = make_record(subject)
    licence = make_record(subject, item_code="ADM_LICENSE", data={"decision_name": "食品经营许可"})
    make_record(subject, item_code="COURT_DISHONEST", department_code="COURT", data={})
    make_record(subject, item_code="TAX_A_GRADE", department_code="TAX", data={})
    response = client.get(f"/subjects/{subject.code}/")
    body = page_text(response)
    assert response.status_code == 200
    assert "<h1" in body and "惠州市档案测试有限公司" in body
    assert subject.uscc in body
    assert 'class="badge badge-black"' in body and "失信被执行人" in body
    assert 'class="badge badge-red"' in body and "纳税信用A级" in body
    assert body.index('id="item-ADM_LICENSE"') < body.index('id="item-ADM_PENALTY"')
    assert penalty.decision_no in body and licence.decision_no in body
    assert "惠州市市场监督管理局" in body  # the source of the record


def test_profile_marks_records_under_objection(client, home):
    subject = OrganisationFactory()
    record = make_record(subject, under_objection=True)
    assert record.public_state == PublicState.UNDER_OBJECTION
    body = page_text(client.get(f"/subjects/{subject.code}/"))
    assert "异议处理中" in body
    assert "1 条记录异议处理中" in body


def test_profile_hides_records_the_public_may_not_see(client, home):
    subject = OrganisationFactory()
    shown = make_record(subject)
    repaired = make_record(subject, status=RecordStatus.REPAIRED)
    expired = make_record(subject, decision_date=timezone.localdate() - dt.timedelta(days=800))
    shared_only = make_record(subject, item_code="SOCIAL_INSURANCE_ARREARS", department_code="HRSS")
    body = page_text(client.get(f"/subjects/{subject.code}/"))
    assert shown.decision_no in body
    for hidden in (repaired, expired, shared_only):
        assert hidden.decision_no not in body
    assert client.get(f"/records/{repaired.pk}/").status_code == 404
    assert client.get(f"/records/{shared_only.pk}/").status_code == 404


def test_long_profiles_show_the_latest_per_item_and_page_the_rest(client, home):
    subject = OrganisationFactory()
    today = timezone.localdate()
    records = [
        make_record(subject, decision_date=today - dt.timedelta(days=d)) for d in range(1, 26)
    ]
    body = page_text(client.get(f"/subjects/{subject.code}/"))
    assert records[0].decision_no in body and records[20].decision_no not in body
    assert "查看全部 25 条" in body
    page_two = page_text(client.get(f"/subjects/{subject.code}/?item=ADM_PENALTY&page=2"))
    assert records[24].decision_no in page_two


def test_person_profile_is_masked_and_minors_are_never_shown(client, home):
    number = next_resident_id("19850101")
    person = PersonFactory(name="赵六", identity_number=number)
    make_record(person)
    body = page_text(client.get(f"/subjects/{person.code}/"))
    assert "赵六" in body
    assert person.identity_masked in body and number not in body
    assert "法定代表人" not in body

    minor_birth = (timezone.localdate() - dt.timedelta(days=15 * 365)).strftime("%Y%m%d")
    minor = PersonFactory(name="未成年", birth=minor_birth)
    make_record(minor)
    assert client.get(f"/subjects/{minor.code}/").status_code == 404

    nobody = PersonFactory(name="无公示")
    assert client.get(f"/subjects/{nobody.code}/").status_code == 404


def test_record_detail_shows_public_fields_and_the_two_actions(client, home):
    person = PersonFactory(name="钱七")
    record = make_record(
        person,
        data={
            "subject_name": "钱七",
            "id_number": "SHOULD-NEVER-SHOW",
            "violation_type": "虚假宣传",
            "penalty_types": ["警告", "罚款"],
            "fine_amount": "2.5",
        },
    )
    response = client.get(f"/records/{record.pk}/")
    body = page_text(response)
    assert response.status_code == 200
    assert "虚假宣传" in body and "警告、罚款" in body and "2.5" in body
    assert "SHOULD-NEVER-SHOW" not in body
    assert f'href="/objections/new/?record={record.pk}"' in body
    assert f'href="/repair/new/?record={record.pk}"' in body
    assert "对该记录提出异议" in body and "申请信用修复" in body


def test_a_licence_offers_objection_but_not_repair(client, home):
    record = make_record(item_code="ADM_LICENSE", data={"decision_name": "许可"})
    body = page_text(client.get(f"/records/{record.pk}/"))
    assert f"/objections/new/?record={record.pk}" in body
    assert "/repair/new/" not in body.split("<footer")[0]


def test_profile_pages_are_rate_limited(client, home):
    subject = OrganisationFactory()
    make_record(subject)
    with override_settings(PORTAL_RATE_LIMITS={"public_profile": (3, 60)}):
        codes = [client.get(f"/subjects/{subject.code}/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_profile_in_english(client, home):
    subject = OrganisationFactory()
    make_record(subject)
    body = page_text(client.get(f"/en/subjects/{subject.code}/"))
    assert "Administrative penalty" in body  # the catalog item's English name
    assert "Credit record" in body or "Credit profile" in body
