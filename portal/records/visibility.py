"""What the public may see: which records, which subjects and how, which fields.

Every public reader asks here (the profile and record pages, disclosure lists
and their export, search documents, the search and profile API, credit
reports), so one rule answers them all; docs/visibility.md states it in words.

- A record is public when its state is public, its item's openness is public,
  its subject is not a minor today and the conduct was not a minor's. The
  stored state already folds in openness and minority when it was derived;
  checking them again here keeps a stale state (an item made shared, say)
  from showing anything until the state is refreshed.
- A subject is shown only if it is not a minor today; a natural person only
  through at least one public record, with the masked identity number as
  code and no legal representative or registration date, and never in a
  bulk export.
- A record's public fields are the catalog fields marked public; identity
  number fields never (a person's number appears only as the subject's
  masked code). The record's title copies its item's title field, so it is
  shown only when that field is public.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q

from portal.catalog.models import CatalogField, CatalogItem, FieldType, Openness
from portal.core.text import normalise_code
from portal.records.disclosure import PUBLIC_STATES, PublicState
from portal.records.models import CreditRecord
from portal.subjects.models import Subject, SubjectKind, public_code_for

# Field types that never appear among a record's public fields.
HIDDEN_FIELD_TYPES = frozenset({FieldType.ID_NUMBER})


# -- records --------------------------------------------------------------------------------
def _shown_subject_q(today: dt.date, prefix: str = "") -> Q:
    """Subjects the public may see: never a minor (today)."""
    return Q(**{f"{prefix}adult_on__isnull": True}) | Q(**{f"{prefix}adult_on__lte": today})


def _covered_q(today: dt.date) -> Q:
    """Records of public items whose subject may be shown, for conduct not a minor's."""
    return (
        Q(catalog_item__openness=Openness.PUBLIC)
        & _shown_subject_q(today, "subject__")
        & (Q(subject__adult_on__isnull=True) | Q(subject__adult_on__lte=F("decision_date")))
    )


def public_records(records=None, today: dt.date | None = None):
    """The records (of `records`, default all) the public may see."""
    today = today or dt.date.today()
    records = CreditRecord.objects.all() if records is None else records
    return records.public().filter(_covered_q(today))


def report_records(records=None, today: dt.date | None = None):
    """What a credit report covers: the public records, and the repaired records the
    same rules would otherwise show (listed as repaired, never detailed)."""
    today = today or dt.date.today()
    records = CreditRecord.objects.all() if records is None else records
    states = [*PUBLIC_STATES, PublicState.REPAIRED]
    return records.filter(Q(public_state__in=states) & _covered_q(today))


def exportable_records(records):
    """Of public records, those a bulk export may carry: never a natural person's."""
    return records.exclude(subject__kind=SubjectKind.NATURAL_PERSON)


def is_public_record(record: CreditRecord, today: dt.date | None = None) -> bool:
    """The same rule as `public_records`, for one loaded record."""
    return record.public_state in PUBLIC_STATES and _covered(record, today)


def _covered(record: CreditRecord, today: dt.date | None) -> bool:
    subject = record.subject
    return (
        record.catalog_item.openness == Openness.PUBLIC
        and not subject.is_minor(today or dt.date.today())
        and not subject.is_minor(record.decision_date)
    )


def find_public_record(record_id: int, today: dt.date | None = None) -> CreditRecord | None:
    """One public record with its subject, item and department, or None."""
    return (
        public_records(today=today)
        .filter(pk=record_id)
        .select_related("subject", "catalog_item", "department")
        .first()
    )


# -- subjects -------------------------------------------------------------------------------
def visible_subjects(subjects=None, today: dt.date | None = None):
    """Subjects that may be shown at all (a person still needs a public record)."""
    subjects = Subject.objects.all() if subjects is None else subjects
    return subjects.filter(_shown_subject_q(today or dt.date.today()))


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
        has_records = public_records(today=today).filter(subject=subject).exists()
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
def public_fields(item: CatalogItem) -> list[CatalogField]:
    """The item's fields the public may read, in the catalog's order (uses a prefetch of
    `fields` when there is one)."""
    return [f for f in item.fields.all() if f.is_public and f.field_type not in HIDDEN_FIELD_TYPES]


def title_is_public(item: CatalogItem) -> bool:
    """Whether records of `item` may show their title (a copy of the item's title field)."""
    return not item.title_field or any(f.key == item.title_field for f in public_fields(item))


def public_title(record: CreditRecord) -> str:
    return record.title if title_is_public(record.catalog_item) else ""


def public_data(record: CreditRecord) -> dict:
    """The record's data reduced to its public fields, in the catalog's order."""
    data = record.data or {}
    return {f.key: data[f.key] for f in public_fields(record.catalog_item) if f.key in data}
