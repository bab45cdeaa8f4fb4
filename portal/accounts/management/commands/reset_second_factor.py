from django.core.management.base import BaseCommand, CommandError

from portal.accounts.models import User
from portal.accounts.second_factor import reset_devices


class Command(BaseCommand):
    help = (
        "Remove a staff member's authenticators (lost or replaced phone); they enrol a new "
        "one at their next staff login. Recorded in the audit trail with the operator and reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the staff account whose authenticators go")
        parser.add_argument("--operator", required=True, help="the operator doing the reset")
        parser.add_argument("--reason", required=True, help="why (recorded in the audit trail)")

    def handle(self, *args, username, operator, reason, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        actor = User.objects.filter(username=operator, is_superuser=True).first()
        if actor is None:
            raise CommandError(f"{operator!r} is not an operator (superuser) account.")
        if actor.pk == user.pk:
            raise CommandError("An operator cannot reset their own second factor.")
        removed = reset_devices(user, actor=actor, reason=reason.strip())
        self.stdout.write(f"Removed {removed} authenticator(s) of {username}.")
