"""Raw uploaded files are deleted after their retention; the batch's findings stay."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from exchange import services
from exchange.models import Batch, BatchStatus
from exchange.report import error_report_xlsx
from exchange.retention import purge_uploaded_files
from exchange.uploads import stored_file
from portal.audit.models import AuditEvent
from tests.exchange.conftest import load, penalty_csv, penalty_row

pytestmark = pytest.mark.django_db


def age(batch, days, **fields):
    then = timezone.now() - dt.timedelta(days=days)
    Batch.objects.filter(pk=batch.pk).update(**{name: then for name in fields})
    batch.refresh_from_db()


def test_files_go_after_their_retention_and_rejected_ones_sooner(settings):
    settings.PORTAL_UPLOAD_RETENTION_DAYS = 30
    settings.PORTAL_REJECTED_UPLOAD_RETENTION_DAYS = 7
    committed = load(penalty_csv([penalty_row(), penalty_row(decision_date="明天")]))
    assert committed.status == BatchStatus.COMMITTED and committed.rejected == 1
    refused = load(b"\xff\xfe not a spreadsheet", name="bad.csv")
    assert refused.status == BatchStatus.FAILED
    recent = load(penalty_csv([penalty_row()]))
    files = {b.pk: Path(stored_file(b)) for b in (committed, refused, recent)}
    assert all(path.exists() for path in files.values())

    age(committed, 31, committed_at=True)
    age(refused, 8, updated_at=True)
    age(recent, 10, committed_at=True)  # committed, but still within its 30 days
    assert purge_uploaded_files() == 2
    assert not files[committed.pk].exists() and not files[refused.pk].exists()
    assert files[recent.pk].exists()
    assert purge_uploaded_files() == 0  # idempotent
    event = AuditEvent.objects.get(action="exchange.files_purged")
    assert sorted(event.data["batches"]) == sorted([committed.pk, refused.pk])

    # The department still gets its row errors, without the cells it wrote.
    committed.refresh_from_db()
    assert committed.file_purged_at is not None
    sheet = load_workbook(io.BytesIO(error_report_xlsx(committed))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "行号" and len(rows) == 2 and "日期" in rows[1][1]


def test_a_batch_waiting_for_its_commit_keeps_its_file(settings):
    settings.PORTAL_UPLOAD_RETENTION_DAYS = 0
    settings.PORTAL_REJECTED_UPLOAD_RETENTION_DAYS = 0
    from tests.exchange.conftest import submit

    batch = submit(penalty_csv([penalty_row()]))
    batch = services.validate_batch(batch.pk)
    assert batch.status == BatchStatus.VALIDATED
    age(batch, 100, validated_at=True, created_at=True)
    assert purge_uploaded_files() == 0
    assert Path(stored_file(batch)).exists()
