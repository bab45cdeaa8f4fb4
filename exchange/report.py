"""The row-error report: the rejected rows as they were uploaded, plus an error column.

Fix the cells, upload the report again: the error column is ignored on upload,
and the apostrophe that formula neutralisation puts before = + - @ is removed.
"""

from itertools import groupby

from django.utils.translation import gettext as _

from exchange.models import RowError
from exchange.uploads import stored_file
from importers.messages import column_label, describe, render
from importers.readers import open_table
from importers.schema import ERROR_COLUMN
from portal.core.spreadsheets import write_xlsx


def _errors_by_row(batch):
    fields = {f.key: f for f in batch.catalog_item.fields.all()}
    errors = (
        RowError.objects.filter(batch=batch)
        .order_by("row", "id")
        .values_list("row", "field", "column", "code", "params")
        .iterator(chunk_size=2000)
    )
    for row, group in groupby(errors, key=lambda e: e[0]):
        yield (
            row,
            [
                describe(row, column_label(field, column, fields), render(code, params))
                for _, field, column, code, params in group
            ],
        )


def error_rows(batch, path):
    """Header plus each rejected row with its errors, streaming through file and errors."""
    with open_table(path, batch.file_name) as table:
        _, header = table.header()
        header = [h for h in header]
        error_index = None
        for index, cell in enumerate(header):
            if str(cell or "").strip() in (ERROR_COLUMN, "Errors", "errors"):
                error_index = index
        if error_index is not None:
            header = header[:error_index] + header[error_index + 1 :]
        width = len(header)
        yield [*header, ERROR_COLUMN]
        pending = _errors_by_row(batch)
        current = next(pending, None)
        for number, cells in table.rows():
            if current is None:
                break
            if number < current[0]:
                continue
            while current is not None and current[0] < number:
                current = next(pending, None)
            if current is None or current[0] != number:
                continue
            if error_index is not None and error_index < len(cells):
                cells = cells[:error_index] + cells[error_index + 1 :]
            cells = list(cells[:width]) + [""] * (width - len(cells))
            yield [*cells, "；".join(current[1])]
            current = next(pending, None)


def errors_only(batch):
    """The report once the uploaded file is gone: row numbers and errors, without the cells."""
    yield [_("行号"), ERROR_COLUMN]
    for row, messages in _errors_by_row(batch):
        yield [row, "；".join(messages)]


def error_report_xlsx(batch) -> bytes:
    """The report as XLSX bytes; every cell neutralised against formula injection."""
    if batch.file_purged_at is not None:
        return write_xlsx({"错误行": errors_only(batch)})
    return write_xlsx({"错误行": error_rows(batch, stored_file(batch))})
