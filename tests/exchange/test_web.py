"""The department workspace: upload, progress, commit, isolation, templates, safety."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from exchange import services
from exchange.models import Batch, BatchStatus
from portal.audit.models import AuditEvent
from portal.catalog.models import CatalogField
from portal.departments.models import DepartmentToken
from portal.records.models import CreditRecord
from tests.exchange.conftest import load, penalty_csv, penalty_row, submit, upload
from tests.factories import UserFactory, catalog_item, department

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def post_upload(client, content: bytes, name="rows.csv", dry_run=False, callbacks=None):
    data = {"catalog_item": "ADM_PENALTY", "file": upload(content, name)}
    if dry_run:
        data["dry_run"] = "on"
    with callbacks(execute=True):
        return client.post(reverse("exchange:batch_upload"), data)


def test_the_workspace_needs_a_department_officer(client):
    response = client.get(reverse("exchange:batch_list"))
    assert response.status_code == 302 and reverse("exchange:login") in response["Location"]
    client.force_login(UserFactory())  # staff, but no department
    assert client.get(reverse("exchange:batch_list")).status_code == 403


def test_workspace_nav_links_to_the_forwarded_cases(officer_client):
    html = officer_client.get(reverse("exchange:batch_list")).content.decode()
    assert 'href="/workspace/cases/"' in html and "异议转办" in html
    assert reverse("exchange:template_list") in html


def test_login_page_logs_an_officer_in(client, officer):
    response = client.post(
        reverse("exchange:login"),
        {"username": officer.username, "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 302
    assert client.get(reverse("exchange:batch_list")).status_code == 200


def test_upload_validate_commit(officer_client, django_capture_on_commit_callbacks):
    content = penalty_csv([penalty_row(), penalty_row(), penalty_row(fine_amount="abc")])
    response = post_upload(officer_client, content, callbacks=django_capture_on_commit_callbacks)
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exchange:batch_detail", args=[batch.pk]
    )
    assert (batch.status, batch.accepted, batch.rejected) == (BatchStatus.VALIDATED, 2, 1)
    page = officer_client.get(response["Location"]).content.decode()
    assert "罚款金额（万元）" in page and "「abc」不是有效数值" in page
    assert 'value="100"' in page  # the progress bar is full once validated
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(reverse("exchange:batch_commit", args=[batch.pk]), {"confirm": "1"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and CreditRecord.objects.count() == 2
    assert batch.created_by.username == "market-officer"
    rows = officer_client.get(reverse("exchange:batch_rows", args=[batch.pk])).content.decode()
    assert "新增" in rows and "拒绝" in rows


def test_discard(officer_client, django_capture_on_commit_callbacks):
    post_upload(
        officer_client, penalty_csv([penalty_row()]), callbacks=django_capture_on_commit_callbacks
    )
    batch = Batch.objects.get()
    officer_client.post(reverse("exchange:batch_discard", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DISCARDED
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(reverse("exchange:batch_commit", args=[batch.pk]))
    assert CreditRecord.objects.count() == 0


def test_a_bad_file_is_explained(officer_client, django_capture_on_commit_callbacks):
    post_upload(
        officer_client, "名称,代码\na,b\n".encode(), callbacks=django_capture_on_commit_callbacks
    )
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.FAILED
    page = officer_client.get(reverse("exchange:batch_detail", args=[batch.pk])).content.decode()
    assert "表头含有模板中没有的列：名称、代码" in page


def test_wrong_file_type_is_refused_at_upload(officer_client, django_capture_on_commit_callbacks):
    response = post_upload(
        officer_client, b"%PDF", "x.pdf", callbacks=django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert "不支持的文件类型" in response.content.decode()
    assert not Batch.objects.exists()


def test_progress_is_visible_without_javascript(officer_client):
    batch = submit(penalty_csv([penalty_row()]))  # received, not yet validated
    page = officer_client.get(reverse("exchange:batch_detail", args=[batch.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh"' in page
    assert "<progress" in page
    data = officer_client.get(reverse("exchange:batch_progress", args=[batch.pk])).json()
    assert data["status"] == "received" and data["running"] and data["percent"] == 0


def test_departments_never_see_each_others_batches(
    client, tax_officer, django_capture_on_commit_callbacks
):
    batch = load(penalty_csv([penalty_row()]))
    client.force_login(tax_officer)
    for name in ("batch_detail", "batch_progress", "batch_rows", "batch_error_report"):
        assert client.get(reverse(f"exchange:{name}", args=[batch.pk])).status_code == 404
    for name in ("batch_commit", "batch_discard", "batch_retry"):
        assert client.post(reverse(f"exchange:{name}", args=[batch.pk])).status_code == 404
    listing = client.get(reverse("exchange:batch_list")).content.decode()
    assert f"#{batch.pk}<" not in listing


def _button(client, name, batch, **data):
    """Press one of the batch page's buttons: back on the batch page, the messages it shows."""
    response = client.post(reverse(f"exchange:{name}", args=[batch.pk]), data, follow=True)
    assert response.redirect_chain == [(reverse("exchange:batch_detail", args=[batch.pk]), 302)]
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_each_batch_button_says_why_it_is_refused_and_changes_nothing(officer_client):
    batch = load(penalty_csv([penalty_row()]))
    assert batch.status == BatchStatus.COMMITTED
    refusals = {
        "batch_discard": "此批次当前不能放弃。",
        "batch_retry": "此批次仍在处理中，无需重试。",
    }
    for name, said in refusals.items():
        assert _button(officer_client, name, batch, confirm="1") == [("error", said)], name
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and CreditRecord.objects.count() == 1
    discarded = submit(penalty_csv([penalty_row()]))
    services.discard_batch(discarded)
    said = _button(officer_client, "batch_commit", discarded, confirm="1")
    assert said == [("error", "此批次当前不能入库。")]
    received_dry_run = submit(penalty_csv([penalty_row()]), dry_run=True)
    said = _button(officer_client, "batch_promote", received_dry_run)
    assert said == [("error", "只有校验完成的试运行批次可以转为正式入库。")]
    received_dry_run.refresh_from_db()
    assert received_dry_run.dry_run


