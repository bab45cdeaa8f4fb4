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
import gc
import hashlib
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from exchange.loader import ChunkLoader, FastTable, is_sqlite
from exchange.models import (
    IN_PROGRESS,
    TRANSITIONS,
    Batch,
    BatchRow,
    BatchSource,
    BatchStatus,
    IdentityCandidate,
    RowError,
    RowOutcome,
)
from exchange.pipeline import ReadJob, iter_messages
from exchange.validation import DuplicateFilter
from importers.readers import file_format_of, sniff_format
from importers.schema import FileRejected, ImportSchema
from portal.audit.services import record_event
from portal.catalog.models import CatalogItem
from portal.departments.models import Department
from portal.records.models import CreditRecord
from portal.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000


class SubmissionError(Exception):
    """A submission refused before it became a batch: code, parameters, HTTP status."""

    def __init__(self, code: str, params: dict | None = None, status: int = 400):
        super().__init__(code)
        self.code = code
        self.params = params or {}
        self.status = status

    def message(self) -> str:
        from importers.messages import render

        return render(self.code, self.params)


class TransitionError(Exception):
    pass


def _human_size(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


# -- receiving ---------------------------------------------------------------


def private_storage():
    return storages["private"]


def store_upload(fileobj, file_name: str, max_bytes: int | None) -> dict:
    """Stream an upload into private storage; checks size (413) and type (415) on the way."""
    try:
        file_format = file_format_of(file_name)
    except FileRejected as exc:
        raise SubmissionError(exc.code, exc.params, status=415) from exc
    storage = private_storage()
    now = timezone.now()
    name = f"exchange/batches/{now:%Y/%m}/{uuid.uuid4().hex}.{file_format}"
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    chunks = (
        fileobj.chunks() if hasattr(fileobj, "chunks") else iter(lambda: fileobj.read(1 << 20), b"")
    )
    try:
        with open(path, "wb") as out:
            for chunk in chunks:
                if not head:
                    head = chunk[:8]
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise SubmissionError(
                        "file_too_large",
                        {"size": _human_size(size) + "+", "limit": _human_size(max_bytes)},
                        status=413,
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise SubmissionError("file_empty")
        try:
            sniff_format(head, file_name)
        except FileRejected as exc:
            raise SubmissionError(exc.code, exc.params, status=415) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return {
        "file_path": name,
        "file_size": size,
        "file_sha256": digest.hexdigest(),
        "file_format": file_format,
    }


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


# -- progress ------------------------------------------------------------------


def _progress_key(batch_id: int) -> str:
    return f"exchange:batch-progress:{batch_id}"


def report_progress(batch_id: int, phase: str, fraction: float, rows: int) -> None:
    cache.set(
        _progress_key(batch_id),
        {"phase": phase, "fraction": round(fraction, 4), "rows": rows, "at": time.time()},
        timeout=6 * 3600,
    )


@dataclass
class Progress:
    status: str
    status_label: str
    percent: int
    rows: int
    running: bool

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "status_label": str(self.status_label),
            "percent": self.percent,
            "rows": self.rows,
            "running": self.running,
        }


def batch_progress(batch: Batch) -> Progress:
    """How far the batch has got. Live figures come from the worker through the cache."""
    live = cache.get(_progress_key(batch.pk)) or {}
    status = batch.status
    running = status in IN_PROGRESS
    if running and live.get("phase") == status:
        percent = int(live.get("fraction", 0) * 100)
        rows = live.get("rows", 0)
    elif running:
        percent, rows = 0, 0
    else:
        percent, rows = 100, batch.rows_total
    if running:
        percent = min(percent, 99)
    return Progress(status, BatchStatus(status).label, percent, rows, running)


# -- processing ------------------------------------------------------------------


# Indexes a load only ever appends to (one catalog item, one department, a few
# states): cheap to keep. Rebuilding any index reads the whole (wide) table.
_APPEND_ONLY_INDEXES = {"catalog_item_id", "department_id", "public_state"}


@contextlib.contextmanager
def bulk_load(expected_rows: int):
    """SQLite settings for a bulk load, inside the load's transaction.

    A large page cache keeps index pages in memory. When the file is bigger
    than the records table already is (a first load, a migration), the
    records' secondary indexes that take keys in random order are dropped
    for the load and built again at its end, in the same transaction:
    building an index once is cheaper than updating it a million times. A
    failed load rolls the drops back with everything else.
    """
    if not is_sqlite():
        yield
        return
    big = expected_rows >= settings.PORTAL_IMPORT_DEFER_CHECKPOINT_ROWS
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_before = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        checkpoint_before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{settings.PORTAL_IMPORT_SQLITE_CACHE_KIB}")
        if big:
            # The commit would copy the whole load from the WAL into the database
            # file before returning; a background connection does it instead.
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
        dropped = []
        if expected_rows >= settings.PORTAL_IMPORT_REINDEX_MIN_ROWS:
            # Sorting for the rebuild may use a second core (the readers are done by then).
            cursor.execute(f"PRAGMA threads = {int(settings.PORTAL_IMPORT_SQLITE_THREADS)}")
            cursor.execute(f'SELECT MAX("id") FROM "{CreditRecord._meta.db_table}"')  # noqa: S608
            existing = cursor.fetchone()[0] or 0
            if expected_rows > existing:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                    "AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name = %s",
                    [CreditRecord._meta.db_table],
                )
                for name, sql in cursor.fetchall():
                    cursor.execute(f'PRAGMA index_info("{name}")')
                    columns = [row[2] for row in cursor.fetchall()]
                    if len(columns) == 1 and columns[0] in _APPEND_ONLY_INDEXES:
                        continue
                    cursor.execute(f'DROP INDEX "{name}"')
                    dropped.append(sql)

    def restore():
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_before)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint_before)}")

    try:
        yield
    except BaseException:
        restore()  # the rollback takes the index drops back
        raise
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in dropped:
            cursor.execute(sql)
    if dropped:
        logger.info(
            "bulk load: %d indexes rebuilt in %.1f s", len(dropped), time.perf_counter() - started
        )
    if big:
        transaction.on_commit(lambda: (restore(), checkpoint_in_background()))
    else:
        restore()


