"""Issue an API token for a department and print its key (shown only this once)."""

from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import record_event
from portal.departments.models import Department, DepartmentToken


class Command(BaseCommand):
    help = "Issue a department API token; prints the key once (only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--department", required=True, help="department code, e.g. MARKET")
        parser.add_argument("--label", default="command line", help="what the token is for")

    def handle(self, *args, **options):
        department = Department.objects.filter(code=options["department"].upper()).first()
        if department is None:
            raise CommandError(f"unknown department: {options['department']}", returncode=2)
        token, key = DepartmentToken.issue(department, options["label"])
        record_event(
            "exchange.token.issued",
            target=token,
            data={"department": department.code, "label": token.label, "via": "command"},
        )
        self.stdout.write(key)
