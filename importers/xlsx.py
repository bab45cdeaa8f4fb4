"""XLSX packages checked before any spreadsheet code opens them, and a streaming sheet reader.

python-calamine (Rust) reads a sheet fast but holds all of it: every cell of the
sheet's bounding box (about 32 bytes each, empty or not) plus every non-empty cell
again while loading. A 2 MB file whose sheet XML holds rows 16,384 columns wide
therefore takes gigabytes. So while the package check inflates every zip member
(it has to, to count the real uncompressed size), it also scans the first sheet's
XML at C speed: its declared `<dimension>`, every cell reference and the number of
cell tags; and it counts the shared strings. Then:

- a sheet that declares or holds cells past PORTAL_XLSX_MAX_COLUMNS or
  PORTAL_XLSX_MAX_ROWS, or a shared-strings table past its limits, is refused;
- a sheet whose cells all carry references and whose bounding box is small
  enough (DENSE_MAX_CELLS) is read by calamine, as before;
- anything else (no references, a lying or missing dimension, a big sheet) is
  read by SheetStream below: expat, one row at a time, refusing a row as soon as
  it goes past the limits. Memory is then the shared strings plus one row.
"""

from __future__ import annotations

import datetime as dt
import operator
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring
from django.conf import settings

from importers.schema import FileRejected

# calamine's bounding box costs ~32 bytes a cell and each non-empty cell ~40 more while
# loading; measured, a 200,000-row, 24-column sheet (4.8 million cells) took its reader
# process to 553 MiB in all (docs/benchmarks.md). 6 million cells stay well under 1 GiB.
DENSE_MAX_CELLS = 6_000_000
# Inline strings live in calamine's cells too: bigger sheets are streamed.
DENSE_MAX_SHEET_BYTES = 256 * 1024 * 1024
# Parts parsed whole (manifest, workbook, relationships, styles) are small in any real file.
METADATA_MAX_BYTES = 16 * 1024 * 1024
# No real tag or text node is this long; expat would have to buffer it whole.
MAX_TOKEN_BYTES = 16 * 1024 * 1024

