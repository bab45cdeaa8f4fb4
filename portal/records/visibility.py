"""What the public may see: which records, which subjects and how, which fields.

Every public reader asks here (the profile and record pages, disclosure lists
and their export, search documents, the search and profile API, credit
reports), so one rule answers them all; docs/visibility.md states it in words.

- A record is public when its state is public and its item's openness is
  public. The state already folds in openness when it is derived; checking
  openness again keeps a stale state (an item just made shared, before its
  records are derived again) from showing anything.
- Minors: a minor's conduct never gets a public state (derive_public_state),
  and neither the decision date nor the day of majority changes without the
  state being derived again, so a public state answers it; checking it per
  row would cost every bulk reader a read of each subject. Reports check it
  explicitly all the same, and a subject who is a minor today is never shown.
- Credit reports cover the public records only: a record ended by repair
  leaves them as it leaves every other public page.
- A subject is shown only if it is not a minor today; a natural person only
  through at least one public record, with the masked identity number as
  code and no legal representative or registration date, and never in a
  bulk export.
- A withdrawn record (one that left public view: portal.records.withdrawals)
  is announced with its id, when, on what ground and its subject's public code
  (a person's masked); an organisation's name, never a person's, and nothing of
  the record's content. A record that was never public is never announced.
- A record's public fields are the catalog fields marked public; identity
  number fields never (a person's number appears only as the subject's
  masked code). The record's title copies its item's title field, so it is
  shown only when that field is public.
- A subject's statement (本人声明) is read beside its record only while the record
  is public and its item adverse: a record that leaves public view takes its
  statement with it. It is the subject's own words, checked by an operator and
  masked of personal numbers on the way in (portal.records.statements).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone

from portal.catalog.models import CatalogField, CatalogItem, FieldType, Openness
from portal.core.text import normalise_code
from portal.records.disclosure import PUBLIC_STATES
from portal.records.models import CreditRecord, RecordStatement, Withdrawal, WithdrawalGround
from portal.subjects.models import Subject, SubjectKind, public_code_for

# Field types that never appear among a record's public fields.
HIDDEN_FIELD_TYPES = frozenset({FieldType.ID_NUMBER})


# -- records --------------------------------------------------------------------------------
def public_items():
    """The catalog items whose records the public may see."""
    return CatalogItem.objects.filter(openness=Openness.PUBLIC)


def _of_public_items() -> Q:
    return Q(catalog_item__openness=Openness.PUBLIC)


def public_records(records=None):
    """The records (of `records`, default all) the public may see."""
    records = CreditRecord.objects.all() if records is None else records
    return records.public().filter(_of_public_items())


def report_records(records=None):
    """What a credit report covers: the public records only. Reports are public outputs
    of the site, so a record ended by repair leaves them as it leaves the profile."""
    records = CreditRecord.objects.all() if records is None else records
    return records.filter(
        Q(public_state__in=PUBLIC_STATES)
        & _of_public_items()
        & (Q(subject__adult_on__isnull=True) | Q(subject__adult_on__lte=F("decision_date")))
    )


def exportable_records(records):
    """Of public records, those a bulk export may carry: never a natural person's."""
    return records.exclude(subject__kind=SubjectKind.NATURAL_PERSON)


def is_public_record(record: CreditRecord) -> bool:
    """The same rule as `public_records`, for one loaded record."""
    return record.public_state in PUBLIC_STATES and record.catalog_item.is_public


def find_public_record(record_id: int) -> CreditRecord | None:
    """One public record with its subject, item and department, or None."""
    return (
        public_records()
        .filter(pk=record_id)
        .select_related("subject", "catalog_item", "department")
        .first()
    )


# -- statements -----------------------------------------------------------------------------
def public_statements(record_ids) -> dict[int, RecordStatement]:
    """The published statements the public may read beside these records, by record id: only
    for records public now, of adverse items (one query for any number of records)."""
    ids = list(record_ids)
    if not ids:
        return {}
    shown = public_records().filter(pk__in=ids, catalog_item__is_adverse=True)
    return {
        statement.record_id: statement
        for statement in RecordStatement.objects.filter(record__in=shown.values("pk"))
    }


def public_statement(record: CreditRecord) -> RecordStatement | None:
    """The statement the public may read beside one record, or None."""
    return public_statements([record.pk]).get(record.pk)


# -- withdrawn records ----------------------------------------------------------------------
@dataclass(frozen=True)
class PublicWithdrawal:
    """How the public sees one withdrawal: never the record's content."""

    id: int  # the register's row
    record_id: int
    ground: str
    withdrawn_at: dt.datetime
    subject_code: str  # the USCC, or a person's masked identity number
    subject_name: str  # an organisation's; never a person's
    is_natural_person: bool
    # The entry's place on the feed and its cursor; None for a moment after the
    # withdrawal commits, until it is numbered (portal.records.feed_positions).
    position: int | None = None

    @property
    def ground_label(self) -> str:
        return str(WithdrawalGround(self.ground).label)


def public_withdrawal(withdrawal: Withdrawal) -> PublicWithdrawal:
    subject = withdrawal.subject
    person = subject.kind == SubjectKind.NATURAL_PERSON
    return PublicWithdrawal(
        id=withdrawal.pk,
        record_id=withdrawal.record_id,
        ground=withdrawal.ground,
        withdrawn_at=withdrawal.withdrawn_at,
        subject_code=public_code_for(subject.kind, subject.code, subject.identity_masked),
        subject_name="" if person else subject.name,
        is_natural_person=person,
        position=withdrawal.feed_position,
    )


