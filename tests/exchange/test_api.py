"""The department API: tokens, status codes, idempotency, isolation, schema."""

import io

import pytest
from openpyxl import load_workbook

from exchange.models import Batch
from portal.departments.models import DepartmentToken
from portal.records.models import CreditRecord
from tests.exchange.conftest import fixture_path, load, penalty_csv, penalty_row, upload

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/exchange/batches/"


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def post_file(client, key, content, name="rows.csv", callbacks=None, **data):
    payload = {"catalog": "ADM_PENALTY", "file": upload(content, name), **data}
    headers = auth(key)
    if "idempotency_key" in data:
        headers["HTTP_IDEMPOTENCY_KEY"] = payload.pop("idempotency_key")
    if callbacks is None:
        return client.post(BATCHES, payload, **headers)
    with callbacks(execute=True):
        return client.post(BATCHES, payload, **headers)


def test_no_token_bad_token_and_revoked_token_are_401(client, market):
    assert client.get(BATCHES).status_code == 401
    response = client.get(BATCHES, **auth("nope"))
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert response["WWW-Authenticate"] == "Token"
    token, key = DepartmentToken.issue(market, "old")
    assert client.get(BATCHES, **auth(key)).status_code == 200
    token.revoke()
    assert client.get(BATCHES, **auth(key)).status_code == 401


def test_a_staff_session_is_not_a_department_token(client, officer):
    client.force_login(officer)
    assert client.get(BATCHES).status_code == 401


def test_submit_validate_and_commit(client, market_token, django_capture_on_commit_callbacks):
    content = penalty_csv([penalty_row(), penalty_row(decision_date="2099-01-01")])
    response = post_file(
        client, market_token, content, callbacks=django_capture_on_commit_callbacks
    )
    assert response.status_code == 201
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/exchange/batches/{body['id']}/")
    detail = client.get(body["links"]["self"], **auth(market_token)).json()
    assert (detail["status"], detail["accepted"], detail["rejected"]) == ("validated", 1, 1)
    assert detail["progress"]["percent"] == 100 and not detail["progress"]["running"]
    errors = client.get(body["links"]["errors"], **auth(market_token)).json()
    [error] = errors["results"]
    assert (error["row"], error["column"], error["code"]) == (3, "处罚决定日期", "future")
    assert error["message"] == "日期 2099-01-01 晚于今天"
    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(body["links"]["commit"], **auth(market_token))
    assert committed.status_code == 202
    detail = client.get(body["links"]["self"], **auth(market_token)).json()
    assert (detail["status"], detail["created"]) == ("committed", 1)
    assert CreditRecord.objects.count() == 1
    assert Batch.objects.get().token.prefix == market_token[:8]
    again = client.post(body["links"]["commit"], **auth(market_token))
    assert again.status_code == 202  # committing twice changes nothing
    assert CreditRecord.objects.count() == 1


def test_submit_with_commit_loads_in_one_go(
    client, market_token, django_capture_on_commit_callbacks
):
    response = post_file(
        client,
        market_token,
        fixture_path("penalty.xlsx").read_bytes(),
        "rows.xlsx",
        callbacks=django_capture_on_commit_callbacks,
        commit="true",
    )
    batch = Batch.objects.get(pk=response.json()["id"])
    assert batch.status == "committed" and batch.created_count == 4


