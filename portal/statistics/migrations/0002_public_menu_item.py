"""Puts 信用统计 in the public site's main menu of installations whose menu already
exists (`setup_site` adds it to new ones); once, so an editor may remove it."""

from django.db import migrations
from django.db.models import F

URL = "/statistics/"


def add_menu_item(apps, schema_editor):
    SiteChrome = apps.get_model("cms", "SiteChrome")
    MainMenuItem = apps.get_model("cms", "MainMenuItem")
    for chrome in SiteChrome.objects.all():
        items = MainMenuItem.objects.filter(setting=chrome)
        if not items.exists() or items.filter(link_url=URL).exists():
            continue
        # Before 报告核验 when it is there, else last.
        verify = items.filter(link_url="/reports/verify/").first()
        if verify is not None:
            order = verify.sort_order
            items.filter(sort_order__gte=order).update(sort_order=F("sort_order") + 1)
        else:
            order = max(items.values_list("sort_order", flat=True), default=-1) + 1
        MainMenuItem.objects.create(
            setting=chrome, title="信用统计", title_en="Statistics", link_url=URL, sort_order=order
        )


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0001_initial"),
        ("cms", "0003_site_pages_and_chrome"),
    ]

    operations = [migrations.RunPython(add_menu_item, migrations.RunPython.noop)]
