# ruff: noqa: S608 - table names are built here from a sanitised prefix and an integer
# generation; every value is passed as a query parameter.
"""The embedded backend: search inside the portal's own database, no server needed.

Tables per *generation* (a rebuild fills generation N+1 while N serves, then
switches `EmbeddedIndex.live` in one transaction and drops N — the embedded
equivalent of a versioned index behind an alias):

- `<prefix>_g<N>_doc`: one row per document. Its id is the document's static
  order (IndexDoc.order), so "first k matches in rank order" is "first k ids";
  `sig` points at the document's facet signature.
- `<prefix>_g<N>_sig`: the distinct facet value combinations (kind, district,
  item, department, year, lists) with their document counts. Facet counts of a
  query are one GROUP BY sig over the matching documents, expanded in Python;
  with no query text they are the stored counts.
- the text index, in one of two forms with the same Chinese tokenisation
  (search.analysis): on SQLite an FTS5 table (columns name, former, body, and
  keys: the name keys of portal.subjects.name_keys as one token each) of
  bigram tokens, queried with phrase queries; on other databases (PostgreSQL)
  a plain token table, whose candidates are verified in Python.

Relevance is a fixed set of tiers (search.queries: exact name or decision
number, name prefix, name contains, other), then the static order; the
Elasticsearch backend uses the same tiers as constant scores and the same
order as its tie-break, so both return the same hits in the same order.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from portal.subjects.name_keys import QueryKeys, query_keys
from search.analysis import ANALYSIS_VERSION, fold, is_single_char, query_terms, tokens
from search.backends.base import IndexStatus, SearchBackend
from search.documents import RECORD, SUBJECT, IndexDoc
from search.models import EmbeddedIndex
from search.queries import (
    TIER_EXACT,
    TIER_FUZZY,
    TIER_NAME,
    TIER_NORMALISED,
    TIER_OTHER,
    TIER_PREFIX,
    facet_lists,
    key_token,
    to_hit,
)
from search.service import MAX_RESULT_WINDOW, SORT_DATE, SearchQuery, SearchResults

_EPOCH = dt.date(1900, 1, 1)
_FIELDS = list(IndexDoc.__dataclass_fields__)
_BATCH = 500
# A document's row id is its static order shifted left, with its facet signature in the
# low bits: facet counts and filters then need only the FTS index, never the rows.
# Signatures past the limit are stored as 0 and looked up in the row (slower, correct).
SIG_BITS = 14
SIG_MASK = (1 << SIG_BITS) - 1
PERSON = "natural_person"


def _pack(doc: IndexDoc) -> str:
    values = doc.as_dict()
    return json.dumps([values[f] for f in _FIELDS], ensure_ascii=False, separators=(",", ":"))


def _unpack(data: str) -> IndexDoc:
    return IndexDoc.from_dict(dict(zip(_FIELDS, json.loads(data), strict=True)))


def _days(day: dt.date | None) -> int | None:
    return None if day is None else (day - _EPOCH).days


def _phrase(term: str) -> str:
    return '"' + " ".join(tokens(term)) + '"'


@dataclass(frozen=True)
class Signature:
    """One combination of facet values."""

    type: int
    kind: str
    district: str
    item: str
    department: str
    year: str
    lists: str  # comma-separated, sorted

    @classmethod
    def of(cls, doc: IndexDoc) -> Signature:
        is_record = doc.type == RECORD
        return cls(
            1 if is_record else 0,
            doc.kind,
            doc.district,
            doc.item_code if is_record else "",
            doc.department_code if is_record else "",
            str(doc.year) if is_record and doc.year else "",
            ",".join(sorted(doc.lists)),
        )

    def values(self) -> dict[str, list[str]]:
        return {
            "kind": [self.kind] if self.kind else [],
            "district": [self.district] if self.district else [],
            "item": [self.item] if self.item else [],
            "department": [self.department] if self.department else [],
            "year": [self.year] if self.year else [],
            "list": self.lists.split(",") if self.lists else [],
        }


_SINGLE_FACETS = ("kind", "district", "item", "department", "year")


class SignatureColumns:
    """The signatures of one generation as integer-coded columns (numpy), built once per
    set of signatures: facet counts over thousands of signatures (browsing without text
    counts every one) are then a few vector operations instead of a Python loop."""

    def __init__(self, signatures: dict[int, Signature]):
        self.ids = np.array(sorted(signatures), dtype=np.int64)
        self.position = {int(sig_id): i for i, sig_id in enumerate(self.ids)}
        rows = [signatures[int(sig_id)] for sig_id in self.ids]
        self.vocab: dict[str, dict[str, int]] = {}
        self.codes: dict[str, np.ndarray] = {}
        for facet in _SINGLE_FACETS:
            vocab: dict[str, int] = {}
            self.codes[facet] = np.array(
                [vocab.setdefault(v, len(vocab)) if (v := getattr(s, facet)) else -1 for s in rows],
                dtype=np.int64,
            )
            self.vocab[facet] = vocab
        lists: dict[str, int] = {}
        for row in rows:
            for name in row.lists.split(",") if row.lists else ():
                lists.setdefault(name, len(lists))
        self.vocab["list"] = lists
        self.lists = np.zeros((len(rows), len(lists)), dtype=bool)
        for i, row in enumerate(rows):
            for name in row.lists.split(",") if row.lists else ():
                self.lists[i, lists[name]] = True
        self.person = np.array([s.kind == PERSON for s in rows], dtype=bool)
        self.people = {int(sig_id) for sig_id in self.ids[self.person]}

    def weights(self, counts: dict[int, int], without_people: bool = False) -> np.ndarray:
        result = np.zeros(len(self.ids), dtype=np.int64)
        if counts:
            at = np.fromiter((self.position[s] for s in counts), np.int64, len(counts))
            result[at] = np.fromiter(counts.values(), np.int64, len(counts))
        if without_people:
            result[self.person] = 0
        return result

    def _matches(self, facet: str, value: str) -> np.ndarray:
        code = self.vocab[facet].get(value)
        if code is None:
            return np.zeros(len(self.ids), dtype=bool)
        if facet == "list":
            return self.lists[:, code].copy()
        return self.codes[facet] == code

    def facet_counts(
        self, weights: np.ndarray, filters: dict[str, str]
    ) -> tuple[dict[str, dict[str, int]], set[int] | None, int]:
        """Facet counts from per-signature match counts (``weights``), each facet counted
        with the other facets' filters applied; the signatures that pass every filter
        (None = all) and the total they match."""
        masks = {facet: self._matches(facet, value) for facet, value in filters.items()}
        result: dict[str, dict[str, int]] = {}
        for facet, vocab in self.vocab.items():
            if not vocab:
                continue
            chosen = weights
            others = [mask for other, mask in masks.items() if other != facet]
            if others:
                chosen = weights * np.logical_and.reduce(others)
            if facet == "list":
                sums = chosen @ self.lists
            else:
                codes = self.codes[facet]
                present = codes >= 0
                sums = np.bincount(codes[present], weights=chosen[present], minlength=len(vocab))
            values = {name: int(sums[code]) for name, code in vocab.items() if sums[code]}
            if values:
                result[facet] = values
        if not masks:
            return result, None, int(weights.sum())
        passing = np.logical_and.reduce(list(masks.values())) & (weights > 0)
        allowed = {int(sig_id) for sig_id in self.ids[passing]}
        return result, allowed, int(weights[passing].sum())


class Tables:
    """The table names of one generation."""

    def __init__(self, prefix: str, generation: int):
        base = f"{prefix}_g{generation}"
        self.generation = generation
        self.doc = f"{base}_doc"
        self.sig = f"{base}_sig"
        self.fts = f"{base}_fts"
        self.tok = f"{base}_tok"
        self.stage = f"{base}_stage"


class EmbeddedBackend(SearchBackend):
    """Search over tables in the default database (SQLite FTS5, or a token table elsewhere)."""

    name = "embedded"

    def __init__(self, prefix: str, use_fts: bool | None = None):
        self.prefix = "search_" + re.sub(r"[^a-z0-9_]", "_", prefix.lower())[:40]
        self._use_fts = use_fts
        self._signature_cache: dict[str, dict[int, Signature]] = {}
        self._columns_cache: dict[str, tuple[dict, SignatureColumns]] = {}

    # -- helpers ----------------------------------------------------------------
    @property
    def use_fts(self) -> bool:
        if self._use_fts is None:
            forced = settings.PORTAL_SEARCH_EMBEDDED_FTS
            self._use_fts = connection.vendor == "sqlite" if forced is None else bool(forced)
        return self._use_fts

    def _state(self, lock: bool = False) -> EmbeddedIndex:
        manager = EmbeddedIndex.objects.select_for_update() if lock else EmbeddedIndex.objects
        state = manager.filter(prefix=self.prefix).first()
        if state is None:
            state, _ = EmbeddedIndex.objects.get_or_create(prefix=self.prefix)
        return state

    def _live(self) -> Tables | None:
        live = (
            EmbeddedIndex.objects.filter(prefix=self.prefix).values_list("live", flat=True).first()
        )
        return Tables(self.prefix, live) if live else None

    _DOC_COLUMNS = (
        "id, key, type, subject_id, sig, name_fold, decision_no_fold, decision_date, version, data"
    )

    def _doc_table_sql(self, table: str) -> str:
        big = "INTEGER" if connection.vendor == "sqlite" else "BIGINT"
        return (
            f"CREATE TABLE {table} ("
            f"id {big} PRIMARY KEY, key VARCHAR(40) NOT NULL, type SMALLINT NOT NULL, "
            f"subject_id {big} NOT NULL, sig INTEGER NOT NULL, name_fold VARCHAR(255), "
            "decision_no_fold VARCHAR(255), decision_date INTEGER, "
            "version VARCHAR(32) NOT NULL, data TEXT NOT NULL)"
        )

    def _create_tables(self, t: Tables, staged: bool = False) -> None:
        """The tables of a generation; a staged one (a rebuild) gets its indexes at the end."""
        sqlite = connection.vendor == "sqlite"
        with connection.cursor() as cur:
            cur.execute(self._doc_table_sql(t.doc))
            serial = "INTEGER PRIMARY KEY" if sqlite else "SERIAL PRIMARY KEY"
            cur.execute(
                f"CREATE TABLE {t.sig} (id {serial}, type SMALLINT NOT NULL, "
                "kind VARCHAR(32) NOT NULL, district VARCHAR(16) NOT NULL, "
                "item VARCHAR(64) NOT NULL, department VARCHAR(32) NOT NULL, "
                "year VARCHAR(4) NOT NULL, lists VARCHAR(32) NOT NULL, "
                "doc_count INTEGER NOT NULL DEFAULT 0, "
                "UNIQUE (type, kind, district, item, department, year, lists))"
            )
            if self.use_fts:
                cur.execute(
                    f"CREATE VIRTUAL TABLE {t.fts} USING fts5(name, former, body, keys, "
                    "content='', columnsize=0, tokenize='ascii')"
                )
            else:
                big = "INTEGER" if sqlite else "BIGINT"
                cur.execute(
                    f"CREATE TABLE {t.tok} (token VARCHAR(100) NOT NULL, doc_id {big} NOT NULL)"
                )
            if staged:
                # Bulk loads append here in arrival order; finish_rebuild moves the rows
                # into the real tables in id order, then builds the indexes once.
                cur.execute(
                    self._doc_table_sql(t.stage).replace(" PRIMARY KEY", "", 1)[:-1]
                    + ", t_name TEXT, t_former TEXT, t_body TEXT, t_keys TEXT)"
                )
            else:
                self._create_indexes(cur, t)

    def _create_indexes(self, cur, t: Tables) -> None:
        pattern = "" if connection.vendor == "sqlite" else " varchar_pattern_ops"
        cur.execute(f"CREATE UNIQUE INDEX {t.doc}_key ON {t.doc} (key)")
        cur.execute(f"CREATE INDEX {t.doc}_subject ON {t.doc} (subject_id)")
        cur.execute(f"CREATE INDEX {t.doc}_name ON {t.doc} (name_fold{pattern})")
        cur.execute(f"CREATE INDEX {t.doc}_dno ON {t.doc} (decision_no_fold)")
        # Covering indexes for browsing without text: filter by signature in id or date
        # order without reading the (wide) rows.
        cur.execute(f"CREATE INDEX {t.doc}_order ON {t.doc} (id, sig)")
        cur.execute(f"CREATE INDEX {t.doc}_date ON {t.doc} (decision_date DESC, id, sig)")
        # A narrow filter: its few documents straight from their signatures (see _browse).
        cur.execute(f"CREATE INDEX {t.doc}_sig_order ON {t.doc} (sig, id)")
        cur.execute(f"CREATE INDEX {t.doc}_sig_date ON {t.doc} (sig, decision_date DESC, id)")
        if not self.use_fts:
            cur.execute(f"CREATE UNIQUE INDEX {t.tok}_pk ON {t.tok} (token, doc_id)")
            cur.execute(f"CREATE INDEX {t.tok}_doc ON {t.tok} (doc_id)")

    def _drop_tables(self, t: Tables) -> None:
        with connection.cursor() as cur:
            for table in (t.stage, t.fts, t.tok, t.sig, t.doc):
                cur.execute(f"DROP TABLE IF EXISTS {table}")
        self._signature_cache.pop(t.sig, None)
        self._columns_cache.pop(t.sig, None)

    # -- lifecycle --------------------------------------------------------------
    def ensure_index(self) -> None:
        if self._live() is not None:
            return
        with transaction.atomic():
            state = self._state(lock=True)
            if state.live:
                return
            state.live = self._new_generation(state)
            state.analysis = ANALYSIS_VERSION
            state.save()

    def _new_generation(self, state: EmbeddedIndex, staged: bool = False) -> int:
        """Create the tables of a new generation. Generation numbers are random so that a
        name is never reused (a cached signature table can never be a stale namesake)."""
        generation = secrets.randbelow(2**31 - 2) + 1
        state.last_generation = generation
        self._create_tables(Tables(self.prefix, generation), staged=staged)
        return generation

    def status(self) -> IndexStatus:
        t = self._live()
        if t is None:
            return IndexStatus(name="", documents=0, exists=False)
        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {t.doc}")  # nosec B608  # table and column names are the code's own; values are bound parameters
            count = cur.fetchone()[0]
        state = self._state()
        return IndexStatus(
            name=t.doc,
            documents=count,
            details={
                "generation": t.generation,
                "building": state.building,
                "analysis": state.analysis,
                "text_index": "fts5" if self.use_fts else "token table",
            },
        )

    def begin_rebuild(self) -> str:
        if connection.vendor == "sqlite":
            with connection.cursor() as cur:  # this connection sorts and indexes a lot now
                cur.execute("PRAGMA cache_size = -262144")
        with transaction.atomic():
            state = self._state(lock=True)
            if state.building:  # an earlier rebuild died: its tables are worthless
                self._drop_tables(Tables(self.prefix, state.building))
            state.building = self._new_generation(state, staged=True)
            state.save()
        return str(state.building)

    def bulk_load(self, target: str, documents: Iterable[IndexDoc]) -> int:
        t = Tables(self.prefix, int(target))
        written = 0
        batch: list[IndexDoc] = []
        for doc in documents:
            batch.append(doc)
            if len(batch) >= 5000:
                written += self._stage(t, batch)
                batch = []
        if batch:
            written += self._stage(t, batch)
        return written

    def _stage(self, t: Tables, docs: list[IndexDoc]) -> int:
        rows = self._rows(t, docs)
        with transaction.atomic(), connection.cursor() as cur:
            if self.use_fts:
                cur.executemany(
                    f"INSERT INTO {t.stage} ({self._DOC_COLUMNS}, t_name, t_former, t_body, t_keys) "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [(*row, *self._columns(doc)) for row, doc in zip(rows, docs, strict=True)],
                )
            else:
                cur.executemany(
                    f"INSERT INTO {t.stage} ({self._DOC_COLUMNS}) "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    rows,
                )
                cur.executemany(
                    f"INSERT INTO {t.tok} (token, doc_id) VALUES (%s, %s)",  # nosec B608  # table and column names are the code's own; values are bound parameters
                    self._token_rows(docs, rows),
                )
        return len(docs)

    def finish_rebuild(self, target: str) -> None:
        generation = int(target)
        t = Tables(self.prefix, generation)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {t.doc} ({self._DOC_COLUMNS}) "  # nosec B608  # table and column names are the code's own; values are bound parameters
                f"SELECT {self._DOC_COLUMNS} FROM {t.stage} ORDER BY id"
            )
            if self.use_fts:
                cur.execute(
                    f"INSERT INTO {t.fts} (rowid, name, former, body, keys) "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    f"SELECT id, t_name, t_former, t_body, t_keys FROM {t.stage} ORDER BY id"
                )
            cur.execute(f"DROP TABLE {t.stage}")
            self._create_indexes(cur, t)
            cur.execute(f"SELECT sig, COUNT(*) FROM {t.doc} GROUP BY sig")  # nosec B608  # table and column names are the code's own; values are bound parameters
            self._adjust_counts(cur, t, dict(cur.fetchall()))
        if self.use_fts:
            with connection.cursor() as cur:
                cur.execute(f"INSERT INTO {t.fts}({t.fts}) VALUES ('optimize')")  # nosec B608  # table and column names are the code's own; values are bound parameters
        with transaction.atomic():
            state = self._state(lock=True)
            old = state.live
            state.live = generation
            state.building = None
            state.analysis = ANALYSIS_VERSION
            state.save()
        if old and old != generation:
            self._drop_tables(Tables(self.prefix, old))

    def abort_rebuild(self, target: str) -> None:
        with transaction.atomic():
            state = self._state(lock=True)
            if state.building == int(target):
                state.building = None
                state.save()
        self._drop_tables(Tables(self.prefix, int(target)))

    def drop_all(self) -> None:
        pattern = re.compile(rf"^{re.escape(self.prefix)}_g(\d+)_doc$")
        with connection.cursor() as cur:
            tables = connection.introspection.table_names(cur)
        for table in tables:
            if match := pattern.match(table):
                self._drop_tables(Tables(self.prefix, int(match.group(1))))
        EmbeddedIndex.objects.filter(prefix=self.prefix).delete()

    def document_versions(self) -> dict[str, str]:
        t = self._live()
        if t is None:
            return {}
        with connection.cursor() as cur:
            cur.execute(f"SELECT key, version FROM {t.doc}")  # nosec B608  # table and column names are the code's own; values are bound parameters
            return dict(cur.fetchall())

    # -- writing ----------------------------------------------------------------
    def _targets(self) -> list[Tables]:
        """Where changes are written: the live generation. A generation being rebuilt is
        not written to; the rebuild indexes once more whatever changed meanwhile."""
        live = self._live()
        return [live] if live else []

    def replace_subjects(self, documents: dict[int, list[IndexDoc]]) -> int:
        if not documents:
            return 0
        self.ensure_index()
        written = 0
        subject_ids = sorted(documents)
        for t in self._targets():
            for start in range(0, len(subject_ids), _BATCH):
                chunk = subject_ids[start : start + _BATCH]
                with transaction.atomic():
                    written += self._replace_chunk(t, chunk, documents)
        return written

    def _replace_chunk(self, t: Tables, subject_ids: list[int], documents) -> int:
        wanted = [doc for sid in subject_ids for doc in documents[sid]]
        rows = dict(zip([doc.key for doc in wanted], self._rows(t, wanted), strict=True))
        marks = ",".join(["%s"] * len(subject_ids))
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT id, key, version, sig, data FROM {t.doc} WHERE subject_id IN ({marks})",  # nosec B608  # table and column names are the code's own; values are bound parameters
                subject_ids,
            )
            existing = cur.fetchall()
        stale = []
        unchanged = set()
        for row_id, key, version, sig, data in existing:
            row = rows.get(key)
            if row is not None and row[0] == row_id and row[8] == version:
                unchanged.add(key)
            else:
                stale.append((row_id, sig, data))
        self._delete(t, stale)
        fresh = [doc for doc in wanted if doc.key not in unchanged]
        self._insert(t, fresh, [rows[doc.key] for doc in fresh])
        return len(fresh)

    def delete_documents(self, keys: list[str]) -> None:
        if not keys:
            return
        for t in self._targets():
            marks = ",".join(["%s"] * len(keys))
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute(f"SELECT id, sig, data FROM {t.doc} WHERE key IN ({marks})", keys)  # nosec B608  # table and column names are the code's own; values are bound parameters
                    self._delete(t, cur.fetchall())

    def _delete(self, t: Tables, rows: list[tuple]) -> None:
        if not rows:
            return
        ids = [row[0] for row in rows]
        counts: dict[int, int] = {}
        with connection.cursor() as cur:
            if self.use_fts:
                # A contentless FTS5 row is deleted by giving back the tokens it was made of.
                cur.executemany(
                    f"INSERT INTO {t.fts}({t.fts}, rowid, name, former, body, keys) "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    "VALUES ('delete', %s, %s, %s, %s, %s)",
                    [(row_id, *self._columns(_unpack(data))) for row_id, _, data in rows],
                )
            for start in range(0, len(ids), _BATCH):
                part = ids[start : start + _BATCH]
                marks = ",".join(["%s"] * len(part))
                if not self.use_fts:
                    cur.execute(f"DELETE FROM {t.tok} WHERE doc_id IN ({marks})", part)  # nosec B608  # table and column names are the code's own; values are bound parameters
                cur.execute(f"DELETE FROM {t.doc} WHERE id IN ({marks})", part)  # nosec B608  # table and column names are the code's own; values are bound parameters
            for _, sig, _ in rows:
                counts[sig] = counts.get(sig, 0) - 1
            self._adjust_counts(cur, t, counts)

    def _rows(self, t: Tables, docs: list[IndexDoc]) -> list[tuple]:
        sig_ids = self._signature_ids(t, {Signature.of(doc) for doc in docs})
        rows = []
        for doc in docs:
            sig = sig_ids[Signature.of(doc)]
            row_id = (doc.order << SIG_BITS) | (sig if sig <= SIG_MASK else 0)
            rows.append(
                (
                    row_id,
                    doc.key,
                    1 if doc.type == RECORD else 0,
                    doc.subject_id,
                    sig,
                    doc.name_folded[:255] if doc.type == SUBJECT else None,
                    doc.decision_no_folded[:255] or None,
                    _days(doc.decision_date),
                    doc.version,
                    _pack(doc),
                )
            )
        return rows

    def _token_rows(self, docs: list[IndexDoc], rows: list[tuple]) -> list[tuple]:
        return [
            (token[:100], row[0])
            for row, doc in zip(rows, docs, strict=True)
            for token in sorted(
                set(tokens(" ".join(self._texts(doc)))) | {key_token(k) for k in doc.name_keys}
            )
        ]

    def _insert(self, t: Tables, docs: list[IndexDoc], rows: list[tuple] | None = None) -> None:
        if not docs:
            return
        rows = rows if rows is not None else self._rows(t, docs)
        counts: dict[int, int] = {}
        for row in rows:
            counts[row[4]] = counts.get(row[4], 0) + 1
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {t.doc} ({self._DOC_COLUMNS}) "  # nosec B608  # table and column names are the code's own; values are bound parameters
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
            if self.use_fts:
                cur.executemany(
                    f"INSERT INTO {t.fts} (rowid, name, former, body, keys) VALUES (%s, %s, %s, %s, %s)",  # nosec B608  # table and column names are the code's own; values are bound parameters
                    [(row[0], *self._columns(doc)) for row, doc in zip(rows, docs, strict=True)],
                )
            else:
                cur.executemany(
                    f"INSERT INTO {t.tok} (token, doc_id) VALUES (%s, %s)",  # nosec B608  # table and column names are the code's own; values are bound parameters
                    self._token_rows(docs, rows),
                )
            self._adjust_counts(cur, t, counts)

    @staticmethod
    def _texts(doc: IndexDoc) -> tuple[str, str, str]:
        current, former, body = doc.search_texts()
        return current, "\n".join(former), body

    def _columns(self, doc: IndexDoc) -> tuple[str, str, str, str]:
        # Former names are separated by a token no query can produce, so a phrase
        # never runs from one name into the next.
        name, former, body = self._texts(doc)
        return (
            " ".join(tokens(name)),
            " | ".join(" ".join(tokens(n)) for n in former.split("\n") if n),
            " ".join(tokens(body)),
            " ".join(key_token(k) for k in doc.name_keys),
        )

    @staticmethod
    def _adjust_counts(cur, t: Tables, counts: dict[int, int]) -> None:
        changes = [(delta, sig) for sig, delta in counts.items() if delta]
        if changes:
            cur.executemany(f"UPDATE {t.sig} SET doc_count = doc_count + %s WHERE id = %s", changes)  # nosec B608  # table and column names are the code's own; values are bound parameters

    def _signature_ids(self, t: Tables, wanted: set[Signature]) -> dict[Signature, int]:
        known = {sig: sig_id for sig_id, sig in self._signatures(t).items()}
        missing = [sig for sig in wanted if sig not in known]
        if missing:
            with connection.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {t.sig} (type, kind, district, item, department, year, lists) "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [
                        (s.type, s.kind, s.district, s.item, s.department, s.year, s.lists)
                        for s in missing
                    ],
                )
            known = {sig: sig_id for sig_id, sig in self._signatures(t, reload=True).items()}
        return {sig: known[sig] for sig in wanted}

    def _signature_columns(self, t: Tables, signatures: dict[int, Signature]) -> SignatureColumns:
        built = self._columns_cache.get(t.sig)
        if built is None or built[0] is not signatures:
            built = self._columns_cache[t.sig] = (signatures, SignatureColumns(signatures))
        return built[1]

    def _signatures(self, t: Tables, reload: bool = False) -> dict[int, Signature]:
        """Signature definitions never change once written, so they are cached per table;
        only ids beyond the cached ones are read."""
        cached = self._signature_cache.get(t.sig, {})
        newest = max(cached, default=0)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT id, type, kind, district, item, department, year, lists "  # nosec B608  # table and column names are the code's own; values are bound parameters
                f"FROM {t.sig} WHERE id > %s",
                [0 if reload and not cached else newest],
            )
            rows = cur.fetchall()
        if rows:
            cached = dict(cached)
            cached.update({row[0]: Signature(*row[1:]) for row in rows})
            self._signature_cache[t.sig] = cached
        return cached

    # -- querying ---------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResults:
        t = self._live()
        empty = SearchResults(0, [], facet_lists({}), query.page, query.per_page)
        if t is None:
            return empty
        terms = query_terms(query.q)
        signatures = self._signatures(t)
        columns = self._signature_columns(t, signatures)
        matcher = (FtsMatcher if self.use_fts else TokenMatcher)(t, terms, query.q, columns.people)
        if terms:
            counts = matcher.counts_by_signature()
        else:
            with connection.cursor() as cur:
                cur.execute(f"SELECT id, doc_count FROM {t.sig} WHERE doc_count > 0")  # nosec B608  # table and column names are the code's own; values are bound parameters
                counts = dict(cur.fetchall())
        if any(sig not in signatures for sig in counts):
            signatures = self._signatures(t, reload=True)
            columns = self._signature_columns(t, signatures)
        # Browsing without words never lists natural persons (docs/domain.md, Rules
        # that protect people): they are found only by their full name.
        weights = columns.weights(counts, without_people=not terms)
        raw_facets, allowed, total = columns.facet_counts(weights, query.filters())
        if not terms and allowed is None:
            allowed = {int(sig_id) for sig_id in columns.ids[weights > 0]}
        facets = facet_lists(raw_facets)
        if total == 0:
            return SearchResults(0, [], facets, query.page, query.per_page)
        need = min(query.offset + query.per_page, MAX_RESULT_WINDOW)
        by_date = query.sort == SORT_DATE
        if not terms:
            ranked = [(row_id, 0.0) for row_id in _browse(t, allowed, need, by_date, total)]
        elif by_date:
            ranked = [(row_id, None) for row_id in matcher.by_date(allowed, need)]
        else:
            ranked = matcher.by_relevance(allowed, need)
        page = ranked[query.offset : need]
        docs = self._load(t, [row_id for row_id, _ in page])
        scores = matcher.scores([row_id for row_id, score in page if score is None])
        hits = []
        for row_id, score in page:
            doc = docs.get(row_id)
            if doc is not None:
                score = score if score is not None else scores[row_id]
                hits.append(to_hit(doc, terms, score, query.q))
        return SearchResults(total, hits, facets, query.page, query.per_page)

    def _load(self, t: Tables, ids: list[int]) -> dict[int, IndexDoc]:
        if not ids:
            return {}
        marks = ",".join(["%s"] * len(ids))
        with connection.cursor() as cur:
            cur.execute(f"SELECT id, data FROM {t.doc} WHERE id IN ({marks})", ids)  # nosec B608  # table and column names are the code's own; values are bound parameters
            return {row_id: _unpack(data) for row_id, data in cur.fetchall()}

    def suggest(self, prefix: str, limit: int) -> list[dict]:
        t = self._live()
        if t is None or not tokens(prefix):
            return []
        signatures = self._signatures(t)
        people = [sid for sid, sig in signatures.items() if sig.kind == PERSON or sig.type]
        exclude = f"AND d.sig NOT IN ({','.join(map(str, people))})" if people else ""
        with connection.cursor() as cur:
            if self.use_fts:
                cur.execute(
                    f"SELECT d.data FROM {t.fts} f JOIN {t.doc} d ON d.id = f.rowid "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    f"WHERE f.{t.fts} MATCH %s {exclude} ORDER BY f.rowid LIMIT %s",
                    ['name : ^"' + " ".join(tokens(prefix)) + '" *', limit],
                )
            else:
                cur.execute(
                    f"SELECT d.data FROM {t.doc} d WHERE d.type = 0 AND d.name_fold LIKE %s ESCAPE '\\' "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    f"{exclude} ORDER BY d.id LIMIT %s",
                    [_like_prefix(fold(prefix)), limit],
                )
            rows = cur.fetchall()
        result = []
        for (data,) in rows:
            doc = _unpack(data)
            result.append({"name": doc.subject_name, "code": doc.subject_code})
        return result

    def near_names(self, keys: list[str], limit: int) -> list[dict]:
        t = self._live()
        if t is None or not keys:
            return []
        signatures = self._signatures(t)
        people = [sid for sid, sig in signatures.items() if sig.kind == PERSON or sig.type]
        exclude = f" AND d.sig NOT IN ({','.join(map(str, people))})" if people else ""
        wanted = sorted({key_token(k) for k in keys})
        with connection.cursor() as cur:
            if self.use_fts:
                expression = "keys : (" + " OR ".join(f'"{k}"' for k in wanted) + ")"
                cur.execute(
                    f"SELECT d.data FROM {t.fts} f JOIN {t.doc} d ON d.id = f.rowid "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    f"WHERE f.{t.fts} MATCH %s{exclude} ORDER BY f.rowid LIMIT %s",
                    [expression, limit],
                )
            else:
                marks = ",".join(["%s"] * len(wanted))
                cur.execute(
                    f"SELECT d.data FROM {t.doc} d WHERE d.id IN (SELECT doc_id FROM {t.tok} "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    f"WHERE token IN ({marks})){exclude} ORDER BY d.id LIMIT %s",
                    [*wanted, limit],
                )
            rows = cur.fetchall()
        return [
            {"name": doc.subject_name, "code": doc.subject_code}
            for doc in (_unpack(data) for (data,) in rows)
        ]


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _sig_clause(allowed: set[int] | None, column: str = "d.sig") -> str:
    """Signature ids are our own integers: safe to inline (and too many for parameters)."""
    if allowed is None:
        return ""
    if not allowed:
        return " AND 1 = 0"
    return f" AND {column} IN ({','.join(str(int(s)) for s in sorted(allowed))})"


_DATE_ORDER = "d.decision_date DESC NULLS LAST, d.id"


# Up to this many documents passing the filters, browsing reads them all by signature and
# sorts them; past it, it walks the order index until a page passes.
BROWSE_SEEK_AT_MOST = 20_000


def _browse(t: Tables, allowed, need: int, by_date: bool, total: int) -> list[int]:
    """No query text: every document passing the filters, in static or date order.

    Walking the order index finds a page of a broad filter at once, but a narrow one
    (an item in one year) may walk most of the index first: those few documents are
    read by signature instead (the unary + keeps SQLite off the signature indexes when
    walking)."""
    order = _DATE_ORDER if by_date else "d.id"
    column = "d.sig" if allowed is not None and total <= BROWSE_SEEK_AT_MOST else "+d.sig"
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT d.id FROM {t.doc} d WHERE 1 = 1{_sig_clause(allowed, column)} "  # nosec B608  # table and column names are the code's own; values are bound parameters
            f"ORDER BY {order} LIMIT %s",
            [need],
        )
        return [row[0] for row in cur.fetchall()]


@dataclass
class Tier:
    """One relevance tier of a query, as an FTS5 expression and/or extra SQL."""

    score: float
    expression: str | None
    sql: str = ""
    params: tuple = ()


class _Matcher:
    """How one query's text matches the documents of one generation."""

    def __init__(self, t: Tables, terms: list[str], q: str, people: set[int] = frozenset()):
        self.t = t
        self.terms = terms
        self.multi = [term for term in terms if not is_single_char(term)]
        # A one-character term matches names only (a bigram index has no such token),
        # and never a person's (`people`: their signatures).
        self.singles = [term for term in terms if is_single_char(term)]
        self.folded = fold(q)
        self.exact_decision_no = self.folded.replace(" ", "")
        # Near names (portal.subjects.name_keys): for queries of whole words only.
        self.keys = query_keys(q) if self.multi and not self.singles else QueryKeys()
        self.no_people = (
            f" AND d.sig NOT IN ({','.join(str(int(s)) for s in sorted(people))})" if people else ""
        )

    def exact_candidates(self, allowed) -> list[int]:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT d.id FROM {self.t.doc} d WHERE (d.name_fold = %s OR "  # nosec B608  # table and column names are the code's own; values are bound parameters
                f"d.decision_no_fold = %s){_sig_clause(allowed)} ORDER BY d.id",
                [self.folded, self.exact_decision_no],
            )
            return [row[0] for row in cur.fetchall()]


