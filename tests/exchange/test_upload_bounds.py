"""Hostile uploads are refused with a clear message and never take a worker past 1 GiB.

Each hostile file is generated here, in tmp_path, big enough that the old readers
(calamine holding the whole sheet, csv pulling a whole line) would need several
gigabytes; it is then read by the real reader in a separate process whose peak
resident memory (VmHWM) is measured.
"""

import json
import os
import subprocess
import sys
import zipfile

import pytest
from django.conf import settings
from django.utils import translation

from exchange import services
from exchange.models import BatchStatus
from importers.readers import open_table, read_all
from importers.schema import FileRejected
from portal.records.models import CreditRecord
from tests.exchange.conftest import fixture_path, penalty_csv, penalty_row, submit

GIB = 1024 * 1024 * 1024

_READ_IN_CHILD = """
import json, sys
import django
django.setup()
from django.utils import translation
from importers.readers import open_table
from importers.schema import FileRejected

result = {"code": "", "rows": 0}
try:
    with open_table(sys.argv[1]) as table:
        table.header()
        for _ in table.rows():
            result["rows"] += 1
except FileRejected as exc:
    result["code"] = exc.code
    result["zh"] = exc.message()
    with translation.override("en"):
        result["en"] = exc.message()
with open("/proc/self/status") as status:
    for line in status:
        if line.startswith("VmHWM:"):
            result["peak_kib"] = int(line.split()[1])
print(json.dumps(result, ensure_ascii=False))
"""


def read_in_child(path) -> dict:
    """Read the file with the real reader in a fresh process; its refusal and peak memory."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE)
    done = subprocess.run(  # our own interpreter and code
        [sys.executable, "-c", _READ_IN_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["peak_kib"] * 1024 < GIB, result
    return result


# -- Writing hostile workbooks, streamed ------------------------------------------

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
_WORKBOOK = (
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    b"</Relationships>"
)
_SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def write_xlsx(path, sheet_parts, shared_strings_parts=None) -> None:
    """A minimal workbook whose sheet (and shared strings) are written piece by piece."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for part in sheet_parts:
                sheet.write(part)
        if shared_strings_parts is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
                for part in shared_strings_parts:
                    strings.write(part)


def _letters(index: int) -> bytes:
    from importers.xlsx import column_letters

    return column_letters(index).encode()


def _plain_row(number: int, width: int = 3) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>x</t></is></c>' % (_letters(i), number)
        for i in range(1, width + 1)
    )
    return b'<row r="%d">%s</row>' % (number, cells)


def wide_sheet(dimension: bytes | None, rows: int, *, referenced: bool = True):
    """Two ordinary rows, then `rows` rows of 16,384 numeric cells each."""
    yield _SHEET_HEAD
    if dimension:
        yield b'<dimension ref="%s"/>' % dimension
    yield b"<sheetData>" + _plain_row(1) + _plain_row(2)
    if referenced:
        template = b"".join(b'<c r="%s{R}"><v>1</v></c>' % _letters(i) for i in range(1, 16385))
    else:
        template = b"<c><v>1</v></c>" * 16384
    for number in range(3, rows + 3):
        yield b'<row r="%d">' % number + template.replace(b"{R}", b"%d" % number) + b"</row>"
    yield b"</sheetData></worksheet>"


def test_a_dense_sheet_declaring_16384_columns_is_refused_at_its_dimension(tmp_path):
    path = tmp_path / "dense.xlsx"
    # 1,000 rows of 16,384 cells: 360 MB of sheet XML, 16 million cells for calamine.
    write_xlsx(path, wide_sheet(b"A1:XFD1002", 1000))
    assert path.stat().st_size < settings.PORTAL_IMPORT_MAX_UPLOAD_BYTES  # an accepted upload
    result = read_in_child(path)
    assert result["code"] == "xlsx_dimension"
    assert (
        result["zh"]
        == "工作表声明的数据范围 A1:XFD1002 超过上限（128 列、1048576 行），已拒收整个文件"
    )
    assert result["en"].startswith("The sheet declares the range A1:XFD1002")


@pytest.mark.parametrize(
    "dimension, referenced",
    [(b"A1:C2", True), (None, True), (None, False)],
    ids=["lying-dimension", "no-dimension", "no-dimension-no-references"],
)
def test_rows_16384_columns_wide_are_refused_whatever_the_dimension_says(
    tmp_path, dimension, referenced
):
    path = tmp_path / "wide.xlsx"
    write_xlsx(path, wide_sheet(dimension, 900 if referenced else 1200, referenced=referenced))
    result = read_in_child(path)
    assert result["code"] == "xlsx_too_wide"
    assert result["zh"] == (
        "第 3 行在第 DY 列有内容，超过上限 128 列，已拒收整个文件；请删除模板以外的列后重新上传"
    )
    assert "Row 3 has content in column DY" in result["en"]


