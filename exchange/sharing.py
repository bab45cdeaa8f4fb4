"""Conditional sharing (有条件共享): government users query a subject's shared-only records.

A government user (a role held by an officer of a department) or a department key
granted the right asks for one subject by its code (USCC or resident identity
number) with a purpose and a legal basis; the answer is the subject's records of
items whose openness is "shared", in every state (repaired and expired ones marked),
never their identity-number fields, never purged content. Every query is registered
(portal.queries) before anything is answered. Public readers never reach any of it:
portal/records/visibility.py answers them, and shared items are not public there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.catalog.models import FieldType, Openness
from portal.core.codes import CodeError, validate_uscc
from portal.queries import services as queries
from portal.records.models import CreditRecord
from portal.subjects.identity import RESIDENT_ID, PersonIdentity
from portal.subjects.models import Subject, SubjectKind


@dataclass(frozen=True)
class SharedAnswer:
    subject: Subject | None
    records: list[CreditRecord]


def find_subject(code: str) -> Subject | None:
    """The subject under a USCC or a resident identity number, or None."""
    code = (code or "").strip().upper()
    if not code:
        raise ValidationError(_("请填写统一社会信用代码或公民身份号码。"))
    try:
        return Subject.objects.filter(code=validate_uscc(code)).first()
    except CodeError:
        pass
    try:
        person = PersonIdentity.from_number(RESIDENT_ID, code)
    except CodeError as exc:
        raise ValidationError(_("不是有效的统一社会信用代码或公民身份号码。")) from exc
    return Subject.objects.filter(code=person.code).first()


def shared_records(subject: Subject) -> list[CreditRecord]:
    records = (
        CreditRecord.objects.filter(
            subject=subject,
            catalog_item__openness=Openness.SHARED,
            purged_at__isnull=True,
        )
        .select_related("catalog_item", "department")
        .prefetch_related("catalog_item__fields")
        .order_by("-decision_date", "-id")
    )
    records = list(records)
    for record in records:
        hidden = {
            f.key for f in record.catalog_item.fields.all() if f.field_type == FieldType.ID_NUMBER
        }
        record.shared_data = [
            (f.label, record.data[f.key])
            for f in record.catalog_item.fields.all()
            if f.key in record.data and f.key not in hidden
        ]
    return records


def query_shared(
    *,
    user,
    department,
    code: str,
    purpose: str,
    legal_basis: str,
    channel: str,
    user_label: str = "",
) -> SharedAnswer:
    """Register the query, then answer it. Purpose and legal basis are both required."""
    purpose = queries.clean_purpose(purpose)
    legal_basis = " ".join((legal_basis or "").split())
    if not legal_basis:
        raise ValidationError(_("请填写查询的法律依据。"))
    subject = find_subject(code)
    looked = queries.Looked(
        f"subject:{subject.pk}" if subject else f"code:{code.strip()[:4]}…",
        subject.pk if subject else None,
        natural_person=bool(subject and subject.kind == SubjectKind.NATURAL_PERSON),
        shared_only=True,
    )
    queries.register(
        user=user,
        channel=channel,
        looked=[looked],
        purpose=purpose,
        legal_basis=legal_basis,
        user_label=user_label,
        department=department,
    )
    if subject is None:
        return SharedAnswer(None, [])
    return SharedAnswer(subject, shared_records(subject))
