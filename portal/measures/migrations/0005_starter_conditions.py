from django.db import migrations


def install(apps, schema_editor):
    from portal.measures.starter import install_starter_conditions

    install_starter_conditions(
        apps.get_model("measures", "Scenario"), apps.get_model("measures", "ScreeningCondition")
    )


def recount(apps, schema_editor):
    """Existing lookups counted confirmed candidates as candidates: recount them."""
    from portal.measures.totals import COLUMNS, ROW_FIELDS, compute_totals

    Lookup = apps.get_model("measures", "Lookup")
    LookupRow = apps.get_model("measures", "LookupRow")
    for lookup in Lookup.objects.iterator():
        totals = compute_totals(LookupRow.objects.filter(lookup=lookup).only(*ROW_FIELDS))
        for name, column in COLUMNS.items():
            setattr(lookup, column, getattr(totals, name))
        lookup.save(update_fields=list(COLUMNS.values()))


class Migration(migrations.Migration):
    dependencies = [("measures", "0004_conditions_and_decisions")]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
