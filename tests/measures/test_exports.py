"""Exports of long lookups: the PDF stays printable, the XLSX keeps every row."""

import io

import openpyxl
import pytest
from pypdf import PdfReader

from portal.measures import exports
from portal.measures.models import Scenario
from portal.measures.reader import InputRow
from portal.measures.services import latest_feedback, run_lookup
from tests.factories import OrganisationFactory
from tests.measures.conftest import court_dishonest

pytestmark = pytest.mark.django_db


def test_long_lookups_print_the_listed_rows_and_cut_long_cells(reviewer, monkeypatch):
    prolific = OrganisationFactory(name="惠州市多案被执行有限公司")
    for _ in range(40):  # one table row this tall would not fit on a page
        court_dishonest(prolific)
    clean = [OrganisationFactory() for _ in range(3)]
    lookup, _ = run_lookup(
        user=reviewer,
        scenario=Scenario.objects.get(code="BIDDING"),
        purpose="招标资格审查",
        rows=[InputRow(n, s.name, s.code) for n, s in enumerate([*clean, prolific], start=2)],
        channel="file",
    )
    rows = list(lookup.rows.order_by("position"))
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 2)
    pdf = exports.lookup_pdf(lookup, rows, latest_feedback(rows))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert prolific.code in text
    assert clean[0].code not in text  # not on a list: left to the XLSX
    assert "共40条" in text.replace("\n", "")  # the cell wraps anywhere
    workbook = openpyxl.load_workbook(io.BytesIO(exports.lookup_xlsx(lookup, rows, {})))
    codes = [r[5] for r in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert codes == [s.code for s in [*clean, prolific]]
