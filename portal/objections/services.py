"""Filing and handling objection, repair and statement cases (plain functions, no HTTP).

- objection_problems(record) / repair_problems(record, today) — why a record
  cannot be objected to or repaired (empty list: it can); filing_problems(kind,
  record) for any kind (a statement asks portal.records.statements).
- submit_case(kind, record, ..., files) -> (case, secret): the tracking number
  and the one-time secret the applicant follows the case with.
- find_case(tracking_no, secret) -> Case | None: constant-time, reveals nothing.
- transition(case, action, actor=..., comment=...) — the ONE way a case moves:
  checked against workflow.TRANSITIONS, recorded as a CaseTransition row and in
  the audit trail, effects on the record applied through change_record, the
  applicant notified after commit.
- statement_shown(case) — whether a statement case's words stand beside its record now
  (the applicant may withdraw them, an operator take them down).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.services import record_event
from portal.catalog.models import RepairRule
from portal.core.pii import mask_personal_numbers
from portal.objections import evidence as evidence_files
from portal.objections.models import (
    OPEN_STAGES,
    REPAIR_RELATIONS,
    STATEMENT_RELATIONS,
    Case,
    CaseKind,
    CaseTransition,
    DeadlineSettings,
    Decision,
    EvidenceParty,
    Ground,
    Recommendation,
    Relation,
    Stage,
)
from portal.objections.workdays import WorkingCalendar
from portal.objections.workflow import APPLICANT, DEPARTMENT, OPERATOR, TRANSITIONS, Transition
from portal.queries import services as queries
from portal.queries.models import Channel as QueryChannel
from portal.records.disclosure import RecordStatus
from portal.records.models import CreditRecord
from portal.records.services import change_record
from portal.records.statements import (
    Removal,
    StatementError,
    current_statement,
    publish_statement,
    remove_statement,
    statement_problems,
)
from portal.records.statements import clean_text as clean_statement
from portal.subjects.models import SubjectKind

# Tracking numbers and secrets avoid look-alike characters (0/O, 1/I/L).
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_PREFIX = {CaseKind.OBJECTION: "YY", CaseKind.REPAIR: "XF", CaseKind.STATEMENT: "SM"}
_SECRET_LENGTH = 12

COMMITMENT_TEXT = (
    "本人（本单位）郑重承诺：已纠正失信行为、履行相关义务，所提交的材料真实、合法、有效；"
    "今后严格遵守法律法规，诚信经营；如有虚假，愿意承担相应法律责任，并同意将本承诺履行情况"
    "纳入信用记录。"
)


class CaseError(Exception):
    """A request the workflow refuses; the message is for the person who asked."""


def objection_problems(record: CreditRecord) -> list[str]:
    if not CreditRecord.objects.public().filter(pk=record.pk).exists():
        return [_("该记录未在公示，无法提出异议。")]
    return []


def _same_person(a: str, b: str) -> bool:
    return "".join((a or "").split()).casefold() == "".join((b or "").split()).casefold()


def open_objection_check(
    record: CreditRecord, applicant_name: str, applicant_email: str, ground: str
) -> tuple[str, Case | None]:
    """A record already under an open objection takes no second one (refusal, naming the
    open case), unless another applicant raises another ground: that one is filed and
    linked to the open case so both are decided together (docs/domain.md)."""
    open_case = (
        Case.objects.filter(record=record, kind=CaseKind.OBJECTION)
        .open()
        .order_by("submitted_at", "id")
        .first()
    )
    if open_case is None:
        return "", None
    other_applicant = not _same_person(
        applicant_name, open_case.applicant_name
    ) and not _same_person(applicant_email, open_case.applicant_email)
    if other_applicant and ground != open_case.ground:
        return "", open_case
    return (
        _("该记录已有正在办理的异议申诉（受理编号 %(number)s），请凭该编号查询进度，无需重复提交。")
        % {"number": open_case.tracking_no},
        None,
    )


def repair_problems(record: CreditRecord, today: dt.date | None = None) -> list[str]:
    """Why `record` cannot be repaired today; empty when it can."""
    today = today or timezone.localdate()
    problems = []
    if not CreditRecord.objects.public().filter(pk=record.pk).exists():
        problems.append(_("该记录未在公示，无需申请信用修复。"))
    rule = record.catalog_item.repair_rule
    if rule == RepairRule.NONE:
        problems.append(_("该类信息不适用信用修复。"))
    elif rule == RepairRule.AFTER_MINIMUM and (
        record.repair_from is None or record.repair_from > today
    ):
        when = record.repair_from.isoformat() if record.repair_from else "—"
        problems.append(
            _("该记录的最短公示期尚未届满，自 %(date)s 起方可申请信用修复。") % {"date": when}
        )
    if record.status != RecordStatus.ACTIVE:
        problems.append(_("该记录已被更正、撤销或修复。"))
    if Case.objects.filter(record=record, kind=CaseKind.REPAIR).open().exists():
        problems.append(_("该记录已有正在办理的信用修复申请。"))
    return problems


def open_statement(record: CreditRecord) -> Case | None:
    """The statement on `record` still waiting for its check, if any."""
    return (
        Case.objects.filter(record=record, kind=CaseKind.STATEMENT)
        .open()
        .order_by("submitted_at", "id")
        .first()
    )


def filing_problems(kind: str, record: CreditRecord, today: dt.date | None = None) -> list[str]:
    """Why a case of `kind` cannot be filed on `record` (before the applicant writes anything)."""
    if kind == CaseKind.REPAIR:
        return repair_problems(record, today)
    if kind == CaseKind.STATEMENT:
        problems = statement_problems(record)
        waiting = open_statement(record) if not problems else None
        if waiting is not None:
            problems.append(
                _("该记录已有待审核的本人声明（受理编号 %(number)s），请等待审核结果后再提交。")
                % {"number": waiting.tracking_no}
            )
        return problems
    return objection_problems(record)


# --- Secrets and tracking numbers -------------------------------------------------


def hash_secret(secret: str) -> str:
    """Secrets are 60 random bits; a plain digest cannot be reversed by guessing."""
    return hashlib.sha256(normalise_secret(secret).encode()).hexdigest()


def normalise_secret(secret: str) -> str:
    return "".join(ch for ch in (secret or "").upper() if ch.isalnum())


def normalise_tracking_no(value: str) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())[:24]


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _new_secret() -> str:
    raw = _random(_SECRET_LENGTH)
    return "-".join(raw[i : i + 4] for i in range(0, _SECRET_LENGTH, 4))


# Compared against when the tracking number is unknown, so both paths do the same work.
_NO_SUCH_CASE = hashlib.sha256(b"no such case").hexdigest()


def find_case(tracking_no: str, secret: str) -> Case | None:
    """The case if the number and secret match; None for a wrong secret or an unknown
    number alike (the caller cannot tell which)."""
    number = normalise_tracking_no(tracking_no)
    case = Case.objects.filter(tracking_no=number).first() if number else None
    expected = case.secret_hash if case is not None else _NO_SUCH_CASE
    matches = hmac.compare_digest(expected, hash_secret(secret))
    return case if case is not None and matches else None


# --- Deadlines -------------------------------------------------------------------


def stage_days(kind: str, stage: str, deadlines: DeadlineSettings) -> int | None:
    """Working days allowed for a stage (None: nobody is waited on)."""
    if stage == Stage.SUBMITTED:
        return deadlines.accept_days
    if stage in (Stage.ACCEPTED, Stage.CHECKING, Stage.ANSWERED):
        return deadlines.check_days
    if stage == Stage.FORWARDED:
        return (
            deadlines.repair_decision_days if kind == CaseKind.REPAIR else deadlines.department_days
        )
    return None


def due_date(
    kind: str,
    stage: str,
    start: dt.date,
    deadlines: DeadlineSettings | None = None,
    calendar: WorkingCalendar | None = None,
) -> dt.date | None:
    days = stage_days(kind, stage, deadlines or DeadlineSettings.load())
    if days is None:
        return None
    return (calendar or WorkingCalendar()).add_working_days(start, days)


# --- Filing ----------------------------------------------------------------------


def submit_case(
    kind: str,
    record: CreditRecord,
    *,
    applicant_name: str,
    applicant_email: str,
    applicant_phone: str = "",
    relation: str,
    ground: str = "",
    explanation: str,
    files=(),
    commitment_signed_by: str = "",
    language: str = "zh-hans",
    client: str = "",
    now: dt.datetime | None = None,
) -> tuple[Case, str]:
    """File a case; return it with the one-time secret. `files` are CheckedFile values
    (portal.objections.evidence.check_uploads)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    linked = None
    if kind == CaseKind.OBJECTION:
        problems = objection_problems(record)
        if ground not in Ground.values:
            problems.append(_("请选择异议理由。"))
        elif not problems:
            refusal, linked = open_objection_check(record, applicant_name, applicant_email, ground)
            if refusal:
                problems.append(refusal)
    elif kind == CaseKind.REPAIR:
        problems = repair_problems(record, today)
        if relation not in REPAIR_RELATIONS:
            problems.append(_("信用修复须由信用主体本人、法定代表人或受委托的代理人申请。"))
        if not commitment_signed_by.strip():
            problems.append(_("信用修复须签署信用承诺书。"))
        if not files:
            problems.append(_("信用修复须上传已纠正失信行为、履行义务的证明材料。"))
    elif kind == CaseKind.STATEMENT:
        problems = filing_problems(kind, record, today)
        if relation not in STATEMENT_RELATIONS:
            problems.append(_("本人声明须由信用主体本人、法定代表人或受委托的代理人提交。"))
        if files:
            problems.append(_("本人声明不附证明材料；如需更正记录，请提出异议。"))
        try:
            # Stored as it will be published: masked, so the clear number is never kept.
            explanation = clean_statement(explanation)
        except StatementError as error:
            problems.append(str(error))
    else:
        raise ValueError(f"unknown case kind {kind!r}")
    if relation not in Relation.values:
        problems.append(_("请选择与信用主体的关系。"))
    if problems:
        raise CaseError(" ".join(problems))

    deadlines = DeadlineSettings.load()
    calendar = WorkingCalendar()
    secret = _new_secret()
    case = Case(
        kind=kind,
        secret_hash=hash_secret(secret),
        record=record,
        subject_id=record.subject_id,
        department_id=record.department_id,
        applicant_name=applicant_name.strip(),
        applicant_email=applicant_email.strip(),
        applicant_phone=applicant_phone.strip(),
        relation=relation,
        ground=ground if kind == CaseKind.OBJECTION else "",
        explanation=explanation.strip(),
        consent_at=now,
        language=language,
        stage=Stage.SUBMITTED,
        stage_entered_at=now,
        submitted_at=now,
        due_on=due_date(kind, Stage.SUBMITTED, today, deadlines, calendar),
        linked_case=linked,
    )
    if kind == CaseKind.REPAIR:
        case.commitment_text = COMMITMENT_TEXT
        case.commitment_signed_by = commitment_signed_by.strip()
        case.commitment_signed_at = now
        case.reply_due_on = calendar.add_working_days(today, deadlines.repair_notify_days)
    for _attempt in range(5):
        case.tracking_no = f"{_PREFIX[kind]}{today:%Y%m%d}{_random(6)}"
        stored = []
        try:
            with transaction.atomic():
                case.save()
                step = CaseTransition.objects.create(
                    case=case,
                    action="submit",
                    from_stage="",
                    to_stage=Stage.SUBMITTED,
                    due_on=case.due_on,
                    created_at=now,
                )
                for checked in files:
                    stored.append(
                        evidence_files.store(
                            case, checked, party=EvidenceParty.APPLICANT, transition=step
                        )
                    )
                record_event(
                    f"{kind}.submitted",
                    target=case,
                    data={
                        "tracking_no": case.tracking_no,
                        "record": record.pk,
                        "ground": case.ground,
                        "relation": relation,
                        "files": len(files),
                        "client": client,
                        "linked_case": linked.tracking_no if linked else "",
                    },
                )
                _notify_after_commit(step)
            break
        except IntegrityError:
            evidence_files.discard(stored)
            case.pk = None  # a tracking-number collision: draw another
        except BaseException:
            evidence_files.discard(stored)
            raise
    else:
        raise CaseError(_("暂时无法生成受理编号，请稍后重试。"))
    return case, secret


