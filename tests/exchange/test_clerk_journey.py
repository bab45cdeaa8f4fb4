"""Where department clerks stumbled: the same file twice, a reused Idempotency-Key,
dry runs, confirmations, the authorisation scheme and the upload form."""

import io

import pytest
from django.urls import reverse

from exchange import services
from exchange.models import Batch, BatchStatus
from portal.departments.models import DepartmentToken
from portal.records.models import CreditRecord
from tests.exchange.conftest import penalty_csv, penalty_row, submit, upload
from tests.factories import catalog_item

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/exchange/batches/"


def auth(key, scheme="Token"):
    return {"HTTP_AUTHORIZATION": f"{scheme} {key}"}


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def web_upload(client, content, callbacks, dry_run=False, follow=False):
    data = {"catalog_item": "ADM_PENALTY", "file": upload(content, "rows.csv")}
    if dry_run:
        data["dry_run"] = "on"
    with callbacks(execute=True):
        return client.post(reverse("exchange:batch_upload"), data, follow=follow)


# --- The same file twice ---------------------------------------------------------------


def test_identical_file_names_the_earlier_batch_and_offers_to_stop(
    officer_client, django_capture_on_commit_callbacks
):
    content = penalty_csv([penalty_row()])
    web_upload(officer_client, content, django_capture_on_commit_callbacks)
    first = Batch.objects.get()
    response = web_upload(officer_client, content, django_capture_on_commit_callbacks, follow=True)
    second = Batch.objects.exclude(pk=first.pk).get()
    html = response.content.decode()
    assert f"该文件与批次 #{first.pk} 相同" in html
    assert reverse("exchange:batch_discard", args=[second.pk]) in html
    officer_client.post(reverse("exchange:batch_discard", args=[second.pk]))
    second.refresh_from_db()
    assert second.status == BatchStatus.DISCARDED
    # A different file says nothing of the kind.
    web_upload(officer_client, penalty_csv([penalty_row()]), django_capture_on_commit_callbacks)
    third = Batch.objects.latest("pk")
    assert services.same_file_batch(third) is None


def test_api_tells_of_an_identical_earlier_batch(
    client, market_token, django_capture_on_commit_callbacks
):
    content = penalty_csv([penalty_row()])
    payload = {"catalog": "ADM_PENALTY"}
    first = client.post(
        BATCHES, {**payload, "file": upload(content, "a.csv")}, **auth(market_token)
    ).json()
    assert first["same_as"] is None
    second = client.post(
        BATCHES, {**payload, "file": upload(content, "b.csv")}, **auth(market_token)
    ).json()
    assert second["same_as"] == first["id"]


# --- Idempotency-Key -------------------------------------------------------------------


def test_idempotency_key_reused_for_another_file_is_422(client, market_token):
    headers = {**auth(market_token), "HTTP_IDEMPOTENCY_KEY": "req-7"}
    first = client.post(
        BATCHES,
        {"catalog": "ADM_PENALTY", "file": upload(penalty_csv([penalty_row()]), "a.csv")},
        **headers,
    )
    assert first.status_code == 201
    other = client.post(
        BATCHES,
        {"catalog": "ADM_PENALTY", "file": upload(penalty_csv([penalty_row()]), "b.csv")},
        **headers,
    )
    assert other.status_code == 422
    body = other.json()
    assert body["error"] == "idempotency_key_reused"
    assert "req-7" in body["detail"] and f"#{first.json()['id']}" in body["detail"]
    assert Batch.objects.count() == 1


def test_idempotency_key_reused_for_another_item_is_422(market, penalty):
    content = penalty_csv([penalty_row()])
    submit(content, idempotency_key="k1")
    licence = catalog_item("ADM_LICENSE")
    with pytest.raises(services.SubmissionError) as error:
        submit(content, item=licence, idempotency_key="k1")
    assert error.value.status == 422
    # The same request again is still a replay of the first batch.
    batch, created = services.submit_batch(
        department=market,
        item=penalty,
        fileobj=io.BytesIO(content),
        file_name="again.csv",
        source="api",
        idempotency_key="k1",
        enqueue=False,
    )
    assert not created and Batch.objects.count() == 1


# --- Dry runs and commits --------------------------------------------------------------


def test_dry_run_with_commit_is_400(client, market_token):
    response = client.post(
        BATCHES,
        {
            "catalog": "ADM_PENALTY",
            "file": upload(penalty_csv([penalty_row()]), "a.csv"),
            "dry_run": "true",
            "commit": "true",
        },
        **auth(market_token),
    )
    assert response.status_code == 400 and response.json()["error"] == "dry_run_with_commit"
    assert Batch.objects.count() == 0