def test_each_batch_button_says_what_it_did(officer_client, django_capture_on_commit_callbacks):
    dry = submit(penalty_csv([penalty_row()]), dry_run=True, source="web")
    dry = services.validate_batch(dry.pk)
    assert _button(officer_client, "batch_commit", dry) == [("error", "请勾选确认后再入库。")]
    promoted = [("success", "已转为正式批次，核对后即可入库。")]
    assert _button(officer_client, "batch_promote", dry) == promoted
    with django_capture_on_commit_callbacks(execute=True):
        said = _button(officer_client, "batch_commit", dry, confirm="1")
    assert said == [("success", "已开始入库。")]
    dry.refresh_from_db()
    assert dry.status == BatchStatus.COMMITTED

    other = services.validate_batch(submit(penalty_csv([penalty_row()])).pk)
    said = _button(officer_client, "batch_discard", other)
    assert said == [("success", "批次已放弃，未入库任何数据。")]
    other.refresh_from_db()
    assert other.status == BatchStatus.DISCARDED


def test_a_batch_button_pressed_again_says_nothing_was_done_and_why(
    officer_client, django_capture_on_commit_callbacks
):
    batch = load(penalty_csv([penalty_row()]))
    assert batch.status == BatchStatus.COMMITTED
    committed_at = batch.committed_at
    said = _button(officer_client, "batch_commit", batch, confirm="1")
    when = timezone.localtime(committed_at).strftime("%Y-%m-%d %H:%M")
    assert said == [("warning", f"此批次已于 {when} 入库，本次未重复入库，未作任何改动。")]
    batch.refresh_from_db()
    assert batch.committed_at == committed_at and CreditRecord.objects.count() == 1

    ordinary = services.validate_batch(submit(penalty_csv([penalty_row()])).pk)
    said = _button(officer_client, "batch_promote", ordinary)
    assert said == [
        (
            "warning",
            "此批次已是正式批次（不是试运行），无需转换，未作任何改动；核对后即可入库。",
        )
    ]
    assert not AuditEvent.objects.filter(action="exchange.batch.promoted").exists()

    committing = services.validate_batch(submit(penalty_csv([penalty_row()])).pk)
    Batch.objects.filter(pk=committing.pk).update(status=BatchStatus.COMMITTING)
    said = _button(officer_client, "batch_commit", committing, confirm="1")
    assert said == [("warning", "此批次正在入库，本次未重复提交，未作任何改动。")]