# --- Handling --------------------------------------------------------------------


class Applicant:
    """The applicant acting on its own case, known only by having given the case's tracking
    number and secret (the public view builds one after that check)."""

    is_authenticated = False

    def __init__(self, tracking_no: str):
        self.tracking_no = tracking_no

    def get_username(self) -> str:
        return _("申请人")


def may_take(user, step: Transition, case: Case) -> bool:
    """Whether `user` may take `step` on `case`: operators run the platform side; an
    officer (or API token) of the record's source department answers; the applicant
    (number and secret given) acts on its own case."""
    if step.role == APPLICANT:
        return isinstance(user, Applicant) and user.tracking_no == case.tracking_no
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if step.role == OPERATOR:
        return bool(getattr(user, "is_operator", False))
    if step.role == DEPARTMENT:
        return (
            bool(getattr(user, "is_department_officer", False))
            and getattr(user, "department_id", None) == case.department_id
        )
    return False


def _still_contested(case: Case) -> bool:
    """Whether another accepted, open objection keeps the record under objection."""
    return (
        Case.objects.filter(record_id=case.record_id, kind=CaseKind.OBJECTION)
        .exclude(pk=case.pk)
        .filter(stage__in=OPEN_STAGES - {Stage.SUBMITTED})
        .exists()
    )


