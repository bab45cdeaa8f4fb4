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
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from exchange import approvals
from exchange.findings import ProcessResult, reset_findings
from exchange.models import (
    IN_PROGRESS,
    TRANSITIONS,
    WORKED_ON,
    ApprovalAction,
    ApprovalOutcome,
    Batch,
    BatchSource,
    BatchStatus,
)
from exchange.processing import process_file
from exchange.progress import batch_progress, heartbeat, last_heard
from exchange.tuning import bulk_load, expected_rows
from exchange.uploads import SubmissionError, private_storage, store_upload, stored_file
from importers.readers import declared_template_version
from importers.schema import FileRejected, ImportSchema
from portal.audit.services import record_event
from portal.catalog.models import CatalogItem
from portal.catalog.versions import changes_since
from portal.departments.models import Department
from portal.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)


class TransitionError(Exception):
    """A move that exchange.models.TRANSITIONS does not allow."""


class AlreadyDone(Exception):
    """A move asked for again, or one the batch does not need: nothing was done. Callers
    that replay (the API, an approval) treat it as success; a person is told plainly."""

    def __init__(self, batch: Batch, reason: str):
        super().__init__(f"batch {batch.pk}: {reason}")
        self.batch = batch
        self.reason = reason

    def message(self) -> str:
        """Why nothing was done, in the active language."""
        if self.reason == "committed":
            return gettext("此批次已于 %(time)s 入库，本次未重复入库，未作任何改动。") % {
                "time": timezone.localtime(self.batch.committed_at).strftime("%Y-%m-%d %H:%M")
                if self.batch.committed_at
                else "—"
            }
        if self.reason == "committing":
            return gettext("此批次正在入库，本次未重复提交，未作任何改动。")
        if self.reason == "awaiting_approval":
            return gettext(
                "此批次的入库申请已在等待本部门另一名数据专员审批，本次未重复提交，未作任何改动。"
            )
        return gettext("此批次已是正式批次（不是试运行），无需转换，未作任何改动；核对后即可入库。")


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
    names_confirmed: bool = False,
    max_bytes: int | None = -1,
    enqueue: bool = True,
) -> tuple[Batch, bool]:
    """Store the file and create a `received` batch; returns (batch, created).

    With an idempotency key already used by this department, the earlier batch
    is returned and nothing new is created.
    """
    idempotency_key = (idempotency_key or "").strip()[:100]
    if idempotency_key:
        earlier = replay_for_key(department, idempotency_key, item, fileobj)
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
            # Sent with auto-commit and the codes confirmed beforehand (API confirm_names).
            names_confirmed=names_confirmed and auto_commit and not dry_run,
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
                "names_confirmed": batch.names_confirmed,
            },
        )
        if enqueue:
            from exchange.tasks import validate_batch_task

            enqueue_on_commit(validate_batch_task, batch.pk)
    return batch, True


def _sha256_of(fileobj) -> str:
    digest = hashlib.sha256()
    chunks = (
        fileobj.chunks() if hasattr(fileobj, "chunks") else iter(lambda: fileobj.read(1 << 20), b"")
    )
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def replay_for_key(department: Department, key: str, item: CatalogItem, fileobj) -> Batch | None:
    """The batch an idempotency key already created, if the request is the same one again.

    The same key with another file or catalog item is a different request: answering it
    with the old batch would silently lose the new upload, so it is refused (422).
    """
    earlier = (
        Batch.objects.filter(department=department, idempotency_key=key)
        .select_related("catalog_item")
        .first()
    )
    if earlier is None:
        return None
    if earlier.catalog_item_id != item.pk or _sha256_of(fileobj) != earlier.file_sha256:
        raise SubmissionError(
            "idempotency_key_reused",
            {"key": key, "batch": earlier.pk, "code": earlier.catalog_item.code},
            status=422,
        )
    return earlier


def same_file_batch(batch: Batch) -> Batch | None:
    """An earlier live batch of the department with the very same file for the same item
    (a file sent twice by mistake); dry runs, discarded and failed batches do not count."""
    return (
        Batch.objects.filter(
            department_id=batch.department_id,
            catalog_item_id=batch.catalog_item_id,
            file_sha256=batch.file_sha256,
            dry_run=False,
            pk__lt=batch.pk,
        )
        .exclude(status__in=[BatchStatus.DISCARDED, BatchStatus.FAILED])
        .order_by("-pk")
        .first()
    )


