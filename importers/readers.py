"""Reading uploaded files as rows, streaming: CSV in any encoding departments use, and XLSX.

- CSV: UTF-8 with or without a BOM, UTF-16 with a BOM, or GBK/GB18030 (what
  Excel on a Chinese Windows saves), detected from the bytes; comma or tab
  separated. Rows are read one at a time, never all at once, and no line or
  row longer than PORTAL_IMPORT_MAX_ROW_CHARS is ever held: a file with no line
  breaks (or an unclosed quote) is refused, naming the row.
- XLSX: an XLSX is a zip, so before any spreadsheet code touches it the zip is
  checked: entry count, the real uncompressed size (counted while inflating,
  not trusted from the directory), CRCs, no DTD or entity declarations in
  any XML part, and the first sheet's size and shared strings
  (importers.xlsx). Then python-calamine (Rust) reads a sheet that fits in
  memory fast; anything bigger is streamed row by row.

Row numbers are the ones a spreadsheet program shows: the header is row 1 when
it is the first line.
"""

import codecs
import csv
import html
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes
from django.conf import settings

from importers.schema import FileRejected
from importers.xlsx import SheetStream, check_xlsx_package

CSV_EXTENSIONS = {".csv", ".txt"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}
SAMPLE_BYTES = 1 << 20


def file_format_of(file_name: str) -> str:
    """'csv' or 'xlsx' from the file name; FileRejected for anything else."""
    ext = Path(file_name).suffix.lower()
    if ext in CSV_EXTENSIONS:
        return "csv"
    if ext in XLSX_EXTENSIONS:
        return "xlsx"
    raise FileRejected("file_type", {"ext": ext or file_name})


def sniff_format(head: bytes, file_name: str) -> str:
    """The format by name, cross-checked with the first bytes (an XLSX is a zip)."""
    declared = file_format_of(file_name)
    if declared == "csv" and head.startswith(b"PK\x03\x04"):
        raise FileRejected("file_type", {"ext": Path(file_name).suffix.lower() + " (zip)"})
    return declared


class Table:
    """Rows of one sheet or CSV file: `header` first, then `rows()`."""

    file_format = ""
    encoding = ""

    def header(self) -> tuple[int, list]:
        """(row number, cells) of the first non-empty row."""
        raise NotImplementedError

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number, cells) of each non-empty row after the header."""
        raise NotImplementedError

    def progress(self) -> float:
        """How far reading has got, 0.0 to 1.0."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _blank(cells) -> bool:
    for cell in cells:
        if cell is not None and cell != "" and not (isinstance(cell, str) and not cell.strip()):
            return False
    return True


# -- CSV -------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV from its first bytes."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # Not final: the sample may end inside a multi-byte character.
            decoder.decode(sample, final=len(sample) < SAMPLE_BYTES)
        except UnicodeDecodeError:
            continue
        return encoding
    guess = from_bytes(sample).best()
    if guess is None:
        raise FileRejected("encoding")
    return guess.encoding


class CsvTable(Table):
    file_format = "csv"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        if self.size == 0:
            raise FileRejected("file_empty")
        with open(self.path, "rb") as raw:
            sample = raw.read(SAMPLE_BYTES)
        self.encoding = detect_encoding(sample)
        first_line = sample[:4096].decode(self.encoding, errors="ignore").splitlines()
        self.delimiter = (
            "\t" if first_line and "\t" in first_line[0] and "," not in first_line[0] else ","
        )
        self.max_chars = settings.PORTAL_IMPORT_MAX_ROW_CHARS
        self._file = open(self.path, encoding=self.encoding, newline="")
        self._number = 0  # the last row handed out
        self._pending = 0  # characters read towards the next row
        self._reader = csv.reader(self._lines(), delimiter=self.delimiter)
        self._header = None

    def _lines(self):
        """The file's lines for csv.reader, none longer than the row limit, and no row
        (which quoted line breaks can spread over many lines) longer either."""
        limit = self.max_chars
        readline = self._file.readline
        while line := readline(limit + 1):
            self._pending += len(line)
            if self._pending > limit:
                raise FileRejected("row_too_long", {"row": self._number + 1, "limit": limit})
            yield line

    def _iter(self):
        try:
            for cells in self._reader:
                self._number += 1
                self._pending = 0
                yield self._number, cells
        except UnicodeDecodeError as exc:
            raise FileRejected("encoding") from exc
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise FileRejected(
                    "cell_too_long", {"row": self._number + 1, "limit": csv.field_size_limit()}
                ) from exc
            raise FileRejected("csv_format", {"detail": str(exc)}) from exc

    def header(self):
        if self._header is None:
            self._rows = self._iter()
            for number, cells in self._rows:
                if not _blank(cells):
                    self._header = (number, cells)
                    break
            else:
                raise FileRejected("no_header")
        return self._header

    def rows(self):
        self.header()
        for number, cells in self._rows:
            if cells and not _blank(cells):
                yield number, cells

    def progress(self) -> float:
        try:
            return min(self._file.buffer.tell() / self.size, 1.0)
        except (OSError, ValueError):
            return 0.0

    def close(self):
        self._file.close()


