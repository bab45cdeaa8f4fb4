"""Fault test: the database fails in the middle of filing an objection with evidence.

The failure is a real DB-level one: a connection execute wrapper makes the nth
statement of the filing raise OperationalError, as a lost or locked database does.
Nothing partial may remain: no case, no evidence row, no stored file, no audit
entry saying it was filed; and the applicant gets a clear page, not a server error.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection

from portal.audit.models import AuditEvent
from portal.objections.models import Case, CaseTransition, EvidenceFile
from tests.objections.helpers import pdf_upload, png_upload
from tests.objections.test_public import objection_post

pytestmark = pytest.mark.django_db


def stored_files() -> set[Path]:
    root = Path(settings.PORTAL_PRIVATE_STORAGE_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


class FailAt:
    """Raise OperationalError on the first statement that writes to `table`."""

    def __init__(self, table: str):
        self.table = table
        self.failed = False

    def __call__(self, execute, sql, params, many, context):
        if not self.failed and sql.startswith("INSERT") and f'"{self.table}"' in sql:
            self.failed = True
            raise OperationalError("disk I/O error")
        return execute(sql, params, many, context)


@pytest.mark.parametrize(
    "table",
    ["objections_evidencefile", "audit_auditevent"],
    ids=["second-evidence-file", "audit-entry"],
)
def test_the_database_failing_mid_objection_leaves_nothing_and_says_so(client, record, table):
    url = f"/objections/new/?record={record.pk}"
    page = client.get(url).content.decode()
    before = stored_files()
    events_before = AuditEvent.objects.count()
    fault = FailAt(table)
    if table == "objections_evidencefile":
        # Let the first evidence row in, fail on the second: one file is already on disk.
        first = {"done": False}

        def wrapper(execute, sql, params, many, context):
            if sql.startswith("INSERT") and f'"{table}"' in sql and not first["done"]:
                first["done"] = True
                return execute(sql, params, many, context)
            return fault(execute, sql, params, many, context)
    else:
        wrapper = fault
    files = [pdf_upload("决定书.pdf"), png_upload("收据.png")]
    with connection.execute_wrapper(wrapper):
        response = client.post(url, objection_post(page, files=files))

    assert fault.failed
    assert response.status_code == 503
    html = response.content.decode()
    assert "系统暂时无法保存您的申请，本次没有提交任何内容，请稍后重新提交。" in html
    assert "Traceback" not in html and 'name="explanation"' in html  # the form, kept
    assert not Case.objects.exists()
    assert not CaseTransition.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert stored_files() == before
    assert AuditEvent.objects.count() == events_before
    assert not AuditEvent.objects.filter(action="objection.submitted").exists()

    # Sending it again once the database answers files the case once.
    page = client.get(url).content.decode()
    files = [pdf_upload("决定书.pdf"), png_upload("收据.png")]
    response = client.post(url, objection_post(page, files=files))
    assert response.status_code == 200
    assert Case.objects.count() == 1 and EvidenceFile.objects.count() == 2
    assert len(stored_files() - before) == 2


def test_the_error_page_speaks_english_to_an_english_applicant(client, record):
    url = f"/en/objections/new/?record={record.pk}"
    page = client.get(url).content.decode()
    with connection.execute_wrapper(FailAt("objections_case")):
        response = client.post(url, objection_post(page, files=[pdf_upload()]))
    assert response.status_code == 503
    assert "nothing was submitted" in response.content.decode()
    assert not Case.objects.exists()
