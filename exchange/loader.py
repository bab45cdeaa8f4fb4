"""Loading validated rows into the unified database, one chunk at a time.

Per chunk: the chunk's subjects and existing records are looked up in two
indexed queries (no global dictionaries, so memory stays flat however long the
file); each row is classified as create / update / unchanged (by the record's
content hash) or rejected for a conflict; with `write=True` the new subjects,
records and versions are inserted in bulk and the changed record ids are
announced (portal.records.services.announce) inside the transaction.

Records are built by the core that writes every record (portal.records.writing):
derive_columns gives the window, content hash and public state (the catalog's
disclosure window is memoised per distinct input: a million rows share a few
thousand windows), book_change the version and state bookkeeping, new_version
and snapshot the version row. On PostgreSQL the rows are written with
bulk_create; on SQLite with plain INSERTs of the same values (tests/exchange
compares the two column by column).
"""

import datetime as dt
import json
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models.base import ModelState
from django.utils import timezone

from exchange import approvals
from exchange.models import (
    ApprovalOutcome,
    CandidateKind,
    IdentityCandidate,
    PendingApproval,
    RowOutcome,
)
from exchange.validation import CleanRow, RowProblem
from importers.schema import WITHDRAWAL_DATE
from portal.catalog.models import CatalogItem
from portal.core.names import normalise_name
from portal.core.text import normalise_text
from portal.departments.models import Department
from portal.records.disclosure import RecordStatus, disclosure_window
from portal.records.feed_positions import save_withdrawals
from portal.records.models import CreditRecord, RecordVersion
from portal.records.services import announce
from portal.records.withdrawals import withdraw_record, withdrawal_for
from portal.records.writing import (
    book_change,
    derive_columns,
    hashed_json,
    new_version,
    snapshot,
)
from portal.subjects.models import Subject, SubjectKind, SubjectName
from portal.subjects.name_keys import clearly_different
from portal.subjects.stored_keys import write_new_subject_keys

LOOKUP_CHUNK = 900  # stays under SQLite's 999 bound parameters per query


