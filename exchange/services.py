"""A batch's life: received → validating → validated → committed (or discarded).

Plain functions, callable from views, the API, Celery tasks and the CLI.

All-or-nothing: validation stores its findings in one transaction, and a
commit loads every accepted row in one transaction that also moves the batch
to `committed`. A crash or a killed worker rolls the whole load back and leaves
the batch where the load found it, so it can be retried; a redelivered task
finds the batch already committed (the status check runs under the batch's row
lock, and on SQLite under the database's single write lock) and does nothing.
"""

import contextlib
import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from exchange import approvals
from exchange.findings import ProcessResult, reset_findings
from exchange.models import (
    IN_PROGRESS,
    TRANSITIONS,
    ApprovalAction,
    ApprovalOutcome,
    Batch,
    BatchSource,
    BatchStatus,
)
from exchange.processing import process_file
from exchange.progress import batch_progress, live_progress
from exchange.tuning import bulk_load, expected_rows
from exchange.uploads import SubmissionError, private_storage, store_upload
from importers.schema import FileRejected, ImportSchema
from portal.audit.services import record_event
from portal.catalog.models import CatalogItem
from portal.departments.models import Department
from portal.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


class TransitionError(Exception):
    """A move that exchange.models.TRANSITIONS does not allow."""


def check_item(department: Department, item: CatalogItem) -> None:
    if not item.is_active:
        raise SubmissionError("item_inactive", {"code": item.code}, status=404)
    allowed = list(item.departments.all())
    if allowed and department not in allowed:
        raise SubmissionError(
            "item_not_allowed", {"code": item.code, "department": department.code}, status=403
        )