def test_the_api_still_answers_a_replayed_commit_or_promotion_with_the_batch(client, market_token):
    batch = load(penalty_csv([penalty_row()]))
    auth = {"HTTP_AUTHORIZATION": f"Token {market_token}"}
    base = f"/api/v1/exchange/batches/{batch.pk}/"
    again = client.post(base + "commit/", **auth)
    assert again.status_code == 202 and again.json()["status"] == "committed"
    promoted = client.post(base + "promote/", **auth)
    assert promoted.status_code == 200 and promoted.json()["dry_run"] is False
    assert CreditRecord.objects.count() == 1


def test_templates_follow_the_catalog(officer_client):
    url = reverse("exchange:template_download", args=["ADM_PENALTY", "xlsx"])
    response = officer_client.get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    data = book["数据"]
    header = [c.value for c in data[1]]
    assert header[:3] == ["行政相对人名称", "行政相对人类别", "统一社会信用代码"]
    assert "处罚决定日期" in header and "失信程度" in header
    assert data["A2"].value.startswith("【示例】")
    assert any("处罚类别" in str(dv.promptTitle) for dv in data.data_validations.dataValidation)
    assert "填写说明" in book.sheetnames and book["选项"].sheet_state == "hidden"
    # An operator renames a label: the template changes with it.
    item = catalog_item("ADM_PENALTY")
    field = CatalogField.objects.get(catalog_item=item, key="remarks")
    field.label = "备注说明"
    field.save()
    item.save()
    csv_response = officer_client.get(
        reverse("exchange:template_download", args=["ADM_PENALTY", "csv"])
    )
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    # The item's fields, then the optional action columns every template carries.
    assert text.splitlines()[0].endswith(
        "备注说明,操作类型,撤销或移出依据,撤销或移出文书号,撤销或移出日期"
    )
    assert f"_v{item.schema_version}.csv" in csv_response["Content-Disposition"]


def test_a_department_gets_only_its_items_templates(officer_client):
    url = reverse("exchange:template_download", args=["TAX_ARREARS", "xlsx"])
    assert officer_client.get(url).status_code == 403
    listing = officer_client.get(reverse("exchange:template_list")).content.decode()
    assert "ADM_PENALTY" in listing and "TAX_ARREARS" not in listing


def test_the_error_report_neutralises_formulas(officer_client):
    rows = [
        penalty_row(decision_no='=HYPERLINK("http://evil.example","x")', facts=""),
        penalty_row(remarks="@SUM(A1)", subject_name="+cmd", fine_amount="-2"),
        penalty_row(legal_rep="\tTAB", basis="\rCR", uscc="bad"),
    ]
    batch = load(penalty_csv(rows))
    response = officer_client.get(reverse("exchange:batch_error_report", args=[batch.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [
        c.value for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)
    ]
    assert '\'=HYPERLINK("http://evil.example","x")' in values
    assert "'@SUM(A1)" in values and "'+cmd" in values
    # A negative amount is a number, not a formula: no apostrophe (test_error_report).
    assert "'-2" not in values
    # (XML turns a stored carriage return into a line feed when read back.)
    assert "'\tTAB" in values and ("'\rCR" in values or "'\nCR" in values)
    assert not [v for v in values if v[0] in "=+-@\t\r"]
    # Fixed and uploaded again, the report's cells read back as typed.
    assert sheet.cell(row=1, column=sheet.max_column).value == "错误说明"


def test_english_ui_messages(officer_client):
    batch = load(penalty_csv([penalty_row(penalty_types="罚款", fine_amount="")]))
    officer_client.cookies["django_language"] = "en"
    page = officer_client.get(
        reverse("exchange:batch_detail", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Fine (10k CNY)" in page
    assert "Required when" in page


def test_tokens_are_issued_once_and_can_be_revoked(officer_client, market):
    response = officer_client.post(reverse("exchange:token_list"), {"label": "业务系统"})
    token = DepartmentToken.objects.get(department=market)
    html = response.content.decode()
    start = html.index("<code>") + len("<code>")
    key = html[start : html.index("</code>", start)]
    assert token.prefix == key[:8] and token.key_hash != key
    officer_client.post(reverse("exchange:token_revoke", args=[token.pk]), {"confirm": "1"})
    token.refresh_from_db()
    assert token.revoked_at is not None
    other = DepartmentToken.issue(department("TAX"), "x")[0]
    revoke_other = reverse("exchange:token_revoke", args=[other.pk])
    assert officer_client.post(revoke_other, {"confirm": "1"}).status_code == 404
