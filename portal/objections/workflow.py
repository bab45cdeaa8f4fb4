"""The case state machine: every allowed step, as data.

    submitted ─accept─▶ accepted ─check─▶ checking ─┬─ correct/remove/uphold (objection) ─▶ decided ─close─▶ closed
        │                   │                │        └─ approve/reject (repair)
        └─refuse─▶ refused  └────forward─────┴─forward─▶ forwarded ─answer─▶ answered ─(decide as above)─▶ decided
                     │                                     │ urge (催办, stays)
                     └─close─▶ closed

A forwarded case whose department let the deadline pass can be recalled (收回):
it goes back to `checking` and the platform decides it itself.

A statement (本人声明) has a shorter path: the operator checks it at once,

    submitted ─publish (展示) / decline (不予展示, with a reason)─▶ closed

and only a published one is shown beside its record (portal.records.statements).
A published statement can still come off its record, the case staying closed: the
applicant withdraws it (撤回, through the case site with number and secret), or an
operator takes it down (撤下) with a reason the applicant reads on the case page.

A step not in this map is refused with a message that names the current stage.
Who may take each step is part of the map too: operators run the platform side,
an officer of the record's source department answers a forwarded case.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from portal.objections.models import CaseKind, Decision, Stage

OPERATOR = "operator"
DEPARTMENT = "department"
# The person who filed the case, known by its tracking number and secret (no account).
APPLICANT = "applicant"
BOTH_KINDS = frozenset({CaseKind.OBJECTION, CaseKind.REPAIR})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str
    kinds: frozenset = BOTH_KINDS
    role: str = OPERATOR
    decision: str = ""
    # The comment is shown to the applicant (and required): refusal reasons, decisions.
    public_comment: bool = False
    comment_required: bool = True
    # Only once the stage's deadline has passed (recalling a case from a silent department).
    only_when_overdue: bool = False
    # Ends the applicant's hopes or takes a case away: the screen asks to confirm it.
    needs_confirmation: bool = False
    # Only for cases decided this way (empty: any decision, or none).
    decisions: frozenset = frozenset()


def _t(action, label, sources, target, **kw) -> Transition:
    return Transition(action, label, frozenset(sources), target, **kw)


_DECIDABLE = (Stage.CHECKING, Stage.ANSWERED)
_OBJECTION = frozenset({CaseKind.OBJECTION})
_REPAIR = frozenset({CaseKind.REPAIR})
_STATEMENT = frozenset({CaseKind.STATEMENT})

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("accept", _("受理"), [Stage.SUBMITTED], Stage.ACCEPTED, comment_required=False),
        _t(
            "refuse",
            _("不予受理"),
            [Stage.SUBMITTED],
            Stage.REFUSED,
            public_comment=True,
            needs_confirmation=True,
        ),
        _t("check", _("平台核查"), [Stage.ACCEPTED], Stage.CHECKING, comment_required=False),
        _t("forward", _("转数据来源部门"), [Stage.ACCEPTED, Stage.CHECKING], Stage.FORWARDED),
        _t("answer", _("部门答复"), [Stage.FORWARDED], Stage.ANSWERED, role=DEPARTMENT),
        _t(
            "correct",
            _("决定：更正"),
            _DECIDABLE,
            Stage.DECIDED,
            kinds=_OBJECTION,
            decision=Decision.CORRECTED,
            public_comment=True,
        ),
        _t(
            "remove",
            _("决定：撤下"),
            _DECIDABLE,
            Stage.DECIDED,
            kinds=_OBJECTION,
            decision=Decision.REMOVED,
            public_comment=True,
        ),
        _t(
            "uphold",
            _("决定：维持"),
            _DECIDABLE,
            Stage.DECIDED,
            kinds=_OBJECTION,
            decision=Decision.UPHELD,
            public_comment=True,
        ),
        _t(
            "approve",
            _("决定：准予修复"),
            _DECIDABLE,
            Stage.DECIDED,
            kinds=_REPAIR,
            decision=Decision.APPROVED,
            public_comment=True,
        ),
        _t(
            "reject",
            _("决定：不予修复"),
            _DECIDABLE,
            Stage.DECIDED,
            kinds=_REPAIR,
            decision=Decision.REJECTED,
            public_comment=True,
        ),
        _t(
            "close",
            _("办结"),
            [Stage.REFUSED, Stage.DECIDED],
            Stage.CLOSED,
            public_comment=True,
            comment_required=False,
        ),
        _t(
            "publish",
            _("审核通过，展示声明"),
            [Stage.SUBMITTED],
            Stage.CLOSED,
            kinds=_STATEMENT,
            decision=Decision.PUBLISHED,
            public_comment=True,
            comment_required=False,
        ),
        _t(
            "decline",
            _("审核不通过"),
            [Stage.SUBMITTED],
            Stage.CLOSED,
            kinds=_STATEMENT,
            decision=Decision.DECLINED,
            public_comment=True,
            needs_confirmation=True,
        ),
        # A published statement comes off its record; the case stays closed.
        _t(
            "withdraw_statement",
            _("撤回声明"),
            [Stage.CLOSED],
            Stage.CLOSED,
            kinds=_STATEMENT,
            role=APPLICANT,
            public_comment=True,
            comment_required=False,
            needs_confirmation=True,
            decisions=frozenset({Decision.PUBLISHED}),
        ),
        _t(
            "take_down_statement",
            _("撤下声明"),
            [Stage.CLOSED],
            Stage.CLOSED,
            kinds=_STATEMENT,
            public_comment=True,
            needs_confirmation=True,
            decisions=frozenset({Decision.PUBLISHED}),
        ),
        # Urging (催办) keeps the stage; it is recorded like any other step.
        _t("urge", _("催办"), [Stage.FORWARDED], Stage.FORWARDED, comment_required=False),
        _t(
            "recall",
            _("收回由平台决定"),
            [Stage.FORWARDED],
            Stage.CHECKING,
            only_when_overdue=True,
            needs_confirmation=True,
        ),
    )
}

_OTHER_LABELS = {"submit": _("申请人提交")}


def action_label(action: str) -> str:
    step = TRANSITIONS.get(action)
    return str(step.label if step else _OTHER_LABELS.get(action, action))


DECISION_ACTIONS = frozenset(a for a, t in TRANSITIONS.items() if t.decision)


def allowed_actions(
    kind: str, stage: str, role: str | None = None, decision: str | None = None
) -> list[Transition]:
    """The steps a case of `kind` in `stage` can take next (optionally only one role's, and
    only those that fit the case's `decision`)."""
    return [
        t
        for t in TRANSITIONS.values()
        if stage in t.sources
        and kind in t.kinds
        and (role is None or t.role == role)
        and (decision is None or not t.decisions or decision in t.decisions)
    ]