def public_withdrawals():
    """The withdrawal register as the feed reads it, oldest first, subjects loaded."""
    return (
        Withdrawal.objects.select_related("subject")
        .only(
            "id",
            "feed_position",
            "record_id",
            "ground",
            "withdrawn_at",
            "subject__kind",
            "subject__code",
            "subject__identity_masked",
            "subject__name",
        )
        .order_by("id")
    )


def find_withdrawn_record(record_id: int) -> PublicWithdrawal | None:
    """If the record is not public now but was once, its last withdrawal; else None
    (a record that never existed, or was never public, is simply not found)."""
    if public_records().filter(pk=record_id).exists():
        return None
    withdrawal = public_withdrawals().filter(record_id=record_id).order_by("-id").first()
    return public_withdrawal(withdrawal) if withdrawal is not None else None


# -- subjects -------------------------------------------------------------------------------
def visible_subjects(subjects=None, today: dt.date | None = None):
    """Subjects that may be shown at all: never a minor (a person still needs a public
    record)."""
    today = today or timezone.localdate()
    subjects = Subject.objects.all() if subjects is None else subjects
    return subjects.filter(Q(adult_on__isnull=True) | Q(adult_on__lte=today))


def may_show_subject(kind: str, has_public_records: bool) -> bool:
    """Whether a subject the public may see is shown: a natural person only through a
    public record; organisations and individual businesses always."""
    return kind != SubjectKind.NATURAL_PERSON or has_public_records


def find_public_subject(code: str, today: dt.date | None = None) -> Subject | None:
    """The subject the public may look at under this code, or None."""
    code = normalise_code(code)
    if not code:
        return None
    subject = visible_subjects(today=today).filter(code=code).first()
    if subject is None:
        return None
    if subject.is_natural_person:
        has_records = public_records().filter(subject=subject).exists()
        if not may_show_subject(subject.kind, has_records):
            return None
    return subject


@dataclass(frozen=True)
class PublicIdentity:
    """How the public sees a subject."""

    name: str
    public_code: str  # the USCC, or a person's masked identity number
    kind: str
    is_natural_person: bool
    district: str
    legal_representative: str  # never a person's
    registered_on: dt.date | None  # never a person's

    @property
    def kind_label(self) -> str:
        return str(SubjectKind(self.kind).label)


def public_identity(subject: Subject) -> PublicIdentity:
    person = subject.kind == SubjectKind.NATURAL_PERSON
    return PublicIdentity(
        name=subject.name,
        public_code=public_code_for(subject.kind, subject.code, subject.identity_masked),
        kind=subject.kind,
        is_natural_person=person,
        district=subject.district or "",
        legal_representative="" if person else subject.legal_representative,
        registered_on=None if person else subject.registered_on,
    )


# -- fields ---------------------------------------------------------------------------------
def _is_public_field(field: CatalogField) -> bool:
    return field.is_public and field.field_type not in HIDDEN_FIELD_TYPES


# The same rule as a filter on CatalogField, for readers that need no field rows.
PUBLIC_FIELD = Q(is_public=True) & ~Q(field_type__in=HIDDEN_FIELD_TYPES)


def public_fields(item: CatalogItem) -> list[CatalogField]:
    """The item's fields the public may read, in the catalog's order (uses a prefetch of
    `fields` when there is one; kept on the instance, which readers load per request)."""
    cached = item.__dict__.get("_public_fields")
    if cached is None:
        cached = item.__dict__["_public_fields"] = [
            f for f in item.fields.all() if _is_public_field(f)
        ]
    return cached


def title_is_public(item: CatalogItem) -> bool:
    """Whether records of `item` may show their title (a copy of the item's title field)."""
    return not item.title_field or any(f.key == item.title_field for f in public_fields(item))


def items_with_hidden_titles(items) -> set[int]:
    """Of `items`, the ids whose records may not show their title, in one small query."""
    titled = {item.pk: item.title_field for item in items if item.title_field}
    public = set(
        CatalogField.objects.filter(PUBLIC_FIELD, catalog_item_id__in=titled)
        .filter(key__in=set(titled.values()))
        .values_list("catalog_item_id", "key")
    )
    return {pk for pk, key in titled.items() if (pk, key) not in public}


def with_public_fields(records) -> list:
    """The records as a list, sharing one instance of each catalog item with its fields
    loaded: the public fields, data and titles of any number of rows cost one query."""
    records = list(records)
    items = CatalogItem.objects.prefetch_related("fields").in_bulk(
        {record.catalog_item_id for record in records}
    )
    for record in records:
        record.catalog_item = items[record.catalog_item_id]
    return records


def public_title(record: CreditRecord) -> str:
    return record.title if title_is_public(record.catalog_item) else ""


def public_data(record: CreditRecord) -> dict:
    """The record's data reduced to its public fields, in the catalog's order."""
    cached = record.__dict__.get("_public_data")
    if cached is None:
        data = record.data or {}
        fields = public_fields(record.catalog_item)
        cached = record.__dict__["_public_data"] = {
            f.key: data[f.key] for f in fields if f.key in data
        }
    return cached
