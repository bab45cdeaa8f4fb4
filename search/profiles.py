"""A subject's published profile, read from the database (the source of truth).

What the public site's profile page and GET /api/v1/subjects/<code> show: the
subject's public fields and its published records grouped by catalog item.
The same disclosure rules as indexing apply (search.documents).
"""

from __future__ import annotations

import datetime as dt

from portal.catalog.models import CatalogField, FieldType
from portal.core.text import normalise_code
from portal.subjects.districts import DISTRICT_NAMES
from portal.subjects.models import Subject, SubjectKind
from search.documents import SUBJECT_KEYS, public_records

# Subject columns repeated in every record: shown once, at the top of the profile.
_HIDDEN_RECORD_KEYS = SUBJECT_KEYS


def _display(value) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def published_profile(code: str, today: dt.date | None = None) -> dict | None:
    """The published profile of the subject with this code, or None (unknown, a minor,
    or a person with nothing published)."""
    code = normalise_code(code)
    if not code:
        return None
    subject = (
        Subject.objects.publicly_visible(today).filter(code=code).prefetch_related("names").first()
    )
    if subject is None:
        return None
    records = list(
        public_records()
        .filter(subject=subject)
        .select_related("catalog_item", "department")
        .prefetch_related("catalog_item__fields")
        .order_by("catalog_item__sort_order", "catalog_item__code", "-decision_date", "-id")
    )
    if subject.kind == SubjectKind.NATURAL_PERSON and not records:
        return None
    groups: dict[str, dict] = {}
    lists: set[str] = set()
    for record in records:
        item = record.catalog_item
        if item.list_type:
            lists.add(item.list_type)
        group = groups.setdefault(
            item.code,
            {
                "item_code": item.code,
                "item_name": item.name,
                "list_type": item.list_type or "",
                "records": [],
            },
        )
        group["records"].append(_record(record, list(item.fields.all())))
    is_person = subject.kind == SubjectKind.NATURAL_PERSON
    return {
        "code": subject.code,
        "public_code": subject.public_code,
        "name": subject.name,
        "kind": subject.kind,
        "kind_label": str(SubjectKind(subject.kind).label),
        "district": subject.district or "",
        "district_label": DISTRICT_NAMES.get(subject.district, ""),
        "legal_representative": "" if is_person else subject.legal_representative,
        "registered_on": None
        if is_person or not subject.registered_on
        else subject.registered_on.isoformat(),
        "former_names": [n.name for n in subject.names.all() if n.name != subject.name],
        "lists": sorted(lists),
        "record_count": len(records),
        "groups": list(groups.values()),
    }


def _record(record, fields: list[CatalogField]) -> dict:
    data = record.data or {}
    shown = []
    for f in fields:
        if not f.is_public or f.key in _HIDDEN_RECORD_KEYS or f.field_type == FieldType.ID_NUMBER:
            continue
        value = _display(data.get(f.key))
        if value:
            shown.append({"key": f.key, "label": f.label, "value": value})
    return {
        "id": record.pk,
        "decision_no": record.decision_no,
        "decision_date": record.decision_date.isoformat(),
        "title": record.title,
        "department_code": record.department.code,
        "department": record.department.name,
        "severity": record.severity,
        "valid_until": record.valid_until.isoformat() if record.valid_until else None,
        "disclosure_ends": record.disclosure_ends.isoformat() if record.disclosure_ends else None,
        "public_state": record.public_state,
        "under_objection": record.public_state == "under_objection",
        "fields": shown,
    }
