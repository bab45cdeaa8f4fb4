"""Lookups, feedback and the lookup log: the business rules, without HTTP.

Every lookup is kept (user, time, scenario, purpose, inputs and the answer as a
snapshot) and appended to the audit trail; so is every feedback entry and
every candidate a reviewer confirms.
"""

import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.services import record_event
from portal.measures.models import (
    Channel,
    Feedback,
    Lookup,
    LookupRow,
    Match,
    Measure,
    Outcome,
)
from portal.measures.reader import InputRow
from portal.measures.screening import RowResult, condition_findings, screen, screen_subject
from portal.measures.totals import compute_totals, refresh_totals, store_totals
from portal.queries import services as queries
from portal.queries.models import Channel as QueryChannel
from portal.subjects.models import Subject, SubjectKind

# Subject codes kept in the audit event itself; the full list is in the lookup's rows
# and its digest in the event, so a changed row is still detectable.
AUDIT_CODES = 200


# -- who may do what ---------------------------------------------------------------
def can_lookup(user) -> bool:
    """Reviewers look subjects up; department officers never do (docs/domain.md, Rules that protect people)."""
    return (
        user.is_authenticated
        and getattr(user, "is_reviewer", False)
        and not getattr(user, "is_department_officer", False)
    )


def can_read_log(user) -> bool:
    return user.is_authenticated and (getattr(user, "is_operator", False) or can_lookup(user))


def visible_lookups(user):
    """Operators see every lookup; a reviewer only their own; anyone else none."""
    lookups = Lookup.objects.select_related("scenario", "user")
    if getattr(user, "is_operator", False):
        return lookups
    if can_lookup(user):
        return lookups.filter(user=user)
    return lookups.none()


def get_lookup_for(user, pk: int) -> Lookup:
    """The lookup if this user may read it, else Lookup.DoesNotExist: another reviewer's
    lookup answers exactly as a missing one, so ids reveal nothing."""
    return visible_lookups(user).select_related("scenario", "user").get(pk=pk)