# -- XLSX ------------------------------------------------------------------


class XlsxTable(Table):
    file_format = "xlsx"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if self.path.stat().st_size == 0:
            raise FileRejected("file_empty")
        package = check_xlsx_package(self.path)
        self._workbook = self._stream = None
        self._done, self.total = 0, 1
        if package.scan.dense_readable:
            self._open_dense()
        else:
            # Bigger, unreferenced or oddly written sheets: one row at a time.
            self._stream = SheetStream(self.path, package)
            self._iterator = self._stream.rows()
        self._header = None

    def _open_dense(self) -> None:
        from python_calamine import CalamineWorkbook

        try:
            self._workbook = CalamineWorkbook.from_path(str(self.path))
            sheet = self._workbook.get_sheet_by_index(0)
        except Exception as exc:  # calamine raises its own error types for bad content
            raise FileRejected("xlsx_corrupt", {"detail": str(exc)[:200]}) from exc
        self.total = max(sheet.height, 1)
        start = sheet.start or (0, 0)
        self._iterator = enumerate(sheet.iter_rows(), start=start[0] + 1)

    def header(self):
        if self._header is None:
            for number, cells in self._iterator:
                self._done += 1
                if not _blank(cells):
                    self._header = (number, cells)
                    break
            else:
                raise FileRejected("no_header")
        return self._header

    def rows(self):
        self.header()
        for number, cells in self._iterator:
            self._done += 1
            if not _blank(cells):
                yield number, cells

    def progress(self) -> float:
        if self._stream is not None:
            return self._stream.progress()
        return min(self._done / self.total, 1.0)

    def close(self):
        if self._workbook is not None:
            self._workbook.close()
        if self._stream is not None:
            self._stream.close()


def open_table(path: str | os.PathLike, file_name: str | None = None) -> Table:
    """Open a stored upload as a Table; FileRejected says what is wrong with a bad file."""
    path = Path(path)
    with open(path, "rb") as raw:
        head = raw.read(8)
    if not head:
        raise FileRejected("file_empty")
    file_format = sniff_format(head, file_name or path.name)
    if file_format == "xlsx":
        if not head.startswith(b"PK"):
            raise FileRejected("xlsx_corrupt", {"detail": "not a zip archive"})
        return XlsxTable(path)
    return CsvTable(path)


def read_all(path, file_name=None) -> tuple[list, list[tuple[int, list]]]:
    """Header and rows of a small file, for tests and previews."""
    with open_table(path, file_name) as table:
        header = table.header()[1]
        return header, list(table.rows())


__all__ = ["CsvTable", "FileRejected", "Table", "XlsxTable", "open_table", "read_all"]


_CORE_TITLE = re.compile(r"<dc:title>([^<]{1,200})</dc:title>")


def declared_template_version(path, file_name: str, code: str) -> int | None:
    """The template version a file says it was made from, or None: an XLSX template keeps
    "CODE vN" as its document title (importers.templates), and downloaded templates are
    named CODE_template_vN.xlsx/.csv (a CSV has only its name to tell)."""
    wanted = re.compile(rf"{re.escape(code)}\s+v(\d{{1,6}})")
    if Path(file_name).suffix.lower() in XLSX_EXTENSIONS:
        try:
            with zipfile.ZipFile(path) as archive:
                if "docProps/core.xml" in archive.namelist():
                    from importers.xlsx import _read_bounded

                    core = _read_bounded(archive, "docProps/core.xml").decode("utf-8", "replace")
                    title = _CORE_TITLE.search(core)
                    found = (
                        wanted.fullmatch(html.unescape(title.group(1)).strip()) if title else None
                    )
                    if found:
                        return int(found.group(1))
        except (FileRejected, zipfile.BadZipFile, OSError, ValueError):
            pass
    named = re.search(rf"{re.escape(code)}_template_v(\d{{1,6}})", Path(file_name).name)
    return int(named.group(1)) if named else None