# Every cell tag, with its reference when that is the first attribute (as Excel writes it).
_CELL_REF = re.compile(rb'<c(?=[\s/>])(?:\s+r="([A-Z]{1,4})(\d{1,10})")?')
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{0,4})(\d{0,10})(?::([A-Z]{1,4})(\d{1,10}))?"')
_SHARED_STRING_TAGS = (b"<si>", b"<si ")
_first, _second = operator.itemgetter(0), operator.itemgetter(1)
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Built-in number formats Excel shows as dates (the CJK locales' 27-36 and 50-58 included).
_DATE_FORMAT_IDS = (
    set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
) | set(range(71, 82))


def column_index(letters: str | bytes) -> int:
    """1 for A, 27 for AA, 16384 for XFD."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index


def column_letters(index: int) -> str:
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _too_wide(row: int, column: int) -> FileRejected:
    limit = settings.PORTAL_XLSX_MAX_COLUMNS
    return FileRejected(
        "xlsx_too_wide", {"row": row, "column": column_letters(column), "limit": limit}
    )


def _too_long(row: int) -> FileRejected:
    return FileRejected("xlsx_too_many_rows", {"row": row, "limit": settings.PORTAL_XLSX_MAX_ROWS})


@dataclass
class SheetScan:
    """What the C-speed scan of a sheet's XML found, chunk by chunk."""

    max_columns: int
    max_rows: int
    size: int = 0
    cells: int = 0
    last_row: int = 0
    last_column: int = 0
    referenced: bool = True
    prefixed: bool = False
    _carry: bytes = b""
    _head: bool = True

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        data = self._carry + data
        cut = data.rfind(b">") + 1
        self._carry = data[cut:]
        if len(self._carry) > MAX_TOKEN_BYTES:
            raise FileRejected("xlsx_bomb", {"detail": "an XML item > 16 MiB"})
        part = data[:cut]
        if self._head:
            self._read_head(part)
        if not self.referenced:
            return  # streamed anyway, and the stream enforces the limits row by row
        refs = _CELL_REF.findall(part)
        if not refs:
            return
        columns = set(map(_first, refs))
        if b"" in columns:
            # A cell without a leading reference: calamine would place it by counting,
            # which this scan does not do, so the sheet is streamed.
            self.referenced = False
            columns.discard(b"")
            if not columns:
                return
        self.cells += len(refs)
        widest = max(columns, key=lambda s: (len(s), s))
        if column_index(widest) > self.max_columns:
            for letter, number in refs:  # the first cell past the limit, in file order
                if letter and column_index(letter) > self.max_columns:
                    raise _too_wide(int(number), column_index(letter))
        self.last_column = max(self.last_column, column_index(widest))
        rows = set(map(_second, refs))
        rows.discard(b"")
        last_row = max(map(int, rows)) if rows else 0
        if last_row > self.max_rows:
            raise _too_long(last_row)
        self.last_row = max(self.last_row, last_row)

    def _read_head(self, part: bytes) -> None:
        start = part.find(b"<", part.find(b"?>") + 1 if part.startswith(b"<?") else 0)
        if start < 0:
            return
        self._head = False
        if not part.startswith(b"<worksheet", start):
            self.prefixed = True  # e.g. <x:worksheet>: the byte patterns would not see its cells
        found = _DIMENSION.search(part, 0, 1 << 16)
        if found is None:
            return
        first_col, first_row, last_col, last_row = found.groups()
        last_col, last_row = last_col or first_col, last_row or first_row
        columns = column_index(last_col) if last_col else 0
        rows = int(last_row) if last_row else 0
        if columns > self.max_columns or rows > self.max_rows:
            raise FileRejected(
                "xlsx_dimension",
                {
                    "ref": found.group(0).split(b'"')[1].decode("ascii"),
                    "columns": self.max_columns,
                    "rows": self.max_rows,
                },
            )

    @property
    def dense_readable(self) -> bool:
        """Whether calamine can hold this sheet within the memory bound."""
        return (
            self.referenced
            and not self.prefixed
            and self.last_row * self.last_column <= DENSE_MAX_CELLS
            and self.cells <= DENSE_MAX_CELLS
            and self.size <= DENSE_MAX_SHEET_BYTES
        )


@dataclass
class StringsScan:
    """The shared-strings table's real size and number of entries, counted while inflating."""

    max_count: int
    max_bytes: int
    size: int = 0
    count: int = 0
    _carry: bytes = b""

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        data = self._carry + data
        cut = data.rfind(b">") + 1
        self._carry = data[cut:][-MAX_TOKEN_BYTES:]
        part = data[:cut]
        self.count += sum(part.count(tag) for tag in _SHARED_STRING_TAGS)
        if self.size > self.max_bytes or self.count > self.max_count:
            raise FileRejected(
                "xlsx_shared_strings",
                {
                    "count": self.max_count,
                    "size": f"{self.max_bytes // (1024 * 1024)} MiB",
                },
            )


@dataclass
class XlsxPackage:
    """Where the first sheet and its helpers are, and what the scan found."""

    sheet: str
    shared_strings: str | None
    styles: str | None
    date1904: bool
    scan: SheetScan = field(repr=False)


def _read_bounded(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        data = member.read(METADATA_MAX_BYTES + 1)
    if len(data) > METADATA_MAX_BYTES:
        raise FileRejected("xlsx_bomb", {"detail": f"{name} > {METADATA_MAX_BYTES} bytes"})
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise FileRejected("xlsx_unsafe")
    return data


def _parse(data: bytes):
    try:
        return safe_fromstring(data)
    except (DefusedXmlException, SyntaxError, ValueError) as exc:
        raise FileRejected("xlsx_unsafe") from exc


def _locate_parts(
    archive: zipfile.ZipFile, names: set[str]
) -> tuple[str, str | None, str | None, bool]:
    """The first sheet (as calamine opens it), the shared strings and the styles."""
    workbook = _parse(_read_bounded(archive, "xl/workbook.xml"))
    first = workbook.find(f"{{{_MAIN_NS}}}sheets/{{{_MAIN_NS}}}sheet")
    properties = workbook.find(f"{{{_MAIN_NS}}}workbookPr")
    date1904 = properties is not None and properties.get("date1904", "") in ("1", "true")
    targets, by_type = {}, {}
    if "xl/_rels/workbook.xml.rels" in names:
        rels = _parse(_read_bounded(archive, "xl/_rels/workbook.xml.rels"))
        for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join("xl", target))
            )
            targets[rel.get("Id")] = path
            by_type.setdefault(rel.get("Type", "").rsplit("/", 1)[-1], path)
    sheet = targets.get(first.get(f"{{{_REL_NS}}}id")) if first is not None else None
    if sheet is None or sheet not in names:
        sheet = "xl/worksheets/sheet1.xml"
    if sheet not in names:
        raise FileRejected("xlsx_corrupt", {"detail": "the workbook has no worksheet"})
    strings = by_type.get("sharedStrings", "xl/sharedStrings.xml")
    styles = by_type.get("styles", "xl/styles.xml")
    return (
        sheet,
        strings if strings in names else None,
        styles if styles in names else None,
        date1904,
    )


