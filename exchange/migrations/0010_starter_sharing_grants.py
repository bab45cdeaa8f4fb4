from django.db import migrations


def install(apps, schema_editor):
    from exchange.sharing import install_starter_grants

    install_starter_grants(
        apps.get_model("exchange", "SharingGrant"),
        apps.get_model("departments", "Department"),
        apps.get_model("catalog", "CatalogItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("exchange", "0009_sharing_grant"), ("catalog", "0005_retention")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
