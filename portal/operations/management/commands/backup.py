import time

from django.core.management.base import BaseCommand, CommandError

from portal.operations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write one archive (mode 0600) of the database, private files and media, with a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive to write (.tar.gz); must not exist yet.")

    def handle(self, *args, file, **options):
        started = time.monotonic()
        try:
            manifest = create_backup(file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"Backup written to {file} in {time.monotonic() - started:.1f} s: "
            f"{len(manifest['members'])} files, {counts['credit_records']} credit records, "
            f"{counts['subjects']} subjects, {counts['audit_events']} audit entries "
            f"({manifest['database_vendor']})."
        )
