"""Import templates: each item's own example row, rules naming columns by their headers,
versions that move only when a file's contents must change, and files of older versions
accepted with a notice of what changed."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from exchange import services
from exchange.validation import RowValidator
from importers.schema import EXAMPLE_MARKER, ImportSchema
from importers.templates import example_row, template_csv, template_filename, template_xlsx
from portal.catalog.models import CatalogField, CatalogItem, TemplateVersion
from portal.catalog.starter import ITEMS
from tests.exchange.conftest import penalty_row, submit
from tests.factories import catalog_item

pytestmark = pytest.mark.django_db


def example(item) -> dict:
    fields = list(item.fields.all().order_by("sort_order", "id"))
    row = example_row(item, fields)
    return {f.key: value for f, value in zip(fields, row, strict=True)}


def test_the_licence_example_is_a_licence_not_a_penalty():
    values = example(catalog_item("ADM_LICENSE"))
    assert "罚" not in values["decision_no"] and "罚款" not in values["content"]
    assert values["decision_name"] == "食品经营许可决定书"
    assert values["valid_from"] and values["valid_to"] > values["valid_from"]
    penalty = example(catalog_item("ADM_PENALTY"))
    assert "罚" in penalty["decision_no"] and "罚款" in penalty["content"]


@pytest.mark.parametrize("code", [spec["code"] for spec in ITEMS])
def test_every_items_example_row_passes_its_own_validation(code):
    item = catalog_item(code)
    fields = list(item.fields.all().order_by("sort_order", "id"))
    cells = example_row(item, fields)
    assert cells[0].startswith(EXAMPLE_MARKER)
    cells[0] = cells[0][len(EXAMPLE_MARKER) :]
    schema = ImportSchema.from_item(item)
    header = schema.map_header([f.label for f in fields])
    validator = RowValidator(schema, header, timezone.localdate())
    clean, problems = validator.validate(2, cells)
    assert problems == [], [(p.field, p.code, p.params) for p in problems]
    assert clean is not None
    # Items of one department give that department's code as the source.
    departments = list(item.departments.all())
    if len(departments) == 1:
        assert clean.data["source_uscc"] == departments[0].uscc
    # The decision number is the item's own, not a penalty's.
    if code != "ADM_PENALTY":
        assert "罚" not in clean.data["decision_no"]


def test_rules_name_other_columns_by_their_headers():
    item = catalog_item("ADM_PENALTY")
    book = load_workbook(io.BytesIO(template_xlsx(item)))
    comments = [c.comment.text for c in book["数据"][1] if c.comment is not None]
    guide = [str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value]
    text = "\n".join(comments + guide)
    assert "当「行政相对人类别」不为「自然人」时必填" in text
    assert "不早于「处罚决定日期」" in text
    assert "「subject_kind」" not in text and "「decision_date」" not in text


def test_a_description_or_help_text_keeps_the_version_a_rule_moves_it():
    item = catalog_item("ADM_LICENSE")
    before = item.schema_version
    item.description = "已编辑的说明"
    item.save()
    CatalogField.objects.filter(catalog_item=item, key="remarks").update(help_text="新的填写说明")
    item.save()
    item.refresh_from_db()
    assert item.schema_version == before
    CatalogField.objects.filter(catalog_item=item, key="certificate_name").update(required=True)
    item.save()
    item.refresh_from_db()
    assert item.schema_version == before + 1
    assert TemplateVersion.objects.filter(catalog_item=item, version=before + 1).exists()
    assert template_filename(item, "xlsx") == f"ADM_LICENSE_template_v{before + 1}.xlsx"


def test_an_older_templates_file_is_accepted_with_what_changed(tmp_path):
    item = catalog_item("ADM_PENALTY")
    old_version = item.schema_version
    old_template = template_xlsx(item)
    CatalogField.objects.create(
        catalog_item=item, key="case_source", label="案件来源", sort_order=99
    )
    CatalogField.objects.filter(catalog_item=item, key="legal_rep").update(required=True)
    item.save()
    item = CatalogItem.objects.get(pk=item.pk)
    assert item.schema_version == old_version + 1

    # The old template, filled in: its document title still says the old version.
    book = load_workbook(io.BytesIO(old_template))
    sheet = book["数据"]
    fields = [c.value for c in sheet[1]]
    labels = {f.label: f.key for f in item.fields.all()}
    row = penalty_row()
    for index, label in enumerate(fields, start=1):
        sheet.cell(row=3, column=index, value=row.get(labels.get(label, ""), ""))
    path = tmp_path / "filled.xlsx"
    book.save(path)
    batch = services.validate_batch(submit(path.read_bytes(), "我的报送.xlsx", item=item).pk)
    assert batch.accepted == 1 and batch.file_template_version == old_version
    notice = services.template_notice(batch)
    assert f"v{old_version}" in notice and f"v{old_version + 1}" in notice
    assert "新增列「案件来源」" in notice and "「法定代表人」改为必填" in notice

    # A CSV tells its version by the template's file name only.
    csv_batch = services.validate_batch(
        submit(template_csv(item), f"ADM_PENALTY_template_v{old_version}.csv", item=item).pk
    )
    assert csv_batch.file_template_version == old_version
    assert "案件来源" in services.template_notice(csv_batch)


def test_a_current_templates_file_has_no_notice(client, officer):
    item = catalog_item("ADM_PENALTY")
    batch = services.validate_batch(submit(template_xlsx(item), "t.xlsx", item=item).pk)
    assert batch.file_template_version == item.schema_version
    assert services.template_notice(batch) == ""


def test_a_new_item_starts_at_version_one_once_it_has_columns():
    from django.core.management import call_command

    item = CatalogItem.objects.create(
        code="NEW_ITEM", name="新目录项", natural_key="decision_no", title_field="decision_no"
    )
    assert not item.schema_signature
    CatalogField.objects.create(catalog_item=item, key="decision_no", label="文书号", required=True)
    CatalogField.objects.create(catalog_item=item, key="subject_name", label="名称", required=True)
    assert item.refresh_template_version() == 1
    item.save()
    assert CatalogItem.objects.get(pk=item.pk).schema_version == 1
    # Installing the starter catalog again changes no template.
    before = dict(CatalogItem.objects.values_list("code", "schema_version"))
    call_command("install_catalog", verbosity=0, stdout=io.StringIO())
    assert dict(CatalogItem.objects.values_list("code", "schema_version")) == before
