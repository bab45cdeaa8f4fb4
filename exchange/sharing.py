"""Conditional sharing (有条件共享): government users query a subject's shared-only records.

A government user (a role held by an officer of a department) or a department key
granted the right asks for one subject by its code (USCC or resident identity
number) with a purpose and a legal basis; the answer is the subject's records of
items whose openness is "shared", in every state (repaired and expired ones marked),
never their identity-number fields, never purged content. A department sees only the
items its sharing grants (SharingGrant, edited by operators) name; a query outside
them is refused and registered as refused. Every query is registered
(portal.queries) before anything is answered. Public readers never reach any of it:
portal/records/visibility.py answers them, and shared items are not public there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from exchange.models import SharingGrant
from portal.catalog.models import FieldType, Openness
from portal.core.codes import CodeError, validate_uscc
from portal.queries import services as queries
from portal.records.models import CreditRecord
from portal.subjects.identity import RESIDENT_ID, PersonIdentity
from portal.subjects.models import Subject, SubjectKind

# Grants installed with the starter catalog (docs/domain.md, Conditional sharing):
# (department, catalog item, legal basis). The basis names real instruments in general
# terms only; operators put the exact provisions and document numbers they rely on.
STARTER_GRANTS = [
    (
        "HOUSING",
        "SOCIAL_INSURANCE_ARREARS",
        "保障性住房准入资格审核（依据《公共租赁住房管理办法》等保障性住房管理规定）",
    ),
    (
        "FUND",
        "SOCIAL_INSURANCE_ARREARS",
        "住房公积金缴存及贷款审核（依据《住房公积金管理条例》）",
    ),
]


def install_starter_grants(grant_model, department_model, item_model) -> int:
    """Create the starter grants whose department and item exist (idempotent)."""
    made = 0
    for department_code, item_code, basis in STARTER_GRANTS:
        department = department_model.objects.filter(code=department_code).first()
        item = item_model.objects.filter(code=item_code).first()
        if department is None or item is None:
            continue
        _grant, created = grant_model.objects.get_or_create(
            department=department, catalog_item=item, defaults={"legal_basis": basis}
        )
        made += created
    return made


class SharingRefused(ValidationError):
    """A query outside the department's sharing grants; registered as refused."""


def granted_items(department) -> dict[int, SharingGrant]:
    """The shared-only items the department may query: {catalog item id: grant}."""
    if department is None:
        return {}
    # A department switched off keeps its grant rows but queries nothing (its keys stop too).
    grants = SharingGrant.objects.filter(
        department=department,
        department__is_active=True,
        is_active=True,
        catalog_item__openness=Openness.SHARED,
    ).select_related("catalog_item")
    return {grant.catalog_item_id: grant for grant in grants}


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


def shared_records(subject: Subject, item_ids) -> list[CreditRecord]:
    records = (
        CreditRecord.objects.filter(
            subject=subject,
            catalog_item__openness=Openness.SHARED,
            catalog_item_id__in=list(item_ids),
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
    item_code: str = "",
) -> SharedAnswer:
    """Register the query, then answer it from the items the department's grants name
    (or only `item_code`, if given). Purpose and legal basis are both required; a query
    outside the grants is registered as refused and raises SharingRefused."""
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
    granted = granted_items(department)
    refusal = _refusal(granted, (item_code or "").strip().upper())
    if refusal is None and item_code:
        granted = {pk: g for pk, g in granted.items() if g.catalog_item.code == item_code.upper()}
    queries.register(
        user=user,
        channel=channel,
        looked=[looked],
        purpose=purpose,
        legal_basis=legal_basis,
        user_label=user_label,
        department=department,
        refused=refusal is not None,
    )
    if refusal is not None:
        raise SharingRefused(refusal)
    if subject is None:
        return SharedAnswer(None, [])
    return SharedAnswer(subject, shared_records(subject, granted))


def _refusal(granted: dict[int, SharingGrant], item_code: str) -> str | None:
    """Why the query is outside the grants, in the user's language; None if within."""
    if not granted:
        return _(
            "本部门尚未获得查询有条件共享信息的授权，查询未予答复并已登记。"
            "如履职需要，请联系平台运营人员办理共享授权。"
        )
    if item_code and item_code not in {g.catalog_item.code for g in granted.values()}:
        return _(
            "本部门未获授权查询目录项“%(item)s”，查询未予答复并已登记。"
            "如履职需要，请联系平台运营人员办理共享授权。"
        ) % {"item": item_code}
    return None