def test_a_dry_run_is_promoted_and_committed_without_a_second_upload(
    officer_client, django_capture_on_commit_callbacks
):
    web_upload(
        officer_client,
        penalty_csv([penalty_row(), penalty_row()]),
        django_capture_on_commit_callbacks,
        dry_run=True,
    )
    batch = Batch.objects.get()
    url = reverse("exchange:batch_detail", args=[batch.pk])
    html = officer_client.get(url).content.decode()
    assert reverse("exchange:batch_promote", args=[batch.pk]) in html
    officer_client.post(reverse("exchange:batch_promote", args=[batch.pk]))
    batch.refresh_from_db()
    assert not batch.dry_run and batch.status == BatchStatus.VALIDATED
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(reverse("exchange:batch_commit", args=[batch.pk]), {"confirm": "1"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and CreditRecord.objects.count() == 2
    assert Batch.objects.count() == 1


def test_api_promotes_a_dry_run(client, market_token, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = client.post(
            BATCHES,
            {
                "catalog": "ADM_PENALTY",
                "file": upload(penalty_csv([penalty_row()]), "a.csv"),
                "dry_run": "true",
            },
            **auth(market_token),
        ).json()
    promoted = client.post(body["links"]["promote"], **auth(market_token))
    assert promoted.status_code == 200 and promoted.json()["dry_run"] is False
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(body["links"]["commit"], **auth(market_token)).status_code == 202
    assert CreditRecord.objects.count() == 1


def test_commit_needs_confirmation(officer_client, django_capture_on_commit_callbacks):
    web_upload(officer_client, penalty_csv([penalty_row()]), django_capture_on_commit_callbacks)
    batch = Batch.objects.get()
    page = officer_client.get(reverse("exchange:batch_detail", args=[batch.pk])).content.decode()
    assert 'name="confirm"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("exchange:batch_commit", args=[batch.pk]), follow=True
        )
    assert "请勾选确认后再入库" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED and CreditRecord.objects.count() == 0


def test_token_revocation_needs_confirmation(officer_client, market):
    token, _key = DepartmentToken.issue(market, "业务系统")
    url = reverse("exchange:token_revoke", args=[token.pk])
    assert 'name="confirm"' in officer_client.get(reverse("exchange:token_list")).content.decode()
    response = officer_client.post(url, follow=True)
    assert "请勾选确认后再吊销令牌" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    officer_client.post(url, {"confirm": "1"})
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- Authorisation and the upload form -------------------------------------------------


def test_bearer_is_told_which_scheme_to_use(client, market_token):
    response = client.get(BATCHES, **auth(market_token, scheme="Bearer"))
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "Bearer" in detail and "Authorization: Token" in detail
    assert response["WWW-Authenticate"] == "Token"
    assert client.get(BATCHES, **auth(market_token)).status_code == 200


def test_upload_form_states_the_size_limit(officer_client, settings):
    settings.PORTAL_IMPORT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024
    html = officer_client.get(reverse("exchange:batch_upload")).content.decode()
    assert "单个文件不超过 256.0 MiB" in html


# --- Row checks ------------------------------------------------------------------------


def test_a_row_from_another_departments_source_is_refused(market):
    from portal.catalog.starter import department_uscc

    tax = department_uscc("MB1A0002")
    batch = services.validate_batch(
        submit(penalty_csv([penalty_row(), penalty_row(source_uscc=tax)])).pk
    )
    assert (batch.accepted, batch.rejected) == (1, 1)
    [error] = batch.row_errors.all()
    assert (error.row, error.field, error.code) == (3, "source_uscc", "source_not_uploader")
    assert tax in error.message() and market.uscc in error.message()


def test_excel_damaged_codes_say_how_to_format_the_column_as_text():
    from tests.factories import next_uscc

    rows = [
        penalty_row(uscc="9.14413E+17"),
        penalty_row(subject_kind="自然人", uscc="", id_type="身份证", id_number="4.41302E+17"),
        penalty_row(uscc=next_uscc()),
    ]
    batch = services.validate_batch(submit(penalty_csv(rows)).pk)
    assert (batch.accepted, batch.rejected) == (1, 2)
    errors = {e.row: e for e in batch.row_errors.all()}
    assert {e.code for e in errors.values()} == {"excel_number"}
    message = errors[2].message()
    assert "9.14413E+17" in message and "文本" in message and "设置单元格格式" in message
    assert "应为18位" not in message


def test_numeric_id_cells_in_xlsx_are_explained(tmp_path):
    from openpyxl import Workbook

    item = catalog_item("ADM_PENALTY")
    fields = list(item.fields.all().order_by("sort_order", "id"))
    row = penalty_row(subject_kind="自然人", uscc="", id_type="身份证")
    book = Workbook()
    sheet = book.active
    sheet.append([f.label for f in fields])
    sheet.append(
        [441302199001011234 if f.key == "id_number" else row.get(f.key, "") for f in fields]
    )
    path = tmp_path / "rows.xlsx"
    book.save(path)
    batch = services.validate_batch(submit(path.read_bytes(), "rows.xlsx").pk)
    [error] = batch.row_errors.all()
    assert error.code == "excel_number" and "文本" in error.message()


def test_swagger_ui_is_served_by_the_app_not_a_cdn(client):
    html = client.get("/api/v1/docs/").content.decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