def _chunks(values: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    candidates: int = 0
    # Rows naming an existing subject's code under a clearly different name.
    name_mismatches: int = 0
    subjects_created: int = 0
    withdrawn: int = 0
    # Withdrawal rows turned into requests for a second officer's approval.
    pending: int = 0


class KnownSubject(NamedTuple):
    """What loading needs of a subject already in the database."""

    pk: int
    code: str
    name: str
    adult_on: dt.date | None


class Preparer:
    """Everything about a row's record that needs no database: content hash and
    canonical JSON, title, disclosure window, public state and the first
    version's snapshot. Runs in the reading process when loading in parallel.
    """

    def __init__(self, *, rule, item_is_public: bool, title_field: str, today: dt.date):
        self.rule = rule
        self.item_is_public = item_is_public
        self.title_field = title_field
        self.today = today
        self.windows: dict = {}
        # A working copy for the core's record functions; never saved.
        self.record = CreditRecord(
            version=1, status=RecordStatus.ACTIVE, under_objection=False, decision_date=today
        )
        self.record_part = Columns(CreditRecord, RECORD_PART).pick

    @classmethod
    def for_item(cls, item: CatalogItem, today: dt.date) -> "Preparer":
        return cls(
            rule=item.disclosure_rule(),
            item_is_public=item.is_public,
            title_field=item.title_field,
            today=today,
        )

    def window(self, row: CleanRow) -> tuple:
        penalty_types = row.data.get("penalty_types") or None
        key = (
            row.decision_date,
            row.severity,
            row.valid_until,
            row.publish_until,
            tuple(penalty_types) if penalty_types else None,
        )
        found = self.windows.get(key)
        if found is None:
            if len(self.windows) > 100_000:
                self.windows.clear()
            window = disclosure_window(
                self.rule,
                decision_date=row.decision_date,
                severity=row.severity,
                valid_until=row.valid_until,
                publish_until=row.publish_until,
                penalty_types=penalty_types,
            )
            found = self.windows[key] = (window.ends, window.repair_from, window.publishable)
        return found

    def prepare(self, row: CleanRow) -> CleanRow:
        row.digest, row.canonical = hashed_json(row.data)
        row.title = str(row.data.get(self.title_field, ""))[:300]
        row.window = self.window(row)
        record = self.record
        values = record.__dict__
        row_columns(values, row)
        adult_on = row.person.adult_on if row.person is not None else None
        row.public_state = derive_columns(
            record,
            self.today,
            window=row.window,
            digest=row.digest,
            item_is_public=self.item_is_public,
            subject_is_minor=adult_on is not None and row.decision_date < adult_on,
        )
        snap = snapshot(record)
        del snap["data"]
        # The snapshot as JSON; its data is spliced in from the canonical encoding
        # when the version is written (CleanRow.snapshot_json).
        row.snapshot_head = _SNAPSHOT_JSON.encode(snap)
        # The record's own columns as SQLite stores them, data as its canonical JSON.
        values["data"] = row.canonical
        row.record_part = self.record_part(values)
        return row


def row_columns(values: dict, row: CleanRow) -> None:
    """The record columns a row gives, set in a record's __dict__ (every write path)."""
    values["natural_key"] = row.natural_key
    values["decision_no"] = row.decision_no
    values["decision_date"] = row.decision_date
    values["severity"] = row.severity
    values["title"] = row.title
    values["valid_until"] = row.valid_until
    values["publish_until"] = row.publish_until
    values["status"] = row.status
    values["data"] = row.data if row.data is not None else json.loads(row.canonical)


# Snapshots as UTF-8 JSON (JSONField reads any JSON), with one encoder for all.
_SNAPSHOT_JSON = json.JSONEncoder(ensure_ascii=False)

# The columns a Preparer fills in CleanRow.record_part, in the table's order.
RECORD_PART = [
    "natural_key",
    "decision_no",
    "decision_date",
    "severity",
    "title",
    "valid_until",
    "publish_until",
    "disclosure_ends",
    "repair_from",
    "publishable",
    "data",
    "content_hash",
    "status",
]
# What an update rewrites: the prepared columns but the key, and the derived ones.
UPDATED_FIELDS = [
    "subject",
    *(name for name in RECORD_PART if name != "natural_key"),
    "public_state",
    "version",
    "updated_at",
    "state_changed_at",
]


class Columns:
    """Some of a model's columns (all by default), picked from an instance's __dict__
    as a list of values adapted as Django's SQLite backend adapts them.

    Called once per imported row (the prepared record columns, batch rows, row
    errors), so the picking function is written out once as source, one
    expression per column, rather than looping over adapters per row.
    """

    def __init__(self, model, attnames: list[str] | None = None):
        fields = list(model._meta.concrete_fields)
        if attnames is not None:
            by_attname = {f.attname: f for f in fields}
            fields = [by_attname[name] for name in attnames]
        self.fields = fields
        self.attnames = [f.attname for f in fields]
        self.index = {name: i for i, name in enumerate(self.attnames)}
        scope = {"adapt_json": _adapt_json}
        expressions = []
        for index, f in enumerate(fields):
            value = f"values[{f.attname!r}]"
            kind = f.get_internal_type()
            if kind == "DateField":  # None, a date, or already ISO text
                value = f"(None if (x := {value}) is None or x.__class__ is str else x.isoformat())"
            elif kind == "BooleanField":
                value = f"(None if (x := {value}) is None else int(bool(x)))"
            elif kind == "JSONField":
                value = f"adapt_json({value})"
            elif kind == "DateTimeField":
                scope[f"adapt_{index}"] = _DateTimeAdapter()
                value = f"adapt_{index}({value})"
            expressions.append(value)
        source = f"def pick(values):\n    return [{', '.join(expressions)}]\n"
        exec(compile(source, f"<columns of {model.__name__}>", "exec"), scope)  # noqa: S102  # nosec B102  # source generated from the model's own field names, compiled once per model for the import's speed
        self.pick = scope["pick"]


class FastTable:
    """Plain multi-row INSERTs into one model's table on SQLite, ids assigned here.

    Used inside the load's IMMEDIATE transaction, which holds SQLite's single
    write lock: no one else can insert meanwhile, so the next ids are known.
    """

    def __init__(self, model):
        self.model = model
        columns = Columns(model)
        self.row = columns.pick  # {attname: value} -> the row as SQLite takes it
        self.index = columns.index
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in columns.fields)
        marks = ", ".join("?" for _ in columns.fields)
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608  # table and column names are the code's own; values are bound parameters
        self._next_id = None

    def forget_ids(self) -> None:
        """Count the next ids from the table again (after rows were added another way)."""
        self._next_id = None

    def next_ids(self, count: int) -> range:
        if self._next_id is None:
            table = self.model._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT MAX("id") FROM "{table}"')  # noqa: S608  # nosec B608  # table and column names are the code's own; values are bound parameters
                highest = cursor.fetchone()[0] or 0
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                found = cursor.fetchone()
                highest = max(highest, found[0] if found else 0)
            self._next_id = highest + 1
        start = self._next_id
        self._next_id += count
        return range(start, start + count)

    def insert_values(self, values: list[dict]) -> None:
        """Insert rows given as {attname: value} (ids are assigned here)."""
        for row, pk in zip(values, self.next_ids(len(values)), strict=True):
            row["id"] = pk
        self.insert([self.row(row) for row in values])

    def insert(self, rows: list) -> None:
        if rows:
            connection.ensure_connection()
            cursor = connection.connection.cursor()
            try:
                cursor.executemany(self.sql, rows)
            finally:
                cursor.close()


