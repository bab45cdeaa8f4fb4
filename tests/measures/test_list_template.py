"""The screening list template: its example rows are examples (skipped, and the reviewer is
told), persons are read as persons and never matched by name."""

import io

import openpyxl
import pytest
from django.urls import reverse

from portal.core.codes import make_resident_id
from portal.measures.exports import list_template_xlsx
from portal.measures.models import Lookup, Match, Scenario
from portal.measures.reader import ListFileError, read_list
from portal.measures.screening import screen
from tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def filled_template(*rows) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(list_template_xlsx()))
    sheet = book.active
    # Typed in below the two example rows, as a reviewer does.
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=4 + offset, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_template_alone_is_not_a_list():
    with pytest.raises(ListFileError) as refused:
        read_list(list_template_xlsx(), "screening-list-template.xlsx")
    assert "示例行" in str(refused.value)


def test_example_rows_are_skipped_with_a_note_and_the_code_column_is_text():
    book = openpyxl.load_workbook(io.BytesIO(list_template_xlsx()))
    assert book.active["C2"].number_format == "@"
    rows = read_list(filled_template(["惠州市华信科技有限公司", "", ""]), "list.xlsx")
    assert [(r.row, r.name) for r in rows] == [(4, "惠州市华信科技有限公司")]
    assert rows.skipped_examples == [2, 3]
    assert "第 2、3 行" in rows.skipped_note() and "示例" in rows.skipped_note()


def test_the_unmarked_example_row_of_the_old_template_is_skipped_too():
    data = "名称,统一社会信用代码\n惠州市示例科技有限公司,91441302XXXXXXXXXX\n华信科技,\n"
    rows = read_list(data.encode(), "list.csv")
    assert [r.name for r in rows] == ["华信科技"] and rows.skipped_examples == [2]


def test_person_rows_are_read_as_persons_and_never_matched_by_name(procurement):
    number = make_resident_id("441302", "19850101", "456")
    person = PersonFactory(identity_number=number, name="王五")
    OrganisationFactory(name="张三")  # an organisation a person's name would find
    OrganisationFactory(name="李四")
    damaged = f"{float(make_resident_id('441302', '19900315', '123')):.0f}"  # Excel's 15 digits
    rows = read_list(
        filled_template(
            ["王五", "自然人", number],
            ["张三", "自然人", ""],
            ["李四", "", damaged],
        ),
        "list.xlsx",
    )
    assert [r.is_person for r in rows] == [True, True, False]
    found, by_name, broken = screen(list(rows), procurement)
    assert found.match == Match.EXACT and found.subject.id == person.pk
    assert by_name.match == Match.NONE and not by_name.candidates
    assert "不按姓名" in by_name.note
    assert broken.match == Match.NONE and not broken.candidates
    assert "文本格式" in broken.note


def test_the_reviewer_is_told_the_example_rows_were_skipped(client, reviewer):
    client.force_login(reviewer)
    upload = io.BytesIO(filled_template(["惠州市华信科技有限公司", "法人及非法人组织", ""]))
    upload.name = "list.xlsx"
    response = client.post(
        reverse("measures:lookup"),
        {
            "scenario": Scenario.objects.get(code="PROCUREMENT").pk,
            "purpose": "资格审查",
            "file": upload,
        },
        follow=True,
    )
    lookup = Lookup.objects.get()
    assert lookup.row_count == 1
    assert "示例行，已跳过" in response.content.decode()
    template = client.get(reverse("measures:template"))
    assert template.status_code == 200
