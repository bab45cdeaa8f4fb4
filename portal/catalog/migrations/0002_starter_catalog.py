from django.db import migrations


def install(apps, schema_editor):
    from portal.catalog.starter import install_starter_catalog

    install_starter_catalog(
        apps.get_model("catalog", "Department"),
        apps.get_model("catalog", "CatalogItem"),
        apps.get_model("catalog", "CatalogField"),
        apps.get_model("catalog", "DisclosurePeriod"),
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
