from django.db import migrations


def install(apps, schema_editor):
    from portal.incidents.starter import install_grade_policies

    install_grade_policies(apps.get_model("incidents", "GradePolicy"))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