def template_notice(batch: Batch) -> str:
    """What a batch made from an older template is told (it is still read by the current
    rules, headers matched by name): which version, which is current and what changed."""
    used, current = batch.file_template_version, batch.schema_version
    if not used or not current or used >= current:
        return ""
    changes = changes_since(batch.catalog_item, used)
    text = gettext(
        "该文件按模板 v%(used)d 制作，当前模板为 v%(current)d，已按当前模板的规则校验。"
    ) % {"used": used, "current": current}
    if changes:
        text += gettext("此后的变化：%(changes)s。") % {"changes": gettext("；").join(changes)}
    else:
        text += gettext("变化明细不详，请对照当前模板的填写说明。")
    return text + gettext("下次报送请下载并使用最新模板。")


def promote_dry_run(batch: Batch, actor=None) -> Batch:
    """Turn a validated dry run into an ordinary batch that can be committed: the same
    file, so no second upload. The commit reads the file again, so its plan is current."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if not locked.dry_run:
            raise AlreadyDone(locked, "not_dry_run")
        if locked.status != BatchStatus.VALIDATED:
            raise TransitionError(f"batch {batch.pk} is {locked.status}")
        locked.dry_run = False
        locked.save(update_fields=["dry_run", "updated_at"])
        record_event("exchange.batch.promoted", actor=actor, target=locked, data={})
    batch.refresh_from_db()
    return batch


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
    batch.name_mismatch_count = result.name_mismatches
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
    with heartbeat(batch_id, BatchStatus.VALIDATING):
        return _validate(batch_id, today=today, actor=actor, after_chunk=after_chunk)


def _validate(batch_id: int, *, today, actor, after_chunk) -> Batch:
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
            batch.file_template_version = declared_template_version(
                stored_file(batch), batch.file_name, batch.catalog_item.code
            )
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
                        if fused and result.name_mismatches and not batch.names_confirmed:
                            raise _HeldForNames
            except FileRejected as exc:
                return _reject_file(batch, exc, actor)
            except _HeldForNames:
                # Sent with auto-commit, but some codes are registered under clearly
                # different names: nothing loaded (the savepoint took it back); the batch
                # stops validated until an officer confirms the codes and commits.
                fused = False
                result = process_file(batch, write=False, today=today, actor=actor)
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
            # Rows under codes registered to clearly different names are held for the
            # officer to confirm (as without approval): only then is the approval asked for.
            held = batch.name_mismatch_count and not batch.names_confirmed
            if awaits_approval and batch.can_commit and not held:
                approvals.request_batch_commit(batch, actor)
    except Exception as exc:
        _record_failure(batch_id, exc)
        raise
    return batch


class _HeldForNames(Exception):
    """An auto-commit load that found unconfirmed name mismatches: rolled back."""


class NamesUnconfirmed(Exception):
    """A commit asked for while rows whose subject code is registered under a clearly
    different name were not confirmed (names_confirmed)."""

    def __init__(self, count: int):
        super().__init__(count)
        self.count = count

    def message(self) -> str:
        return gettext(
            "本批次有 %(n)d 行的主体代码已登记为名称明显不同的主体，可能是代码填错。"
            "请逐行核对；确认代码无误（如主体已更名）后勾选确认再入库，否则请修改文件后重新上传。"
        ) % {"n": self.count}


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
            "name_mismatches": batch.name_mismatch_count,
            "names_confirmed": batch.names_confirmed,
        },
    )


def confirm_names(batch: Batch, actor=None) -> None:
    """The officer confirms that the codes of the batch's name-mismatch rows are right."""
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(names_confirmed=True)
        batch.names_confirmed = True
        record_event(
            "exchange.batch.names_confirmed",
            actor=actor if getattr(actor, "pk", None) else None,
            target=batch,
            data={"rows": batch.name_mismatch_count},
        )


