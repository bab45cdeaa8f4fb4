"""Forms and tables as citizens meet them: labels without a stray ":" after Chinese
punctuation, required fields marked, dates on one line, the report period explained."""

import re

import pytest

from tests.cms.conftest import page_text
from tests.factories import OrganisationFactory, make_record

pytestmark = pytest.mark.django_db


def labels(body: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r"<label[^>]*>(.*?)</label>", body, re.S)
    ]


def test_objection_form_labels_end_cleanly_and_required_fields_are_marked(client, home):
    record = make_record(OrganisationFactory())
    body = page_text(client.get(f"/objections/new/?record={record.pk}"))
    texts = labels(body)
    assert texts, "the form has labels"
    for text in texts:
        assert not re.search(r"[。？！：][:：]\*?$", text), text
        assert not text.rstrip("*").endswith(":"), text
    # Required: a visible * (hidden from screen readers, which hear the required attribute).
    name = re.search(r'<label for="id_applicant_name">(.*?)</label>', body, re.S).group(1)
    assert '<span class="required-mark" aria-hidden="true">*</span>' in name
    assert re.search(r'<input[^>]*name="applicant_name"[^>]*required', body)
    phone = re.search(r'<label for="id_applicant_phone">(.*?)</label>', body, re.S).group(1)
    assert "required-mark" not in phone  # optional
    assert "的为必填项" in body


def test_list_dates_sit_in_cells_that_do_not_wrap(client, lists):
    record = make_record(OrganisationFactory())
    body = page_text(client.get("/penalties/"))
    day = record.decision_date.isoformat()
    assert f'class="date">{day}</td>' in body


def test_the_report_period_says_it_is_for_the_specialised_report(client, home):
    record = make_record(OrganisationFactory())
    body = page_text(client.get(f"/subjects/{record.subject.code}/"))
    assert 'class="field report-period"' in body
    assert 'aria-describedby="report-years-note"' in body
    assert "仅用于专项信用报告" in body