def _corrected_data(record: CreditRecord, corrections: dict) -> dict:
    keys = {f.key for f in record.catalog_item.fields.all()} | set(record.data)
    unknown = sorted(set(corrections) - keys)
    if unknown:
        raise CaseError(_("无法更正不存在的字段：%(keys)s。") % {"keys": "、".join(unknown)})
    data = dict(record.data)
    changed = False
    for key, value in corrections.items():
        if isinstance(value, str):
            # A correction is published like an import: no personal number in clear.
            value = mask_personal_numbers(value).text
        if data.get(key) != value:
            data[key] = value
            changed = True
    if not changed:
        raise CaseError(_("更正决定须至少修改一个字段的内容。"))
    return data


def _apply_to_record(case: Case, step: Transition, actor, comment: str, corrections, today):
    """The decision's effect on the record, always through change_record (a statement's
    through publish_statement: the record itself does not change)."""
    record = CreditRecord.objects.select_related("catalog_item").get(pk=case.record_id)
    reason = "objection" if case.kind == CaseKind.OBJECTION else "repair"
    common = {
        "reason": reason,
        "reference": f"{case.kind}:{case.tracking_no}",
        "actor": actor,
        "comment": comment,
        "today": today,
    }
    contested = _still_contested(case)
    if step.action == "accept" and case.kind == CaseKind.OBJECTION:
        if not record.under_objection:
            change_record(record, under_objection=True, **common)
    elif step.action == "correct":
        data = _corrected_data(record, corrections or {})
        title = data.get(record.catalog_item.title_field, record.title) or record.title
        change_record(record, data=data, title=title, under_objection=contested, **common)
    elif step.action == "remove":
        change_record(record, status=RecordStatus.REVOKED, under_objection=False, **common)
    elif step.action == "uphold":
        if record.under_objection != contested:
            change_record(record, under_objection=contested, **common)
    elif step.action == "approve":
        change_record(record, status=RecordStatus.REPAIRED, **common)
    elif step.action == "publish":
        try:
            publish_statement(record, case.explanation, reference=common["reference"], actor=actor)
        except StatementError as error:
            raise CaseError(
                _("%(problem)s 请执行“审核不通过”并说明原因。") % {"problem": error}
            ) from error
    elif step.action in _REMOVALS:
        try:
            remove_statement(
                record,
                reference=common["reference"],
                how=_REMOVALS[step.action],
                reason=comment,
                actor=actor,
            )
        except StatementError as error:
            raise CaseError(str(error)) from error


