"""Row validation driven by the catalog schema (docs/domain.md, The catalog).

Input is normalised first (widths folded, whitespace, codes upper-cased), then checked:
required and conditionally required fields, types, enumerations, multi-value
fields, check characters, date order, dates not in the future, duplicate rows
within the file. Conflicts with existing records need the database and are
found by the loader.

This is the hot loop of a million-row import, so each column's cleaner is a
small function chosen once per file, and repeated values (dates, the
authority's code) are checked once and remembered.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from typing import NamedTuple

from django.utils import timezone

from importers.schema import (
    ACTION,
    ACTION_CHOICES,
    ACTION_WORDS,
    EXAMPLE_MARKER,
    UPSERT,
    WITHDRAWAL_BASIS,
    WITHDRAWAL_DATE,
    WITHDRAWAL_DOCUMENT,
    FieldSpec,
    HeaderMap,
    ImportSchema,
)
from portal.catalog.models import SEVERITY_BY_LABEL, FieldType
from portal.core.codes import CodeError, validate_uscc
from portal.core.dates import DateFormatError, parse_date
from portal.core.pii import mask_personal_numbers
from portal.core.text import fold_width, normalise_text
from portal.records.disclosure import RecordStatus
from portal.subjects.identity import RESIDENT_ID, PersonIdentity
from portal.subjects.industries import parse_industry
from portal.subjects.models import (
    KIND_LABEL_INDIVIDUAL_BUSINESS,
    KIND_LABEL_NATURAL_PERSON,
    SubjectKind,
    kind_from_uscc,
)

# Plain strings (not Choices members): rows travel between processes.
_SEVERITY_CODES = {label: str(code.value) for label, code in SEVERITY_BY_LABEL.items()}
_NATURAL_PERSON = str(SubjectKind.NATURAL_PERSON.value)
_INDIVIDUAL_BUSINESS = str(SubjectKind.INDIVIDUAL_BUSINESS.value)
_ACTIVE = str(RecordStatus.ACTIVE.value)
_REVOKED = str(RecordStatus.REVOKED.value)
MULTI_SEPARATORS = re.compile(r"[;；、,，]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)
_INVISIBLE_CHARS = ("\u200b", "\u200c", "\u200d", "\ufeff")
_CACHE_LIMIT = 200_000
NATURAL_KEY_MAX = 255


def fast_text(value) -> str:
    """portal.core.text.clean_text, with shortcuts for text that is already clean."""
    if value is None:
        return ""
    if type(value) is not str:
        value = cell_text(value)
    if not value.isascii():
        value = fold_width(value)
        for char in _INVISIBLE_CHARS:
            if char in value:
                value = value.translate(_INVISIBLE)
                break
    return " ".join(value.split())


def full_fold(text: str) -> str:
    """NFKC for a cell that is matched, not kept as written (codes, dates, amounts, choices)."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


_WS = re.compile(r"\s+")
_SEPARATOR_EDGES = re.compile(r" ?\x00 ?")
# Whitespace other than single spaces inside cells: most rows have none.
_NEEDS_SPACING = re.compile(r"[^\S ]|  | \x00|\x00 ")


def normalise_row(cells) -> list[str]:
    """clean_text applied to every cell of a row, in three passes over the whole row.

    The cells are joined with NUL (which neither CSV nor XLSX text can hold and
    which no normalisation composes with), folded, whitespace-collapsed, and split
    again: one C-speed pass instead of a dozen small ones per cell.
    """
    parts = [c if type(c) is str else cell_text(c) for c in cells]
    joined = "\x00".join(parts)
    if joined.count("\x00") != len(parts) - 1:  # a NUL inside a cell: cell by cell
        return [fast_text(p) for p in parts]
    if not joined.isascii():
        joined = fold_width(joined)
        for char in _INVISIBLE_CHARS:
            if char in joined:
                joined = joined.translate(_INVISIBLE)
                break
    if _NEEDS_SPACING.search(joined):
        joined = _SEPARATOR_EDGES.sub("\x00", _WS.sub(" ", joined))
    return joined.strip(" ").split("\x00")


