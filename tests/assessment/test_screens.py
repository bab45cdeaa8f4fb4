"""The assessment, dashboard and audit screens over HTTP."""

import io

import openpyxl
import pypdf
import pytest

from exchange.models import Batch
from portal.accounts import roles
from portal.assessment import dashboard
from portal.assessment.models import SearchDriftCheck
from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from tests.factories import UserFactory, department

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(username="op", role=roles.OPERATORS))
    return client


@pytest.fixture
def officer_client(client):
    client.force_login(
        UserFactory(username="mkt", role=roles.DEPARTMENT_OFFICERS, department=department("MARKET"))
    )
    return client


def test_operators_see_the_ranking_and_drill_down_to_late_and_rejected_rows(
    operator_client, november
):
    html = operator_client.get("/admin/assessment/?period=2026-11").content.decode()
    assert 'id="assessment-ranking"' in html
    assert "/admin/assessment/MARKET/?period=2026-11" in html
    assert "<strong>40.6</strong>" in html
    # The chart's data beside the table, and ECharts from the site's own static files.
    assert '<script id="ranking-chart" type="application/json">' in html
    assert "/static/vendor/echarts/echarts.min.js" in html and "cdn" not in html.lower()

    page = operator_client.get("/admin/assessment/MARKET/?period=2026-11").content.decode()
    batch_a = november["batch_a"]
    late = batch_a.department.records.get(decision_date="2026-10-09").decision_no
    assert late in page
    assert f"/admin/snippets/exchange/batch/inspect/{november['batch_d'].pk}/" in page


def test_a_bad_period_is_explained_on_the_page(operator_client, db):
    html = operator_client.get("/admin/assessment/?period=2026-13").content.decode()
    assert "2026-Q4" in html and 'role="alert"' in html


def test_exports_xlsx_and_a_dated_pdf(operator_client, november):
    response = operator_client.get("/admin/assessment/export.xlsx?period=2026-11")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    market = next(row for row in summary if row[1] == "MARKET")
    assert market[3] == 40.6 and market[4:7] == (8, 4, 4) and market[9] == "ADM_LICENSE"
    late = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(late) == 1 + 2

    response = operator_client.get("/admin/assessment/report.pdf?period=2026-11")
    assert response["Content-Type"] == "application/pdf"
    assert "assessment-2026-11-" in response["Content-Disposition"]
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "2026-11" in text and "40.6" in text


def test_others_may_not_see_the_assessment(client, db):
    client.force_login(UserFactory(username="rev", role=roles.REVIEWERS))
    assert client.get("/admin/assessment/").status_code in (302, 403)
    assert client.get("/admin/assessment/export.xlsx").status_code in (302, 403)


def test_a_department_sees_only_its_own_in_the_workspace(officer_client, november):
    html = officer_client.get("/workspace/assessment/?period=2026-11").content.decode()
    assert "40.6" in html
    assert "ADM_LICENSE" in html or "行政许可" in html
    assert "/workspace/batches/" in html
    assert department("TAX").name not in html


def test_the_dashboard_shows_the_oversight_panel(operator_client, november):
    SearchDriftCheck.objects.create(expected=10, indexed=9, missing=1)
    dashboard.verify_audit_chain()
    html = operator_client.get("/admin/").content.decode()
    assert 'id="oversight-overview"' in html
    assert "/admin/assessment/TAX/" in html  # TAX reported nothing this month
    assert "缺失 1" in html
    assert "完整" in html


def test_batches_are_read_only_in_the_admin(operator_client, november):
    batch = november["batch_a"]
    listing = operator_client.get("/admin/snippets/exchange/batch/")
    assert listing.status_code == 200
    assert f"/admin/snippets/exchange/batch/inspect/{batch.pk}/" in listing.content.decode()
    assert (
        operator_client.get(f"/admin/snippets/exchange/batch/inspect/{batch.pk}/").status_code
        == 200
    )
    delete = operator_client.post(f"/admin/snippets/exchange/batch/delete/{batch.pk}/")
    assert delete.status_code in (302, 403, 404)
    assert Batch.objects.filter(pk=batch.pk).exists()


def test_django_admin_has_no_bulk_batch_delete(rf, db):
    """One by one only: each deletion waits for a second operator (exchange.approvals)."""
    from django.contrib.admin import site

    from portal.accounts.models import User

    admin = site._registry[Batch]
    request = rf.get("/django-admin/exchange/batch/")
    request.user = User(is_superuser=True, is_active=True, is_staff=True)
    assert "delete_selected" not in admin.get_actions(request)


def test_the_audit_trail_filters_exports_and_verifies(operator_client, db):
    record_event("exchange.batch.received", data={"n": 1})
    record_event("objections.case.accepted", data={"n": 2})
    html = operator_client.get("/admin/audit-trail/?action=exchange").content.decode()
    assert "exchange.batch.received" in html and "objections.case.accepted" not in html
    bad = operator_client.get("/admin/audit-trail/?since=yesterday").content.decode()
    assert "2026-11-29" in bad and 'role="alert"' in bad

    csv = operator_client.get("/admin/audit-trail/export.csv?action=objections").content
    text = csv.decode("utf-8-sig")
    assert "objections.case.accepted" in text and "exchange.batch.received" not in text

    response = operator_client.post("/admin/audit-trail/verify/", follow=True)
    event = AuditEvent.objects.filter(action=dashboard.VERIFIED).get()
    assert event.data["ok"] is True and event.data["checked"] >= 2
    assert "审计链完整" in response.content.decode()