def checkpoint_in_background() -> None:
    """Copy the write-ahead log into the SQLite database file on a connection of its own."""
    import sqlite3
    import threading

    path = str(connection.settings_dict["NAME"])
    if "memory" in path or not Path(path).exists():
        return  # an in-memory test database has nothing to copy

    def run():
        try:
            db = sqlite3.connect(path, timeout=60)
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                db.close()
        except sqlite3.Error as exc:
            logger.warning("WAL checkpoint after a bulk load failed: %s", exc)

    threading.Thread(target=run, name="sqlite-checkpoint").start()


def expected_rows(batch: Batch) -> int:
    """A generous guess of a file's rows from its size (for the bulk-load decision)."""
    return batch.file_size // (250 if batch.file_format == "csv" else 60)


@dataclass
class ProcessResult:
    rows_total: int = 0
    rejected: int = 0
    error_count: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    candidates: int = 0

    @property
    def accepted(self) -> int:
        return self.rows_total - self.rejected


def process_file(
    batch: Batch,
    *,
    write: bool,
    today: dt.date | None = None,
    actor=None,
    phase: str = BatchStatus.VALIDATING,
    after_chunk=None,
    readers: int | None = None,
) -> ProcessResult:
    """Validate (and with write=True load) every row of the batch's file, streaming.

    Runs inside the caller's transaction. Stores the batch's row errors and
    per-row outcomes (the first PORTAL_IMPORT_ROW_OUTCOMES rows). Raises
    FileRejected for a file that cannot be read or whose header does not match.
    A big file is read and validated by reader processes while this one writes.
    """
    item = batch.catalog_item
    today = today or timezone.localdate()
    loader = ChunkLoader(
        item=item,
        department=batch.department,
        batch=batch,
        write=write,
        today=today,
        actor=actor,
    )
    schema = ImportSchema.from_item(item)
    job = ReadJob(
        path=private_storage().path(batch.file_path),
        file_name=batch.file_name,
        schema=schema,
        today=today,
        chunk_rows=CHUNK_ROWS,
        max_rows=settings.PORTAL_IMPORT_MAX_ROWS,
        rule=item.disclosure_rule(),
        item_is_public=item.is_public,
        title_field=item.title_field,
    )
    if readers is None:
        readers = reader_processes(batch)
    findings = FindingsWriter(batch, settings.PORTAL_IMPORT_ROW_OUTCOMES)
    result = ProcessResult()
    with without_cyclic_gc():
        _consume(
            iter_messages(job, readers=readers),
            batch,
            schema,
            loader,
            findings,
            result,
            phase,
            after_chunk,
        )
    counts = loader.counts
    result.created = counts.created
    result.updated = counts.updated
    result.unchanged = counts.unchanged
    result.candidates = counts.candidates
    return result


def reader_processes(batch: Batch) -> int:
    """How many processes read a file: none for small files (read inline); for big
    ones one or two (PORTAL_IMPORT_READERS overrides; an XLSX sheet is unpacked whole
    in each reader, so it gets one)."""
    if batch.file_size < settings.PORTAL_IMPORT_PARALLEL_MIN_BYTES:
        return 0
    if batch.file_format != "csv":
        return 1
    configured = settings.PORTAL_IMPORT_READERS
    if configured is not None:
        return max(0, int(configured))
    # The writer and one reader keep two cores busy; a second reader (which also
    # parses the whole file to find its chunks) pays off with cores to spare.
    return 2 if (os.cpu_count() or 1) > 2 else 1


