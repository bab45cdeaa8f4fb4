import time

from django.core.management.base import BaseCommand, CommandError

from portal.operations.backup import (
    BackupError,
    check_fits_this_installation,
    restore_backup,
    verify_archive,
)


class Command(BaseCommand):
    help = (
        "Restore an archive made by `backup` into an empty installation, after checking every "
        "file against its manifest; then check the counts and the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive to restore.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data of an installation that already has records or subjects.",
        )
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="Only check the archive against its manifest and this installation; change nothing.",
        )
        parser.add_argument(
            "--allow-key-change",
            action="store_true",
            help="Restore although PORTAL_IDENTITY_HASH_KEY differs (identity look-ups will fail).",
        )

    def handle(self, *args, file, force, verify_only, allow_key_change, **options):
        started = time.monotonic()
        try:
            if verify_only:
                manifest = verify_archive(file)
                check_fits_this_installation(manifest, allow_key_change=allow_key_change)
                self.stdout.write(
                    f"{file} is intact ({len(manifest['members'])} files, made "
                    f"{manifest['created_at']}) and fits this installation; nothing was changed."
                )
                return
            report = restore_backup(file, force=force, allow_key_change=allow_key_change)
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = report.counts
        self.stdout.write(
            f"Restored {file} (made {report.manifest['created_at']}) in "
            f"{time.monotonic() - started:.1f} s: checksums, {counts['credit_records']} credit "
            f"records, {counts['subjects']} subjects and the audit trail "
            f"({report.audit_entries} entries) verified."
        )
        for path in report.moved_aside:
            self.stdout.write(f"What was there before was kept in {path}.")
        if report.unapplied_migrations:
            self.stdout.write(
                "The archive predates this version: run `manage.py migrate` "
                f"({', '.join(report.unapplied_migrations)})."
            )
