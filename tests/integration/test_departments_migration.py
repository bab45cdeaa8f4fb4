"""An installation made before departments had their own app upgrades with its data."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("accounts", "0002_role_groups"),
    ("catalog", "0003_item_meaning"),
    ("exchange", "0002_drop_redundant_indexes"),
    ("objections", "0001_initial"),
    ("records", "0002_drop_redundant_indexes"),
    ("departments", None),
]


def migrate(targets=None):
    """Migrates to the targets (default: the latest) and returns the models as they were then."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_departments_and_tokens_keep_their_rows_and_permissions():
    old = migrate(BEFORE)
    department = old.get_model("catalog", "Department").objects.create(
        code="OLDDEPT", name="旧部门"
    )
    token = old.get_model("exchange", "DepartmentToken").objects.create(
        department=department, label="old", prefix="abcdefgh", key_hash="0" * 64
    )
    old.get_model("catalog", "CatalogItem").objects.first().departments.add(department)
    content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="catalog", model="department"
    )[0]

    new = migrate()

    moved = new.get_model("departments", "Department").objects.get(code="OLDDEPT")
    assert moved.pk == department.pk
    assert list(moved.api_tokens.values_list("pk", flat=True)) == [token.pk]
    assert moved.catalog_items.count() == 1
    content_type.refresh_from_db()
    assert (content_type.app_label, content_type.model) == ("departments", "department")