class FtsMatcher(_Matcher):
    """SQLite FTS5: phrase queries of bigram tokens; order and paging by rowid."""

    def _expression(self, column: str | None = None) -> str:
        scope = f"{column} : " if column else ""
        return " AND ".join(f"{scope}{_phrase(term)}" for term in self.multi)

    @staticmethod
    def _keys(keys: list[str]) -> str:
        return "keys : (" + " OR ".join(f'"{key_token(k)}"' for k in keys) + ")"

    def _match(self) -> str:
        """Every matching document: the words, or a name key."""
        text = self._expression()
        if not self.keys:
            return text
        near = self._keys([*self.keys.normalised, *self.keys.fuzzy])
        return f"({text}) OR ({near})"

    def _select(
        self, tier: Tier | None, allowed, extra: str = "", extra_params=(), rows: bool = False
    ):
        """SELECT of matching ids (all matches, or one tier's), filtered by signature.

        `extra` may refer to the id column as {id}. Returns (sql, params, id column).
        """
        params = ["%" + c + "%" for c in self.singles]
        sql = "".join(" AND d.name_fold LIKE %s" for _ in self.singles)
        expression = tier.expression if tier else (self._match() or None)
        if tier is not None:
            sql += tier.sql
            params += list(tier.params)
        if not expression:  # one-character terms only: names in the document rows
            sql += self.no_people + _sig_clause(allowed) + extra.format(id="d.id")
            return (
                f"SELECT d.id FROM {self.t.doc} d WHERE d.type = 0{sql}",  # nosec B608  # table and column names are the code's own; values are bound parameters
                [*params, *extra_params],
                "d.id",
            )
        overflow = allowed is not None and any(sig > SIG_MASK for sig in allowed)
        join = ""
        if self.singles or overflow or rows:
            join = f" JOIN {self.t.doc} d ON d.id = f.rowid"
        sig_column = "d.sig" if overflow else f"(f.rowid & {SIG_MASK})"
        sql += _sig_clause(allowed, sig_column) + extra.format(id="f.rowid")
        return (
            f"SELECT f.rowid FROM {self.t.fts} f{join} WHERE f.{self.t.fts} MATCH %s{sql}",  # nosec B608  # table and column names are the code's own; values are bound parameters
            [expression, *params, *extra_params],
            "f.rowid",
        )

    def counts_by_signature(self) -> dict[int, int]:
        sql, params, column = self._select(None, None)
        bits = f"({column} & {SIG_MASK})"
        with connection.cursor() as cur:
            cur.execute(
                re.sub(r"^SELECT \S+ FROM", f"SELECT {bits}, COUNT(*) FROM", sql) + " GROUP BY 1",
                params,
            )
            counts = dict(cur.fetchall())
            overflow = counts.pop(0, 0)
            if overflow:  # signatures past the bit limit: read them from the rows
                joined = (
                    sql
                    if " JOIN " in sql
                    else sql.replace(" WHERE ", f" JOIN {self.t.doc} d ON d.id = f.rowid WHERE ", 1)
                )
                cur.execute(
                    re.sub(r"^SELECT \S+ FROM", "SELECT d.sig, COUNT(*) FROM", joined)
                    + f" AND {bits} = 0 GROUP BY d.sig",
                    params,
                )
                for sig, count in cur.fetchall():
                    counts[sig] = counts.get(sig, 0) + count
        return counts

    def _ids(self, tier, allowed, extra="", extra_params=(), limit=None) -> list[int]:
        sql, params, order = self._select(tier, allowed, extra, extra_params)
        if limit is not None:
            sql += f" ORDER BY {order} LIMIT %s"
            params = [*params, limit]
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return [row[0] for row in cur.fetchall()]

    def _in(self, ids: list[int]) -> tuple[str, list[int]]:
        return f" AND {{id}} IN ({','.join(['%s'] * len(ids))})", ids

    def exact_ids(self, allowed) -> list[int]:
        candidates = self.exact_candidates(allowed)
        if not candidates:
            return []
        found = set(self._ids(None, None, *self._in(candidates)))
        return [i for i in candidates if i in found]

    def tiers(self) -> list[Tier]:
        """The prefix, name and other tiers (disjoint), best first."""
        if not self.multi:
            if len(self.singles) == 1:
                start = self.singles[0] + "%"
                return [
                    Tier(TIER_PREFIX, None, " AND d.name_fold LIKE %s", (start,)),
                    Tier(TIER_NAME, None, " AND d.name_fold NOT LIKE %s", (start,)),
                ]
            return [Tier(TIER_NAME, None)]
        everything = self._expression()
        in_name = self._expression("name")
        if not self.keys:
            tiers = []
            if len(self.terms) == 1:
                starts = "name : ^" + _phrase(self.multi[0])
                tiers.append(Tier(TIER_PREFIX, starts))
                tiers.append(Tier(TIER_NAME, f"({in_name}) NOT ({starts})"))
            else:
                tiers.append(Tier(TIER_NAME, in_name))
            tiers.append(Tier(TIER_OTHER, f"({everything}) NOT ({in_name})"))
            return tiers
        # With name keys: each tier is what it matches minus every better tier.
        # A query too short for a core name has none: "n:" alone is a key no document holds.
        same = self._keys(self.keys.normalised or ["n:"])
        near = self._keys(self.keys.fuzzy)
        tiers = [Tier(TIER_NORMALISED, same)]
        if len(self.terms) == 1:
            starts = "name : ^" + _phrase(self.multi[0])
            tiers.append(Tier(TIER_PREFIX, f"({starts}) NOT ({same})"))
            tiers.append(Tier(TIER_NAME, f"(({in_name}) NOT ({starts})) NOT ({same})"))
        else:
            tiers.append(Tier(TIER_NAME, f"({in_name}) NOT ({same})"))
        tiers.append(Tier(TIER_FUZZY, f"({near}) NOT (({in_name}) OR ({same}))"))
        tiers.append(
            Tier(TIER_OTHER, f"(({everything}) NOT ({in_name})) NOT (({same}) OR ({near}))")
        )
        return tiers

    def by_relevance(self, allowed, need: int) -> list[tuple[int, float]]:
        exact = self.exact_ids(allowed)
        ranked = [(row_id, TIER_EXACT) for row_id in exact[:need]]
        skip = set(exact)
        for tier in self.tiers():
            if len(ranked) >= need:
                break
            for row_id in self._ids(tier, allowed, limit=need - len(ranked) + len(skip)):
                if row_id not in skip and len(ranked) < need:
                    ranked.append((row_id, tier.score))
        return ranked

    def by_date(self, allowed, need: int) -> list[int]:
        sql, params, _ = self._select(None, allowed, rows=True)
        with connection.cursor() as cur:
            cur.execute(f"{sql} ORDER BY {_DATE_ORDER} LIMIT %s", [*params, need])
            return [row[0] for row in cur.fetchall()]

    def scores(self, ids: list[int]) -> dict[int, float]:
        """The relevance tier of some matching documents (hits sorted by date show it too)."""
        if not ids:
            return {}
        result = dict.fromkeys(self.exact_ids(None), TIER_EXACT)
        result = {i: s for i, s in result.items() if i in ids}
        for tier in self.tiers():
            remaining = [i for i in ids if i not in result]
            if not remaining:
                break
            for row_id in self._ids(tier, None, *self._in(remaining)):
                result[row_id] = tier.score
        return result


