"""Reading reviewers' lists: CSV in any common encoding, XLSX, and clear refusals."""

import pytest

from portal.core.spreadsheets import write_xlsx
from portal.measures.reader import InputRow, ListFileError, read_list

CSV = (
    "名称,统一社会信用代码\n惠州市华信科技有限公司,91441302MA4UJTQX3K\n鼎盛建筑（惠州）有限公司,\n"
)


def test_utf8_csv_with_bom():
    rows = read_list(b"\xef\xbb\xbf" + CSV.encode(), "list.csv")
    assert rows == [
        InputRow(row=2, name="惠州市华信科技有限公司", code="91441302MA4UJTQX3K"),
        InputRow(row=3, name="鼎盛建筑（惠州）有限公司", code=""),
    ]


def test_gbk_csv_from_excel():
    rows = read_list(CSV.encode("gbk"), "list.csv")
    assert rows[1].name == "鼎盛建筑（惠州）有限公司"


def test_semicolon_csv_and_title_line_and_blank_rows():
    text = "供应商名单\n名称;统一社会信用代码\n\n华信科技;\n"
    rows = read_list(text.encode(), "list.txt")
    assert rows == [InputRow(row=4, name="华信科技", code="")]


def test_name_only_csv():
    rows = read_list("名称\n华信科技\n".encode(), "list.csv")
    assert rows == [InputRow(row=2, name="华信科技", code="")]


def test_xlsx_with_numeric_cells():
    data = write_xlsx(
        {
            "名单": [
                ["序号", "名称*", "统一社会信用代码"],
                [1, "华信科技", "91441302MA4UJTQX3K"],
                [2, "鼎盛", None],
            ]
        }
    )
    rows = read_list(data, "list.xlsx")
    assert [(r.row, r.name, r.code) for r in rows] == [
        (2, "华信科技", "91441302MA4UJTQX3K"),
        (3, "鼎盛", ""),
    ]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"PK\x03\x04 this is not really a zip", "list.xlsx", "XLSX"),
        (b"", "list.csv", "为空"),
        ("代码,备注\n1,2\n".encode(), "list.csv", "名称"),
        ("名称\n".encode(), "list.csv", "没有数据行"),
        (b"%PDF-1.4 something", "list.pdf", "不支持"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data, filename, message):
    with pytest.raises(ListFileError) as caught:
        read_list(data, filename)
    assert message in str(caught.value)


def test_oversized_file_is_refused(settings):
    settings.PORTAL_SCREEN_MAX_BYTES = 100
    with pytest.raises(ListFileError, match="文件过大"):
        read_list(("名称\n" + "华信科技\n" * 50).encode(), "list.csv")


def test_too_many_rows_are_refused(settings):
    settings.PORTAL_SCREEN_MAX_ROWS = 3
    with pytest.raises(ListFileError, match="上限"):
        read_list(("名称\n" + "华信科技\n" * 4).encode(), "list.csv")
    assert len(read_list(("名称\n" + "华信科技\n" * 3).encode(), "list.csv")) == 3
