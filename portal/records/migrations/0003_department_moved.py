# Department and DepartmentToken moved to the departments app with their tables
# unchanged: only Django's idea of where the foreign keys point changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("records", "0002_drop_redundant_indexes"),
        ("departments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="creditrecord",
                    name="department",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="records", to="departments.department", verbose_name="提供部门"),
                ),
            ],
            database_operations=[],
        ),
    ]
