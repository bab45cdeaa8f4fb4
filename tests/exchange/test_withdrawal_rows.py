"""Revoke or remove from the source: a 撤销 / 移出 row in the department's file (or the API's
upload, the same file) finds the record by its key and withdraws it; the workspace form does
the same for one record, through the same service."""

import csv
import io

import pytest
from django.urls import reverse

from exchange import processing
from exchange.models import BatchRow, BatchStatus, RowError
from importers.templates import template_csv
from portal.audit.models import AuditEvent
from portal.records.disclosure import PublicState, RecordStatus
from portal.records.models import CreditRecord, Withdrawal, WithdrawalGround
from search.service import SearchQuery, search_public
from tests.exchange.conftest import load, penalty_row, submit, upload
from tests.factories import catalog_item, make_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def without_second_officer(market):
    """These tests are about the withdrawal itself: MARKET's policy lets one officer act
    alone (tests/exchange/test_approvals.py covers the default, with a second officer)."""
    from exchange.approvals import set_policy

    for action in ("revocation", "delisting"):
        set_policy(market, action, False)


ACTION_HEADER = ["操作类型", "撤销或移出依据", "撤销或移出文书号", "撤销或移出日期"]


def action_csv(rows, *, with_actions=True) -> bytes:
    """CSV of penalty rows with the template's labels, plus the action columns."""
    fields = list(catalog_item("ADM_PENALTY").fields.all().order_by("sort_order", "id"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f.label for f in fields] + (ACTION_HEADER if with_actions else []))
    for row in rows:
        cells = [row.get(f.key, "") for f in fields]
        if with_actions:
            cells += [
                row.get("action", ""),
                row.get("basis_w", ""),
                row.get("doc_w", ""),
                row.get("date_w", ""),
            ]
        writer.writerow(cells)
    return buffer.getvalue().encode()


def revoke_row(original: dict, action="撤销", **overrides) -> dict:
    """Only what finds the record (decision number, subject code), the action and its grounds."""
    row = {
        "subject_name": original["subject_name"],
        "uscc": original["uscc"],
        "decision_no": original["decision_no"],
        "action": action,
        "basis_w": "惠州市人民政府行政复议决定撤销原处罚决定",
        "doc_w": "惠府行复〔2026〕12号",
    }
    row.update(overrides)
    return row


def loaded(row: dict) -> CreditRecord:
    batch = load(action_csv([row]))
    assert batch.created_count == 1, list(batch.row_errors.values_list("code", flat=True))
    return CreditRecord.objects.get(decision_no=row["decision_no"])


def test_the_template_carries_the_optional_action_columns():
    header = template_csv(catalog_item("ADM_PENALTY")).decode("utf-8-sig").splitlines()[0]
    assert header.endswith(",".join(ACTION_HEADER))


def test_a_revocation_row_withdraws_the_record_through_the_real_import(
    client, django_capture_on_commit_callbacks
):
    original = penalty_row()
    with django_capture_on_commit_callbacks(execute=True):
        record = loaded(original)
    assert search_public(SearchQuery(q=original["decision_no"])).total == 1

    # Validation alone changes nothing: it says what the commit will do.
    batch = submit(action_csv([revoke_row(original)]))
    batch = processing_validate(batch)
    assert batch.status == BatchStatus.VALIDATED and batch.withdrawn_count == 1
    assert BatchRow.objects.get(batch=batch).outcome == "withdraw"
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED

    from exchange import services

    with django_capture_on_commit_callbacks(execute=True):
        batch = services.commit_batch(batch.pk)
    assert batch.status == BatchStatus.COMMITTED and batch.withdrawn_count == 1
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED and record.public_state == PublicState.REVOKED
    # History kept: the first version and the revocation, naming the batch.
    latest = record.versions.order_by("-number").first()
    assert record.versions.count() == 2 and latest.reference == batch.reference
    assert "惠府行复〔2026〕12号" in latest.comment
    withdrawal = Withdrawal.objects.get(record_id=record.pk)
    assert withdrawal.ground == WithdrawalGround.REVOCATION
    assert withdrawal.document_no == "惠府行复〔2026〕12号"
    assert AuditEvent.objects.filter(action="record.department").exists()
    # Gone everywhere at once: search, the record's address, and on the feed.
    assert search_public(SearchQuery(q=original["decision_no"])).total == 0
    assert client.get(f"/api/v1/records/{record.pk}").status_code == 410
    feed = client.get("/api/v1/withdrawals").json()
    assert [e["record_id"] for e in feed["entries"]] == [record.pk]
    assert feed["entries"][0]["ground"] == "revocation"


def processing_validate(batch):
    from exchange import services

    return services.validate_batch(batch.pk)


def test_a_removal_row_takes_the_record_off_its_list():
    original = penalty_row()
    record = loaded(original)
    batch = load(action_csv([revoke_row(original, action="移出")]))
    assert batch.withdrawn_count == 1
    record.refresh_from_db()
    assert record.public_state == PublicState.DELISTED
    assert Withdrawal.objects.get(record_id=record.pk).ground == WithdrawalGround.DELISTING


def test_a_withdrawal_of_a_record_not_found_is_a_row_error():
    make_record()  # the department has records, just not this one
    batch = load(action_csv([revoke_row(penalty_row())]))
    [error] = RowError.objects.filter(batch=batch)
    assert error.code == "withdraw_not_found"
    assert "未找到要撤销或移出的记录" in error.message()
    assert batch.withdrawn_count == 0 and not Withdrawal.objects.exists()


