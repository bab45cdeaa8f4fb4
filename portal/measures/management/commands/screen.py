"""Screen a list file from the command line.

    python manage.py screen FILE --scenario CODE [--json]

With --json, one JSON object per input row, in input order:
{"input": {...}, "match": "exact"|"candidates"|"none", "subject": code-or-null,
 "candidates": [{"subject": code, "name": ..., "score": ...}], "lists": [...], "measures": [...],
 "adverse": [...], "findings": [...]}

Like every lookup, the run is logged (channel "cli") and audited.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.measures.models import Channel, Scenario
from portal.measures.reader import ListFileError, read_list
from portal.measures.services import run_lookup


class Command(BaseCommand):
    help = "Screen a list (XLSX or CSV with 名称 and optional 统一社会信用代码) against red/black lists."

    def add_arguments(self, parser):
        parser.add_argument("file", help="XLSX or CSV file with a 名称 column")
        parser.add_argument("--scenario", required=True, help="scenario code, e.g. PROCUREMENT")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="one JSON object per input row"
        )
        parser.add_argument(
            "--purpose", default="命令行筛查", help="purpose recorded in the lookup log"
        )
        parser.add_argument("--reference", default="", help="business reference for the log")

    def handle(self, *args, file, scenario, as_json, purpose, reference, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}.") from exc
        scenario_obj = Scenario.objects.filter(code=scenario.upper(), is_active=True).first()
        if scenario_obj is None:
            known = ", ".join(
                Scenario.objects.filter(is_active=True).values_list("code", flat=True)
            )
            raise CommandError(f"Unknown scenario {scenario!r} (known: {known}).")
        try:
            rows = read_list(data, path.name)
        except ListFileError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        lookup, results = run_lookup(
            user=None,
            scenario=scenario_obj,
            purpose=purpose,
            rows=rows,
            channel=Channel.CLI,
            reference=reference,
            file_name=path.name,
        )
        if as_json:
            self._print_json(results)
            return
        for result in results:
            label = result.input.name or result.input_code_display
            if result.subject:
                found = f"{result.subject.code} {result.subject.name}"
            elif result.candidates:
                found = "; ".join(
                    f"{c.subject.code} {c.subject.name} ({c.score:g})" for c in result.candidates
                )
            else:
                found = "-"
            lists = ", ".join(f"{e['list']}({e['list_type']})" for e in result.lists) or "-"
            measures = ", ".join(m["code"] for m in result.measures) or "-"
            self.stdout.write(
                f"{result.input.row}\t{label}\t{result.match}\t{found}\t{lists}\t{measures}"
            )
        self.stdout.write(
            f"Lookup #{lookup.pk}: {lookup.row_count} rows, {lookup.exact_count} exact, "
            f"{lookup.candidate_count} with candidates, {lookup.none_count} unmatched; "
            f"{lookup.black_count} on a black list, {lookup.red_count} on a red list."
        )

    def _print_json(self, results):
        write = self.stdout.write
        for result in results:
            write(json.dumps(result.as_json(), ensure_ascii=False, default=str))
