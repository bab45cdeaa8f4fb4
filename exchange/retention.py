"""Uploaded files are kept only as long as they serve.

A department's raw file is needed while its batch is checked and committed, and
for a while after for the row-error report (which copies the rejected rows as
they were written). After that it only holds personal data twice: the records
are in the database. So files of committed batches go after
PORTAL_UPLOAD_RETENTION_DAYS, and those of refused or abandoned batches
(nothing of them was loaded) after PORTAL_REJECTED_UPLOAD_RETENTION_DAYS.
The batch keeps its name, size, checksum, counts and row errors.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from exchange.models import Batch, BatchStatus
from exchange.uploads import private_storage
from portal.audit.services import record_event

logger = logging.getLogger(__name__)


def due_for_purge(now: dt.datetime | None = None):
    """Batches whose raw file has been kept long enough."""
    now = now or timezone.now()
    kept = now - dt.timedelta(days=settings.PORTAL_UPLOAD_RETENTION_DAYS)
    refused = now - dt.timedelta(days=settings.PORTAL_REJECTED_UPLOAD_RETENTION_DAYS)
    return (
        Batch.objects.filter(file_purged_at__isnull=True)
        .exclude(file_path="")
        .filter(
            Q(status=BatchStatus.COMMITTED, committed_at__lt=kept)
            | Q(status=BatchStatus.DISCARDED, discarded_at__lt=refused)
            | Q(status=BatchStatus.FAILED, updated_at__lt=refused)
        )
    )


def purge_uploaded_files(now: dt.datetime | None = None) -> int:
    """Delete the raw files that are due; idempotent. Returns how many went."""
    now = now or timezone.now()
    storage = private_storage()
    purged = []
    for batch in due_for_purge(now).only("pk", "file_path", "status"):
        if storage.exists(batch.file_path):
            storage.delete(batch.file_path)
        Batch.objects.filter(pk=batch.pk).update(file_purged_at=now)
        purged.append(batch.pk)
    if purged:
        record_event("exchange.files_purged", data={"batches": purged})
        logger.info("Uploaded files of %d batches deleted after their retention", len(purged))
    return len(purged)
