"""The row-error report as a clerk opens it: bad cells marked with their message, code
columns as text cells, negative amounts as numbers."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from exchange import services
from exchange.report import error_report_xlsx
from portal.core.spreadsheets import neutralise
from tests.exchange.conftest import penalty_csv, penalty_row, submit
from tests.factories import catalog_item

pytestmark = pytest.mark.django_db


def report(batch):
    sheet = load_workbook(io.BytesIO(error_report_xlsx(batch))).worksheets[0]
    header = [c.value for c in sheet[1]]
    return sheet, {label: index + 1 for index, label in enumerate(header)}


def labels():
    return {f.key: f.label for f in catalog_item("ADM_PENALTY").fields.all()}


def test_bad_cells_are_filled_and_carry_their_message():
    rows = [penalty_row(uscc="91441302MA4X0000X0", fine_amount="abc"), penalty_row()]
    batch = services.validate_batch(submit(penalty_csv(rows)).pk)
    assert batch.rejected == 1
    sheet, columns = report(batch)
    assert sheet.max_row == 2  # the header and the one rejected row
    label = labels()
    uscc = sheet.cell(row=2, column=columns[label["uscc"]])
    amount = sheet.cell(row=2, column=columns[label["fine_amount"]])
    name = sheet.cell(row=2, column=columns[label["subject_name"]])
    for bad in (uscc, amount):
        assert bad.fill.fgColor.rgb.endswith("FFC7CE")
        assert bad.comment is not None
    assert "校验位" in uscc.comment.text
    assert "abc" in amount.comment.text and "数值" in amount.comment.text
    assert name.comment is None and name.fill.fgColor.rgb in (None, "00000000")
    errors = sheet.cell(row=2, column=columns["错误说明"]).value
    assert "统一社会信用代码" in errors and "abc" in errors


def test_code_columns_are_text_cells_and_negative_amounts_stay_numbers():
    rows = [penalty_row(fine_amount="-2", decision_no="20260001")]
    batch = services.validate_batch(submit(penalty_csv(rows)).pk)
    assert batch.rejected == 1  # an amount below zero
    sheet, columns = report(batch)
    label = labels()
    amount = sheet.cell(row=2, column=columns[label["fine_amount"]])
    assert amount.value == -2 and amount.data_type == "n"
    assert amount.comment is not None  # it is the bad cell
    for key in ("uscc", "decision_no", "authority_uscc", "source_uscc"):
        cell = sheet.cell(row=2, column=columns[label[key]])
        assert cell.number_format == "@" and cell.data_type == "s", key
    assert sheet.cell(row=2, column=columns[label["decision_no"]]).value == "20260001"
    assert sheet.cell(row=2, column=columns[label["subject_name"]]).number_format != "@"


def test_an_excel_damaged_code_comes_back_as_text_with_how_to_fix_it(tmp_path):
    item = catalog_item("ADM_PENALTY")
    fields = list(item.fields.all().order_by("sort_order", "id"))
    row = penalty_row()
    book = Workbook()
    sheet = book.active
    sheet.append([f.label for f in fields])
    sheet.append([914413027000000000 if f.key == "uscc" else row.get(f.key, "") for f in fields])
    path = tmp_path / "rows.xlsx"
    book.save(path)
    batch = services.validate_batch(submit(path.read_bytes(), "rows.xlsx").pk)
    sheet, columns = report(batch)
    cell = sheet.cell(row=2, column=columns[labels()["uscc"]])
    assert cell.value == "914413027000000000" and cell.number_format == "@"
    assert "文本" in cell.comment.text and "设置单元格格式" in cell.comment.text


def test_only_text_a_spreadsheet_would_run_is_prefixed():
    assert neutralise("-2") == "-2" and neutralise("+1.5") == "+1.5"
    assert neutralise("-2+3") == "'-2+3" and neutralise("=1+1") == "'=1+1"
    assert neutralise("-") == "'-" and neutralise(-2) == -2