def request_commit(
    batch: Batch, actor=None, *, approved: bool = False, names_confirmed: bool = False
) -> Batch:
    """An officer's (or API client's) decision to load a validated batch; runs in the background.

    Rows whose code is registered under a clearly different name must be confirmed first
    (names_confirmed=True, else NamesUnconfirmed); an approval (approved=True) cannot
    confirm them for the maker, so it is refused the same way while they are unconfirmed.

    Where the department's policy asks a second officer to approve commits, this only
    asks for the approval (exchange.approvals), which calls back with approved=True;
    the batch stays validated meanwhile (`awaiting_approval` says so).

    Asked again once committed, while committing or while the approval waits: AlreadyDone.
    """
    if batch.dry_run:
        raise TransitionError("dry run")
    if batch.status in (BatchStatus.COMMITTED, BatchStatus.COMMITTING):
        raise AlreadyDone(batch, batch.status)
    if batch.status != BatchStatus.VALIDATED:
        raise TransitionError(f"batch {batch.pk} is {batch.status}")
    if not approved and awaiting_approval(batch) is not None:
        raise AlreadyDone(batch, "awaiting_approval")
    if batch.name_mismatch_count and not batch.names_confirmed:
        if approved or not names_confirmed:
            raise NamesUnconfirmed(batch.name_mismatch_count)
        confirm_names(batch, actor)
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
    with heartbeat(batch_id, BatchStatus.COMMITTING):
        return _commit(batch_id, actor=actor, today=today, after_chunk=after_chunk)


def _commit(batch_id: int, *, actor, today, after_chunk) -> Batch:
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


@contextlib.contextmanager
def _locked_unless_worked_on(batch_id: int):
    """The batch, its row locked in a transaction for the block.

    A worker still holding the batch in its transaction means the worker is alive,
    whatever its heartbeat says: PostgreSQL answers at once (NOWAIT) and SQLite after
    its busy timeout; either way the action is refused and nothing changes.
    """
    try:
        with transaction.atomic():
            yield Batch.objects.select_for_update(nowait=True, of=("self",)).get(pk=batch_id)
    except OperationalError as exc:
        raise TransitionError(f"batch {batch_id} is being worked on") from exc


def discard_batch(batch: Batch, actor=None, now=None) -> Batch:
    """Drop a batch that was not loaded; one a worker took only while that worker is silent."""
    with _locked_unless_worked_on(batch.pk) as locked:
        if locked.status == BatchStatus.DISCARDED:
            return locked
        if not can_discard(locked, now):
            raise TransitionError(f"batch {batch.pk}: {locked.status} -> discarded")
        was = locked.status
        _set_status(locked, BatchStatus.DISCARDED)
        locked.discarded_at = timezone.now()
        locked.save(update_fields=["status", "discarded_at", "updated_at"])
        data = {"was": was} if was in WORKED_ON else {}
        record_event("exchange.batch.discarded", actor=actor, target=locked, data=data)
    return locked


# -- a lost worker: silence, recovery, and what the department may do -------------------------


def is_silent(batch: Batch, now=None) -> bool:
    """The worker that took the batch has stopped answering: no heartbeat for
    PORTAL_IMPORT_SILENT_SECONDS, or its task ended in a failure it recorded."""
    if batch.status not in WORKED_ON:
        return False
    if batch.last_failure:
        return True
    now = now or timezone.now()
    return (now - last_heard(batch)).total_seconds() > settings.PORTAL_IMPORT_SILENT_SECONDS


def _stalled_for() -> dt.timedelta:
    return dt.timedelta(minutes=settings.PORTAL_IMPORT_STALLED_MINUTES)


def _recovery_every() -> dt.timedelta:
    """How often the scheduled recovery (resume_stalled_batches) runs."""
    return dt.timedelta(
        seconds=settings.CELERY_BEAT_SCHEDULE["exchange-resume-stalled-batches"]["schedule"]
    )


def is_stalled(batch: Batch, now=None) -> bool:
    """Due for the scheduled recovery: silent for PORTAL_IMPORT_STALLED_MINUTES (at once
    after a recorded failure), or received and never taken by a worker for as long."""
    now = now or timezone.now()
    if batch.status == BatchStatus.RECEIVED:
        return now - (batch.started_at or batch.created_at) > _stalled_for()
    if not is_silent(batch, now):
        return False
    return bool(batch.last_failure) or now - last_heard(batch) > _stalled_for()