# The steps that take a published statement off its record, and how.
_REMOVALS = {
    "withdraw_statement": Removal.WITHDRAWN,
    "take_down_statement": Removal.TAKEN_DOWN,
}


def statement_shown(case: Case) -> bool:
    """Whether this statement case's words stand beside its record now."""
    if case.kind != CaseKind.STATEMENT or case.decision != Decision.PUBLISHED:
        return False
    return current_statement(case.record_id, f"{case.kind}:{case.tracking_no}") is not None


def transition(
    case: Case,
    action: str,
    *,
    actor,
    comment: str = "",
    files=(),
    recommendation: str = "",
    corrections: dict | None = None,
    now: dt.datetime | None = None,
) -> CaseTransition:
    """Move `case` by `action`. Raises CaseError (with a message for the user) when the
    step is not allowed from the case's stage, for its kind, or for this user."""
    step = TRANSITIONS.get(action)
    if step is None:
        raise CaseError(_("未知的操作：%(action)s。") % {"action": action})
    now = now or timezone.now()
    comment = (comment or "").strip()
    if action in _REMOVALS:
        # Read by the applicant and kept in the trail: a reason that quotes the personal
        # data it takes down must not carry it on.
        comment = mask_personal_numbers(comment).text
    stored = []
    try:
        locked, row = _transition_locked(
            case, step, action, actor, comment, files, recommendation, corrections, now, stored
        )
    except BaseException:
        evidence_files.discard(stored)  # the step rolled back: so do its files
        raise
    # Keep the caller's instance current.
    for field in _CASE_STATE_FIELDS:
        setattr(case, field, getattr(locked, field))
    return row


