from django.core.management.base import BaseCommand
from django.db import transaction

from portal.catalog.models import CatalogField, CatalogItem, DisclosurePeriod
from portal.catalog.starter import install_starter_catalog
from portal.departments.models import Department


class Command(BaseCommand):
    help = "Install or restore the starter catalog and the demo city's departments (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            install_starter_catalog(Department, CatalogItem, CatalogField, DisclosurePeriod)
        self.stdout.write(
            f"Catalog: {CatalogItem.objects.count()} items, "
            f"{Department.objects.count()} departments."
        )