def check_xlsx_package(path) -> XlsxPackage:
    """Refuse a zip bomb, a corrupt package, XML with DTDs, a sheet past the size limits or
    an oversized shared-strings table, before anything parses the cells."""
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
        try:
            _parse(_read_bounded(archive, "[Content_Types].xml"))
            sheet, strings, styles, date1904 = _locate_parts(archive, names)
            if styles:
                _read_bounded(archive, styles)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            EOFError,
            NotImplementedError,
        ) as exc:
            raise FileRejected("xlsx_corrupt", {"detail": str(exc)}) from exc
        scan = SheetScan(settings.PORTAL_XLSX_MAX_COLUMNS, settings.PORTAL_XLSX_MAX_ROWS)
        scanners = {
            sheet: scan,
            strings: StringsScan(
                settings.PORTAL_XLSX_MAX_SHARED_STRINGS,
                settings.PORTAL_XLSX_MAX_SHARED_STRINGS_BYTES,
            ),
        }
        total = 0
        for info in entries:
            if info.is_dir():
                continue
            scanner = scanners.get(info.filename)
            try:
                with archive.open(info) as member:
                    head = member.read(4096)
                    if info.filename.endswith((".xml", ".rels", ".vml")) and (
                        b"<!DOCTYPE" in head or b"<!ENTITY" in head
                    ):
                        raise FileRejected("xlsx_unsafe")
                    total += len(head)
                    if scanner is not None:
                        scanner.feed(head)
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > max_bytes:
                            raise FileRejected("xlsx_bomb", {"detail": f"> {max_bytes} bytes"})
                        if scanner is not None:
                            scanner.feed(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
                raise FileRejected("xlsx_corrupt", {"detail": str(exc)}) from exc
            except NotImplementedError as exc:  # an unsupported compression method
                raise FileRejected("xlsx_corrupt", {"detail": str(exc)}) from exc
    return XlsxPackage(sheet, strings, styles, date1904, scan)


# -- Streaming ---------------------------------------------------------------------


class _Refused(Exception):
    """Raised inside expat's callbacks; carries the FileRejected out of the parser."""

    def __init__(self, rejection: FileRejected):
        super().__init__(rejection.code)
        self.rejection = rejection


def _safe_parser() -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args):
        raise _Refused(FileRejected("xlsx_unsafe"))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _local(name: str, cache: dict) -> str:
    local = cache.get(name)
    if local is None:
        local = cache[name] = name.rpartition(":")[2]
    return local


def _feed(parser, member, on_progress=None) -> Iterator[None]:
    """Feed a zip member to expat in 1 MiB pieces, yielding after each."""
    try:
        while chunk := member.read(1 << 20):
            parser.Parse(chunk, False)
            if on_progress is not None:
                on_progress(len(chunk))
            yield
        parser.Parse(b"", True)
        yield
    except _Refused as refused:
        raise refused.rejection from None
    except expat.ExpatError as exc:
        raise FileRejected("xlsx_corrupt", {"detail": str(exc)[:200]}) from exc


def load_shared_strings(archive: zipfile.ZipFile, name: str | None, max_chars: int) -> list[str]:
    """The shared-strings table (already checked for count and size), rich text flattened."""
    if name is None:
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_t": False, "phonetic": 0, "length": 0}
    names: dict = {}
    parser = _safe_parser()

    def start(tag, _attrs):
        tag = _local(tag, names)
        if tag == "si":
            parts.clear()
            state["length"] = 0
        elif tag == "t":
            state["in_t"] = not state["phonetic"]
        elif tag == "rPh":
            state["phonetic"] += 1

    def end(tag):
        tag = _local(tag, names)
        if tag == "si":
            strings.append("".join(parts))
        elif tag == "t":
            state["in_t"] = False
        elif tag == "rPh":
            state["phonetic"] -= 1

    def text(data):
        if state["in_t"]:
            state["length"] += len(data)
            if state["length"] > max_chars:
                raise _Refused(FileRejected("xlsx_shared_string_too_long", {"limit": max_chars}))
            parts.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    with archive.open(name) as member:
        for _ in _feed(parser, member):
            pass
    return strings


def date_styles(archive: zipfile.ZipFile, name: str | None) -> frozenset[int]:
    """Indexes of the cell formats (cellXfs) that show numbers as dates."""
    if name is None:
        return frozenset()
    from openpyxl.styles.numbers import is_date_format

    root = _parse(_read_bounded(archive, name))
    custom = {
        int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
        for fmt in root.iter(f"{{{_MAIN_NS}}}numFmt")
        if fmt.get("numFmtId", "").isdigit()
    }
    found = set()
    xfs = root.find(f"{{{_MAIN_NS}}}cellXfs")
    for index, xf in enumerate(xfs if xfs is not None else ()):
        raw = xf.get("numFmtId", "0")
        fmt_id = int(raw) if raw.isdigit() else 0
        if fmt_id in custom:
            if is_date_format(custom[fmt_id]):
                found.add(index)
        elif fmt_id in _DATE_FORMAT_IDS:
            found.add(index)
    return frozenset(found)


