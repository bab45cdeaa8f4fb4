"""A subject's published profile, read from the database (the source of truth).

What the public site's profile page and GET /api/v1/subjects/<code> show: the
subject's public fields and its published records grouped by catalog item.
What is shown is what portal.records.visibility allows, as for indexing.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from portal.core.languages import localised_name
from portal.records import visibility
from portal.subjects.districts import district_name
from search.documents import SUBJECT_KEYS

# Subject columns repeated in every record: shown once, at the top of the profile.
_HIDDEN_RECORD_KEYS = SUBJECT_KEYS


def _display(value) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def published_profile(code: str, today: dt.date | None = None) -> dict | None:
    """The published profile of the subject with this code, or None (unknown, a minor,
    or a person with nothing published)."""
    subject = visibility.find_public_subject(code, today)
    if subject is None:
        return None
    records = list(
        visibility.public_records()
        .filter(subject=subject)
        .select_related("catalog_item", "department")
        .prefetch_related("catalog_item__fields")
        .order_by("catalog_item__sort_order", "catalog_item__code", "-decision_date", "-id")
    )
    groups: dict[str, dict] = {}
    lists: set[str] = set()
    statements = visibility.public_statements(r.pk for r in records if r.catalog_item.is_adverse)
    for record in records:
        item = record.catalog_item
        if item.list_type:
            lists.add(item.list_type)
        group = groups.setdefault(
            item.code,
            {
                "item_code": item.code,
                "item_name": localised_name(item),
                "list_type": item.list_type or "",
                "records": [],
            },
        )
        group["records"].append(_record(record, statements.get(record.pk)))
    identity = visibility.public_identity(subject)
    return {
        "code": subject.code,
        "public_code": identity.public_code,
        "name": identity.name,
        "kind": identity.kind,
        "kind_label": identity.kind_label,
        "district": identity.district,
        "district_label": district_name(identity.district),
        "legal_representative": identity.legal_representative,
        "registered_on": identity.registered_on.isoformat() if identity.registered_on else None,
        "former_names": [n.name for n in subject.names.all() if n.name != subject.name],
        "lists": sorted(lists),
        "record_count": len(records),
        "groups": list(groups.values()),
    }


def _statement(statement) -> dict | None:
    if statement is None:
        return None
    return {
        "text": statement.text,
        "published_at": statement.published_at.isoformat(),
        # Said with every statement: the words are the subject's, not the authority's.
        "note": _("信用主体本人的陈述，经平台审核后展示，不代表本平台或认定部门的意见。"),
    }


def _record(record, statement=None) -> dict:
    data = record.data or {}
    shown = []
    for f in visibility.public_fields(record.catalog_item):
        if f.key in _HIDDEN_RECORD_KEYS:
            continue
        value = _display(data.get(f.key))
        if value:
            shown.append({"key": f.key, "label": f.label, "value": value})
    return {
        "id": record.pk,
        "decision_no": record.decision_no,
        "decision_date": record.decision_date.isoformat(),
        "title": visibility.public_title(record),
        "department_code": record.department.code,
        "department": record.department.name,
        "severity": record.severity,
        "valid_until": record.valid_until.isoformat() if record.valid_until else None,
        "disclosure_ends": record.disclosure_ends.isoformat() if record.disclosure_ends else None,
        "public_state": record.public_state,
        "under_objection": record.public_state == "under_objection",
        "fields": shown,
        # The subject's own statement (本人声明) beside the record, or null.
        "statement": _statement(statement),
    }


def published_record(record_id: int) -> dict | None:
    """One public record with its subject as the public sees it, or None."""
    record = visibility.find_public_record(record_id)
    if record is None:
        return None
    identity = visibility.public_identity(record.subject)
    shown = _record(record, visibility.public_statement(record))
    shown.update(
        item_code=record.catalog_item.code,
        item_name=record.catalog_item.name,
        subject={
            "public_code": identity.public_code,
            "name": identity.name,
            "kind": identity.kind,
            "kind_label": identity.kind_label,
        },
    )
    return shown
