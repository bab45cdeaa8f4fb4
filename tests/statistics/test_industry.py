"""Subjects' industry (GB/T 4754-2017): parsing, the optional import column, the demo data."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from exchange.models import BatchStatus
from exchange.validation import RowValidator
from importers.messages import render
from importers.schema import ImportSchema
from importers.templates import template_csv
from portal.records.demo import industry_of_name
from portal.subjects.industries import parse_industry, validate_industry
from portal.subjects.models import Subject
from tests.exchange.conftest import load, penalty_csv, penalty_row
from tests.factories import OrganisationFactory, catalog_item


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("C", "C"),
        ("c39", "C39"),
        ("C 39", "C39"),
        ("39", "C39"),
        ("F52", "F52"),
        ("T97", "T97"),
        ("制造业", "C"),
        ("", None),
        ("Z", None),  # no section Z
        ("C52", None),  # 52 is retail (F), not manufacturing
        ("98", None),  # no division 98
        ("C3", None),
        ("制造", None),
    ],
)
def test_parse_industry(text, stored):
    assert parse_industry(text) == stored


def test_the_model_keeps_only_the_stored_form():
    validate_industry("C39")
    with pytest.raises(ValidationError):
        validate_industry("c39")
    with pytest.raises(ValidationError):
        validate_industry("X1")


pytestmark = pytest.mark.django_db


def _validator():
    schema = ImportSchema.from_item(catalog_item("ADM_PENALTY"))
    labels = [spec.label for spec in schema.fields]
    return RowValidator(schema, schema.map_header(labels)), schema


def test_the_templates_offer_an_optional_industry_column():
    header = template_csv(catalog_item("ADM_PENALTY")).decode("utf-8-sig").splitlines()[0]
    assert "所属行业" in header.split(",")
    field = catalog_item("ADM_PENALTY").fields.get(key="industry")
    assert not field.required and not field.required_if_field


def test_an_unknown_industry_is_a_clear_row_error():
    validator, schema = _validator()
    cells = [penalty_row(industry="Z99").get(spec.key, "") for spec in schema.fields]
    clean, problems = validator.validate(3, cells)
    assert clean is None
    assert [(p.field, p.code) for p in problems] == [("industry", "industry")]
    message = render(problems[0].code, problems[0].params)
    assert "Z99" in message and "GB/T 4754-2017" in message
    with translation.override("en"):
        english = render(problems[0].code, problems[0].params)
    assert "not a section or division" in english


def test_a_loaded_row_gives_a_new_subject_its_industry_and_fills_a_missing_one():
    known = OrganisationFactory(name="惠州市已有电子有限公司")
    classified = OrganisationFactory(name="惠州市已分类有限公司", industry="F52")
    rows = [
        penalty_row(industry="c 39"),
        penalty_row(uscc=known.uscc, subject_name=known.name, industry="39"),
        penalty_row(uscc=classified.uscc, subject_name=classified.name, industry="C39"),
        penalty_row(),  # the column left empty
    ]
    batch = load(penalty_csv(rows))
    assert batch.status == BatchStatus.COMMITTED, batch.file_error_code
    assert batch.accepted == 4
    assert Subject.objects.get(uscc=rows[0]["uscc"]).industry == "C39"
    assert Subject.objects.get(uscc=rows[3]["uscc"]).industry is None
    known.refresh_from_db()
    classified.refresh_from_db()
    assert known.industry == "C39"
    # Another department's classification stands.
    assert classified.industry == "F52"


def test_a_file_without_the_column_still_loads():
    item = catalog_item("ADM_PENALTY")
    fields = [f for f in item.fields.order_by("sort_order", "id") if f.key != "industry"]
    row = penalty_row()
    content = (
        ",".join(f.label for f in fields) + "\n" + ",".join(row.get(f.key, "") for f in fields)
    )
    assert "所属行业" not in content
    batch = load(content)
    assert batch.status == BatchStatus.COMMITTED
    assert batch.accepted == 1


def test_demo_industries_follow_the_names():
    assert industry_of_name("惠州市华信电子有限公司") == "C39"
    assert industry_of_name("惠城区恒通汽车维修部") == "O81"
    assert industry_of_name("惠州市惠城区人民医院") == "Q84"
    assert industry_of_name("某某") is None
