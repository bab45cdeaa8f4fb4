"""Withdrawn means withdrawn everywhere: the register written by every path that ends
publication, the record's old address (410, both languages, the API), the case page and
the public feed."""

import datetime as dt
import json
import xml.etree.ElementTree as ET  # nosec B405  # parses the portal's own feed in tests

import pytest
from django.test import TestCase
from django.utils import timezone

from portal.accounts import roles
from portal.objections import services as cases
from portal.records.disclosure import PublicState, RecordStatus
from portal.records.models import Withdrawal, WithdrawalGround
from portal.records.services import change_record, refresh_public_states
from portal.records.withdrawals import WithdrawalError, withdraw_record
from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, PersonFactory, UserFactory, make_record
from tests.objections.helpers import file_repair

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def operator():
    return UserFactory(username="op", role=roles.OPERATORS)


def repaired_record(operator, subject=None):
    """A penalty whose repair an operator approved (the real case workflow)."""
    record = make_record(subject, decision_date=timezone.localdate() - dt.timedelta(days=200))
    case, secret = file_repair(record)
    for action in ("accept", "check", "approve"):
        cases.transition(case, action, actor=operator, comment=f"{action} 说明")
    record.refresh_from_db()
    return record, case, secret


# -- the register ----------------------------------------------------------------------------
def test_each_path_that_ends_publication_writes_one_withdrawal(operator):
    repaired, _case, _secret = repaired_record(operator)
    corrected = make_record()
    change_record(corrected, reason="objection", status=RecordStatus.CORRECTED)
    revoked = make_record()
    withdraw_record(revoked, WithdrawalGround.REVOCATION, "行政复议决定", "惠复决〔2026〕1号")
    delisted = make_record(item_code="COURT_DISHONEST", department_code="COURT", data={})
    withdraw_record(delisted, WithdrawalGround.DELISTING, "已履行义务", "（2026）粤13执恢1号")
    today = timezone.localdate()
    expiring = make_record(
        decision_date=today - dt.timedelta(days=400), today=today - dt.timedelta(days=200)
    )
    assert expiring.public_state == PublicState.PUBLISHED
    assert refresh_public_states(today) == 1
    assert refresh_public_states(today) == 0  # a second run finds nothing more

    grounds = dict(Withdrawal.objects.values_list("record_id", "ground"))
    assert grounds == {
        repaired.pk: WithdrawalGround.REPAIR,
        corrected.pk: WithdrawalGround.CORRECTION,
        revoked.pk: WithdrawalGround.REVOCATION,
        delisted.pk: WithdrawalGround.DELISTING,
        expiring.pk: WithdrawalGround.EXPIRY,
    }
    delisted.refresh_from_db()
    assert delisted.public_state == PublicState.DELISTED
    # Its history kept: a new version, written by the department's withdrawal.
    assert delisted.versions.count() == 1 and delisted.version == 2
    assert Withdrawal.objects.get(record_id=revoked.pk).document_no == "惠复决〔2026〕1号"


def test_changes_that_keep_a_record_public_or_hidden_write_nothing(operator):
    record = make_record()
    change_record(record, reason="objection", under_objection=True)
    hidden = make_record(item_code="SOCIAL_INSURANCE_ARREARS", department_code="HRSS", data={})
    assert hidden.public_state == PublicState.NOT_PUBLIC  # shared only: never public
    change_record(hidden, reason="department", status=RecordStatus.REVOKED)
    assert not Withdrawal.objects.exists()


def test_a_record_is_withdrawn_once(operator):
    record = make_record()
    withdraw_record(record, WithdrawalGround.REVOCATION, "复议撤销", "惠复决〔2026〕2号")
    with pytest.raises(WithdrawalError, match="已撤销"):
        withdraw_record(record, WithdrawalGround.DELISTING, "再次", "惠复决〔2026〕3号")
    with pytest.raises(WithdrawalError, match="依据"):
        withdraw_record(make_record(), WithdrawalGround.REVOCATION, " ", "惠复决〔2026〕4号")
    assert Withdrawal.objects.count() == 1


# -- the old address -------------------------------------------------------------------------
def test_a_repaired_record_answers_410_without_its_content(client, home, operator):
    person = PersonFactory(name="孙八")
    record, _case, _secret = repaired_record(operator, person)
    response = client.get(f"/records/{record.pk}/")
    body = page_text(response)
    assert response.status_code == 410
    assert "该记录已撤下公示" in body and "信用修复" in body
    assert timezone.localdate().isoformat() in body
    for secret in ("孙八", record.decision_no, "虚假宣传", person.identity_masked):
        assert secret not in body
    english = client.get(f"/en/records/{record.pk}/")
    assert english.status_code == 410
    text = page_text(english)
    assert "This record has been withdrawn" in text and "credit repair" in text
    assert "孙八" not in text


def test_an_organisations_withdrawn_record_names_the_organisation_only(client, home):
    company = OrganisationFactory(name="惠州市撤销测试有限公司")
    record = make_record(company)
    withdraw_record(record, WithdrawalGround.REVOCATION, "复议撤销", "惠复决〔2026〕5号")
    body = page_text(client.get(f"/records/{record.pk}/"))
    assert "惠州市撤销测试有限公司" in body and "撤销" in body
    assert record.decision_no not in body and "罚款1.5万元" not in body