class _DateTimeAdapter:
    """Django's SQLite datetime adaptation, remembered for the value seen last
    (a chunk's rows all carry the same timestamp)."""

    def __init__(self):
        self.last = self.adapted = None

    def __call__(self, value):
        if value is not self.last:
            self.last = value
            self.adapted = connection.ops.adapt_datetimefield_value(value)
        return self.adapted


def _adapt_json(value):
    """Values for JSON columns arrive already encoded (canonical JSON) or as objects."""
    return value if isinstance(value, str) else json.dumps(value)


def _new_subject(**fields) -> Subject:
    """An unsaved Subject without Model.__init__ (a quarter of a million add up)."""
    state = ModelState()
    state.db = None
    state.adding = True
    subject = Subject.__new__(Subject)
    values = {f.attname: None for f in Subject._meta.concrete_fields}
    values.update(
        _state=state,
        district="",
        identity_masked="",
        identity_type="",
        legal_representative="",
        name_keys_version="",
    )
    values.update(fields)
    subject.__dict__.update(values)
    return subject


def subject_for(row: CleanRow) -> Subject:
    """The new subject a row describes: the fields Subject.for_organisation and
    Subject.for_person set, from what the validator already checked and derived."""
    if row.person is not None:
        return _new_subject(
            kind=SubjectKind.NATURAL_PERSON,
            name=row.subject_name,
            name_normalised=normalise_name(row.subject_name),
            **row.person.subject_fields(),
        )
    return _new_subject(
        code=row.uscc,
        uscc=row.uscc,
        kind=row.subject_kind,
        name=row.subject_name,
        name_normalised=normalise_name(row.subject_name),
        legal_representative=row.legal_rep[:100],
        industry=row.industry or None,
    )


def _another_name(name: str, known: str) -> bool:
    """Whether a row names its subject differently from the database: a width or
    punctuation variant of the same name (（惠阳） for (惠阳)) is not a former name."""
    return name != known and normalise_text(name) != normalise_text(known)


