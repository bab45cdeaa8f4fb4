# Department and DepartmentToken moved to the departments app with their tables
# unchanged: only Django's idea of where the foreign keys point changes.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_item_meaning"),
        ("departments", "0001_initial"),
        # Every foreign key to catalog.Department points elsewhere before it leaves.
        ("accounts", "0003_department_moved"),
        ("exchange", "0003_department_token_moved"),
        ("objections", "0002_department_moved"),
        ("records", "0003_department_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="catalogitem",
                    name="departments",
                    field=models.ManyToManyField(blank=True, help_text="留空表示任何部门均可提供。", related_name="catalog_items", to="departments.department", verbose_name="提供部门"),
                ),
                migrations.DeleteModel(name="Department"),
            ],
            database_operations=[],
        ),
    ]
