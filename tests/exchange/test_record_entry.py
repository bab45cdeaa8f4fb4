"""Entering one record in the workspace: a form from the item's template, judged by the
import's own row validation and loaded as a one-row batch (counted and audited like a file)."""

import pytest
from django.urls import reverse

from exchange import approvals
from exchange.models import ApprovalAction, Batch, BatchSource, BatchStatus, PendingApproval
from portal.audit.models import AuditEvent
from portal.records.disclosure import PublicState
from portal.records.models import CreditRecord
from tests.exchange.conftest import penalty_row

pytestmark = pytest.mark.django_db

URL = reverse("exchange:record_enter")


def posted(row: dict) -> dict:
    data = {k: v for k, v in row.items() if k != "penalty_types"}
    data["penalty_types"] = row["penalty_types"].split("、")
    return {"step": "enter", "catalog_item": "ADM_PENALTY", **data}


def test_the_form_is_built_from_the_items_template(client, officer):
    client.force_login(officer)
    page = client.get(URL, {"item": "ADM_PENALTY"}).content.decode()
    # Every template column is a field, choices as choices, dates as dates.
    for label in ("行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "处罚决定日期"):
        assert label in page
    assert 'name="decision_date"' in page and 'type="date"' in page
    assert 'type="checkbox" name="penalty_types"' in page


def test_a_valid_record_is_loaded_as_a_one_row_batch(
    client, officer, django_capture_on_commit_callbacks
):
    row = penalty_row()
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, posted(row))
    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:batch_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.source == BatchSource.WEB
    assert (batch.rows_total, batch.created_count, batch.created_by) == (1, 1, officer)
    record = CreditRecord.objects.get(decision_no=row["decision_no"])
    assert record.public_state == PublicState.PUBLISHED
    assert record.data["penalty_types"] == ["警告", "罚款"]
    assert record.versions.get().reference == batch.reference
    actions = set(
        AuditEvent.objects.filter(target_id=str(batch.pk)).values_list("action", flat=True)
    )
    assert {
        "exchange.batch.received",
        "exchange.batch.validated",
        "exchange.batch.committed",
    } <= actions


def test_a_record_the_import_would_refuse_shows_its_errors_and_loads_nothing(client, officer):
    row = penalty_row(uscc="91441300ABC", decision_no="", fine_amount="很多")
    client.force_login(officer)
    response = client.post(URL, posted(row))
    assert response.status_code == 400
    form = response.context["form"]
    # The messages of the import's row validation, on the fields they are about.
    assert set(form.errors) >= {"uscc", "decision_no", "fine_amount"}
    body = response.content.decode()
    assert "统一社会信用代码" in body and 'value="很多"' in body  # what was typed is kept
    assert not CreditRecord.objects.exists()
    assert Batch.objects.get().status == BatchStatus.DISCARDED


def test_where_commits_need_approval_the_entry_waits_for_it(client, market, officer):
    approvals.set_policy(market, ApprovalAction.BATCH_COMMIT, True)
    client.force_login(officer)
    response = client.post(URL, posted(penalty_row()), follow=True)
    assert "已提交审批" in response.content.decode()
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.VALIDATED and not CreditRecord.objects.exists()
    assert PendingApproval.objects.get().batch == batch
