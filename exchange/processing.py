"""Reading, validating and (when asked) loading every row of a batch's file, streaming."""

import datetime as dt
import gc
import os

from django.conf import settings
from django.utils import timezone

from exchange.findings import FindingsWriter, ProcessResult
from exchange.loader import ChunkLoader
from exchange.models import Batch, BatchStatus, RowOutcome
from exchange.pipeline import ReadJob, iter_messages
from exchange.progress import report_progress
from exchange.tuning import without_cyclic_gc
from exchange.uploads import stored_file
from exchange.validation import DuplicateFilter
from importers.schema import ImportSchema

CHUNK_ROWS = 2000


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
        path=stored_file(batch),
        file_name=batch.file_name,
        schema=schema,
        today=today,
        chunk_rows=CHUNK_ROWS,
        max_rows=settings.PORTAL_IMPORT_MAX_ROWS,
        rule=item.disclosure_rule(),
        item_is_public=item.is_public,
        title_field=item.title_field,
        source_uscc=batch.department.uscc or "",
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
    result.withdrawn = counts.withdrawn
    result.pending = counts.pending
    result.candidates = counts.candidates
    result.name_mismatches = counts.name_mismatches
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
                # A repeated row is labelled with its natural key.
                outcomes.extend(
                    (p.row, RowOutcome.REJECTED, p.params["key"][:300]) for p in repeated
                )
        rejected_rows = {p.row for p in problems}
        if clean_rows:
            chunk_outcomes, conflicts = loader.process(clean_rows)
            outcomes.extend(chunk_outcomes)
            problems.extend(conflicts)
            rejected_rows.update(p.row for p in conflicts)
        result.rows_total = rows_total
        result.rejected += len(rejected_rows)
        if clean_rows:
            findings.store_masked(clean_rows, rejected_rows, result)
        findings.store(problems, outcomes, result)
        report_progress(batch.pk, phase, fraction, rows_total)
        chunks += 1
        if chunks % 8 == 0:
            gc.collect(1)  # the last chunks' few reference cycles; never the whole heap
        if after_chunk is not None:
            after_chunk(result)
