from django.db import migrations


def install(apps, schema_editor):
    from portal.assessment.starter import install_starter_duties

    install_starter_duties(
        apps.get_model("departments", "Department"),
        apps.get_model("catalog", "CatalogItem"),
        apps.get_model("assessment", "ReportingDuty"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0001_initial"),
        ("catalog", "0004_department_moved"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