def _as_date(serial: float, date1904: bool):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    try:
        value = from_excel(serial, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
    except (ValueError, OverflowError, TypeError):
        return serial
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


class SheetStream:
    """The rows of one sheet, parsed one at a time with the limits enforced as they come.

    Values as calamine gives them: text, float, bool, and date/datetime for numbers in
    a date format; '' for an empty cell. Rows are numbered as the file numbers them.
    """

    def __init__(self, path, package: XlsxPackage):
        self.max_columns = settings.PORTAL_XLSX_MAX_COLUMNS
        self.max_rows = settings.PORTAL_XLSX_MAX_ROWS
        self.max_chars = settings.PORTAL_IMPORT_MAX_ROW_CHARS
        self.size = max(package.scan.size, 1)
        self.read = 0
        self._archive = zipfile.ZipFile(path)
        try:
            self._strings = load_shared_strings(
                self._archive, package.shared_strings, self.max_chars
            )
            self._dates = date_styles(self._archive, package.styles)
        except BaseException:
            self._archive.close()
            raise
        self._date1904 = package.date1904
        self._sheet = package.sheet

    def close(self) -> None:
        self._archive.close()

    def progress(self) -> float:
        return min(self.read / self.size, 1.0)

    def rows(self) -> Iterator[tuple[int, list]]:
        done: list[tuple[int, list]] = []
        names: dict = {}
        strings, dates, date1904 = self._strings, self._dates, self._date1904
        max_columns, max_rows, max_chars = self.max_columns, self.max_rows, self.max_chars
        # The row being read: number, cells, next column, characters; the cell: column,
        # type, style, text parts, whether text is being collected.
        row = {"number": 0, "cells": None, "column": 0, "chars": 0}
        cell = {"column": 0, "type": "n", "style": 0, "parts": [], "collect": False, "phonetic": 0}

        def start(tag, attrs):
            tag = _local(tag, names)
            if tag == "c":
                if row["cells"] is None:
                    return
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    column = column_index(letters) if letters.isalpha() and letters.isupper() else 0
                    if column < 1:
                        raise _Refused(
                            FileRejected("xlsx_corrupt", {"detail": f"cell reference {ref[:20]}"})
                        )
                else:
                    column = row["column"] + 1
                if column > max_columns:
                    raise _Refused(_too_wide(row["number"], column))
                row["column"] = column
                cell["column"] = column
                cell["type"] = attrs.get("t", "n")
                style = attrs.get("s", "0")
                cell["style"] = int(style) if style.isdigit() else 0
                cell["parts"] = []
            elif tag == "v":
                cell["collect"] = True
            elif tag == "t":
                cell["collect"] = cell["type"] == "inlineStr" and not cell["phonetic"]
            elif tag == "rPh":
                cell["phonetic"] += 1
            elif tag == "row":
                ref = attrs.get("r", "")
                number = int(ref) if ref.isdigit() else row["number"] + 1
                if number > max_rows:
                    raise _Refused(_too_long(number))
                row.update(number=number, cells=[], column=0, chars=0)

        def end(tag):
            tag = _local(tag, names)
            if tag in ("v", "t"):
                cell["collect"] = False
            elif tag == "c":
                cells = row["cells"]
                if cells is None:
                    return
                value = self._value(cell, strings, dates, date1904)
                index = cell["column"] - 1
                if index >= len(cells):
                    cells.extend([""] * (index - len(cells) + 1))
                cells[index] = value
            elif tag == "rPh":
                cell["phonetic"] -= 1
            elif tag == "row":
                if row["cells"] is not None:
                    done.append((row["number"], row["cells"]))
                row["cells"] = None

        def text(data):
            if cell["collect"]:
                row["chars"] += len(data)
                if row["chars"] > max_chars:
                    raise _Refused(
                        FileRejected("row_too_long", {"row": row["number"], "limit": max_chars})
                    )
                cell["parts"].append(data)

        parser = _safe_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text

        def advance(n):
            self.read += n

        with self._archive.open(self._sheet) as member:
            for _ in _feed(parser, member, advance):
                if done:
                    yield from done
                    done.clear()

    @staticmethod
    def _value(cell, strings, dates, date1904):
        text = "".join(cell["parts"])
        kind = cell["type"]
        if kind == "s":
            try:
                return strings[int(text)]
            except (ValueError, IndexError):
                return ""
        if kind in ("inlineStr", "str", "e"):
            return text
        if text == "":
            return ""
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                value = dt.datetime.fromisoformat(text)
            except ValueError:
                return text
            return value.date() if value.time() == dt.time() else value
        try:
            number = float(text)
        except ValueError:
            return text
        if cell["style"] in dates:
            return _as_date(number, date1904)
        return number
