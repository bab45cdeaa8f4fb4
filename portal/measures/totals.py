"""The totals of a lookup, computed in one place.

The results page header, the lookup log (page and XLSX) and both exports of
a lookup read the totals stored on the Lookup; only `refresh_totals` writes
them, from the rows as they stand, so a reviewer's confirmation or rejection
of a candidate shows everywhere at once.
"""

from dataclasses import asdict, dataclass

from portal.catalog.models import ListType
from portal.measures.models import Lookup, LookupRow, Match

# Totals field -> Lookup column.
COLUMNS = {
    "rows": "row_count",
    "exact": "exact_count",
    "confirmed": "confirmed_count",
    "candidates": "candidate_count",
    "none": "none_count",
    "black": "black_count",
    "red": "red_count",
    "conditions": "condition_count",
}
ROW_FIELDS = ("match", "confirmed_at", "rejected_at", "lists", "findings")


@dataclass(frozen=True)
class Totals:
    rows: int = 0
    exact: int = 0  # matched by code
    confirmed: int = 0  # a name candidate a reviewer confirmed
    candidates: int = 0  # name candidates awaiting the reviewer's decision (疑似)
    none: int = 0  # not matched, including rows whose candidates were all ruled out
    black: int = 0
    red: int = 0
    conditions: int = 0  # rows with records meeting the scenario's conditions


def compute_totals(rows) -> Totals:
    """Count rows (LookupRow-like: match, confirmed_at, rejected_at, lists, findings)."""
    counts = dict.fromkeys(COLUMNS, 0)
    for row in rows:
        counts["rows"] += 1
        if row.match == Match.EXACT:
            counts["exact"] += 1
        elif row.match == Match.CANDIDATES and row.confirmed_at:
            counts["confirmed"] += 1
        elif row.match == Match.CANDIDATES and not row.rejected_at:
            counts["candidates"] += 1
        else:
            counts["none"] += 1
        types = {entry["list_type"] for entry in row.lists}
        counts["black"] += ListType.BLACK in types
        counts["red"] += ListType.RED in types
        counts["conditions"] += bool(row.findings)
    return Totals(**counts)


def store_totals(lookup: Lookup, totals: Totals) -> None:
    """Put the totals on the lookup instance (the caller saves it)."""
    for name, value in asdict(totals).items():
        setattr(lookup, COLUMNS[name], value)


def refresh_totals(lookup: Lookup) -> Totals:
    """Recount the lookup's rows and save the totals (call inside the change's transaction)."""
    totals = compute_totals(LookupRow.objects.filter(lookup=lookup).only(*ROW_FIELDS).order_by())
    store_totals(lookup, totals)
    lookup.save(update_fields=list(COLUMNS.values()))
    return totals


def totals_of(lookup: Lookup) -> Totals:
    """The stored totals of a lookup, as written by refresh_totals."""
    return Totals(**{name: getattr(lookup, column) for name, column in COLUMNS.items()})
