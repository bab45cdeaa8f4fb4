"""Issue an API token for a department and print its key (shown only this once)."""

from django.core.management.base import BaseCommand, CommandError

from portal.departments.models import Department
from portal.departments.services import issue_token


class Command(BaseCommand):
    help = "Issue a department API token; prints the key once (only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--department", required=True, help="department code, e.g. MARKET")
        parser.add_argument("--label", default="command line", help="what the token is for")

    def handle(self, *args, **options):
        department = Department.objects.filter(code=options["department"].upper()).first()
        if department is None:
            raise CommandError(f"unknown department: {options['department']}", returncode=2)
        _token, key = issue_token(department, options["label"], via="command")
        self.stdout.write(key)