@contextlib.contextmanager
def without_cyclic_gc():
    """Rows make millions of short-lived containers and few reference cycles; the
    cyclic collector would walk the whole heap again and again for nothing. The
    consumer collects the young generations every few chunks instead."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _consume(messages, batch, schema, loader, findings, result, phase, after_chunk) -> None:
    duplicates = None
    chunks = 0
    for message in messages:
        if message[0] == "header":
            _, encoding, header_text = message
            duplicates = DuplicateFilter(schema, header_text)
            if encoding and batch.encoding != encoding:
                batch.encoding = encoding
                Batch.objects.filter(pk=batch.pk).update(encoding=encoding)
            continue
        _, clean_rows, problems, outcomes, rows_total, fraction = message
        if clean_rows:
            clean_rows, repeated = duplicates.filter(clean_rows)
            if repeated:
                problems.extend(repeated)
                outcomes.extend((p[0], RowOutcome.REJECTED, p[4]["key"][:300]) for p in repeated)
        rejected_rows = {p[0] for p in problems}
        if clean_rows:
            chunk_outcomes, conflicts = loader.process(clean_rows)
            outcomes.extend(chunk_outcomes)
            problems.extend(conflicts)
            rejected_rows.update(p[0] for p in conflicts)
        result.rows_total = rows_total
        result.rejected += len(rejected_rows)
        findings.store(problems, outcomes, result)
        report_progress(batch.pk, phase, fraction, rows_total)
        chunks += 1
        if chunks % 8 == 0:
            gc.collect(1)  # the last chunks' few reference cycles; never the whole heap
        if after_chunk is not None:
            after_chunk(result)


class FindingsWriter:
    """Stores row errors and per-row outcomes as they are found, in bulk."""

    def __init__(self, batch: Batch, outcome_limit: int):
        self.batch = batch
        self.outcome_limit = outcome_limit
        self.fast = is_sqlite()
        if self.fast:
            self.errors_table = FastTable(RowError)
            self.rows_table = FastTable(BatchRow)

    def store(self, errors: list, outcomes: list, result: "ProcessResult") -> None:
        batch_id = self.batch.pk
        if errors:
            values = [
                {
                    "batch_id": batch_id,
                    "row": row,
                    "field": key[:64],
                    "column": str(column)[:150],
                    "code": code,
                    "params": params,
                }
                for row, key, column, code, params in errors
            ]
            if self.fast:
                self.errors_table.insert_values(values)
            else:
                RowError.objects.bulk_create([RowError(**v) for v in values], batch_size=500)
            result.error_count += len(errors)
            errors.clear()
        if outcomes:
            values = [
                {"batch_id": batch_id, "row": row, "outcome": outcome, "label": label}
                for row, outcome, label in outcomes
                if row <= self.outcome_limit + 1
            ]
            if values and self.fast:
                self.rows_table.insert_values(values)
            elif values:
                BatchRow.objects.bulk_create([BatchRow(**v) for v in values], batch_size=500)
            outcomes.clear()


def _reset_findings(batch: Batch) -> None:
    RowError.objects.filter(batch=batch).delete()
    BatchRow.objects.filter(batch=batch).delete()
    IdentityCandidate.objects.filter(batch=batch, status="open").delete()


def _apply_result(batch: Batch, result: ProcessResult) -> None:
    batch.rows_total = result.rows_total
    batch.accepted = result.accepted
    batch.rejected = result.rejected
    batch.error_count = result.error_count
    batch.created_count = result.created
    batch.updated_count = result.updated
    batch.unchanged_count = result.unchanged
    batch.candidate_count = result.candidates


def _set_status(batch: Batch, status: str) -> None:
    if status not in TRANSITIONS[batch.status]:
        raise TransitionError(f"batch {batch.pk}: {batch.status} -> {status}")
    batch.status = status


def _claim(batch_id: int, from_states, to_state) -> bool:
    """Move a batch between states in its own short transaction; False if it was not there."""
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
            fused = batch.auto_commit and not batch.dry_run
            _reset_findings(batch)
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
            "candidates": batch.candidate_count,
        },
    )


def request_commit(batch: Batch, actor=None) -> Batch:
    """An officer's (or API client's) decision to load a validated batch; runs in the background."""
    if batch.dry_run:
        raise TransitionError("dry run")
    if batch.status == BatchStatus.COMMITTED or batch.status == BatchStatus.COMMITTING:
        return batch  # asked twice: nothing more to do
    if batch.status != BatchStatus.VALIDATED:
        raise TransitionError(f"batch {batch.pk} is {batch.status}")
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
                batch.status = BatchStatus.COMMITTING
            actor = actor or batch.created_by
            _reset_findings(batch)
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
    live = cache.get(_progress_key(batch.pk)) or {}
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


def delete_file(batch: Batch) -> None:
    with contextlib.suppress(FileNotFoundError):
        private_storage().delete(batch.file_path)


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
