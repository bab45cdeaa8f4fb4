"""What the public may find, as index documents: the one place disclosure rules meet search.

Both backends index exactly the documents built here, and what goes in is
what portal.records.visibility allows:

- only public records are ever turned into documents;
- a subject is indexed only when it may be shown: a natural person only while
  they have a public record, and never a minor;
- identity numbers never enter a document in clear: a person carries only the
  masked number as public code; only public fields, and no identity-number or
  USCC field, make the searchable text.

The unit of (re)indexing is a subject: its own document plus one document per
published record. Rebuilding a subject's documents is idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.utils import timezone
from elasticsearch_dsl import (
    Boolean,
    Date,
    Document,
    Index,
    Keyword,
    Long,
    MetaField,
    Text,
    analyzer,
)

from portal.catalog.models import CatalogItem, FieldType
from portal.core.text import normalise_text
from portal.departments.models import Department
from portal.records import visibility
from portal.subjects.models import Subject, SubjectKind, SubjectName, public_code_for
from portal.subjects.name_keys import index_keys
from search.analysis import fold

SUBJECT = "subject"
RECORD = "record"

# Record data keys that describe the subject, not the decision: never searchable text.
SUBJECT_KEYS = frozenset(
    {
        "subject_name",
        "subject_kind",
        "uscc",
        "legal_rep",
        "id_type",
        "id_number",
        "id_number_masked",
    }
)
# The deciding or providing department: searchable through the department facet instead.
DEPARTMENT_KEYS = frozenset({"authority", "source_name"})
# The subject's code is in the document already (public_code); no code field is searchable text.
IDENTITY_FIELD_TYPES = frozenset({FieldType.ID_NUMBER, FieldType.USCC})
MAX_BODY_CHARS = 400

# Order of document kinds in the static tie-break (subjects before records).
_EPOCH = dt.date(1900, 1, 1)
ENTITY_BITS = 32
DATE_BITS = 16


@dataclass
class IndexDoc:
    """One search document, the same for every backend."""

    key: str  # "s:<subject id>" or "r:<record id>"
    type: str  # SUBJECT | RECORD
    subject_id: int
    subject_code: str
    subject_name: str
    public_code: str
    kind: str
    district: str
    record_id: int | None = None
    names: list[str] = field(default_factory=list)  # subject docs: current name first, then former
    body: str = ""  # record docs: searchable decision text
    decision_no: str = ""
    item_code: str = ""
    item_name: str = ""
    department_code: str = ""
    department_name: str = ""
    decision_date: dt.date | None = None
    year: int | None = None
    lists: list[str] = field(default_factory=list)  # "red"/"black"
    under_objection: bool = False
    order: int = 0  # static tie-break, identical on every backend (< 2**53)
    version: str = ""  # changes whenever the document changes (drift check)
    # Subject docs: portal.subjects.name_keys, indexed as exact terms on every backend.
    name_keys: list[str] = field(default_factory=list)

    @property
    def text_searchable(self) -> bool:
        """A natural person's documents are never matched by text (a fragment of the name,
        a record's words): the person is found by the full name's key only."""
        return self.kind != SubjectKind.NATURAL_PERSON

    def search_texts(self) -> tuple[str, list[str], str]:
        """(current name, former names, body) as the text index sees them."""
        if not self.text_searchable:
            return "", [], ""
        return (self.names[0] if self.names else "", self.names[1:], self.body)

    @property
    def name_folded(self) -> str:
        return fold(self.names[0]) if self.names else ""

    @property
    def decision_no_folded(self) -> str:
        return fold(self.decision_no).replace(" ", "")

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "type": self.type,
            "subject_id": self.subject_id,
            "subject_code": self.subject_code,
            "subject_name": self.subject_name,
            "public_code": self.public_code,
            "kind": self.kind,
            "district": self.district,
            "record_id": self.record_id,
            "names": list(self.names),
            "body": self.body,
            "decision_no": self.decision_no,
            "item_code": self.item_code,
            "item_name": self.item_name,
            "department_code": self.department_code,
            "department_name": self.department_name,
            "decision_date": self.decision_date.isoformat() if self.decision_date else None,
            "year": self.year,
            "lists": list(self.lists),
            "under_objection": self.under_objection,
            "order": self.order,
            "version": self.version,
            "name_keys": list(self.name_keys),
        }

    @classmethod
    def from_dict(cls, data: dict) -> IndexDoc:
        values = dict(data)
        if values.get("decision_date"):
            values["decision_date"] = dt.date.fromisoformat(values["decision_date"])
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def subject_order(name: str, subject_id: int) -> int:
    """Subjects first; shorter names first (closer to what was typed); then by id."""
    return (min(len(name), 255) << ENTITY_BITS) | (subject_id & ((1 << ENTITY_BITS) - 1))


def record_order(decision_date: dt.date, record_id: int) -> int:
    """Records after subjects; the most recent decision first; then by id."""
    days = max(0, min((decision_date - _EPOCH).days, (1 << DATE_BITS) - 1))
    recency = (1 << DATE_BITS) - 1 - days
    return (
        (1 << (DATE_BITS + ENTITY_BITS))
        | (recency << ENTITY_BITS)
        | (record_id & ((1 << ENTITY_BITS) - 1))
    )


def _text_value(value) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


class ItemInfo:
    """What indexing needs to know about a catalog item, looked up once per batch."""

    def __init__(self, item: CatalogItem):
        self.code = item.code
        self.name = item.name
        self.list_type = item.list_type or ""
        self.title_field = item.title_field
        self.title_is_public = visibility.title_is_public(item)
        self.searchable_keys = [
            f.key
            for f in visibility.public_fields(item)
            if f.key not in SUBJECT_KEYS
            and f.key not in DEPARTMENT_KEYS
            and f.field_type not in IDENTITY_FIELD_TYPES
            and f.field_type in (FieldType.TEXT, FieldType.CHOICE, FieldType.MULTI_CHOICE)
        ]


def record_body(record, info: ItemInfo) -> str:
    """The searchable text of a record: its title, decision number and public,
    non-identity text fields, normalised (NFKC, whitespace)."""
    title = record.title if info.title_is_public else ""
    parts = [p for p in (title, record.decision_no) if p]
    data = record.data or {}
    for key in info.searchable_keys:
        value = data.get(key)
        if value:
            value = _text_value(value)
            if value not in parts:
                parts.append(value)
    return normalise_text(" ".join(parts))[:MAX_BODY_CHARS]


def _item_infos() -> dict[int, ItemInfo]:
    items = CatalogItem.objects.prefetch_related("fields")
    return {item.pk: ItemInfo(item) for item in items}


def build_documents(subject_ids: Iterable[int], today: dt.date | None = None) -> dict[int, list]:
    """The documents of each subject: {subject_id: [IndexDoc, ...]} (empty list = not indexed).

    Every id asked for is in the answer, so a caller can delete whatever the
    index holds for a subject that no longer has documents. Reads plain values,
    not model instances: a full rebuild builds a million documents.
    """
    ids = sorted(set(subject_ids))
    result: dict[int, list[IndexDoc]] = {sid: [] for sid in ids}
    if not ids:
        return result
    today = today or timezone.localdate()
    infos = _item_infos()
    departments = {
        pk: (code, name) for pk, code, name in Department.objects.values_list("pk", "code", "name")
    }
    records = (
        visibility.public_records()
        .filter(subject_id__in=ids)
        .order_by("subject_id", "-decision_date", "-id")
        .values_list(
            "id",
            "subject_id",
            "catalog_item_id",
            "department_id",
            "decision_no",
            "decision_date",
            "title",
            "data",
            "public_state",
            "version",
        )
    )
    by_subject: dict[int, list[RecordRow]] = {}
    for row in records:
        by_subject.setdefault(row[1], []).append(RecordRow(*row))
    names: dict[int, list[str]] = {}
    for subject_id, name in (
        SubjectName.objects.filter(subject_id__in=ids)
        .order_by("used_from", "pk")
        .values_list("subject_id", "name")
    ):
        names.setdefault(subject_id, []).append(name)
    subjects = visibility.visible_subjects(Subject.objects.filter(pk__in=ids), today).values_list(
        "pk", "code", "kind", "name", "identity_masked", "district"
    )
    for pk, code, kind, name, masked, district in subjects:
        own = by_subject.get(pk, [])
        if not visibility.may_show_subject(kind, bool(own)):
            continue
        subject = SubjectRow(
            pk,
            code,
            kind,
            normalise_text(name),
            public_code_for(kind, code, masked),
            district or "",
        )
        former = [normalise_text(n) for n in names.get(pk, [])]
        result[pk] = list(_subject_documents(subject, former, own, infos, departments))
    return result


@dataclass
class SubjectRow:
    pk: int
    code: str
    kind: str
    name: str
    public_code: str
    district: str


@dataclass
class RecordRow:
    pk: int
    subject_id: int
    catalog_item_id: int
    department_id: int
    decision_no: str
    decision_date: dt.date
    title: str
    data: dict
    public_state: str
    version: int


def _subject_documents(
    subject: SubjectRow, former: list[str], records: list[RecordRow], infos: dict, departments: dict
) -> Iterator[IndexDoc]:
    common = {
        "subject_id": subject.pk,
        "subject_code": subject.code,
        "subject_name": subject.name,
        "public_code": subject.public_code,
        "kind": subject.kind,
        "district": subject.district,
    }
    names = [subject.name]
    for name in former:
        if name not in names:
            names.append(name)
    lists = sorted({infos[r.catalog_item_id].list_type for r in records} - {""})
    latest = records[0].decision_date if records else None
    version_parts = [*names, subject.public_code, subject.kind, subject.district]
    version_parts += [f"{r.pk}.{r.version}.{r.public_state}" for r in records]
    yield IndexDoc(
        key=f"s:{subject.pk}",
        type=SUBJECT,
        names=names,
        decision_date=latest,
        lists=lists,
        order=subject_order(subject.name, subject.pk),
        version=_digest(version_parts),
        name_keys=index_keys(names, organisation=subject.kind != SubjectKind.NATURAL_PERSON),
        **common,
    )
    for record in records:
        info = infos[record.catalog_item_id]
        body = record_body(record, info)
        department_code, department_name = departments[record.department_id]
        yield IndexDoc(
            key=f"r:{record.pk}",
            type=RECORD,
            record_id=record.pk,
            body=body,
            decision_no=record.decision_no,
            item_code=info.code,
            item_name=info.name,
            department_code=department_code,
            department_name=department_name,
            decision_date=record.decision_date,
            year=record.decision_date.year,
            lists=[info.list_type] if info.list_type else [],
            under_objection=record.public_state == "under_objection",
            order=record_order(record.decision_date, record.pk),
            version=_digest(
                [
                    subject.name,
                    subject.public_code,
                    subject.kind,
                    subject.district,
                    str(record.version),
                    record.public_state,
                    body,
                    info.name,
                    department_name,
                ]
            ),
            **common,
        )


def _digest(parts: list[str]) -> str:
    import hashlib

    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


def indexable_subject_ids() -> list[int]:
    """Every subject that may have documents, in id order (for full rebuilds and drift checks).

    Read at once (ids only): a cursor left open through a long rebuild would hold
    SQLite's write-ahead log open and let it grow without bound.
    """
    return list(Subject.objects.order_by("pk").values_list("pk", flat=True))


# -- The Elasticsearch mapping of IndexDoc ---------------------------------------------------

# Standard tokenizer, full/half width folded, lower-cased, CJK bigrams: the
# tokenisation search.analysis reproduces for the embedded backend.
portal_cjk = analyzer(
    "portal_cjk", tokenizer="standard", filter=["cjk_width", "lowercase", "cjk_bigram"]
)


class CreditDocument(Document):
    """An IndexDoc in Elasticsearch: explicit mapping, nothing dynamic."""

    key = Keyword()
    type = Keyword()
    subject_id = Long()
    subject_code = Keyword()
    subject_name = Keyword(index=False)
    public_code = Keyword()
    kind = Keyword()
    district = Keyword()
    record_id = Long()
    names = Keyword(index=False, multi=True)
    # Searchable text: the current name, former names, a record's decision text.
    name = Text(analyzer=portal_cjk)
    former = Text(analyzer=portal_cjk, multi=True)
    body = Text(analyzer=portal_cjk)
    # Folded forms for exact matches, prefixes and suggestions.
    name_fold = Keyword()
    # portal.subjects.name_keys: near spellings of an organisation's names (exact terms).
    name_keys = Keyword(multi=True)
    decision_no_fold = Keyword()
    decision_no = Keyword(index=False)
    item_code = Keyword()
    item_name = Keyword(index=False)
    department_code = Keyword()
    department_name = Keyword(index=False)
    decision_date = Date(format="yyyy-MM-dd")
    year = Keyword()
    lists = Keyword(multi=True)
    under_objection = Boolean()
    order = Long()
    version = Keyword()

    class Meta:
        dynamic = MetaField("strict")

    @classmethod
    def index_definition(cls, name: str) -> Index:
        index = Index(name)
        index.settings(number_of_shards=1, number_of_replicas=0)
        index.document(cls)
        return index
