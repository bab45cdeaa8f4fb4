from django.core.management.base import BaseCommand
from django.db import transaction

from portal.assessment.models import ReportingDuty
from portal.assessment.starter import install_starter_duties
from portal.catalog.models import CatalogItem
from portal.departments.models import Department


class Command(BaseCommand):
    help = "Install the starter reporting duties for departments that lack them (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = install_starter_duties(Department, CatalogItem, ReportingDuty)
        self.stdout.write(
            f"Reporting duties: {created} created, {ReportingDuty.objects.count()} in all."
        )
