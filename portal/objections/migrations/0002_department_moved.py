# Department and DepartmentToken moved to the departments app with their tables
# unchanged: only Django's idea of where the foreign keys point changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("objections", "0001_initial"),
        ("departments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="department",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="cases", to="departments.department", verbose_name="数据来源部门"),
                ),
            ],
            database_operations=[],
        ),
    ]