def test_idempotency_key_returns_the_first_batch(
    client, market_token, django_capture_on_commit_callbacks
):
    content = penalty_csv([penalty_row()])
    first = post_file(
        client,
        market_token,
        content,
        idempotency_key="req-1",
        callbacks=django_capture_on_commit_callbacks,
    )
    second = post_file(
        client,
        market_token,
        content,
        idempotency_key="req-1",
        callbacks=django_capture_on_commit_callbacks,
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Batch.objects.count() == 1


def test_bad_requests_get_clear_json_errors(client, market_token, settings):
    response = client.post(BATCHES, {"file": upload(b"x", "a.csv")}, **auth(market_token))
    assert response.status_code == 400 and response.json()["error"] == "catalog_required"
    response = client.post(BATCHES, {"catalog": "ADM_PENALTY"}, **auth(market_token))
    assert response.status_code == 400 and response.json()["error"] == "file_required"
    response = client.post(
        BATCHES, {"catalog": "NOPE", "file": upload(b"x", "a.csv")}, **auth(market_token)
    )
    assert response.status_code == 404 and response.json()["error"] == "unknown_item"
    response = client.post(
        BATCHES, {"catalog": "TAX_ARREARS", "file": upload(b"x", "a.csv")}, **auth(market_token)
    )
    assert response.status_code == 403 and response.json()["error"] == "item_not_allowed"


def test_wrong_types_are_415(client, market_token):
    response = post_file(client, market_token, b"%PDF-1.4", "scan.pdf")
    assert response.status_code == 415 and response.json()["error"] == "file_type"
    response = post_file(
        client, market_token, fixture_path("penalty.xlsx").read_bytes(), "rows.csv"
    )
    assert response.status_code == 415  # a workbook named .csv
    response = client.post(
        BATCHES, data=b"{}", content_type="application/json", **auth(market_token)
    )
    assert response.status_code == 415 and response.json()["error"] == "unsupported_media_type"
    assert not Batch.objects.exists()


def test_oversized_files_are_413(client, market_token, settings):
    settings.PORTAL_IMPORT_MAX_UPLOAD_BYTES = 1000
    response = post_file(client, market_token, penalty_csv([penalty_row() for _ in range(20)]))
    assert response.status_code == 413 and response.json()["error"] == "file_too_large"
    assert not Batch.objects.exists()


def test_departments_cannot_see_each_others_batches(client, market_token, tax_token):
    batch = load(penalty_csv([penalty_row()]))
    base = f"{BATCHES}{batch.pk}/"
    for suffix in ("", "errors/", "rows/", "report.xlsx"):
        assert client.get(base + suffix, **auth(tax_token)).status_code == 404
        assert client.get(base + suffix, **auth(market_token)).status_code == 200
    for suffix in ("commit/", "discard/"):
        response = client.post(base + suffix, **auth(tax_token))
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert client.get(BATCHES, **auth(tax_token)).json()["count"] == 0
    assert client.get(BATCHES, **auth(market_token)).json()["count"] == 1


def test_wrong_state_is_409(client, market_token):
    batch = load(penalty_csv([penalty_row()]))
    response = client.post(f"{BATCHES}{batch.pk}/discard/", **auth(market_token))
    assert response.status_code == 409 and response.json()["error"] == "invalid_state"


def test_report_and_rows(client, market_token):
    batch = load(penalty_csv([penalty_row(), penalty_row(uscc="=1+1")]))
    report = client.get(f"{BATCHES}{batch.pk}/report.xlsx", **auth(market_token))
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == "'=1+1"
    outcomes = client.get(f"{BATCHES}{batch.pk}/rows/", **auth(market_token)).json()["results"]
    assert [(r["row"], r["outcome"]) for r in outcomes] == [(2, "create"), (3, "rejected")]


def test_catalog_and_templates(client, market_token):
    items = client.get("/api/v1/exchange/catalog/", **auth(market_token)).json()
    codes = {i["code"] for i in items}
    assert "ADM_PENALTY" in codes and "TAX_ARREARS" not in codes
    penalty = next(i for i in items if i["code"] == "ADM_PENALTY")
    assert penalty["fields"][0]["label"] == "行政相对人名称"
    template = client.get(penalty["template_csv"], **auth(market_token))
    assert template.status_code == 200
    assert b"".join(template.streaming_content).decode("utf-8-sig").startswith("行政相对人名称,")


def test_english_errors_by_accept_language(client, market_token):
    batch = load(penalty_csv([penalty_row(facts="")]))
    body = client.get(
        f"{BATCHES}{batch.pk}/errors/", HTTP_ACCEPT_LANGUAGE="en", **auth(market_token)
    ).json()
    assert body["results"][0]["message"] == "Required, but empty"
    response = client.get(BATCHES, HTTP_ACCEPT_LANGUAGE="en", **auth("bad"))
    assert response.json()["detail"] == "Invalid or revoked token."


def test_openapi_schema_and_docs_are_published(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/exchange/batches/" in text and "DepartmentToken" in text
    assert "Idempotency-Key" in text
    assert client.get("/api/v1/docs/").status_code == 200


def test_tokens_from_the_command_line_authenticate(client, market):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("issue_department_token", "--department", "MARKET", "--label", "ops", stdout=out)
    key = out.getvalue().strip()
    assert DepartmentToken.objects.get(department=market, label="ops").prefix == key[:8]
    assert client.get(BATCHES, **auth(key)).status_code == 200


def test_issuing_and_revoking_a_token_is_audited(client, market, officer):
    from portal.audit.models import AuditEvent
    from portal.departments.services import issue_token, revoke_token

    token, key = issue_token(market, "对接系统", actor=officer, via="command")
    assert client.get(BATCHES, **auth(key)).status_code == 200
    revoke_token(token, actor=officer)
    assert client.get(BATCHES, **auth(key)).status_code == 401
    events = AuditEvent.objects.filter(
        target_type="departments.departmenttoken", target_id=str(token.pk), actor=officer
    )
    assert list(events.order_by("id").values_list("action", "data")) == [
        ("exchange.token.issued", {"department": "MARKET", "label": "对接系统", "via": "command"}),
        ("exchange.token.revoked", {}),
    ]


def test_operators_find_department_tokens_in_the_admin(admin_client, market):
    token, _key = DepartmentToken.issue(market, "对接系统")
    listing = admin_client.get("/django-admin/departments/departmenttoken/")
    assert listing.status_code == 200
    assert "对接系统" in listing.content.decode()
    page = admin_client.get(f"/django-admin/departments/departmenttoken/{token.pk}/change/")
    assert page.status_code == 200


def test_operators_review_candidates_in_the_admin(admin_client):
    from exchange.models import IdentityCandidate
    from tests.factories import OrganisationFactory

    existing = OrganisationFactory(name="惠州市同名商贸有限公司")
    batch = load(penalty_csv([penalty_row(subject_name="惠州市同名商贸有限公司")]))
    candidate = IdentityCandidate.objects.get(batch=batch)
    assert candidate.matched_subject == existing
    url = f"/django-admin/exchange/identitycandidate/{candidate.pk}/change/"
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"status": "different", "note": "不同主体"})
    candidate.refresh_from_db()
    assert candidate.status == "different" and candidate.reviewed_by is not None
    assert admin_client.get("/django-admin/exchange/batch/").status_code == 200
