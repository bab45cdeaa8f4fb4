"""The row-error report: the rejected rows as they were uploaded, plus an error column.

Fix the cells, upload the report again: the error column is ignored on upload,
and the apostrophe that formula neutralisation puts before = + - @ is removed.
The cells an error is about are filled and carry the message as a comment; code
columns (USCC, identity and document numbers) are text cells, so a spreadsheet
keeps what the clerk types there as typed; amounts are numbers.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import groupby

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from exchange.models import RowError
from exchange.uploads import stored_file
from importers.messages import column_label, describe, render
from importers.readers import open_table
from importers.schema import ACTION_COLUMNS, ERROR_COLUMN, FileRejected, is_code_field
from portal.catalog.models import FieldType
from portal.core.spreadsheets import PLAIN_NUMBER, neutralise, write_xlsx

SHEET = "错误行"
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
TEXT = "@"


@dataclass
class RowErrors:
    row: int
    messages: list[str]  # one sentence per error, for the error column
    cells: dict[str, list[str]] = field(default_factory=dict)  # field key -> its messages


def _errors_by_row(batch):
    fields = {f.key: f for f in batch.catalog_item.fields.all()}
    errors = (
        RowError.objects.filter(batch=batch)
        .order_by("row", "id")
        .values_list("row", "field", "column", "code", "params")
        .iterator(chunk_size=2000)
    )
    for row, group in groupby(errors, key=lambda e: e[0]):
        found = RowErrors(row, [])
        for _row, key, column, code, params in group:
            message = render(code, params)
            found.messages.append(describe(row, column_label(key, column, fields), message))
            if key:
                found.cells.setdefault(key, []).append(message)
        yield found


@dataclass
class Column:
    key: str  # "" for a column the schema does not know
    code: bool  # written as a text cell
    number: bool  # an amount: plain numbers written as numbers


def _columns(batch, header: list) -> list[Column]:
    """What each column of the uploaded header is, by the item's schema."""
    from importers.schema import ImportSchema

    schema = ImportSchema.from_item(batch.catalog_item)
    try:
        mapped = schema.map_header(header)
    except FileRejected:
        mapped = None
    keys = {}
    if mapped is not None:
        keys = {index: key for key, index in {**mapped.columns, **mapped.actions}.items()}
    types = {spec.key: spec.type for spec in schema.fields}
    types.update({column.key: FieldType.TEXT for column in ACTION_COLUMNS})
    columns = []
    for index in range(len(header)):
        key = keys.get(index, "")
        kind = types.get(key, "")
        columns.append(
            Column(key, bool(key) and is_code_field(key, kind), kind == FieldType.DECIMAL)
        )
    return columns


def _code_text(value) -> str:
    """A code cell's value as text (a spreadsheet may have stored it as a number)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _amount(value):
    """A decimal column's plain number as a number (-2 stays -2, not '-2)."""
    if isinstance(value, str) and PLAIN_NUMBER.fullmatch(value.strip()):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return value
        return int(number) if number == number.to_integral_value() else float(number)
    return value


def _cell(sheet, value, column: Column, messages: list[str] | None) -> WriteOnlyCell:
    if column.code:
        cell = WriteOnlyCell(sheet, value=neutralise(_code_text(value)))
        cell.number_format = TEXT
    else:
        if column.number:
            value = _amount(value)
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    if messages:
        cell.fill = BAD_FILL
        cell.font = BAD_FONT
        cell.comment = Comment(neutralise("；".join(messages)), _("校验"), width=300, height=120)
    return cell


def error_rows(batch, path, sheet):
    """Header plus each rejected row with its errors, streaming through file and errors."""
    with open_table(path, batch.file_name) as table:
        _, header = table.header()
        header = list(header)
        error_index = None
        for index, cell in enumerate(header):
            if str(cell or "").strip() in (ERROR_COLUMN, "Errors", "errors"):
                error_index = index
        if error_index is not None:
            header = header[:error_index] + header[error_index + 1 :]
        width = len(header)
        columns = _columns(batch, header)
        yield [*(neutralise(h) for h in header), ERROR_COLUMN]
        pending = _errors_by_row(batch)
        current = next(pending, None)
        for number, cells in table.rows():
            if current is None:
                break
            if number < current.row:
                continue
            while current is not None and current.row < number:
                current = next(pending, None)
            if current is None or current.row != number:
                continue
            if error_index is not None and error_index < len(cells):
                cells = cells[:error_index] + cells[error_index + 1 :]
            cells = list(cells[:width]) + [""] * (width - len(cells))
            marked = [
                _cell(sheet, value, column, current.cells.get(column.key) if column.key else None)
                for value, column in zip(cells, columns, strict=True)
            ]
            note = _cell(sheet, "；".join(current.messages), Column("", False, False), None)
            note.font = BAD_FONT
            yield [*marked, note]
            current = next(pending, None)


def errors_only(batch):
    """The report once the uploaded file is gone: row numbers and errors, without the cells."""
    yield [_("行号"), ERROR_COLUMN]
    for found in _errors_by_row(batch):
        yield [found.row, "；".join(found.messages)]


def error_report_xlsx(batch) -> bytes:
    """The report as XLSX bytes; every text cell neutralised against formula injection."""
    if batch.file_purged_at is not None:
        return write_xlsx({SHEET: errors_only(batch)})
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=SHEET)
    for row in error_rows(batch, stored_file(batch), sheet):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
