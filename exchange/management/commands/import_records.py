"""Import a department's file for one catalog item, as a batch.

    python manage.py import_records FILE --department CODE --catalog CODE
        [--dry-run] [--report PATH.xlsx] [--json]

Validates every row and, unless --dry-run, loads the accepted rows in one
all-or-nothing transaction. With --json the last line of output is one JSON
object: {"batch", "status", "rows", "accepted", "rejected", "created",
"updated", "unchanged", "withdrawn"}.

Exit status: 0 when the file was processed (row errors are not a failure);
2 for an unknown department or catalog item or a missing file; 3 for a file
that cannot be read or whose header does not match the template. A failure
prints one line to standard error.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from exchange import services
from exchange.models import BatchSource, BatchStatus
from exchange.report import error_report_xlsx
from importers.messages import render
from portal.catalog.models import CatalogItem
from portal.departments.models import Department

EXIT_USAGE = 2
EXIT_BAD_FILE = 3


class Command(BaseCommand):
    help = "Validate and load a department's CSV or XLSX file for one catalog item."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX")
        parser.add_argument("--department", required=True, help="department code, e.g. MARKET")
        parser.add_argument("--catalog", required=True, help="catalog item code, e.g. ADM_PENALTY")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and plan only; load nothing"
        )
        parser.add_argument("--report", help="write the row-error report (XLSX) to this path")
        parser.add_argument(
            "--json", action="store_true", help="end the output with one JSON summary line"
        )

    def fail(self, message: str, code: int):
        raise CommandError(str(message).replace("\n", " "), returncode=code)

    def handle(self, *args, **options):
        translation.activate(translation.get_language() or "zh-hans")
        path = Path(options["file"])
        department = Department.objects.filter(code=options["department"].strip().upper()).first()
        if department is None:
            self.fail(render("unknown_department", {"code": options["department"]}), EXIT_USAGE)
        item = CatalogItem.objects.filter(code=options["catalog"].strip().upper()).first()
        if item is None:
            self.fail(render("unknown_item", {"code": options["catalog"]}), EXIT_USAGE)
        if not path.is_file():
            self.fail(f"{path}: file not found / 文件不存在", EXIT_USAGE)
        try:
            with open(path, "rb") as handle:
                batch, _ = services.submit_batch(
                    department=department,
                    item=item,
                    fileobj=handle,
                    file_name=path.name,
                    source=BatchSource.CLI,
                    dry_run=options["dry_run"],
                    auto_commit=not options["dry_run"],
                    max_bytes=None,
                    enqueue=False,
                )
        except services.SubmissionError as exc:
            self.fail(
                f"{path.name}: {exc.message()}", EXIT_BAD_FILE if exc.status != 403 else EXIT_USAGE
            )
        batch = services.validate_batch(batch.pk)
        if batch.status == BatchStatus.FAILED:
            self.fail(f"{path.name}: {batch.file_error()}", EXIT_BAD_FILE)
        if options["report"]:
            report = Path(options["report"])
            report.write_bytes(error_report_xlsx(batch))
        summary = {
            "batch": batch.pk,
            "status": batch.status,
            "rows": batch.rows_total,
            "accepted": batch.accepted,
            "rejected": batch.rejected,
            "created": batch.created_count,
            "updated": batch.updated_count,
            "unchanged": batch.unchanged_count,
            "withdrawn": batch.withdrawn_count,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(
                f"batch {batch.pk}: {batch.get_status_display()} — rows {batch.rows_total}, "
                f"accepted {batch.accepted}, rejected {batch.rejected}, created "
                f"{batch.created_count}, updated {batch.updated_count}, unchanged "
                f"{batch.unchanged_count}, withdrawn {batch.withdrawn_count}"
            )
            if batch.rejected and not options["report"]:
                self.stdout.write("use --report PATH.xlsx for the rejected rows and their errors")
        sys.stdout.flush()
