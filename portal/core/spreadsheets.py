"""Safe cells for every spreadsheet and CSV the portal produces (docs/domain.md, Rules that protect people).

A cell that begins with = + - @, a tab or a carriage return can run as a
formula when opened in a spreadsheet program. Such text is prefixed with an
apostrophe so it shows as typed and never runs. Numbers stay numbers.
"""

import csv
import io
import re
from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number (-2, +1.5) is read as a number, never as a formula: it keeps its sign
# without an apostrophe.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def neutralise(value):
    """The value made safe for a spreadsheet cell."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_row(row: Iterable) -> list:
    return [neutralise(value) for value in row]


def write_csv(rows: Iterable[Iterable], *, bom: bool = True) -> bytes:
    """CSV bytes in UTF-8 (with a BOM so Excel opens Chinese text correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(safe_row(row))
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def write_xlsx(sheets: dict[str, Iterable[Iterable]]) -> bytes:
    """An XLSX workbook with one sheet per entry, every cell neutralised.

    Uses openpyxl's write-only mode so large exports stream instead of building
    every cell object in memory.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append(safe_row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
