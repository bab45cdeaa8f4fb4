"""Every validation rule, with a good and a bad row, straight through the row validator."""

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.validation import DuplicateFilter, RowValidator, normalise_row
from importers.messages import render
from importers.schema import ImportSchema
from portal.catalog.models import CatalogField
from portal.core.codes import make_resident_id
from portal.core.text import clean_text
from portal.subjects.models import Subject
from tests.exchange.conftest import penalty_row
from tests.factories import catalog_item, next_resident_id

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)


def validator(item_code="ADM_PENALTY", header="labels"):
    item = catalog_item(item_code)
    schema = ImportSchema.from_item(item)
    names = [spec.label if header == "labels" else spec.key for spec in schema.fields]
    return RowValidator(schema, schema.map_header(names), today=TODAY), schema


def check(row: dict, item_code="ADM_PENALTY"):
    v, schema = validator(item_code)
    cells = [row.get(spec.key, "") for spec in schema.fields]
    return v.validate(7, cells)


def codes(problems):
    return {(p.field, p.code) for p in problems}


def test_a_good_row_is_clean_and_normalised():
    clean, problems = check(penalty_row(subject_name="  惠州市　测试１号 有限公司 "))
    assert problems == []
    assert clean.data["subject_name"] == "惠州市 测试1号 有限公司"
    assert clean.data["penalty_types"] == ["警告", "罚款"]
    assert clean.decision_date == dt.date(2026, 3, 15)
    assert clean.severity == "general"
    assert clean.natural_key == f"{clean.decision_no}|{clean.subject_code}"


@pytest.mark.parametrize("key", ["subject_name", "decision_no", "facts", "basis", "authority"])
def test_required_fields(key):
    _, problems = check(penalty_row(**{key: ""}))
    assert (key, "required") in codes(problems)
    assert all(p.row == 7 for p in problems)


def test_uscc_required_unless_natural_person():
    _, problems = check(penalty_row(uscc=""))
    assert ("uscc", "required_if") in codes(problems)
    person = penalty_row(
        subject_kind="自然人", uscc="", id_type="身份证", id_number=next_resident_id()
    )
    clean, problems = check(person)
    assert problems == []
    assert clean.subject_code.startswith("P")


def test_identity_fields_required_for_natural_persons():
    _, problems = check(penalty_row(subject_kind="自然人", uscc=""))
    assert {("id_type", "required_if"), ("id_number", "required_if")} <= codes(problems)


def test_fine_required_when_penalty_includes_fine():
    _, problems = check(penalty_row(penalty_types="罚款", fine_amount=""))
    assert ("fine_amount", "required_if") in codes(problems)
    clean, problems = check(penalty_row(penalty_types="警告", fine_amount="", content="警告"))
    assert problems == []


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-05-01", dt.date(2026, 5, 1)),
        ("2026/5/1", dt.date(2026, 5, 1)),
        ("2026.5.1", dt.date(2026, 5, 1)),
        ("2026年5月1日", dt.date(2026, 5, 1)),
        (dt.date(2026, 5, 1), dt.date(2026, 5, 1)),
        (dt.datetime(2026, 5, 1, 0, 0), dt.date(2026, 5, 1)),
        (46143, dt.date(2026, 5, 1)),  # an Excel date serial in a general cell
        (46143.0, dt.date(2026, 5, 1)),
    ],
)
def test_date_forms(value, expected):
    clean, problems = check(penalty_row(decision_date=value))
    assert problems == []
    assert clean.decision_date == expected
    assert clean.data["decision_date"] == expected.isoformat()


@pytest.mark.parametrize("value", ["2026-02-30", "5/1/2026", "明天", "12"])
def test_bad_dates(value):
    _, problems = check(penalty_row(decision_date=value))
    assert ("decision_date", "date") in codes(problems)


def test_decision_date_not_in_future():
    _, problems = check(penalty_row(decision_date="2026-11-25"))
    assert ("decision_date", "future") in codes(problems)
    assert check(penalty_row(decision_date="2026-11-24"))[1] == []


def test_date_order():
    _, problems = check(penalty_row(valid_until="2026-03-14"))
    assert ("valid_until", "before") in codes(problems)
    assert check(penalty_row(valid_until="2026-03-15", publish_until="2027-03-15"))[1] == []


