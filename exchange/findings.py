"""What processing a file finds: the counts, the row errors and the per-row outcomes."""

from dataclasses import dataclass

from exchange.loader import FastTable, is_sqlite
from exchange.models import Batch, BatchRow, IdentityCandidate, MaskedCell, RowError
from exchange.validation import RowProblem


@dataclass
class ProcessResult:
    rows_total: int = 0
    rejected: int = 0
    error_count: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    pending: int = 0
    candidates: int = 0
    name_mismatches: int = 0
    masked: int = 0

    @property
    def accepted(self) -> int:
        return self.rows_total - self.rejected


class FindingsWriter:
    """Stores row errors and per-row outcomes as they are found, in bulk."""

    def __init__(self, batch: Batch, outcome_limit: int):
        self.batch = batch
        self.outcome_limit = outcome_limit
        self.fast = is_sqlite()
        if self.fast:
            self.errors_table = FastTable(RowError)
            self.rows_table = FastTable(BatchRow)

    def store_masked(self, rows, rejected: set, result: "ProcessResult") -> None:
        """Note the masked cells of the rows that were accepted."""
        cells = [
            MaskedCell(
                batch_id=self.batch.pk,
                row=row.row,
                field=key,
                column=str(column)[:150],
                kinds=list(kinds),
            )
            for row in rows
            if row.masked and row.row not in rejected
            for key, column, kinds in row.masked
        ]
        if cells:
            MaskedCell.objects.bulk_create(cells, batch_size=500)
            result.masked += len(cells)

    def store(self, errors: list[RowProblem], outcomes: list, result: "ProcessResult") -> None:
        batch_id = self.batch.pk
        if errors:
            values = [
                {
                    "batch_id": batch_id,
                    "row": problem.row,
                    "field": problem.field[:64],
                    "column": str(problem.column)[:150],
                    "code": problem.code,
                    "params": problem.params,
                }
                for problem in errors
            ]
            if self.fast:
                self.errors_table.insert_values(values)
            else:
                RowError.objects.bulk_create([RowError(**v) for v in values], batch_size=500)
            result.error_count += len(errors)
            errors.clear()
        if outcomes:
            values = [
                {"batch_id": batch_id, "row": row, "outcome": outcome, "label": label}
                for row, outcome, label in outcomes
                if row <= self.outcome_limit + 1
            ]
            if values and self.fast:
                self.rows_table.insert_values(values)
            elif values:
                BatchRow.objects.bulk_create([BatchRow(**v) for v in values], batch_size=500)
            outcomes.clear()


def reset_findings(batch: Batch) -> None:
    RowError.objects.filter(batch=batch).delete()
    MaskedCell.objects.filter(batch=batch).delete()
    BatchRow.objects.filter(batch=batch).delete()
    IdentityCandidate.objects.filter(batch=batch, status="open").delete()