class ChunkLoader:
    """Classifies and (optionally) writes chunks of valid rows for one batch."""

    def __init__(
        self,
        *,
        item: CatalogItem,
        department: Department,
        batch=None,
        write: bool,
        today: dt.date | None = None,
        actor=None,
        fast: bool | None = None,
    ):
        self.item = item
        self.department = department
        self.batch = batch
        self.write = write
        self.today = today or timezone.localdate()
        self.actor = actor
        self.reference = batch.reference if batch is not None and batch.pk else ""
        self.preparer = Preparer.for_item(item, self.today)
        self.counts = LoadCounts()
        # SQLite: plain INSERTs with ids assigned here; elsewhere Django's bulk_create.
        self.fast = is_sqlite() if fast is None else fast
        self._tables: dict = {}
        # Subjects this load has already looked up or created (a file names the
        # same subjects again and again); bounded, cleared when it grows large.
        self._known: dict[str, KnownSubject] = {}
        self._had_records: bool | None = None
        self._approval_policy: dict = {}

    # -- lookups (plain SQL: with 900 parameters a query, the ORM's per-parameter work shows)

    def _subjects(self, codes: list[str]) -> dict:
        found = {}
        table = Subject._meta.db_table
        with connection.cursor() as cursor:
            for part in _chunks(codes):
                marks = ", ".join(["%s"] * len(part))
                sql = f'SELECT "id", "code", "name", "adult_on" FROM "{table}" WHERE "code" IN ({marks})'  # noqa: S608  # nosec B608  # table and column names are the code's own; values are bound parameters
                cursor.execute(sql, part)
                for pk, code, name, adult_on in cursor.fetchall():
                    if isinstance(adult_on, str):
                        adult_on = dt.date.fromisoformat(adult_on)
                    found[code] = KnownSubject(pk, code, name, adult_on)
        return found

    def _may_exist(self) -> bool:
        """False while this department has no record of this item but what this load
        wrote: then no row can match an existing record (the file's own repeats are
        refused before loading), and the per-chunk lookup is skipped."""
        if self._had_records is None:
            self._had_records = CreditRecord.objects.filter(
                catalog_item_id=self.item.pk, department_id=self.department.pk
            ).exists()
        return self._had_records or not self.write

    def _records(self, keys: list[str]) -> dict:
        found = {}
        table = CreditRecord._meta.db_table
        columns = (
            '"natural_key", "id", "content_hash", "status", "under_objection", "decision_date"'
        )
        with connection.cursor() as cursor:
            for part in _chunks(keys):
                marks = ", ".join(["%s"] * len(part))
                where = f'"catalog_item_id" = %s AND "department_id" = %s AND "natural_key" IN ({marks})'
                sql = f'SELECT {columns} FROM "{table}" WHERE {where}'  # noqa: S608  # nosec B608  # table and column names are the code's own; values are bound parameters
                cursor.execute(sql, [self.item.pk, self.department.pk, *part])
                for row in cursor.fetchall():
                    found[row[0]] = row
        return found

    # -- the chunk -----------------------------------------------------------

    def process(self, rows: list[CleanRow]) -> tuple[list, list[RowProblem]]:
        """Returns (outcomes [(row, outcome, label)], problems) for the chunk."""
        for row in rows:
            if not row.digest:
                self.preparer.prepare(row)
        existing = self._records([r.natural_key for r in rows]) if self._may_exist() else {}
        outcomes, problems = [], []
        creates, updates, withdrawals = [], [], []
        for row in rows:
            found = existing.get(row.natural_key)
            label = f"{row.decision_no} {row.subject_name}"[:300]
            if row.action:
                problem = self._withdrawal_problem(row, found)
                if problem is None:
                    withdrawals.append((row, found[1]))
                    outcome = (
                        RowOutcome.PENDING
                        if self._needs_approval(row.action)
                        else RowOutcome.WITHDRAW
                    )
                    outcomes.append((row.row, outcome, label))
                else:
                    problems.append(problem)
                    outcomes.append((row.row, RowOutcome.REJECTED, label))
                continue
            if found is None:
                creates.append(row)
                outcomes.append((row.row, RowOutcome.CREATE, label))
                continue
            _, record_id, old_digest, status, under_objection, _decided = found
            if old_digest == row.digest:
                self.counts.unchanged += 1
                outcomes.append((row.row, RowOutcome.UNCHANGED, label))
            elif under_objection:
                problems.append(RowProblem(row.row, "", "", "under_objection", {}))
                outcomes.append((row.row, RowOutcome.REJECTED, label))
            elif status != RecordStatus.ACTIVE:
                problems.append(
                    RowProblem(
                        row.row,
                        "",
                        "",
                        "record_closed",
                        {"status": str(RecordStatus(status).label)},
                    )
                )
                outcomes.append((row.row, RowOutcome.REJECTED, label))
            else:
                updates.append((row, record_id))
                outcomes.append((row.row, RowOutcome.UPDATE, label))
        if withdrawals:
            withdrawals = self._drop_already_requested(withdrawals, outcomes, problems)
        self.counts.conflicts += len(problems)
        upserts = [row for row in rows if not row.action]
        # Judged on the register as it was before this chunk: a subject this load creates
        # carries the name its first row gave.
        known = self._known_subjects(upserts) if upserts else {}
        if known:
            self._name_mismatches(upserts, known)
        if self.write:
            subjects = self._resolve_subjects(upserts, known) if upserts else {}
            ids = self._create(creates, subjects) + self._update(updates, subjects)
            announce(ids, "batch")
            self._withdraw(withdrawals)
            if updates or withdrawals:
                # Versions were saved through the ORM: the fast path counts its ids afresh.
                for table in self._tables.values():
                    table.forget_ids()
        else:
            self.counts.created += len(creates)
            self.counts.updated += len(updates)
            for row, _record_id in withdrawals:
                if self._needs_approval(row.action):
                    self.counts.pending += 1
                else:
                    self.counts.withdrawn += 1
        return outcomes, problems

    # -- withdrawals (撤销, 移出) ------------------------------------------------

    @staticmethod
    def _withdrawal_problem(row: CleanRow, found) -> RowProblem | None:
        if found is None:
            return RowProblem(
                row.row, "", "", "withdraw_not_found", {"key": row.natural_key.replace("|", " / ")}
            )
        status = found[3]
        if status != RecordStatus.ACTIVE:
            return RowProblem(
                row.row, "", "", "record_closed", {"status": str(RecordStatus(status).label)}
            )
        decided = found[5]
        if isinstance(decided, str):
            decided = dt.date.fromisoformat(decided)
        if row.withdrawal_date is not None and decided and row.withdrawal_date < decided:
            return RowProblem(
                row.row,
                WITHDRAWAL_DATE.key,
                WITHDRAWAL_DATE.label,
                "withdrawal_before_decision",
                {"value": row.withdrawal_date.isoformat(), "decision": decided.isoformat()},
            )
        return None

    def _needs_approval(self, action: str) -> bool:
        """The department's policy for this action, read once per load."""
        if action not in self._approval_policy:
            self._approval_policy[action] = approvals.requires_approval(self.department, action)
        return self._approval_policy[action]

    def _drop_already_requested(self, withdrawals: list, outcomes: list, problems: list) -> list:
        """A row for a record whose withdrawal already waits for approval is a row error."""
        waiting = set(
            PendingApproval.objects.filter(
                record_id__in=[record_id for _, record_id in withdrawals],
                outcome=ApprovalOutcome.PENDING,
            ).values_list("record_id", flat=True)
        )
        if not waiting:
            return withdrawals
        refused = {row.row for row, record_id in withdrawals if record_id in waiting}
        for row, record_id in withdrawals:
            if record_id in waiting:
                problems.append(RowProblem(row.row, "", "", "withdraw_pending", {}))
        outcomes[:] = [
            (n, RowOutcome.REJECTED if n in refused else outcome, label)
            for n, outcome, label in outcomes
        ]
        return [(row, record_id) for row, record_id in withdrawals if record_id not in waiting]

    def _withdraw(self, withdrawals: list) -> None:
        """Each through the one service a department's withdrawal takes (rare rows: one by
        one, each a version, an audit entry and a register entry) - or, where the
        department's policy asks for a second officer, as a request for approval: the
        batch's other rows load, these wait (the batch report counts them)."""
        if not withdrawals:
            return
        records = CreditRecord.objects.select_related("catalog_item", "subject").in_bulk(
            [record_id for _, record_id in withdrawals]
        )
        for row, record_id in withdrawals:
            if self._needs_approval(row.action):
                approvals.request_withdrawal(
                    records[record_id],
                    row.action,
                    row.withdrawal_basis,
                    row.withdrawal_document_no,
                    self.actor,
                    batch=self.batch,
                    row=row.row,
                    decided_on=row.withdrawal_date,
                )
                self.counts.pending += 1
                continue
            withdraw_record(
                records[record_id],
                row.action,
                row.withdrawal_basis,
                row.withdrawal_document_no,
                self.actor,
                reference=self.reference,
                today=self.today,
                decided_on=row.withdrawal_date,
            )
            self.counts.withdrawn += 1

    # -- subjects ------------------------------------------------------------

    def _known_subjects(self, rows: list[CleanRow]) -> dict:
        """code -> KnownSubject for the rows' codes already in the database."""
        known_here = self._known
        wanted = {r.subject_code for r in rows}
        subjects = {code: known_here[code] for code in wanted if code in known_here}
        subjects.update(self._subjects([code for code in wanted if code not in subjects]))
        return subjects

    def _name_mismatches(self, rows: list[CleanRow], known: dict) -> None:
        """Rows whose code belongs to a subject registered under a clearly different name
        (not a rename such as 有限公司 → 有限责任公司 or an added 惠州市, not a typo): the
        code may be mistyped, so the batch asks its officer to confirm before loading
        (exchange.services.request_commit). Former names count as the subject's names."""
        suspects = []
        for row in rows:
            subject = known.get(row.subject_code)
            if (
                subject is not None
                and row.subject_name
                and _another_name(row.subject_name, subject.name)
                and clearly_different(row.subject_name, [subject.name])
            ):
                suspects.append((row, subject))
        if not suspects:
            return
        former: dict[int, list[str]] = {}
        for subject_id, name in SubjectName.objects.filter(
            subject_id__in={subject.pk for _, subject in suspects}
        ).values_list("subject_id", "name"):
            former.setdefault(subject_id, []).append(name)
        flagged = [
            IdentityCandidate(
                batch=self.batch,
                row=row.row,
                kind=CandidateKind.NAME_DIFFERS,
                incoming_name=row.subject_name[:200],
                incoming_code=row.subject_code,
                attached_subject_id=subject.pk,
                matched_subject_id=subject.pk,
            )
            for row, subject in suspects
            if clearly_different(row.subject_name, former.get(subject.pk, []) + [subject.name])
        ]
        if flagged and self.batch is not None and self.batch.pk:
            IdentityCandidate.objects.bulk_create(flagged)
        self.counts.name_mismatches += len(flagged)

    def _resolve_subjects(self, rows: list[CleanRow], known: dict) -> dict:
        """code -> subject for every row, creating subjects new to the database.

        A new organisation whose normalised name equals an existing subject's
        (under another code) becomes a review candidate; the two are never merged.
        """
        known_here = self._known
        subjects = dict(known)
        new: dict[str, tuple[Subject, CleanRow]] = {}
        aliases = {}
        industries: dict[str, set] = {}
        for row in rows:
            known = subjects.get(row.subject_code)
            if known is not None:
                if row.subject_name and _another_name(row.subject_name, known.name):
                    aliases[(known.pk, row.subject_name)] = True
                if row.industry:
                    industries.setdefault(row.industry, set()).add(known.pk)
            elif row.subject_code not in new:
                new[row.subject_code] = (subject_for(row), row)
        if new:
            fresh = [subject for subject, _ in new.values()]
            if self.fast:
                self._insert_subjects(fresh)
            else:
                Subject.objects.bulk_create(fresh)
            self.counts.subjects_created += len(fresh)
            write_new_subject_keys(fresh)  # screening finds them by their name keys
            for subject in fresh:
                subjects[subject.code] = KnownSubject(
                    subject.pk, subject.code, subject.name, subject.adult_on
                )
            self._name_candidates(new)
        if len(known_here) > 100_000:
            known_here.clear()
        known_here.update(subjects)
        for industry, pks in industries.items():
            # Fills a missing industry only: one department's row never
            # reclassifies a subject another has classified.
            Subject.objects.filter(pk__in=pks, industry__isnull=True).update(industry=industry)
        for subject_id, name in aliases:
            # One at a time (they are rare), so listeners of SubjectName saves hear of them.
            SubjectName.objects.get_or_create(
                subject_id=subject_id,
                name=name[:200],
                defaults={"name_normalised": normalise_name(name)},
            )
        return subjects

    def _table(self, model) -> FastTable:
        table = self._tables.get(model)
        if table is None:
            table = self._tables[model] = FastTable(model)
        return table

    def _insert_subjects(self, subjects: list[Subject]) -> None:
        table = self._table(Subject)
        now = timezone.now()
        rows = []
        for subject, pk in zip(subjects, table.next_ids(len(subjects)), strict=True):
            subject.id = pk
            subject.created_at = subject.updated_at = now
            subject._state.adding = False
            rows.append(table.row(subject.__dict__))
        table.insert(rows)

    def _name_candidates(self, new: dict) -> None:
        by_name: dict[str, list] = {}
        for subject, row in new.values():
            if subject.name_normalised and not subject.is_natural_person:
                by_name.setdefault(subject.name_normalised, []).append((subject, row))
        matches: dict[str, set] = {}
        sources = [
            (Subject._meta.db_table, "id"),
            (SubjectName._meta.db_table, "subject_id"),
        ]
        with connection.cursor() as cursor:
            for part in _chunks(list(by_name)):
                marks = ", ".join(["%s"] * len(part))
                for table, column in sources:
                    sql = f'SELECT "{column}", "name_normalised" FROM "{table}" WHERE "name_normalised" IN ({marks})'  # noqa: S608  # nosec B608  # table and column names are the code's own; values are bound parameters
                    cursor.execute(sql, part)
                    for sid, name in cursor.fetchall():
                        matches.setdefault(name, set()).add(sid)
        candidates = []
        for name, ids in matches.items():
            for subject, row in by_name[name]:
                for other in sorted(ids - {subject.pk}):
                    candidates.append(
                        IdentityCandidate(
                            batch=self.batch,
                            row=row.row,
                            incoming_name=row.subject_name[:200],
                            incoming_code=subject.code,
                            attached_subject_id=subject.pk,
                            matched_subject_id=other,
                            score=100,
                        )
                    )
        if candidates and self.batch is not None:
            IdentityCandidate.objects.bulk_create(candidates)
        self.counts.candidates += len(candidates)

    # -- records -------------------------------------------------------------

    def _derive(self, record: CreditRecord, row: CleanRow, subject) -> str:
        """Set the row's columns on the record; return the public state they give."""
        record.subject_id = subject.pk
        row_columns(record.__dict__, row)
        return derive_columns(
            record,
            self.today,
            window=row.window,
            digest=row.digest,
            item_is_public=self.item.is_public,
            subject_is_minor=subject.adult_on is not None
            and record.decision_date < subject.adult_on,
        )

    def _create(self, creates: list[CleanRow], subjects) -> list[int]:
        if not creates:
            return []
        if self.fast:
            return self._create_fast(creates, subjects)
        now = timezone.now()
        records = []
        for row in creates:
            subject = subjects[row.subject_code]
            record = CreditRecord(catalog_item=self.item, department=self.department)
            book_change(record, self._derive(record, row, subject), now, first=True)
            records.append(record)
        CreditRecord.objects.bulk_create(records)
        RecordVersion.objects.bulk_create(
            [
                new_version(r, reason="batch", reference=self.reference, actor=self.actor)
                for r in records
            ]
        )
        self.counts.created += len(records)
        return [r.pk for r in records]

    def _create_fast(self, creates: list[CleanRow], subjects) -> list[int]:
        """The same records and versions as _create, written as plain INSERTs
        from the values the Preparer computed (CleanRow.record_part)."""
        records_table = self._table(CreditRecord)
        versions_table = self._table(RecordVersion)
        now = timezone.now()
        # What every new record of the chunk shares, booked as the core books a
        # first version; each row brings its prepared columns and public state.
        template = CreditRecord(
            catalog_item=self.item, department=self.department, decision_date=self.today
        )
        book_change(template, "", now, first=True)
        # The version row as new_version() makes it (number 1, reason "batch").
        version = dict(
            new_version(
                template, reason="batch", reference=self.reference, actor=self.actor
            ).__dict__
        )
        version["created_at"] = now
        base_record = records_table.row(template.__dict__)
        base_version = versions_table.row(version)
        at, vat = records_table.index, versions_table.index
        i_id, i_subject, i_state = at["id"], at["subject_id"], at["public_state"]
        v_id, v_record, v_state, v_snapshot = (
            vat["id"],
            vat["record_id"],
            vat["public_state"],
            vat["snapshot"],
        )
        part_at = [at[name] for name in RECORD_PART]
        first = part_at[0]
        # The prepared columns go in as one slice when the table keeps them together.
        part = (
            slice(first, first + len(part_at))
            if part_at == list(range(first, first + len(part_at)))
            else None
        )
        record_rows, version_rows, ids = [], [], []
        record_ids = records_table.next_ids(len(creates))
        version_ids = versions_table.next_ids(len(creates))
        for row, pk, version_pk in zip(creates, record_ids, version_ids, strict=True):
            record = base_record.copy()
            record[i_id] = pk
            record[i_subject] = subjects[row.subject_code].pk
            if part is not None:
                record[part] = row.record_part
            else:
                for index, value in zip(part_at, row.record_part, strict=True):
                    record[index] = value
            record[i_state] = row.public_state
            record_rows.append(record)
            version = base_version.copy()
            version[v_id] = version_pk
            version[v_record] = pk
            version[v_state] = row.public_state
            version[v_snapshot] = row.snapshot_json
            version_rows.append(version)
            ids.append(pk)
        records_table.insert(record_rows)
        versions_table.insert(version_rows)
        self.counts.created += len(ids)
        return ids

    def _update(self, updates, subjects) -> list[int]:
        if not updates:
            return []
        now = timezone.now()
        by_id = CreditRecord.objects.in_bulk([record_id for _, record_id in updates])
        records, withdrawals = [], []
        for row, record_id in updates:
            record = by_id[record_id]
            record.catalog_item = self.item
            before = record.public_state
            # Only active records are updated (process()), so the row's status applies as is.
            book_change(record, self._derive(record, row, subjects[row.subject_code]), now)
            records.append(record)
            # A correction (or a 无效 status) that ends publication is a withdrawal.
            withdrawn = withdrawal_for(
                record,
                before,
                reason="batch",
                now=now,
                actor=self.actor,
                reference=self.reference,
            )
            if withdrawn is not None:
                withdrawals.append(withdrawn)
        CreditRecord.objects.bulk_update(
            records,
            UPDATED_FIELDS,
            batch_size=200,
        )
        RecordVersion.objects.bulk_create(
            [
                new_version(r, reason="batch", reference=self.reference, actor=self.actor)
                for r in records
            ]
        )
        save_withdrawals(withdrawals)
        self.counts.updated += len(records)
        return [r.pk for r in records]
