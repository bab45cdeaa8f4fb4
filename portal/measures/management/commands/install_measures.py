from django.core.management.base import BaseCommand
from django.db import transaction

from portal.catalog.models import CatalogItem
from portal.measures.models import Measure, Scenario, ScreeningCondition
from portal.measures.starter import install_starter_conditions, install_starter_measures


class Command(BaseCommand):
    help = "Install or restore the starter scenarios, their conditions and the measures list (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            install_starter_measures(CatalogItem, Scenario, Measure)
            install_starter_conditions(Scenario, ScreeningCondition)
        self.stdout.write(
            f"Measures: {Measure.objects.count()} measures, {Scenario.objects.count()} scenarios."
        )
