from django.db import migrations


def install(apps, schema_editor):
    from portal.measures.starter import install_starter_measures

    install_starter_measures(
        apps.get_model("catalog", "CatalogItem"),
        apps.get_model("measures", "Scenario"),
        apps.get_model("measures", "Measure"),
    )


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial"), ("catalog", "0002_starter_catalog")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
