"""`manage.py assessment --period 2026-11 [--department CODE] [--json]`.

With --json the last line of output is one JSON object:
{"period": "2026-11", "departments": [{"department": "MARKET", "rows": …, …, "score": …}, …]}
Every rate is a number 0.0–1.0: one with nothing to measure in the period (无数据) is 1.0
and named in the department's `not_measured` list, which the score leaves out; a department
with no dimension measured scores 0 (docs/domain.md, Reporting duties and assessment).
With --refresh the figures of the period's committed batches are recounted first.
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
            help=(
                "first recount the figures of the period's committed batches against the "
                "duties as they are now (and compute any batch's that are missing)"
            ),
        )

    def handle(self, *args, period=None, department=None, json=False, refresh=False, **options):
        try:
            chosen = services.parse_period(period) if period else services.current_month()
        except services.PeriodError as exc:
            raise CommandError(str(exc)) from exc
        codes, department_ids = None, None
        if department:
            found = Department.objects.filter(code=department).first()
            if found is None:
                raise CommandError(f"Unknown department: {department}")
            codes, department_ids = [department], [found.pk]
        if refresh:
            while figures.refresh_missing():
                pass
            count = figures.refresh_period(chosen.start, chosen.end, department_ids=department_ids)
            self.stdout.write(f"Recounted the figures of {count} batches of {chosen.label}.")
        results = services.assess(chosen, department_codes=codes)
        if json:
            self.stdout.write(_json_line(chosen, results))
            return
        self.stdout.write(f"Assessment {chosen.label} ({chosen.start} – {chosen.end})")
        for entry in results:
            score = "  n/a" if entry.score is None else f"{entry.score:5.1f}"
            self.stdout.write(
                f"{entry.rank:>3}. {entry.department:<10} score {score}  "
                f"rows {entry.rows} (rejected {entry.rejected})  "
                f"timely {_percent(entry.timely_rate)} (late {entry.late_records})  "
                f"missing {','.join(entry.missing_duties) or '-'}  "
                f"upheld {entry.objections_upheld}  response {_percent(entry.response_rate)}  "
                f"feedback {_percent(entry.feedback_rate)}"
            )


def _percent(rate) -> str:
    """A share as a percentage; n/a when there was nothing to measure."""
    return "n/a" if rate is None else f"{rate:.0%}"


def _json_line(period, results) -> str:
    return json.dumps(
        {"period": period.label, "departments": [entry.as_json() for entry in results]},
        ensure_ascii=False,
    )