def submit_batch(
    *,
    department: Department,
    item: CatalogItem,
    fileobj,
    file_name: str,
    source: str,
    user=None,
    token=None,
    idempotency_key: str = "",
    dry_run: bool = False,
    auto_commit: bool = False,
    max_bytes: int | None = -1,
    enqueue: bool = True,
) -> tuple[Batch, bool]:
    """Store the file and create a `received` batch; returns (batch, created).

    With an idempotency key already used by this department, the earlier batch
    is returned and nothing new is created.
    """
    idempotency_key = (idempotency_key or "").strip()[:100]
    if idempotency_key:
        earlier = Batch.objects.filter(
            department=department, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            return earlier, False
    check_item(department, item)
    if max_bytes == -1:
        max_bytes = settings.PORTAL_IMPORT_MAX_UPLOAD_BYTES
    stored = store_upload(fileobj, file_name, max_bytes)
    with transaction.atomic():
        batch = Batch.objects.create(
            department=department,
            catalog_item=item,
            schema_version=item.schema_version,
            source=source,
            created_by=user if getattr(user, "pk", None) else None,
            token=token,
            idempotency_key=idempotency_key,
            dry_run=dry_run,
            auto_commit=auto_commit and not dry_run,
            file_name=Path(file_name).name[:255],
            **stored,
        )
        record_event(
            "exchange.batch.received",
            actor=user if getattr(user, "pk", None) else None,
            target=batch,
            data={
                "department": department.code,
                "catalog_item": item.code,
                "source": source,
                "file_name": batch.file_name,
                "file_sha256": batch.file_sha256,
                "size": batch.file_size,
                "token": token.prefix if token is not None else "",
                "dry_run": dry_run,
            },
        )
        if enqueue:
            from exchange.tasks import validate_batch_task

            enqueue_on_commit(validate_batch_task, batch.pk)
    return batch, True


def _apply_result(batch: Batch, result: ProcessResult) -> None:
    batch.rows_total = result.rows_total
    batch.accepted = result.accepted
    batch.rejected = result.rejected
    batch.error_count = result.error_count
    batch.created_count = result.created
    batch.updated_count = result.updated
    batch.unchanged_count = result.unchanged
    batch.withdrawn_count = result.withdrawn
    batch.pending_count = result.pending
    batch.candidate_count = result.candidates
    batch.masked_count = result.masked


def _set_status(batch: Batch, status: str) -> None:
    if status not in TRANSITIONS[batch.status]:
        raise TransitionError(f"batch {batch.pk}: {batch.status} -> {status}")
    batch.status = status


def _claim(batch_id: int, from_states, to_state) -> bool:
    """Move a batch between states in its own short transaction; False if it was not there."""
    for state in from_states:
        if to_state not in TRANSITIONS[state]:
            raise TransitionError(f"batch {batch_id}: {state} -> {to_state}")
    return bool(
        Batch.objects.filter(pk=batch_id, status__in=list(from_states)).update(
            status=to_state,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            last_failure="",
        )
    )


def _locked(batch_id: int) -> Batch:
    """The batch, its row locked for the caller's transaction, with what loading reads."""
    return (
        # Lock the batch row only: PostgreSQL cannot lock the nullable created_by join.
        Batch.objects.select_for_update(of=("self",))
        .select_related("catalog_item", "department", "created_by")
        .get(pk=batch_id)
    )


def _record_failure(batch_id: int, exc: BaseException) -> None:
    logger.exception("Batch %s failed", batch_id)
    Batch.objects.filter(pk=batch_id).update(last_failure=f"{type(exc).__name__}: {exc}"[:2000])


def validate_batch(
    batch_id: int, *, today: dt.date | None = None, actor=None, after_chunk=None
) -> Batch:
    """Validate a received batch (and load it too when it was sent with auto-commit).

    Idempotent: a batch already past validation is returned as it is.
    """
    if not _claim(batch_id, {BatchStatus.RECEIVED, BatchStatus.VALIDATING}, BatchStatus.VALIDATING):
        return Batch.objects.get(pk=batch_id)
    fused = False
    try:
        with transaction.atomic():
            batch = _locked(batch_id)
            if batch.status != BatchStatus.VALIDATING:
                return batch
            actor = actor or batch.created_by
            # Sent with auto-commit where loading needs a second officer: validated, then
            # waiting for the approval (asked for below) like any officer's commit.
            awaits_approval = (
                batch.auto_commit
                and not batch.dry_run
                and approvals.requires_approval(batch.department, ApprovalAction.BATCH_COMMIT)
            )
            fused = batch.auto_commit and not batch.dry_run and not awaits_approval
            reset_findings(batch)
            try:
                # A file found bad halfway (an encoding error in row 900,000) must
                # leave nothing behind: the savepoint takes back what went before.
                with transaction.atomic():
                    with bulk_load(expected_rows(batch)) if fused else contextlib.nullcontext():
                        result = process_file(
                            batch,
                            write=fused,
                            today=today,
                            actor=actor,
                            after_chunk=after_chunk,
                        )
            except FileRejected as exc:
                return _reject_file(batch, exc, actor)
            _apply_result(batch, result)
            batch.file_error_code = ""
            batch.file_error_params = {}
            now = timezone.now()
            batch.validated_at = now
            if fused:
                _set_status(batch, BatchStatus.COMMITTED)
                batch.committed_at = now
            else:
                _set_status(batch, BatchStatus.VALIDATED)
            batch.save()
            _audit_result(batch, actor, "committed" if fused else "validated")
            if awaits_approval and batch.can_commit:
                approvals.request_batch_commit(batch, actor)
    except Exception as exc:
        _record_failure(batch_id, exc)
        raise
    return batch


def _reject_file(batch: Batch, exc: FileRejected, actor) -> Batch:
    batch.file_error_code = exc.code
    batch.file_error_params = exc.params
    _set_status(batch, BatchStatus.FAILED)
    batch.validated_at = batch.validated_at or timezone.now()
    batch.save()
    record_event(
        "exchange.batch.rejected",
        actor=actor,
        target=batch,
        data={"code": exc.code, "params": exc.params},
    )
    return batch


def _audit_result(batch: Batch, actor, what: str) -> None:
    record_event(
        f"exchange.batch.{what}",
        actor=actor,
        target=batch,
        data={
            "catalog_item": batch.catalog_item.code,
            "department": batch.department.code,
            "rows": batch.rows_total,
            "accepted": batch.accepted,
            "rejected": batch.rejected,
            "created": batch.created_count,
            "updated": batch.updated_count,
            "unchanged": batch.unchanged_count,
            "withdrawn": batch.withdrawn_count,
            "pending_approval": batch.pending_count,
            "candidates": batch.candidate_count,
        },
    )


def request_commit(batch: Batch, actor=None, *, approved: bool = False) -> Batch:
    """An officer's (or API client's) decision to load a validated batch; runs in the background.

    Where the department's policy asks a second officer to approve commits, this only
    asks for the approval (exchange.approvals), which calls back with approved=True;
    the batch stays validated meanwhile (`awaiting_approval` says so).
    """
    if batch.dry_run:
        raise TransitionError("dry run")
    if batch.status == BatchStatus.COMMITTED or batch.status == BatchStatus.COMMITTING:
        return batch  # asked twice: nothing more to do
    if batch.status != BatchStatus.VALIDATED:
        raise TransitionError(f"batch {batch.pk} is {batch.status}")
    if not approved and approvals.requires_approval(batch.department, ApprovalAction.BATCH_COMMIT):
        approvals.request_batch_commit(batch, actor)
        return batch
    from exchange.tasks import commit_batch_task

    with transaction.atomic():
        if _claim(batch.pk, {BatchStatus.VALIDATED}, BatchStatus.COMMITTING):
            enqueue_on_commit(commit_batch_task, batch.pk, getattr(actor, "pk", None))
    batch.refresh_from_db()
    return batch


def commit_batch(
    batch_id: int, *, actor=None, today: dt.date | None = None, after_chunk=None
) -> Batch:
    """Load a validated batch, all or nothing. Idempotent; safe to run again after a crash."""
    try:
        with transaction.atomic():
            batch = _locked(batch_id)
            if batch.status not in (BatchStatus.VALIDATED, BatchStatus.COMMITTING) or batch.dry_run:
                return batch
            if batch.status == BatchStatus.VALIDATED:
                _set_status(batch, BatchStatus.COMMITTING)
            actor = actor or batch.created_by
            reset_findings(batch)
            try:
                with transaction.atomic(), bulk_load(expected_rows(batch)):
                    result = process_file(
                        batch,
                        write=True,
                        today=today,
                        actor=actor,
                        phase=BatchStatus.COMMITTING,
                        after_chunk=after_chunk,
                    )
            except FileRejected as exc:
                # The stored file no longer reads as it did when validated.
                return _reject_file(batch, exc, actor)
            _apply_result(batch, result)
            _set_status(batch, BatchStatus.COMMITTED)
            batch.committed_at = timezone.now()
            batch.save()
            _audit_result(batch, actor, "committed")
    except Exception as exc:
        _record_failure(batch_id, exc)
        raise
    return batch


def enter_record(*, department: Department, item: CatalogItem, values: dict, user) -> Batch:
    """One record entered in the workspace, taken as a one-row file: the same reading, row
    validation and loading as an upload, counted and audited as a batch of its own.

    Validated at once; a row the import would refuse leaves the batch discarded (its row
    errors say why) and loads nothing. Otherwise the commit is asked for as an officer's
    would be (so a department that wants commits approved gets a request).
    """
    import csv
    import io

    schema = ImportSchema.from_item(item)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spec.key for spec in schema.fields])
    writer.writerow([values.get(spec.key, "") for spec in schema.fields])
    batch, _created = submit_batch(
        department=department,
        item=item,
        fileobj=io.BytesIO(buffer.getvalue().encode("utf-8")),
        file_name=f"{item.code}-single-record.csv",
        source=BatchSource.WEB,
        user=user,
        enqueue=False,
    )
    batch = validate_batch(batch.pk, actor=user)
    if batch.status != BatchStatus.VALIDATED or batch.rejected or not batch.accepted:
        return discard_batch(batch, actor=user)
    return request_commit(batch, actor=user)


