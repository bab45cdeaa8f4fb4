# Department (from catalog) and DepartmentToken (from exchange) move into this app.
# Their tables stay as they are (Meta.db_table): this migration only changes
# Django's state, then renames the content types so permissions, admin logs and
# Wagtail references that point at them keep pointing at them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = [("catalog", "department"), ("exchange", "departmenttoken")]


def rename_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for old_app, model in MOVED:
        if ContentType.objects.using(db).filter(app_label="departments", model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label=old_app, model=model).update(
            app_label="departments"
        )


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for old_app, model in MOVED:
        if ContentType.objects.using(db).filter(app_label=old_app, model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label="departments", model=model).update(
            app_label=old_app
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("catalog", "0002_starter_catalog"),
        ("exchange", "0002_drop_redundant_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Department",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.SlugField(max_length=32, unique=True, verbose_name="部门代码")),
                        ("name", models.CharField(max_length=100, verbose_name="部门名称")),
                        ("name_en", models.CharField(blank=True, max_length=150, verbose_name="英文名称")),
                        ("uscc", models.CharField(blank=True, max_length=18, verbose_name="统一社会信用代码")),
                        ("is_active", models.BooleanField(default=True, verbose_name="启用")),
                    ],
                    options={
                        "verbose_name": "部门",
                        "verbose_name_plural": "部门",
                        "db_table": "catalog_department",
                        "ordering": ["code"],
                    },
                ),
                migrations.CreateModel(
                    name="DepartmentToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("label", models.CharField(max_length=100, verbose_name="用途说明")),
                        ("prefix", models.CharField(editable=False, max_length=8, verbose_name="密钥前缀")),
                        ("key_hash", models.CharField(editable=False, max_length=64, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                        ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="最近使用")),
                        ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="吊销时间")),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="创建人")),
                        ("department", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="api_tokens", to="departments.department", verbose_name="部门")),
                    ],
                    options={
                        "verbose_name": "部门接口令牌",
                        "verbose_name_plural": "部门接口令牌",
                        "db_table": "exchange_departmenttoken",
                        "ordering": ["department", "-created_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