_CASE_STATE_FIELDS = (
    "stage",
    "stage_entered_at",
    "due_on",
    "decision",
    "decision_comment",
    "decided_at",
    "forwarded_at",
    "recommendation",
    "urge_count",
    "last_urged_at",
    "closed_at",
)


def _transition_locked(
    case, step, action, actor, comment, files, recommendation, corrections, now, stored
) -> tuple[Case, CaseTransition]:
    """The step itself, in one transaction with the case row locked."""
    today = timezone.localdate(now)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.kind not in step.kinds:
            raise CaseError(
                _("“%(action)s”不适用于%(kind)s案件。")
                % {"action": step.label, "kind": locked.get_kind_display()}
            )
        if locked.stage not in step.sources:
            raise CaseError(
                _("案件当前处于“%(stage)s”阶段，不能执行“%(action)s”。")
                % {"stage": locked.get_stage_display(), "action": step.label}
            )
        if not may_take(actor, step, locked):
            raise CaseError(_("您无权对该案件执行“%(action)s”。") % {"action": step.label})
        if step.only_when_overdue and not (locked.due_on and locked.due_on < today):
            raise CaseError(
                _("数据来源部门的办理期限（%(date)s）届满后方可“%(action)s”。")
                % {"date": locked.due_on or "—", "action": step.label}
            )
        if step.decisions and locked.decision not in step.decisions:
            raise CaseError(
                _("案件的处理决定为“%(decision)s”，不能执行“%(action)s”。")
                % {"decision": decision_label(locked) or "—", "action": step.label}
            )
        if step.comment_required and not comment:
            raise CaseError(_("执行“%(action)s”须填写意见。") % {"action": step.label})
        if step.role == DEPARTMENT and recommendation not in _recommendations_for(locked.kind):
            raise CaseError(_("请选择部门意见。"))

        from_stage = locked.stage
        _apply_to_record(locked, step, _user_or_none(actor), comment, corrections, today)

        if step.target != from_stage:
            earlier_due = locked.due_on
            locked.stage = step.target
            locked.stage_entered_at = now
            locked.due_on = due_date(locked.kind, step.target, today)
            if action == "answer" and earlier_due and locked.due_on and locked.due_on < earlier_due:
                # A prompt answer must not shorten the time the platform was promised.
                locked.due_on = earlier_due
        if step.decision:
            locked.decision = step.decision
            locked.decision_comment = comment
            locked.decided_at = now
        if action == "forward":
            locked.forwarded_at = now
        if action == "answer":
            locked.recommendation = recommendation
        if action == "urge":
            locked.urge_count += 1
            locked.last_urged_at = now
        if step.target == Stage.CLOSED and from_stage != Stage.CLOSED:
            locked.closed_at = now
        locked.save()

        row = CaseTransition.objects.create(
            case=locked,
            action=action,
            from_stage=from_stage,
            to_stage=locked.stage,
            actor=_user_or_none(actor),
            actor_label=_actor_label(actor),
            comment=comment,
            public=step.public_comment,
            due_on=locked.due_on,
            created_at=now,
        )
        party = EvidenceParty.DEPARTMENT if step.role == DEPARTMENT else EvidenceParty.OPERATOR
        for checked in files:
            stored.append(evidence_files.store(locked, checked, party=party, transition=row))
        record_event(
            f"{locked.kind}.{action}",
            actor=_user_or_none(actor),
            target=locked,
            data={
                "tracking_no": locked.tracking_no,
                "from": from_stage,
                "to": locked.stage,
                "comment": comment,
                "actor": _actor_label(actor),
                "decision": step.decision,
                "recommendation": recommendation,
                "corrections": sorted(corrections or {}),
                "files": len(files),
                "due_on": locked.due_on,
            },
        )
        _notify_after_commit(row)
    return locked, row