def awaiting_approval(batch: Batch):
    """The request waiting for a second officer to approve this batch's commit, if any."""
    return batch.approvals.filter(
        action=ApprovalAction.BATCH_COMMIT, record__isnull=True, outcome=ApprovalOutcome.PENDING
    ).first()


def delete_batch(batch: Batch, actor=None) -> None:
    """Delete a batch and its findings and file (an operator's deletion, once a second operator
    approved it). Records it loaded stay: they changed through their own versions. Refused
    while work on the batch is under way."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
        if locked.status in IN_PROGRESS and not is_stalled(locked):
            raise TransitionError(f"batch {locked.pk} is {locked.status}")
        record_event(
            "exchange.batch.deleted",
            actor=actor,
            target=locked,
            data={
                "department": locked.department.code,
                "catalog_item": locked.catalog_item.code,
                "file_name": locked.file_name,
                "file_sha256": locked.file_sha256,
                "status": locked.status,
                "rows": locked.rows_total,
            },
        )
        file_path = locked.file_path
        locked.delete()

        def remove_file():
            storage = private_storage()
            if file_path and storage.exists(file_path):
                storage.delete(file_path)

        transaction.on_commit(remove_file)


def discard_batch(batch: Batch, actor=None) -> Batch:
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == BatchStatus.DISCARDED:
            return locked
        _set_status(locked, BatchStatus.DISCARDED)
        locked.discarded_at = timezone.now()
        locked.save(update_fields=["status", "discarded_at", "updated_at"])
        record_event("exchange.batch.discarded", actor=actor, target=locked, data={})
    return locked


def is_stalled(batch: Batch, now=None) -> bool:
    """Work that a lost worker left: in progress, and failed or quiet for too long."""
    if batch.status not in IN_PROGRESS:
        return False
    if batch.last_failure:
        return True
    quiet = settings.PORTAL_IMPORT_STALLED_MINUTES * 60
    now = now or timezone.now()
    live = live_progress(batch.pk)
    if live.get("at") and now.timestamp() - live["at"] < quiet:
        return False
    started = batch.started_at or batch.created_at
    return (now - started).total_seconds() > quiet


def resume_stalled_batches(now=None) -> int:
    """Scheduled: send again the work of batches a lost worker left (safe: the tasks
    are idempotent and wait for any load still running). Gives up after a few tries."""
    resumed = 0
    limit = settings.PORTAL_IMPORT_MAX_ATTEMPTS
    for batch in Batch.objects.filter(status__in=list(IN_PROGRESS), attempts__lt=limit):
        if is_stalled(batch, now):
            retry_batch(batch)
            resumed += 1
    return resumed


def retry_batch(batch: Batch, actor=None) -> Batch:
    """Send a batch's pending work again (after a crash or a lost worker)."""
    from exchange.tasks import commit_batch_task, validate_batch_task

    with transaction.atomic():
        if batch.status in (BatchStatus.RECEIVED, BatchStatus.VALIDATING):
            enqueue_on_commit(validate_batch_task, batch.pk)
        elif batch.status == BatchStatus.COMMITTING:
            enqueue_on_commit(commit_batch_task, batch.pk, getattr(actor, "pk", None))
        else:
            raise TransitionError(f"batch {batch.pk} is {batch.status}")
        record_event(
            "exchange.batch.retried", actor=actor, target=batch, data={"status": batch.status}
        )
    return batch


__all__ = [
    "BatchSource",
    "SubmissionError",
    "batch_progress",
    "commit_batch",
    "discard_batch",
    "request_commit",
    "retry_batch",
    "submit_batch",
    "validate_batch",
]