def test_enumerations():
    _, problems = check(penalty_row(subject_kind="公司"))
    assert ("subject_kind", "choice") in codes(problems)
    _, problems = check(penalty_row(severity="很严重"))
    assert ("severity", "choice") in codes(problems)
    clean, problems = check(penalty_row(severity=""))
    assert problems == [] and clean.data["severity"] == "一般"  # the catalog's default


@pytest.mark.parametrize(
    "written", ["警告;罚款", "警告；罚款", "警告、罚款", "警告,罚款", "警告，罚款 "]
)
def test_multi_value_separators(written):
    clean, problems = check(penalty_row(penalty_types=written))
    assert problems == []
    assert clean.data["penalty_types"] == ["警告", "罚款"]


def test_multi_value_refuses_unknown_values():
    _, problems = check(penalty_row(penalty_types="罚款、打板子"))
    [problem] = [p for p in problems if p.field == "penalty_types"]
    assert problem.code == "multi_choice" and problem.params["value"] == "打板子"


@pytest.mark.parametrize(
    "value, ok", [("1.5", True), ("0", True), ("1,200.50", True), ("-1", False), ("一万", False)]
)
def test_decimal(value, ok):
    clean, problems = check(penalty_row(fine_amount=value))
    if ok:
        assert problems == []
    else:
        assert any(p.field == "fine_amount" for p in problems)


def test_uscc_check_character_and_normalisation():
    good = penalty_row()
    uscc = good["uscc"]
    clean, problems = check({**good, "uscc": " " + uscc.lower()[:9] + "-" + uscc.lower()[9:]})
    assert problems == [] and clean.uscc == uscc
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    _, problems = check({**good, "uscc": wrong})
    assert ("uscc", "uscc.checksum") in codes(problems) or ("uscc", "uscc.org_checksum") in codes(
        problems
    )
    _, problems = check({**good, "authority_uscc": "123"})
    assert ("authority_uscc", "uscc.length") in codes(problems)


def test_resident_id_check_digit():
    number = next_resident_id()
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    row = penalty_row(subject_kind="自然人", uscc="", id_type="身份证")
    assert check({**row, "id_number": number})[1] == []
    _, problems = check({**row, "id_number": bad})
    assert ("id_number", "id.checksum") in codes(problems)


def test_other_identity_documents_have_no_check_digit():
    clean, problems = check(
        penalty_row(subject_kind="自然人", uscc="", id_type="护照", id_number="e1234567")
    )
    assert problems == []
    assert clean.person.identity_type == "护照"
    assert "id_number" not in clean.data
    assert clean.data["id_number_masked"] != "E1234567"


def test_duplicate_rows_within_a_file():
    v, schema = validator()
    row = penalty_row()
    cells = [row.get(spec.key, "") for spec in schema.fields]
    first, _ = v.validate(2, cells)
    again, _ = v.validate(9, list(cells))
    other, _ = v.validate(10, [penalty_row().get(spec.key, "") for spec in schema.fields])
    duplicates = DuplicateFilter(schema, v.columns)
    kept, problems = duplicates.filter([first, again])
    assert kept == [first]
    assert [(p.row, p.column, p.code, p.params["first"]) for p in problems] == [
        (9, "行政处罚决定书文号", "duplicate", 2)
    ]
    assert duplicates.filter([other, first])[0] == [other]


def test_keys_work_as_headers_and_unknown_headers_are_refused():
    v, schema = validator(header="keys")
    assert v.validate(2, [penalty_row().get(s.key, "") for s in schema.fields])[1] == []
    from importers.schema import FileRejected

    with pytest.raises(FileRejected) as caught:
        schema.map_header([*schema.labels, "随便一列"])
    assert caught.value.code == "unknown_columns"
    with pytest.raises(FileRejected) as caught:
        schema.map_header(schema.labels[1:])
    assert caught.value.code == "missing_columns"
    assert "行政相对人名称" in caught.value.message()


def test_a_neutralised_cell_from_our_own_report_is_read_back_as_typed():
    clean, problems = check(penalty_row(remarks="'=1+1"))
    assert problems == [] and clean.data["remarks"] == "=1+1"


def test_messages_name_the_reason_in_the_ui_language():
    _, problems = check(penalty_row(penalty_types="罚款", fine_amount=""))
    [problem] = [p for p in problems if p.field == "fine_amount"]
    assert render(problem.code, problem.params) == "当「处罚类别」包含「罚款」时必填"
    with translation.override("en"):
        assert (
            render(problem.code, problem.params) == 'Required when "Penalty types" includes "罚款"'
        )