def test_a_huge_shared_strings_table_is_refused(tmp_path):
    path = tmp_path / "strings.xlsx"
    block = b"<si><t>a</t></si>" * 60_000  # ~1 MB
    # 30 million one-letter strings: 510 MB of XML, a few GB once calamine holds them.
    strings = [b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    strings += [block] * 500 + [b"</sst>"]
    sheet = [_SHEET_HEAD, b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>']
    sheet.append(b"</sheetData></worksheet>")
    write_xlsx(path, sheet, strings)
    result = read_in_child(path)
    assert result["code"] == "xlsx_shared_strings"
    assert "共享字符串表过大（上限 2000000 条、128 MiB）" in result["zh"]
    assert "shared-strings table is too big" in result["en"]


def test_a_long_single_line_csv_is_refused_naming_the_row(tmp_path):
    path = tmp_path / "one-line.csv"
    with open(path, "wb") as out:
        out.write("行政相对人名称,备注\n".encode())
        block = b"," * (1 << 20)
        for _ in range(400):  # 400 MB without a line break: 400 million empty cells
            out.write(block)
    result = read_in_child(path)
    assert result["code"] == "row_too_long"
    assert result["zh"] == (
        "第 2 行超过 1000000 个字符（可能缺少换行或引号未闭合），已拒收整个文件"
    )
    assert result["en"].startswith("Row 2 is longer than 1000000 characters")


def test_a_single_cell_of_hundreds_of_megabytes_is_refused(tmp_path):
    path = tmp_path / "one-cell.csv"
    with open(path, "wb") as out:
        out.write(b'name,note\n"')
        block = b"x" * (1 << 20)
        for _ in range(300):
            out.write(block)
    result = read_in_child(path)
    assert result["code"] == "row_too_long"
    assert "第 2 行超过" in result["zh"]


# -- Smaller cases, in this process --------------------------------------------------


def test_quoted_line_breaks_cannot_make_a_row_unbounded(tmp_path, settings):
    settings.PORTAL_IMPORT_MAX_ROW_CHARS = 10_000
    path = tmp_path / "quoted.csv"
    path.write_text("a,b\n1,2\n" + '"\n",' * 5_000 + "x\n", encoding="utf-8")
    with pytest.raises(FileRejected) as caught:
        read_all(path)
    assert caught.value.code == "row_too_long" and caught.value.params["row"] == 3


def test_a_cell_past_the_csv_field_limit_names_its_row(tmp_path):
    path = tmp_path / "cell.csv"
    path.write_text('a,b\n1,2\n3,"' + "y\n" * 100_000 + '"\n', encoding="utf-8")
    with pytest.raises(FileRejected) as caught:
        read_all(path)
    assert caught.value.code == "cell_too_long"
    assert caught.value.message() == "第 3 行有单元格超过 131072 个字符，已拒收整个文件"


def test_a_sheet_past_the_row_limit_is_refused(tmp_path, settings):
    settings.PORTAL_XLSX_MAX_ROWS = 50
    path = tmp_path / "long.xlsx"
    rows = b"".join(_plain_row(n) for n in range(1, 60))
    write_xlsx(path, [_SHEET_HEAD, b"<sheetData>", rows, b"</sheetData></worksheet>"])
    with pytest.raises(FileRejected) as caught:
        read_all(path)
    assert caught.value.code == "xlsx_too_many_rows" and caught.value.params["row"] == 59


def test_the_streaming_reader_reads_what_calamine_reads(monkeypatch):
    from importers import xlsx

    dense = read_all(fixture_path("penalty.xlsx"))
    monkeypatch.setattr(xlsx, "DENSE_MAX_CELLS", 0)
    with open_table(fixture_path("penalty.xlsx")) as table:
        assert table._stream is not None
    streamed = read_all(fixture_path("penalty.xlsx"))

    def trimmed(rows):
        out = []
        for number, cells in rows:
            cells = list(cells)
            while cells and cells[-1] == "":
                cells.pop()
            out.append((number, cells))
        return out

    assert streamed[0] == dense[0]
    assert trimmed(streamed[1]) == trimmed(dense[1])


@pytest.mark.django_db
def test_a_refused_file_leaves_nothing_imported_and_says_why_in_both_languages(settings):
    settings.PORTAL_IMPORT_MAX_ROW_CHARS = 2_000
    content = penalty_csv([penalty_row() for _ in range(5)])
    content += ("x" * 5_000).encode() + b"\n"
    batch = services.validate_batch(submit(content, auto_commit=True).pk)
    assert batch.status == BatchStatus.FAILED
    assert batch.file_error_code == "row_too_long"
    assert not CreditRecord.objects.exists()
    assert batch.file_error() == (
        "第 7 行超过 2000 个字符（可能缺少换行或引号未闭合），已拒收整个文件"
    )
    with translation.override("en"):
        assert batch.file_error().startswith("Row 7 is longer than 2000 characters")