def _recommendations_for(kind: str) -> set[str]:
    if kind == CaseKind.REPAIR:
        return {Recommendation.APPROVE, Recommendation.REJECT}
    return {Recommendation.CORRECT, Recommendation.REMOVE, Recommendation.UPHOLD}


def recommendation_choices(kind: str):
    allowed = _recommendations_for(kind)
    return [(value, label) for value, label in Recommendation.choices if value in allowed]


def _user_or_none(actor):
    from portal.accounts.models import User

    return actor if isinstance(actor, User) else None


def _actor_label(actor) -> str:
    if actor is None:
        return ""
    if isinstance(actor, Applicant):
        return str(actor.get_username())
    label = actor.get_username()
    department = getattr(actor, "department", None)
    return f"{label} ({department.code})" if department is not None else label


def _notify_after_commit(row: CaseTransition) -> None:
    from portal.objections.tasks import notify_transition
    from portal.tasks import enqueue_on_commit

    enqueue_on_commit(notify_transition, row.pk)


# --- Overdue cases -----------------------------------------------------------------


def overdue_cases(today: dt.date | None = None):
    return Case.objects.overdue(today).select_related("department", "record")


def decision_label(case: Case) -> str:
    return Decision(case.decision).label if case.decision else ""


# -- the query register ---------------------------------------------------------------------------
def register_case_view(user, case: Case, *, channel: str = QueryChannel.ADMIN) -> list:
    """A staff view of a case about a natural person (its record, evidence, applicant) is a
    query of that person's data: registered with the purpose the case implies."""
    if case.subject.kind != SubjectKind.NATURAL_PERSON:
        return []
    return queries.register(
        user=user,
        channel=channel,
        looked=[queries.Looked(f"record:{case.record_id}", case.subject_id, natural_person=True)],
        # Stored as an operator would type it.
        purpose=f"办理异议案件 {case.tracking_no}",
    )