def cell_text(value) -> str:
    """A spreadsheet cell as text: whole numbers without '.0', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_SCIENTIFIC = re.compile(r"^\d+(?:\.\d+)?[eE]\+?\d+$")


def _excel_number(raw, text: str) -> bool:
    """A code that Excel turned into a number: a numeric cell (18 digits do not fit
    Excel's 15, the tail becomes zeros) or text in scientific notation (4.41302E+17)."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return True
    return bool(_SCIENTIFIC.match(text))


class CellError(Exception):
    def __init__(self, code: str, params: dict | None = None):
        super().__init__(code)
        self.code = code
        self.params = params or {}


@dataclass(slots=True)
class CleanRow:
    """A valid row, normalised, with everything the loader needs."""

    row: int
    data: dict
    natural_key: str
    subject_code: str
    subject_name: str
    subject_kind: str
    uscc: str
    person: PersonIdentity | None
    legal_rep: str
    decision_no: str
    decision_date: dt.date
    severity: str
    valid_until: dt.date | None
    publish_until: dt.date | None
    status: str
    # Filled by exchange.loader.Preparer (in the reading process when loading in parallel).
    digest: str = ""
    canonical: str = ""
    title: str = ""
    window: tuple | None = None
    public_state: str = ""
    snapshot_head: str = ""  # the first version's snapshot as JSON, without its data
    record_part: tuple | None = None
    # Free-text cells whose personal numbers were masked: (field key, column, kinds).
    masked: tuple = ()
    # importers.schema: UPSERT (add or correct), or a withdrawal of the record the key finds.
    action: str = UPSERT
    withdrawal_basis: str = ""
    withdrawal_document_no: str = ""
    withdrawal_date: dt.date | None = None  # the day it was decided, if given
    # The subject's GB/T 4754 industry in its stored form (organisations only).
    industry: str = ""

    @property
    def snapshot_json(self) -> str:
        return self.snapshot_head[:-1] + ', "data": ' + self.canonical + "}"

    def __reduce__(self):
        # Sent between processes as its bare values: pickle's own handling of
        # dates and tuples is cheaper both ways than any conversion in Python.
        return (CleanRow, _row_values(self))


_row_values = attrgetter(*CleanRow.__slots__)


class RowProblem(NamedTuple):
    """One thing wrong with a row: the field and column it is in (empty for the whole
    row), the message code and the message's parameters."""

    row: int
    field: str
    column: str
    code: str
    params: dict


# Column kinds, for a branch per cell instead of a call per cell.
_TEXT, _CHOICE, _MULTI, _DATE, _DECIMAL, _USCC, _ID = range(7)
_KINDS = {
    FieldType.TEXT: _TEXT,
    FieldType.CHOICE: _CHOICE,
    FieldType.MULTI_CHOICE: _MULTI,
    FieldType.DATE: _DATE,
    FieldType.DECIMAL: _DECIMAL,
    FieldType.USCC: _USCC,
    FieldType.ID_NUMBER: _ID,
}
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class RowValidator:
    """Validates the rows of one file against one catalog item's schema."""

    def __init__(
        self,
        schema: ImportSchema,
        header: HeaderMap,
        today: dt.date | None = None,
        source_uscc: str = "",
    ):
        self.schema = schema
        # The uploading department's code: rows must name it as their data source.
        self.source_uscc = source_uscc
        self.header = header
        self.today = today or timezone.localdate()
        self.columns = dict(header.header_text)
        self.cells = []
        for spec in schema.fields:
            if spec.key not in header.columns:
                continue
            extra = None
            if spec.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
                extra = (frozenset(spec.choices), "、".join(spec.choices))
            kind = _KINDS.get(spec.type, _TEXT)
            # Text is checked here, in the loop; other kinds by _clean.
            limit = (spec.max_length or 0) if kind == _TEXT else -1
            # Values this column has already accepted, by their text: departments
            # repeat the same choices, dates, amounts and authority codes row after
            # row. Per column, since each has its own rules (choices, minimum); only
            # immutable values (a multi-choice list could be changed by its user).
            accepted = {} if kind in (_CHOICE, _DATE, _DECIMAL, _USCC) else None
            self.cells.append(
                (spec.key, header.columns[spec.key], kind, spec, extra, limit, accepted)
            )
        self.defaults = [(s.key, s.default) for s in schema.fields if s.default]
        self.required = [s for s in schema.fields if s.required]
        self.required_keys = frozenset(s.key for s in self.required)
        self.conditional = [s for s in schema.fields if s.conditionally_required]
        self.date_order = [s for s in schema.fields if s.type == FieldType.DATE and s.not_before]
        self.not_in_future = [
            s for s in schema.fields if s.type == FieldType.DATE and s.not_in_future
        ]
        self.first_column = min(header.columns.values()) if header.columns else 0
        self.natural_key = list(schema.natural_key)
        # A withdrawal row needs only what finds its record: the key's own fields.
        self.key_required = [s for s in schema.fields if s.key in set(self.natural_key)]
        self.actions = [
            (spec, header.actions[spec.key])
            for spec in (ACTION, WITHDRAWAL_BASIS, WITHDRAWAL_DOCUMENT, WITHDRAWAL_DATE)
            if spec.key in header.actions
        ]

    # -- cells ---------------------------------------------------------------

    def _clean(self, kind, spec, extra, text, raw):
        """The value of one non-empty cell that is not text, or CellError."""
        text = full_fold(text)
        if kind == _USCC or kind == _ID:
            if _excel_number(raw, text):
                raise CellError("excel_number", {"value": text})
            code = text.replace(" ", "").replace("-", "").upper()
            if kind == _ID:
                return code
            try:
                return validate_uscc(code)
            except CodeError as exc:
                raise CellError(f"uscc.{exc.reason}", {"n": len(code)}) from exc
        if kind == _DATE:
            try:  # an Excel date cell as it came, typed
                return parse_date(text if type(raw) is str else raw)
            except (DateFormatError, ValueError) as exc:
                raise CellError("date", {"value": text}) from exc
        if kind == _CHOICE:
            if text not in extra[0]:
                raise CellError("choice", {"value": text, "choices": extra[1]})
            return text
        if kind == _MULTI:
            chosen = []
            for part in MULTI_SEPARATORS.split(text):
                part = part.strip()
                if not part:
                    continue
                if part not in extra[0]:
                    raise CellError("multi_choice", {"value": part, "choices": extra[1]})
                if part not in chosen:
                    chosen.append(part)
            return chosen
        if kind == _DECIMAL:
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                number_text = repr(raw) if isinstance(raw, float) else str(raw)
            else:
                number_text = text.replace(",", "")
            try:
                number = Decimal(number_text)
            except InvalidOperation as exc:
                raise CellError("decimal", {"value": text}) from exc
            if not number.is_finite():
                raise CellError("decimal", {"value": text})
            if spec.min_value is not None and number < spec.min_value:
                raise CellError(
                    "min_value",
                    {"value": text, "min": format(spec.min_value.normalize(), "f")},
                )
            return format(number.normalize(), "f") if number else "0"
        return text

    # -- rows --------------------------------------------------------------

    def is_example(self, cells) -> bool:
        first = cells[self.first_column] if len(cells) > self.first_column else None
        return isinstance(first, str) and first.lstrip().startswith(EXAMPLE_MARKER)

    def validate(self, row: int, cells: list) -> tuple[CleanRow | None, list[RowProblem]]:
        problems: list[RowProblem] = []
        masked_cells: list = []
        values: dict = {}
        dates: dict = {}
        texts = normalise_row(cells)
        count = len(texts)
        action = self._action(row, texts, problems) if self.actions else None
        for key, index, kind, spec, extra, limit, accepted in self.cells:
            if index >= count:
                continue
            text = texts[index]
            if not text:
                continue
            if text[0] == "'" and text[1:2] in _TRIGGERS:
                text = text[1:]  # a cell neutralised by our own exports, uploaded again
            if limit >= 0:  # text
                if limit and len(text) > limit:
                    problems.append(
                        RowProblem(
                            row,
                            key,
                            self.columns[key],
                            "max_length",
                            {"length": len(text), "max": limit},
                        )
                    )
                else:
                    masked = mask_personal_numbers(text)
                    if masked.kinds:
                        # Published text never carries a personal number in clear.
                        text = masked.text
                        masked_cells.append((key, self.columns[key], masked.kinds))
                    values[key] = text
                continue
            raw = cells[index]
            cached = accepted is not None and type(raw) is str  # not Excel's typed cells
            if cached:
                value = accepted.get(text)
                if value is not None:
                    if kind == _DATE:
                        dates[key] = value
                    values[key] = value
                    continue
            try:
                value = self._clean(kind, spec, extra, text, raw)
            except CellError as exc:
                problems.append(RowProblem(row, key, self.columns[key], exc.code, exc.params))
                continue
            if cached:
                if len(accepted) >= _CACHE_LIMIT:
                    accepted.clear()
                accepted[text] = value
            if kind == _DATE:
                dates[key] = value
            elif kind == _MULTI and not value:
                continue
            values[key] = value
        for key, default in self.defaults:
            if key not in values:
                values[key] = default
        industry = values.get("industry")
        if industry is not None:
            # Kept in its stored form ("c 39" -> "C39"), which the subject then carries.
            code = parse_industry(fold_width(industry))
            if code is None:
                problems.append(
                    RowProblem(
                        row,
                        "industry",
                        self.columns.get("industry", "industry"),
                        "industry",
                        {"value": industry},
                    )
                )
            else:
                values["industry"] = code
        failed = {p.field for p in problems} if problems else ()
        # An unknown action is its own error: the row is not also checked as a new record.
        withdrawing = (action[0] != UPSERT) if action is not None else bool(self.actions)
        if withdrawing:
            for spec in self.key_required:
                if spec.key not in values and spec.key not in failed:
                    problems.append(RowProblem(row, spec.key, self._column(spec), "required", {}))
        elif not self.required_keys.issubset(values):
            for spec in self.required:
                if spec.key not in values and spec.key not in failed:
                    problems.append(RowProblem(row, spec.key, self._column(spec), "required", {}))
        for spec in () if withdrawing else self.conditional:
            if spec.key in values or spec.key in failed:
                continue
            if self._condition_holds(spec, values):
                ref = self.schema.by_key.get(spec.cond_field)
                problems.append(
                    RowProblem(
                        row,
                        spec.key,
                        self._column(spec),
                        "required_if",
                        {
                            "field": ref.ref if ref else {"label": spec.cond_field},
                            "op": spec.cond_op,
                            "value": spec.cond_value,
                        },
                    )
                )
        if dates:
            self._check_dates(row, dates, problems)
        given_source = values.get("source_uscc")
        if self.source_uscc and given_source and given_source != self.source_uscc:
            problems.append(
                RowProblem(
                    row,
                    "source_uscc",
                    self.columns.get("source_uscc", "source_uscc"),
                    "source_not_uploader",
                    {"value": given_source, "expected": self.source_uscc},
                )
            )
        subject = self._subject(row, values, problems)
        if problems:
            return None, problems
        if withdrawing and "decision_date" not in dates:
            # Not needed to find the record; the row's record is never written from it.
            dates["decision_date"] = self.today
        clean = self._clean_row(row, values, dates, subject, problems)
        if clean is not None and masked_cells:
            clean.masked = tuple(masked_cells)
        if clean is not None and action is not None:
            (
                clean.action,
                clean.withdrawal_basis,
                clean.withdrawal_document_no,
                clean.withdrawal_date,
            ) = action
        return clean, problems

    def _action(self, row, texts, problems) -> tuple | None:
        """(action, basis, document number, date) from the row's optional action columns;
        None (and a problem) for an action the templates do not offer."""
        found = {}
        for spec, index in self.actions:
            text = texts[index] if index < len(texts) else ""
            if text[:1] == "'" and text[1:2] in _TRIGGERS:
                text = text[1:]
            found[spec.key] = text
        word = found.get(ACTION.key, "")
        action = ACTION_WORDS.get(word, ACTION_WORDS.get(word.casefold()))
        if action is None:
            problems.append(
                RowProblem(
                    row,
                    ACTION.key,
                    self.columns.get(ACTION.key, ACTION.label),
                    "action",
                    {"value": word, "choices": "、".join(ACTION_CHOICES)},
                )
            )
            return None
        basis = mask_personal_numbers(found.get(WITHDRAWAL_BASIS.key, "")).text
        document_no = found.get(WITHDRAWAL_DOCUMENT.key, "")
        if action != UPSERT:
            for spec, value, limit in (
                (WITHDRAWAL_BASIS, basis, 500),
                (WITHDRAWAL_DOCUMENT, document_no, 200),
            ):
                column = self.columns.get(spec.key, spec.label)
                if not value:
                    problems.append(RowProblem(row, spec.key, column, "withdrawal_required", {}))
                elif len(value) > limit:
                    problems.append(
                        RowProblem(
                            row,
                            spec.key,
                            column,
                            "max_length",
                            {"length": len(value), "max": limit},
                        )
                    )
        decided_on = None
        text = found.get(WITHDRAWAL_DATE.key, "") if action != UPSERT else ""
        if text:
            column = self.columns.get(WITHDRAWAL_DATE.key, WITHDRAWAL_DATE.label)
            try:
                decided_on = parse_date(full_fold(text))
            except (DateFormatError, ValueError):
                problems.append(
                    RowProblem(row, WITHDRAWAL_DATE.key, column, "date", {"value": text})
                )
            else:
                if decided_on is not None and decided_on > self.today:
                    problems.append(
                        RowProblem(
                            row,
                            WITHDRAWAL_DATE.key,
                            column,
                            "future",
                            {"value": decided_on.isoformat()},
                        )
                    )
                    decided_on = None
        return action, basis, document_no, decided_on

    def _check_dates(self, row, dates, problems) -> None:
        for spec in self.date_order:
            mine, other = dates.get(spec.key), dates.get(spec.not_before)
            if mine is not None and other is not None and mine < other:
                ref = self.schema.by_key.get(spec.not_before)
                problems.append(
                    RowProblem(
                        row,
                        spec.key,
                        self._column(spec),
                        "before",
                        {
                            "value": mine.isoformat(),
                            "field": ref.ref if ref else {"label": spec.not_before},
                            "other": other.isoformat(),
                        },
                    )
                )
        for spec in self.not_in_future:
            mine = dates.get(spec.key)
            if mine is not None and mine > self.today:
                problems.append(
                    RowProblem(
                        row, spec.key, self._column(spec), "future", {"value": mine.isoformat()}
                    )
                )

    def _column(self, spec: FieldSpec) -> str:
        return self.columns.get(spec.key, spec.label)

    @staticmethod
    def _condition_holds(spec: FieldSpec, values: dict) -> bool:
        current = values.get(spec.cond_field, "")
        if spec.cond_op == "equals":
            return current == spec.cond_value
        if spec.cond_op == "not_equals":
            return current != spec.cond_value
        if spec.cond_op == "includes":
            return spec.cond_value in (current if isinstance(current, list) else [current])
        return False

    def _subject(self, row, values, problems):
        """(kind, code, uscc, person) of the row's subject; None when it has no valid code."""
        kind_label = values.get("subject_kind", "")
        number = values.get("id_number", "")
        is_person = kind_label == KIND_LABEL_NATURAL_PERSON or (
            not kind_label and number and not values.get("uscc")
        )
        if is_person:
            if not number:
                return None
            id_type = values.get("id_type") or RESIDENT_ID
            try:
                person = PersonIdentity.from_number(id_type, number)
            except CodeError as exc:
                spec = self.schema.by_key.get("id_number")
                problems.append(
                    RowProblem(
                        row,
                        "id_number",
                        self._column(spec) if spec else "id_number",
                        f"id.{exc.reason}",
                        {"n": len(number)},
                    )
                )
                return None
            return (_NATURAL_PERSON, person.code, "", person)
        uscc = values.get("uscc", "")
        if not uscc:
            return None
        if kind_label == KIND_LABEL_INDIVIDUAL_BUSINESS:
            kind = _INDIVIDUAL_BUSINESS
        else:
            kind = kind_from_uscc(uscc).value
        return (kind, uscc, uscc, None)

    def _clean_row(self, row, values, dates, subject, problems) -> CleanRow | None:
        if subject is None:
            problems.append(
                RowProblem(
                    row,
                    "uscc",
                    self.columns.get("uscc", "uscc"),
                    "no_code",
                    {"name": values.get("subject_name", "")},
                )
            )
            return None
        kind, code, uscc, person = subject
        data = values
        for key, value in dates.items():
            data[key] = value.isoformat()
        if person is not None:
            # The clear number never goes into record data.
            data.pop("id_number", None)
            data["id_number_masked"] = person.identity_masked
        parts = []
        for key in self.natural_key:
            if key == "subject_code":
                parts.append(code)
            else:
                value = data.get(key, "")
                value = ";".join(value) if isinstance(value, list) else str(value)
                # Keys compare as NFKC (as they always have), though kept text keeps
                # its punctuation: （2026） and (2026) name one decision, in this file
                # and in the database.
                if not value.isascii() and not unicodedata.is_normalized("NFKC", value):
                    value = normalise_text(value)
                parts.append(value)
        natural_key = "|".join(parts)
        decision_date = dates.get("decision_date")
        if decision_date is None:
            problems.append(
                RowProblem(
                    row,
                    "decision_date",
                    self.columns.get("decision_date", "decision_date"),
                    "required",
                    {},
                )
            )
            return None
        if len(natural_key) > NATURAL_KEY_MAX:
            key = self.natural_key[0]
            problems.append(
                RowProblem(
                    row,
                    key,
                    self.columns.get(key, key),
                    "max_length",
                    {"length": len(natural_key), "max": NATURAL_KEY_MAX},
                )
            )
            return None
        return CleanRow(
            row=row,
            data=data,
            natural_key=natural_key,
            subject_code=code,
            subject_name=data.get("subject_name", ""),
            subject_kind=kind,
            uscc=uscc,
            person=person,
            legal_rep=data.get("legal_rep", ""),
            decision_no=data.get("decision_no", "")[:200],
            decision_date=decision_date,
            severity=_SEVERITY_CODES.get(data.get("severity", ""), ""),
            valid_until=dates.get("valid_until") or dates.get("valid_to"),
            publish_until=dates.get("publish_until"),
            status=_REVOKED if data.get("status") == "无效" else _ACTIVE,
            industry="" if person is not None else data.get("industry", ""),
        )


class DuplicateFilter:
    """Rows repeating an earlier row's natural key within one file are refused.

    Runs where the chunks come together (the writing process), so it sees the
    whole file even when several processes read it.
    """

    def __init__(self, schema: ImportSchema, header_text: dict):
        self.key = schema.natural_key[0] if schema.natural_key else ""
        self.column = header_text.get(self.key, self.key)
        self.seen: dict[int, int] = {}

    def filter(self, rows: list[CleanRow]) -> tuple[list[CleanRow], list[RowProblem]]:
        kept, problems = [], []
        for row in rows:
            # A 64-bit hash (not the key: a million keys would cost ~100 MiB more);
            # free, since a str keeps its hash once computed.
            digest = hash(row.natural_key)
            first = self.seen.get(digest)
            if first is None:
                self.seen[digest] = row.row
                kept.append(row)
            else:
                problems.append(
                    RowProblem(
                        row.row,
                        self.key,
                        self.column,
                        "duplicate",
                        {"first": first, "key": row.natural_key},
                    )
                )
        return kept, problems
