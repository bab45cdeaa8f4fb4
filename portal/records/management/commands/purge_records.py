from django.core.management.base import BaseCommand

from portal.records import retention


class Command(BaseCommand):
    help = "Purge the content of records past their catalog item's retention (audited)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be purged, change nothing"
        )

    def handle(self, *args, **options):
        if options["dry_run"]:
            due = retention.list_due()
            for entry in due:
                self.stdout.write(
                    f"record {entry.record_id} {entry.item} {entry.department} "
                    f"decided {entry.decision_date} disclosure ended {entry.kept_since or '-'} "
                    f"kept {entry.retention_years} years"
                )
            self.stdout.write(f"{len(due)} records would be purged (dry run, nothing changed)")
            return
        purged = retention.purge_records()
        self.stdout.write(f"{purged} records purged")