def can_retry(batch: Batch, now=None) -> bool:
    return is_silent(batch, now) or (
        batch.status == BatchStatus.RECEIVED and is_stalled(batch, now)
    )


def can_discard(batch: Batch, now=None) -> bool:
    if BatchStatus.DISCARDED not in TRANSITIONS[batch.status]:
        return False
    return batch.status not in WORKED_ON or is_silent(batch, now)


@dataclass(frozen=True)
class Silence:
    """What a silent batch's page and API status say about it."""

    last_heard: dt.datetime
    # "retry": the scheduled recovery sends it again; "fail": it marks it failed.
    automatic: str
    # The latest moment the scheduled recovery acts (it runs every few minutes).
    automatic_by: dt.datetime
    attempts: int
    max_attempts: int


def silence(batch: Batch, now=None) -> Silence | None:
    """How a silent batch stands and what will happen to it; None while its worker answers."""
    now = now or timezone.now()
    if not is_silent(batch, now):
        return None
    heard = last_heard(batch)
    due = now if batch.last_failure else max(now, heard + _stalled_for())
    limit = settings.PORTAL_IMPORT_MAX_ATTEMPTS
    return Silence(
        last_heard=heard,
        automatic="retry" if batch.attempts < limit else "fail",
        automatic_by=due + _recovery_every(),
        attempts=batch.attempts,
        max_attempts=limit,
    )


def resume_stalled_batches(now=None) -> int:
    """Scheduled: send again the work of batches a lost worker left (safe: the tasks
    are idempotent and wait for any load still running). After PORTAL_IMPORT_MAX_ATTEMPTS
    attempts the batch is marked failed instead. Returns how many were acted on."""
    acted = 0
    limit = settings.PORTAL_IMPORT_MAX_ATTEMPTS
    for batch in Batch.objects.filter(status__in=list(IN_PROGRESS)):
        if not is_stalled(batch, now):
            continue
        try:
            if batch.status in WORKED_ON and batch.attempts >= limit:
                give_up_batch(batch, now=now)
            else:
                retry_batch(batch, now=now)
        except TransitionError:
            continue  # its worker answered in the meantime
        acted += 1
    return acted


def retry_batch(batch: Batch, actor=None, now=None) -> Batch:
    """Send a batch's pending work again, only while its worker is silent (or, received,
    it has waited too long for one): the work then runs from the start, once."""
    from exchange.tasks import commit_batch_task, validate_batch_task

    with _locked_unless_worked_on(batch.pk) as locked:
        if not can_retry(locked, now):
            raise TransitionError(f"batch {batch.pk} is {locked.status} and answering")
        if locked.status in (BatchStatus.RECEIVED, BatchStatus.VALIDATING):
            enqueue_on_commit(validate_batch_task, locked.pk)
        else:
            enqueue_on_commit(commit_batch_task, locked.pk, getattr(actor, "pk", None))
        record_event(
            "exchange.batch.retried",
            actor=actor,
            target=locked,
            data={"status": locked.status, "attempts": locked.attempts},
        )
    return locked


def give_up_batch(batch: Batch, now=None) -> Batch:
    """Scheduled recovery, after PORTAL_IMPORT_MAX_ATTEMPTS lost workers: mark the batch
    failed (nothing of it was loaded) so the department sends the file again."""
    with _locked_unless_worked_on(batch.pk) as locked:
        if not is_stalled(locked, now):
            raise TransitionError(f"batch {batch.pk} is {locked.status} and answering")
        heard = last_heard(locked)
        _set_status(locked, BatchStatus.FAILED)
        locked.gave_up_at = now or timezone.now()
        locked.save(update_fields=["status", "gave_up_at", "updated_at"])
        record_event(
            "exchange.batch.gave_up",
            target=locked,
            data={
                "attempts": locked.attempts,
                "last_heard": heard.isoformat(),
                "last_failure": locked.last_failure[:500],
            },
        )
    return locked


__all__ = [
    "AlreadyDone",
    "BatchSource",
    "SubmissionError",
    "batch_progress",
    "commit_batch",
    "discard_batch",
    "promote_dry_run",
    "same_file_batch",
    "is_silent",
    "request_commit",
    "retry_batch",
    "submit_batch",
    "validate_batch",
]