def test_unknown_and_never_public_records_stay_404(client, home):
    hidden = make_record(item_code="SOCIAL_INSURANCE_ARREARS", department_code="HRSS", data={})
    assert client.get(f"/records/{hidden.pk}/").status_code == 404
    assert client.get("/records/987654/").status_code == 404
    assert client.get("/api/v1/records/987654").status_code == 404
    assert client.get(f"/api/v1/records/{hidden.pk}").status_code == 404


def test_the_record_api_answers_200_then_410(client, operator):
    record = make_record()
    found = client.get(f"/api/v1/records/{record.pk}").json()
    assert found["id"] == record.pk and found["decision_no"] == record.decision_no
    change_record(record, reason="objection", status=RecordStatus.CORRECTED)
    response = client.get(f"/api/v1/records/{record.pk}")
    assert response.status_code == 410
    body = response.json()
    assert body["error"] == "withdrawn" and body["ground"] == "correction"
    assert record.decision_no not in response.content.decode()


def test_the_case_page_says_whether_the_record_is_still_published(client, operator):
    record = make_record(decision_date=timezone.localdate() - dt.timedelta(days=200))
    case, secret = file_repair(record)
    client.post(f"/cases/{case.tracking_no}/", {"tracking_no": case.tracking_no, "secret": secret})
    assert "该记录仍在公示" in page_text(client.get(f"/cases/{case.tracking_no}/"))
    for action in ("accept", "check", "approve"):
        cases.transition(case, action, actor=operator, comment=f"{action} 说明")
    body = page_text(client.get(f"/cases/{case.tracking_no}/"))
    assert "因“信用修复”撤下公示" in body and "该记录仍在公示" not in body


# -- the feed --------------------------------------------------------------------------------
def committed():
    """Run what the writers' commits run (the feed numbers an entry after its commit)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _withdraw_many(count):
    records = []
    for n in range(count):
        record = make_record()
        with committed():
            withdraw_record(record, WithdrawalGround.REVOCATION, "复议撤销", f"惠复决〔2026〕{n}号")
        records.append(record)
    return records


def test_the_feed_pages_with_a_cursor_in_a_stable_order(client):
    records = _withdraw_many(5)
    first = client.get("/api/v1/withdrawals?limit=2").json()
    assert [e["record_id"] for e in first["entries"]] == [r.pk for r in records[:2]]
    assert first["has_more"] and first["next"].endswith(f"since={first['next_since']}&limit=2")
    second = client.get(f"/api/v1/withdrawals?limit=2&since={first['next_since']}").json()
    third = client.get(f"/api/v1/withdrawals?limit=2&since={second['next_since']}").json()
    assert [e["record_id"] for e in second["entries"] + third["entries"]] == [
        r.pk for r in records[2:]
    ]
    assert not third["has_more"]
    # Nothing new: the same cursor comes back, empty; a later withdrawal then appears.
    empty = client.get(f"/api/v1/withdrawals?since={third['next_since']}").json()
    assert empty["entries"] == [] and empty["next_since"] == third["next_since"]
    late = _withdraw_many(1)[0]
    again = client.get(f"/api/v1/withdrawals?since={third['next_since']}").json()
    assert [e["record_id"] for e in again["entries"]] == [late.pk]


def test_the_feed_refuses_a_bad_cursor_clearly(client):
    for query in ("since=abc", "since=-1", "limit=0", "limit=100000"):
        response = client.get(f"/api/v1/withdrawals?{query}")
        assert response.status_code == 400 and response.json()["error"] == "bad_cursor"


def test_the_feed_leaks_no_content_and_masks_natural_persons(client, operator):
    person = PersonFactory(name="周九")
    company = OrganisationFactory(name="惠州市订阅测试有限公司")
    other = make_record(company)
    with committed():
        record, _case, _secret = repaired_record(operator, person)
        withdraw_record(other, WithdrawalGround.DELISTING, "已履行", "惠复决〔2026〕9号")
    response = client.get("/api/v1/withdrawals")
    text = response.content.decode()
    entries = {e["record_id"]: e for e in json.loads(text)["entries"]}
    assert entries[record.pk]["subject_code"] == person.identity_masked
    assert entries[record.pk]["natural_person"] is True
    assert entries[record.pk]["ground"] == "repair"
    assert entries[other.pk]["subject_code"] == company.code
    assert entries[other.pk]["url"].endswith(f"/records/{other.pk}/")
    atom = client.get("/api/v1/withdrawals.atom")
    assert atom["Content-Type"].startswith("application/atom+xml")
    feed = atom.content.decode()
    assert len(ET.fromstring(atom.content).findall(f"{ATOM}entry")) == 2  # noqa: S314  # nosec B314  # our own feed
    for body in (text, feed):
        for secret in ("周九", person.code, record.decision_no, other.decision_no, "罚款"):
            assert secret not in body
        assert "惠州市订阅测试有限公司" not in body and "惠复决" not in body
    assert person.identity_masked in feed and "信用修复" in feed


def test_the_atom_feed_links_its_next_page(client):
    _withdraw_many(3)
    root = ET.fromstring(client.get("/api/v1/withdrawals.atom?limit=2").content)  # noqa: S314  # nosec B314  # our own feed
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert "since=" in links["next"] and "limit=2" in links["next"]


def test_the_feed_and_the_record_endpoint_are_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {
        "/api/v1/withdrawals",
        "/api/v1/withdrawals.atom",
        "/api/v1/records/{record_id}",
    } <= set(paths)
    parameters = {p["name"] for p in paths["/api/v1/withdrawals"]["get"]["parameters"]}
    assert {"since", "limit"} <= parameters
    assert "410" in paths["/api/v1/records/{record_id}"]["get"]["responses"]