def test_validation_follows_the_catalog():
    """A catalog change changes validation: no code knows the fields."""
    item = catalog_item("ADM_PENALTY")
    field = CatalogField.objects.get(catalog_item=item, key="remarks")
    field.required = True
    field.max_length = 5
    field.save()
    _, problems = check(penalty_row())
    assert ("remarks", "required") in codes(problems)
    _, problems = check(penalty_row(remarks="太长太长太长"))
    assert ("remarks", "max_length") in codes(problems)
    CatalogField.objects.filter(catalog_item=item, key="severity").update(
        choices="一般\n严重\n特别严重"
    )
    assert check(penalty_row(severity="特别严重", remarks="无"))[1] == []
    assert ("severity", "choice") in codes(check(penalty_row(severity="轻微", remarks="无"))[1])


def test_licences_validate_by_their_own_fields():
    row = penalty_row(
        decision_name="食品经营许可决定书",
        licence_category="核准",
        content="准予许可",
        valid_from="2026-01-01",
        valid_to="2025-12-31",
    )
    _, problems = check(row, "ADM_LICENSE")
    assert ("valid_to", "before") in codes(problems)
    assert "violation_type" not in {p.field for p in problems}


# -- the fast paths give the core's answers ------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_row_normalisation_equals_clean_text(cells):
    cells = [c.replace("\x00", "") for c in cells]
    assert normalise_row(cells) == [clean_text(c) for c in cells]


def test_row_normalisation_on_full_width_text():
    cells = ["ＡＢＣ　１２３", "经查，当事人（惠州）", " a\u200b b ", "ｅ\u0301", "Å"]
    # Letters, digits and spaces folded; Chinese punctuation kept as written.
    assert normalise_row(cells) == ["ABC 123", "经查，当事人（惠州）", "a b", "é", "Å"]
    assert normalise_row(cells) == [clean_text(c) for c in cells]


def test_a_value_accepted_in_one_column_is_checked_again_in_another():
    """Each column has its own rules: 一般 is a severity, not a subject kind."""
    v, schema = validator()

    def cells(row):
        return [row.get(spec.key, "") for spec in schema.fields]

    _, problems = v.validate(2, cells(penalty_row(severity="一般")))
    assert problems == []
    _, problems = v.validate(3, cells(penalty_row(subject_kind="一般")))
    assert ("subject_kind", "choice") in codes(problems)
    # ... and the cache still answers for the column that accepted it.
    clean, problems = v.validate(4, cells(penalty_row(severity="一般")))
    assert problems == [] and clean.severity == "general"


def test_matched_cells_are_fully_folded():
    """Codes, amounts and dates typed with full-width punctuation still read."""
    row = penalty_row(fine_amount="３３．４", decision_date="２０２６／１／５")
    row["uscc"] = row["uscc"][:6] + "－" + row["uscc"][6:]
    clean, problems = check(row)
    assert problems == []
    assert clean.data["fine_amount"] == "33.4"
    assert clean.decision_date == dt.date(2026, 1, 5)
    assert "－" not in clean.uscc and len(clean.uscc) == 18


@pytest.mark.parametrize(
    "identity_type, number",
    [
        ("身份证", next_resident_id("19900315")),
        ("身份证", next_resident_id("20150101")),
        ("身份证", next_resident_id("19880229")),
        ("护照", "E12345678"),
        ("港澳居民来往内地通行证", "h1234567801"),
    ],
)
def test_a_person_row_carries_the_identity_the_core_constructor_derives(identity_type, number):
    clean, problems = check(
        penalty_row(subject_kind="自然人", uscc="", id_type=identity_type, id_number=number)
    )
    assert problems == []
    core = Subject.for_person(number, "张三", identity_type)
    fields = ["code", "identity_hash", "identity_masked", "identity_type", "adult_on"]
    assert [getattr(clean.person, f) for f in fields] == [getattr(core, f) for f in fields]
    assert clean.subject_code == core.code
    assert clean.data["id_number_masked"] == core.identity_masked


@pytest.mark.parametrize(
    "number",
    [
        "441302197411021265",  # the reported resident: 惠城区's code is from 1988
        make_resident_id("442521", "19950101", "126"),  # a retired county code
    ],
)
def test_residents_carrying_a_newer_or_retired_address_code_are_accepted(number):
    row = penalty_row(subject_kind="自然人", uscc="", id_type="身份证", id_number=number)
    clean, problems = check(row)
    assert problems == []
    assert clean.data["id_number_masked"] == f"{number[:4]}**********{number[-4:]}"
