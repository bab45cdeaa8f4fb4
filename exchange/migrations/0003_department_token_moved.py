# Department and DepartmentToken moved to the departments app with their tables
# unchanged: only Django's idea of where the foreign keys point changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0002_drop_redundant_indexes"),
        ("departments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="batch",
                    name="department",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="batches", to="departments.department", verbose_name="部门"),
                ),
                migrations.AlterField(
                    model_name="batch",
                    name="token",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="batches", to="departments.departmenttoken", verbose_name="接口令牌"),
                ),
                migrations.DeleteModel(name="DepartmentToken"),
            ],
            database_operations=[],
        ),
    ]
