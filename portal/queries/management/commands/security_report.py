import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.queries import services


class Command(BaseCommand):
    help = "Generate a month's security statistics report (default: last month)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the previous month)")
        parser.add_argument("--replace", action="store_true", help="generate it again")

    def handle(self, *args, **options):
        if options["month"]:
            try:
                month = dt.datetime.strptime(options["month"], "%Y-%m").date()
            except ValueError as exc:
                raise CommandError("--month must look like 2026-10") from exc
        else:
            month = services.previous_month(timezone.localdate())
        report, made = services.generate_report(month, replace=options["replace"])
        queries = report.figures["queries"]["total"]
        alerts = report.figures["alerts"]["total"]
        verb = "generated" if made else "already there"
        self.stdout.write(f"{report} {verb}: {queries} queries, {alerts} alerts")
