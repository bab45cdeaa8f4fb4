"""Reading uploaded files as rows, streaming: CSV in any encoding departments use, and XLSX.

- CSV: UTF-8 with or without a BOM, UTF-16 with a BOM, or GBK/GB18030 (what
  Excel on a Chinese Windows saves), detected from the bytes; comma or tab
  separated. Rows are read one at a time, never all at once.
- XLSX: an XLSX is a zip, so before any spreadsheet code touches it the zip is
  checked: entry count, the real uncompressed size (counted while inflating,
  not trusted from the directory), CRCs, and no DTD or entity declarations in
  any XML part (the package manifest is parsed with defusedxml). Then
  python-calamine (Rust) reads the cells fast.

Row numbers are the ones a spreadsheet program shows: the header is row 1 when
it is the first line.
"""

import codecs
import csv
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from django.conf import settings

from importers.schema import FileRejected

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
        self._file = open(self.path, encoding=self.encoding, newline="")
        self._reader = csv.reader(self._file, delimiter=self.delimiter)
        self._header = None

    def _iter(self):
        number = 0
        try:
            for cells in self._reader:
                number += 1
                yield number, cells
        except UnicodeDecodeError as exc:
            raise FileRejected("encoding") from exc
        except csv.Error as exc:
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


def check_xlsx_package(path: str | os.PathLike) -> None:
    """Refuse a zip bomb, a corrupt package or XML with DTDs before anything parses it."""
    max_entries = settings.PORTAL_XLSX_MAX_ENTRIES
    max_bytes = settings.PORTAL_XLSX_MAX_UNCOMPRESSED
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected("xlsx_corrupt", {"detail": str(exc)}) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > max_entries:
            raise FileRejected("xlsx_bomb", {"detail": f"{len(entries)} > {max_entries} entries"})
        declared = sum(info.file_size for info in entries)
        if declared > max_bytes:
            raise FileRejected("xlsx_bomb", {"detail": f"{declared} > {max_bytes} bytes"})
        names = {info.filename for info in entries}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise FileRejected("xlsx_corrupt", {"detail": "not an Office Open XML workbook"})
        total = 0
        for info in entries:
            if info.is_dir():
                continue
            try:
                with archive.open(info) as member:
                    head = member.read(4096)
                    if info.filename.endswith((".xml", ".rels", ".vml")) and (
                        b"<!DOCTYPE" in head or b"<!ENTITY" in head
                    ):
                        raise FileRejected("xlsx_unsafe")
                    total += len(head)
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > max_bytes:
                            raise FileRejected("xlsx_bomb", {"detail": f"> {max_bytes} bytes"})
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
                raise FileRejected("xlsx_corrupt", {"detail": str(exc)}) from exc
            except NotImplementedError as exc:  # an unsupported compression method
                raise FileRejected("xlsx_corrupt", {"detail": str(exc)}) from exc
        try:
            safe_fromstring(archive.read("[Content_Types].xml"))
        except (DefusedXmlException, SyntaxError, ValueError) as exc:
            raise FileRejected("xlsx_unsafe") from exc


class XlsxTable(Table):
    file_format = "xlsx"

    def __init__(self, path: str | os.PathLike):
        from python_calamine import CalamineWorkbook

        self.path = Path(path)
        if self.path.stat().st_size == 0:
            raise FileRejected("file_empty")
        check_xlsx_package(self.path)
        try:
            self._workbook = CalamineWorkbook.from_path(str(self.path))
            sheet = self._workbook.get_sheet_by_index(0)
        except Exception as exc:  # calamine raises its own error types for bad content
            raise FileRejected("xlsx_corrupt", {"detail": str(exc)[:200]}) from exc
        self.total = max(sheet.height, 1)
        start = sheet.start or (0, 0)
        self._first_row = start[0] + 1
        self._iterator = enumerate(sheet.iter_rows(), start=self._first_row)
        self._done = 0
        self._header = None

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
        return min(self._done / self.total, 1.0)

    def close(self):
        self._workbook.close()


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