class TokenMatcher(_Matcher):
    """Any database: candidates from the token table, verified and ranked in Python."""

    def __init__(self, *args):
        super().__init__(*args)
        self._rows: list[tuple[int, int, int | None, float]] | None = None

    def _matches(self) -> list[tuple[int, int, int | None, float]]:
        """(id, sig, decision_date, tier) of every matching document, in id order."""
        if self._rows is not None:
            return self._rows
        candidates: set[int] | None = None
        with connection.cursor() as cur:
            if self.keys:
                wanted = sorted({key_token(k) for k in (*self.keys.normalised, *self.keys.fuzzy)})
                marks = ",".join(["%s"] * len(wanted))
                cur.execute(
                    f"SELECT DISTINCT doc_id FROM {self.t.tok} WHERE token IN ({marks})",  # nosec B608  # table and column names are the code's own; values are bound parameters
                    wanted,
                )
                near = {row[0] for row in cur.fetchall()}
            else:
                near = set()
            for term in self.multi:
                wanted = sorted(set(tokens(term)))
                marks = ",".join(["%s"] * len(wanted))
                cur.execute(
                    f"SELECT doc_id FROM {self.t.tok} WHERE token IN ({marks}) "  # nosec B608  # table and column names are the code's own; values are bound parameters
                    "GROUP BY doc_id HAVING COUNT(*) = %s",
                    [*wanted, len(wanted)],
                )
                found = {row[0] for row in cur.fetchall()}
                candidates = found if candidates is None else candidates & found
            if candidates is None:  # one-character terms only: names
                sql = f"SELECT id FROM {self.t.doc} d WHERE d.type = 0" + "".join(  # nosec B608  # table and column names are the code's own; values are bound parameters
                    " AND d.name_fold LIKE %s" for _ in self.singles
                )
                cur.execute(sql + self.no_people, ["%" + c + "%" for c in self.singles])
                candidates = {row[0] for row in cur.fetchall()}
            candidates |= near
        rows = []
        ordered = sorted(candidates)
        for start in range(0, len(ordered), _BATCH):
            part = ordered[start : start + _BATCH]
            marks = ",".join(["%s"] * len(part))
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT id, sig, decision_date, data FROM {self.t.doc} WHERE id IN ({marks})",  # nosec B608  # table and column names are the code's own; values are bound parameters
                    part,
                )
                for row_id, sig, decided, data in cur.fetchall():
                    tier = self._tier(_unpack(data))
                    if tier:
                        rows.append((row_id, sig, decided, tier))
        rows.sort()
        self._rows = rows
        return rows

    def _tier(self, doc: IndexDoc) -> float:
        """0 when the document does not match, else its relevance tier (the best it reaches,
        as the tiers of FtsMatcher are each what they match minus every better tier)."""
        held = set(doc.name_keys)
        near = 0.0
        if self.keys and held:
            if held.intersection(self.keys.normalised):
                near = TIER_NORMALISED
            elif held.intersection(self.keys.fuzzy):
                near = TIER_FUZZY
        text = self._text_tier(doc)
        if not (text or near):
            return 0.0
        if (doc.type == SUBJECT and doc.name_folded == self.folded) or (
            doc.decision_no and doc.decision_no_folded == self.exact_decision_no
        ):
            return TIER_EXACT
        return max(text, near)

    def _text_tier(self, doc: IndexDoc) -> float:
        name, former_names, body_text = doc.search_texts()
        name_tokens = tokens(name)
        folded_name = fold(name) if doc.type == SUBJECT else ""
        if any(c not in folded_name for c in self.singles):
            return 0.0
        former = [tokens(n) for n in former_names]
        body = tokens(body_text)
        in_name = True
        for term in self.multi:
            wanted = tokens(term)
            if _contains(name_tokens, wanted):
                continue
            in_name = False
            if not (any(_contains(f, wanted) for f in former) or _contains(body, wanted)):
                return 0.0
        if (doc.type == SUBJECT and folded_name == self.folded) or (
            doc.decision_no and doc.decision_no_folded == self.exact_decision_no
        ):
            return TIER_EXACT
        if len(self.terms) == 1 and in_name:
            if self.multi:
                wanted = tokens(self.multi[0])
                if name_tokens[: len(wanted)] == wanted:
                    return TIER_PREFIX
            elif folded_name.startswith(self.singles[0]):
                return TIER_PREFIX
        return TIER_NAME if in_name else TIER_OTHER

    def counts_by_signature(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _, sig, _, _ in self._matches():
            counts[sig] = counts.get(sig, 0) + 1
        return counts

    def _allowed(self, allowed):
        return [r for r in self._matches() if allowed is None or r[1] in allowed]

    def by_relevance(self, allowed, need: int) -> list[tuple[int, float]]:
        rows = sorted(self._allowed(allowed), key=lambda r: (-r[3], r[0]))
        return [(r[0], r[3]) for r in rows[:need]]

    def by_date(self, allowed, need: int) -> list[int]:
        rows = sorted(self._allowed(allowed), key=lambda r: (r[2] is None, -(r[2] or 0), r[0]))
        return [r[0] for r in rows[:need]]

    def scores(self, ids: list[int]) -> dict[int, float]:
        tiers = {r[0]: r[3] for r in self._matches()}
        return {i: tiers.get(i, TIER_OTHER) for i in ids}


def _contains(haystack: list[str], needle: list[str]) -> bool:
    """Does the token list contain the needle as a contiguous run (a phrase match)?"""
    size = len(needle)
    return any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))