def test_withdrawal_rows_need_their_grounds_and_a_known_action():
    original = penalty_row()
    record = loaded(original)
    batch = load(
        action_csv(
            [
                revoke_row(original, basis_w=""),
                revoke_row(original, action="删除", doc_w="x", decision_no="惠市监罚X1号"),
            ]
        )
    )
    codes = sorted(RowError.objects.filter(batch=batch).values_list("code", flat=True))
    assert codes == ["action", "withdrawal_required"]
    messages = {e.code: e.message() for e in RowError.objects.filter(batch=batch)}
    assert "新增/更正、撤销、移出" in messages["action"]
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED


def test_a_withdrawn_record_cannot_be_withdrawn_or_overwritten_again():
    original = penalty_row()
    record = loaded(original)
    load(action_csv([revoke_row(original)]))
    again = load(action_csv([revoke_row(original, action="移出")]))
    assert RowError.objects.get(batch=again).code == "record_closed"
    overwrite = load(action_csv([dict(original, content="改")]))
    assert RowError.objects.get(batch=overwrite).code == "record_closed"
    assert Withdrawal.objects.filter(record_id=record.pk).count() == 1


def test_blank_actions_add_and_correct_as_before():
    original = penalty_row()
    record = loaded(original)
    batch = load(action_csv([dict(original, content="更正后的内容", action="新增/更正")]))
    assert batch.updated_count == 1
    record.refresh_from_db()
    assert record.data["content"] == "更正后的内容" and record.public_state == "published"


def test_creates_and_withdrawals_mixed_over_several_chunks(monkeypatch):
    """Withdrawals save versions through the ORM between the fast path's inserts."""
    first, second = penalty_row(), penalty_row()
    loaded(first)
    loaded(second)
    monkeypatch.setattr(processing, "CHUNK_ROWS", 2)
    rows = [penalty_row(), revoke_row(first), penalty_row(), revoke_row(second), penalty_row()]
    batch = load(action_csv(rows))
    assert batch.status == BatchStatus.COMMITTED
    assert (batch.created_count, batch.withdrawn_count, batch.rejected) == (3, 2, 0)
    assert Withdrawal.objects.count() == 2
    assert CreditRecord.objects.filter(public_state=PublicState.REVOKED).count() == 2


def test_an_api_upload_takes_the_same_action_column(
    client, market_token, django_capture_on_commit_callbacks
):
    original = penalty_row()
    record = loaded(original)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/exchange/batches/",
            {
                "catalog": "ADM_PENALTY",
                "file": upload(action_csv([revoke_row(original)]), "rows.csv"),
                "commit": "true",
            },
            HTTP_AUTHORIZATION=f"Token {market_token}",
        )
    assert response.status_code == 201, response.content
    detail = client.get(
        response.json()["links"]["self"], HTTP_AUTHORIZATION=f"Token {market_token}"
    ).json()
    assert (detail["status"], detail["withdrawn"]) == ("committed", 1)
    record.refresh_from_db()
    assert record.public_state == PublicState.REVOKED


# -- the workspace form ----------------------------------------------------------------------
def test_the_workspace_withdraws_one_record_found_by_its_key(client, officer):
    record = make_record(department_code="MARKET")
    other_department = make_record(department_code="TAX", item_code="TAX_ARREARS", data={})
    client.force_login(officer)
    url = reverse("exchange:record_withdraw")
    assert client.get(url).status_code == 200
    # Another department's record is not found.
    missing = client.post(url, {"step": "find", "decision_no": other_department.decision_no})
    assert "未找到" in missing.content.decode()
    found = client.post(
        url, {"step": "find", "decision_no": record.decision_no, "subject_code": ""}
    )
    body = found.content.decode()
    assert record.decision_no in body and 'name="record"' in body
    refused = client.post(
        url,
        {
            "step": "confirm",
            "record": record.pk,
            "ground": "revocation",
            "basis": "",
            "document_no": "惠府行复〔2026〕1号",
            "confirmed": "on",
        },
    )
    assert "请填写撤销或移出的依据" in refused.content.decode()
    record.refresh_from_db()
    assert record.public_state == PublicState.PUBLISHED
    done = client.post(
        url,
        {
            "step": "confirm",
            "record": record.pk,
            "ground": "delisting",
            "basis": "已履行全部义务",
            "document_no": "惠市监移〔2026〕1号",
            "confirmed": "on",
        },
    )
    assert done.status_code == 302
    record.refresh_from_db()
    assert record.public_state == PublicState.DELISTED
    withdrawal = Withdrawal.objects.get(record_id=record.pk)
    assert withdrawal.actor == officer and withdrawal.ground == WithdrawalGround.DELISTING
    assert "惠市监移〔2026〕1号" in client.get(done["Location"]).content.decode()


def test_the_form_cannot_reach_another_departments_record(client, officer):
    record = make_record(department_code="TAX", item_code="TAX_ARREARS", data={})
    client.force_login(officer)
    response = client.post(
        reverse("exchange:record_withdraw"),
        {
            "step": "confirm",
            "record": record.pk,
            "ground": "revocation",
            "basis": "x",
            "document_no": "y",
            "confirmed": "on",
        },
    )
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE
