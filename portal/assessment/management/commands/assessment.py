"""`manage.py assessment --period 2026-11 [--department CODE] [--json]`.

With --json the last line of output is one JSON object:
{"period": "2026-11", "departments": [{"department": "MARKET", "rows": …, …, "score": …}, …]}
"""

import json

from django.core.management.base import BaseCommand, CommandError

from portal.assessment import figures, services
from portal.departments.models import Department


class Command(BaseCommand):
    help = "Assess the departments' reporting for a month (2026-11), quarter (2026-Q4) or year."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="2026-11, 2026-Q4 or 2026 (default: this month)")
        parser.add_argument("--department", help="one department's code")
        parser.add_argument("--json", action="store_true", help="end with one JSON line")
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="first compute figures of committed batches that have none",
        )

    def handle(self, *args, period=None, department=None, json=False, refresh=False, **options):
        try:
            chosen = services.parse_period(period) if period else services.current_month()
        except services.PeriodError as exc:
            raise CommandError(str(exc)) from exc
        codes = None
        if department:
            if not Department.objects.filter(code=department).exists():
                raise CommandError(f"Unknown department: {department}")
            codes = [department]
        if refresh:
            while figures.refresh_missing():
                pass
        results = services.assess(chosen, department_codes=codes)
        if json:
            self.stdout.write(_json_line(chosen, results))
            return
        self.stdout.write(f"Assessment {chosen.label} ({chosen.start} – {chosen.end})")
        for entry in results:
            self.stdout.write(
                f"{entry.rank:>3}. {entry.department:<10} score {entry.score:5.1f}  "
                f"rows {entry.rows} (rejected {entry.rejected})  "
                f"timely {entry.timely_rate:.0%} (late {entry.late_records})  "
                f"missing {','.join(entry.missing_duties) or '-'}  "
                f"upheld {entry.objections_upheld}  response {entry.response_rate:.0%}  "
                f"feedback {entry.feedback_rate:.0%}"
            )


def _json_line(period, results) -> str:
    return json.dumps(
        {"period": period.label, "departments": [entry.as_json() for entry in results]},
        ensure_ascii=False,
    )