# -- running a lookup ----------------------------------------------------------------
def _digest(rows: list[LookupRow]) -> str:
    payload = [
        [
            r.position,
            r.input,
            r.match,
            r.subject_code,
            r.candidates,
            r.lists,
            r.measures,
            r.adverse,
            r.findings,
        ]
        for r in rows
    ]
    return hashlib.sha256(
        json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()


def _row(lookup: Lookup, position: int, result: RowResult) -> LookupRow:
    return LookupRow(
        lookup=lookup,
        position=position,
        input=result.input_snapshot,
        match=result.match,
        subject_id=result.subject.id if result.subject else None,
        subject_code=result.subject.code if result.subject else "",
        subject_name=result.subject.name if result.subject else "",
        candidates=[c.as_dict() for c in result.candidates],
        lists=result.lists,
        measures=result.measures,
        adverse=result.adverse,
        findings=result.findings,
        note=result.note[:300],
    )


def run_lookup(
    *,
    user,
    scenario,
    purpose: str,
    rows: list[InputRow],
    channel: str,
    reference: str = "",
    file_name: str = "",
) -> tuple[Lookup, list[RowResult]]:
    """Screen the rows and keep the lookup, its rows and an audit event, all or nothing."""
    purpose = " ".join((purpose or "").split())
    if not purpose:
        raise ValidationError(_("请填写查询事由。"))
    if channel != Channel.CLI and not can_lookup(user):
        raise PermissionDenied
    results = screen(rows, scenario)
    with transaction.atomic():
        lookup = Lookup(
            user=user if getattr(user, "is_authenticated", False) else None,
            user_label=user.get_username() if getattr(user, "is_authenticated", False) else "",
            scenario=scenario,
            purpose=purpose[:500],
            reference=reference[:100],
            channel=channel,
            file_name=file_name[:255],
        )
        lookup_rows = [_row(lookup, n, result) for n, result in enumerate(results, start=1)]
        store_totals(lookup, compute_totals(lookup_rows))
        lookup.save()
        for row in lookup_rows:
            row.lookup = lookup  # the id exists only now
        LookupRow.objects.bulk_create(lookup_rows, batch_size=2000)
        codes = sorted({r.subject_code for r in lookup_rows if r.subject_code})
        record_event(
            "measures.lookup",
            actor=user,
            target=lookup,
            data={
                "scenario": scenario.code,
                "purpose": lookup.purpose,
                "reference": lookup.reference,
                "channel": channel,
                "file_name": lookup.file_name,
                "rows": lookup.row_count,
                "exact": lookup.exact_count,
                "candidates": lookup.candidate_count,
                "none": lookup.none_count,
                "red": lookup.red_count,
                "black": lookup.black_count,
                "conditions": lookup.condition_count,
                "subjects": codes[:AUDIT_CODES],
                "subjects_total": len(codes),
                "results_sha256": _digest(lookup_rows),
            },
        )
        # The query register counts the natural persons a reviewer looked at.
        persons = {
            r.subject.id
            for r in results
            if r.subject is not None and r.subject.kind == SubjectKind.NATURAL_PERSON
        }
        if persons and lookup.user is not None:
            queries.register(
                user=user,
                channel=QueryChannel.REVIEW,
                looked=[
                    queries.Looked(f"lookup:{lookup.pk}", pk, natural_person=True)
                    for pk in sorted(persons)
                ],
                purpose=lookup.purpose,
                legal_basis=lookup.reference,
            )
    return lookup, results


def register_read_back(user, lookup: Lookup, rows) -> list:
    """Reading a past lookup's rows again is a query of the natural persons on them:
    registered under the lookup's own purpose and reference, so the reviewer's page
    right after running it (within the repeat window) is not a second query."""
    persons = sorted(
        {
            row.subject_id
            for row in rows
            if row.subject_id is not None and row.subject.kind == SubjectKind.NATURAL_PERSON
        }
    )
    return queries.register(
        user=user,
        channel=QueryChannel.REVIEW,
        looked=[queries.Looked(f"lookup:{lookup.pk}", pk, natural_person=True) for pk in persons],
        purpose=lookup.purpose,
        legal_basis=lookup.reference,
    )


# -- after the lookup ----------------------------------------------------------------
def _own_row(user, row: LookupRow) -> None:
    if not can_lookup(user) or row.lookup.user_id != user.pk:
        raise PermissionDenied


def feedback_warnings(row: LookupRow, outcome: str, measure: Measure | None) -> list[str]:
    """What the reviewer should know before a measure is recorded as applied: a reward
    suspended while the subject is on a black list, or a measure retired since the lookup."""
    if outcome != Outcome.APPLIED:
        return []
    warnings = []
    shown = (
        row.measures if measure is None else [m for m in row.measures if m["code"] == measure.code]
    )
    for entry in shown:
        if entry.get("suspended"):
            warnings.append(
                _("措施“%(name)s”因该主体同时列入黑名单而暂停适用，请核实是否应当采取。")
                % {"name": entry["name"]}
            )
    if measure is not None and not measure.is_active:
        warnings.append(_("措施“%(name)s”已停用，请核实是否仍应采取。") % {"name": measure.name})
    return warnings


def record_feedback(
    *, user, row: LookupRow, outcome: str, reason: str = "", measure: Measure | None = None
) -> tuple[Feedback, list[str]]:
    """The measure the reviewer took for this subject: applied, or not applied and why.
    Returns the feedback and the warnings to show (kept in the audit event too)."""
    _own_row(user, row)
    if not row.has_subject:
        raise ValidationError(_("只能对已确认的主体反馈措施。"))
    if outcome not in Outcome.values:
        raise ValidationError(_("反馈结果无效。"))
    reason = (reason or "").strip()
    if outcome == Outcome.NOT_APPLIED and not reason:
        raise ValidationError(_("未采取措施的，须说明原因。"))
    if measure is not None and measure.code not in {m["code"] for m in row.measures}:
        raise ValidationError(_("该措施不适用于此主体。"))
    warnings = feedback_warnings(row, outcome, measure)
    with transaction.atomic():
        feedback = Feedback.objects.create(
            row=row, measure=measure, outcome=outcome, reason=reason, user=user
        )
        record_event(
            "measures.feedback",
            actor=user,
            target=feedback,
            data={
                "lookup": row.lookup_id,
                "row": row.position,
                "subject": row.subject_code,
                "measure": measure.code if measure else "",
                "outcome": outcome,
                "reason": reason,
                "warnings": warnings,
            },
        )
    return feedback, warnings


def _check_open(row: LookupRow) -> None:
    if row.match != Match.CANDIDATES:
        raise ValidationError(_("只有名称候选行需要人工确认。"))
    if row.confirmed_at is not None:
        raise ValidationError(_("第%(n)d行已确认。") % {"n": row.position})
    if row.rejected_at is not None:
        raise ValidationError(_("第%(n)d行的候选已全部排除。") % {"n": row.position})


def _confirm(user, row: LookupRow, subject_code: str, now) -> None:
    _check_open(row)
    if subject_code not in {c["subject"] for c in row.open_candidates}:
        raise ValidationError(_("第%(n)d行：所选主体不在候选范围内。") % {"n": row.position})
    subject = Subject.objects.get(code=subject_code)
    scenario = row.lookup.scenario
    lists, measures, adverse = screen_subject(subject, scenario)
    row.subject = subject
    row.subject_code = subject.code
    row.subject_name = subject.name
    row.lists = lists
    row.measures = measures
    row.adverse = adverse
    row.findings = condition_findings([subject.pk], scenario).get(subject.pk, [])
    row.confirmed_by = user
    row.confirmed_at = now
    row.save()
    record_event(
        "measures.candidate_confirmed",
        actor=user,
        target=row.lookup,
        data={"row": row.position, "subject": subject.code, "lists": [e["list"] for e in lists]},
    )


def _reject(user, row: LookupRow, subject_codes: list[str], now) -> None:
    _check_open(row)
    open_codes = [c["subject"] for c in row.open_candidates]
    unknown = set(subject_codes) - set(open_codes)
    if unknown or not subject_codes:
        raise ValidationError(_("第%(n)d行：所选主体不在候选范围内。") % {"n": row.position})
    row.rejected_codes = [*row.rejected_codes, *[c for c in open_codes if c in subject_codes]]
    if not row.open_candidates:
        row.rejected_by = user
        row.rejected_at = now
    row.save(update_fields=["rejected_codes", "rejected_by", "rejected_at"])
    record_event(
        "measures.candidate_rejected",
        actor=user,
        target=row.lookup,
        data={"row": row.position, "subjects": subject_codes, "all": bool(row.rejected_at)},
    )


# A decision on one candidate row: confirm one subject, or rule out some or all.
CONFIRM, REJECT = "confirm", "reject"


def decide(*, user, lookup: Lookup, decisions: list[tuple[LookupRow, str, list[str]]]) -> int:
    """Apply reviewers' decisions on candidate rows — (row, CONFIRM or REJECT, subject codes) —
    all or none, then recount the lookup's totals once. Returns the rows decided."""
    if not decisions:
        raise ValidationError(_("没有选择任何需要确认的行。"))
    now = timezone.now()
    with transaction.atomic():
        # One decision at a time per lookup, so two tabs cannot both confirm a row.
        locked = Lookup.objects.select_for_update().get(pk=lookup.pk)
        for row, action, codes in decisions:
            if row.lookup_id != locked.pk:
                raise PermissionDenied
            _own_row(user, row)
            row.refresh_from_db()
            if action == CONFIRM:
                if len(codes) != 1:
                    raise ValidationError(_("每行只能确认一个主体。"))
                _confirm(user, row, codes[0], now)
            elif action == REJECT:
                _reject(user, row, codes, now)
            else:
                raise ValidationError(_("操作无效。"))
        refresh_totals(locked)
    lookup.refresh_from_db()
    return len(decisions)


def confirm_candidate(*, user, row: LookupRow, subject_code: str) -> LookupRow:
    """The reviewer accepts one of the row's name candidates as the subject meant."""
    decide(user=user, lookup=row.lookup, decisions=[(row, CONFIRM, [subject_code])])
    return row


def reject_candidate(*, user, row: LookupRow, subject_code: str = "") -> LookupRow:
    """The reviewer rules out one candidate, or every open one when no code is given."""
    codes = [subject_code] if subject_code else [c["subject"] for c in row.open_candidates]
    decide(user=user, lookup=row.lookup, decisions=[(row, REJECT, codes)])
    return row


def latest_feedback(rows) -> dict[int, list[Feedback]]:
    """The current feedback per row: the newest entry per measure (or per row without one)."""
    result: dict[int, list[Feedback]] = {}
    feedback = (
        Feedback.objects.filter(row__in=rows)
        .select_related("measure", "user")
        .order_by("row_id", "-created_at", "-id")
    )
    seen = set()
    for entry in feedback:
        key = (entry.row_id, entry.measure_id)
        if key in seen:
            continue
        seen.add(key)
        result.setdefault(entry.row_id, []).append(entry)
    return result


# -- the log -----------------------------------------------------------------------------
def search_log(user, *, text="", scenario="", username="", date_from=None, date_to=None):
    """The lookups this user may see, narrowed by the operators' search fields."""
    lookups = visible_lookups(user)
    if scenario:
        lookups = lookups.filter(scenario__code=scenario)
    if username and getattr(user, "is_operator", False):
        lookups = lookups.filter(user_label__icontains=username)
    if date_from:
        lookups = lookups.filter(created_at__date__gte=date_from)
    if date_to:
        lookups = lookups.filter(created_at__date__lte=date_to)
    text = (text or "").strip()
    if text:
        matching_rows = LookupRow.objects.filter(
            Q(subject_code__iexact=text)
            | Q(subject_name__icontains=text)
            | Q(input__name__icontains=text)
        ).values("lookup_id")
        lookups = lookups.filter(
            Q(purpose__icontains=text) | Q(reference__icontains=text) | Q(pk__in=matching_rows)
        )
    return lookups


def rows_with_feedback(lookups):
    """The rows of these lookups with their feedback, for the log export."""
    return (
        LookupRow.objects.filter(lookup__in=lookups)
        .select_related("lookup", "lookup__scenario")
        .prefetch_related(
            Prefetch(
                "feedback",
                queryset=Feedback.objects.select_related("measure", "user").order_by(
                    "-created_at", "-id"
                ),
            )
        )
        .order_by("-lookup__created_at", "lookup_id", "position")
    )
