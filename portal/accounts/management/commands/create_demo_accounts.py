import secrets

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.accounts import roles
from portal.accounts.models import User
from portal.audit.services import record_event
from portal.departments.models import Department

# username, role, department code (None for platform-wide roles), superuser
DEMO_ACCOUNTS = [
    ("operator", roles.OPERATORS, None, True),
    ("market_officer", roles.DEPARTMENT_OFFICERS, "MARKET", False),
    # A second officer of the same department: revocations and removals wait for one.
    ("market_officer_b", roles.DEPARTMENT_OFFICERS, "MARKET", False),
    ("reviewer", roles.REVIEWERS, None, False),
    ("housing_query", roles.GOVERNMENT_USERS, "HOUSING", False),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts with fresh random passwords and print them."

    def handle(self, *args, **options):
        lines = []
        with transaction.atomic():
            for username, role, department_code, superuser in DEMO_ACCOUNTS:
                password = secrets.token_urlsafe(12)
                user, _ = User.objects.get_or_create(username=username)
                user.is_staff = True
                user.is_superuser = superuser
                user.department = (
                    Department.objects.get(code=department_code) if department_code else None
                )
                user.failed_login_count = 0
                user.locked_until = None
                user.set_password(password)
                user.save()
                user.groups.add(Group.objects.get(name=role))
                record_event("auth.demo_account_reset", target=user, data={"role": role})
                lines.append(f"  {roles.ROLE_LABELS[role]:<10} {username:<16} {password}")
        self.stdout.write(
            "Demo accounts (username, password) — log in at http://127.0.0.1:8000/admin/"
        )
        for line in lines:
            self.stdout.write(line)
