"""Reading files: encodings, XLSX cells, and files that must be refused."""

import datetime as dt
import io
import zipfile

import pytest

from importers.readers import open_table, read_all
from importers.schema import FileRejected
from tests.exchange.conftest import fixture_path


def rows_of(name):
    header, rows = read_all(fixture_path(name))
    return header, [cells for _, cells in rows]


@pytest.mark.parametrize(
    "name, encoding",
    [
        ("penalty_utf8.csv", "utf-8"),
        ("penalty_bom.csv", "utf-8-sig"),
        ("penalty_gbk.csv", "gb18030"),
    ],
)
def test_csv_encodings_are_detected(name, encoding):
    with open_table(fixture_path(name)) as table:
        assert table.encoding == encoding
        header = table.header()[1]
        rows = list(table.rows())
    assert header[0] == "行政相对人名称"  # no BOM left on the first header
    assert rows[0][0] == 2 and rows[0][1][0] == "惠州市样例贸易有限公司"
    assert len(rows) == 4


def test_gbk_and_utf8_files_read_the_same():
    assert rows_of("penalty_gbk.csv") == rows_of("penalty_utf8.csv") == rows_of("penalty_bom.csv")


def test_tab_separated_text_is_read(tmp_path):
    path = tmp_path / "tabs.csv"
    path.write_text("行政相对人名称\t备注\n甲公司\t无\n", encoding="utf-8")
    header, rows = read_all(path)
    assert header == ["行政相对人名称", "备注"] and rows[0][1] == ["甲公司", "无"]


def test_blank_lines_are_skipped_and_row_numbers_kept(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n\n1,2\n,\n3,4\n", encoding="utf-8")
    _, rows = read_all(path)
    assert [number for number, _ in rows] == [3, 5]


def test_xlsx_cells_keep_their_types():
    header, rows = rows_of("penalty.xlsx")
    assert header[0] == "行政相对人名称"
    date_column = header.index("处罚决定日期")
    assert rows[0][date_column] in (dt.date(2026, 3, 15), dt.datetime(2026, 3, 15))
    assert rows[1][date_column] == 46114  # an Excel serial typed into a general cell


def test_corrupt_xlsx_is_refused():
    with pytest.raises(FileRejected) as caught:
        open_table(fixture_path("corrupt.xlsx"))
    assert caught.value.code == "xlsx_corrupt"


def test_text_named_xlsx_is_refused():
    with pytest.raises(FileRejected) as caught:
        open_table(fixture_path("not_a_spreadsheet.xlsx"))
    assert caught.value.code == "xlsx_corrupt"


def test_a_zip_named_csv_is_refused(tmp_path):
    path = tmp_path / "sneaky.csv"
    path.write_bytes(fixture_path("penalty.xlsx").read_bytes())
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    assert caught.value.code == "file_type"


def test_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "data.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    assert caught.value.code == "file_type"


def _xlsx_with(extra: dict, base=None) -> bytes:
    """The fixture workbook with members added or replaced."""
    source = zipfile.ZipFile(base or fixture_path("penalty.xlsx"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in extra:
                target.writestr(info, source.read(info))
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()


def test_zip_bomb_is_refused_by_uncompressed_size(tmp_path, settings):
    settings.PORTAL_XLSX_MAX_UNCOMPRESSED = 2_000_000
    path = tmp_path / "bomb.xlsx"
    # 50 MB of zeros compresses to about 50 KB.
    path.write_bytes(_xlsx_with({"xl/media/padding.bin": b"\0" * 50_000_000}))
    assert path.stat().st_size < 200_000
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    assert caught.value.code == "xlsx_bomb"


def test_zip_with_too_many_entries_is_refused(tmp_path, settings):
    settings.PORTAL_XLSX_MAX_ENTRIES = 50
    path = tmp_path / "many.xlsx"
    path.write_bytes(_xlsx_with({f"xl/extra/{i}.txt": b"x" for i in range(60)}))
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    assert caught.value.code == "xlsx_bomb"


def test_xml_with_entities_is_refused(tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><sst>&lol2;</sst>'
    )
    path = tmp_path / "entities.xlsx"
    path.write_bytes(_xlsx_with({"xl/sharedStrings.xml": laughs}))
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    assert caught.value.code == "xlsx_unsafe"


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(FileRejected) as caught:
        open_table(path)
    assert caught.value.code == "file_empty"
