"""The credit report PDF reads as a document: a section heading is never left alone at
the foot of a page, and labels are never broken inside a word."""

import datetime as dt
import io
import re

import pypdf
import pytest
from django.utils import timezone

from portal.reports import pdf, services
from tests.factories import OrganisationFactory, make_record

pytestmark = pytest.mark.django_db

HEADING = re.compile(r"^[一二三四五六七]、")


def render(subject) -> list[str]:
    content = services.collect(subject)
    data = pdf.render_report(
        content,
        code="XY20260101ABCDEFGH",
        checksum="0000-0000-0000-0000",
        issued_at=timezone.now(),
        verify_link="https://credit.example/reports/verify/",
    )
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_labels_read_whole():
    subject = OrganisationFactory(name="惠州市标签完整测试有限公司")
    make_record(subject)
    first_page = render(subject)[0]
    assert "统一社会信用代码" in first_page
    assert "决定日期" in first_page


def test_a_section_heading_is_never_stranded_at_the_foot_of_a_page():
    """As penalties are added one by one the later sections move down the pages; at no
    count may a page end with a section heading."""
    subject = OrganisationFactory(name="惠州市分页测试有限公司")
    make_record(subject, item_code="COURT_DISHONEST", department_code="COURT", data={})
    make_record(subject, item_code="HONOUR", data={"honour_name": "守合同重信用企业"})
    make_record(subject, item_code="ABNORMAL_OPERATION", data={"reason": "未报送年报"})
    today = timezone.localdate()
    stranded = []
    for count in range(1, 31):
        make_record(subject, decision_date=today - dt.timedelta(days=count))
        if count < 8:
            continue
        pages = render(subject)
        for number, text in enumerate(pages[:-1], 1):
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if lines and HEADING.match(lines[-1]):
                stranded.append((count, number, lines[-1]))
    assert stranded == []
