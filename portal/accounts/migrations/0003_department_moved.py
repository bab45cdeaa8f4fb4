# Department and DepartmentToken moved to the departments app with their tables
# unchanged: only Django's idea of where the foreign keys point changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_role_groups"),
        ("departments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="user",
                    name="department",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="users", to="departments.department", verbose_name="所属部门"),
                ),
            ],
            database_operations=[],
        ),
    ]
