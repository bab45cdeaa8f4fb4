"""A subject's statement (本人声明) beside an adverse record (docs/domain.md, Statements).

The subject files it through the public case site (portal.objections: a tracking
number and a secret, an operator's check); this module holds the rules of the
statement itself, so that filing and publishing ask the same questions:

- statement_problems(record) — why no statement can be attached (empty: it can):
  only records the public sees now (portal.records.visibility), of adverse items;
- clean_text(text) -> the text as it will be published: trimmed, at most
  MAX_LENGTH characters, personal numbers masked (portal.core.pii);
- publish_statement(record, text, ...) — the checked statement becomes the record's
  current one, replacing an earlier one; audited; cached pages showing the record
  are invalidated once it commits;
- remove_statement(record, reference, how, ...) — the statement comes off the record before
  any change of the record: withdrawn by the subject or taken down by an operator with a
  reason; audited, caches invalidated the same way.

Whether the public reads a published statement is decided by visibility alone
(public_statements): a record that leaves public view takes its statement with it.
"""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit.services import record_event
from portal.core.pii import mask_personal_numbers
from portal.records import visibility
from portal.records.models import CreditRecord, RecordStatement
from portal.records.signals import records_changed

# Characters, counted after trimming: a statement sits beside the record, it is not a brief.
MAX_LENGTH = 500
# The reason records_changed carries for a statement (listeners that only refresh
# caches treat it like any other change).
CHANGE_REASON = "statement"


class Removal(models.TextChoices):
    """How a published statement comes off its record before the record itself changes."""

    # The subject takes back its own words (through the case site, number and secret).
    WITHDRAWN = "withdrawn", gettext_lazy("本人撤回")
    # An operator takes it down with a stated reason (a third party defamed, personal data
    # the masking missed).
    TAKEN_DOWN = "taken_down", gettext_lazy("平台撤下")


class StatementError(ValueError):
    """A statement the rules refuse; the message is for the person who asked."""


def statement_problems(record: CreditRecord) -> list[str]:
    """Why `record` cannot carry a statement now; empty when it can."""
    if not visibility.is_public_record(record):
        return [_("该记录未在公示，不能附加本人声明。")]
    if not record.catalog_item.is_adverse:
        return [_("本人声明仅适用于失信（不良）信息。")]
    return []


def accepts_statement(record: CreditRecord) -> bool:
    return not statement_problems(record)


def clean_text(text: str) -> str:
    """The statement as it will be stored and published; raises StatementError."""
    text = (text or "").strip()
    if not text:
        raise StatementError(_("请填写声明内容。"))
    if len(text) > MAX_LENGTH:
        raise StatementError(
            _("声明内容最多 %(max)d 个字，当前为 %(count)d 个字，请精简后重新提交。")
            % {"max": MAX_LENGTH, "count": len(text)}
        )
    # Published text never carries an identity, mobile or bank card number in clear.
    return mask_personal_numbers(text).text


def publish_statement(
    record: CreditRecord,
    text: str,
    *,
    reference: str,
    actor=None,
    now: dt.datetime | None = None,
) -> RecordStatement:
    """Make `text` the record's current statement (replacing any earlier one). Raises
    StatementError when the record may no longer carry one or the text is refused."""
    now = now or timezone.now()
    record = CreditRecord.objects.select_related("catalog_item").get(pk=record.pk)
    problems = statement_problems(record)
    if problems:
        raise StatementError(" ".join(problems))
    text = clean_text(text)
    with transaction.atomic():
        earlier = RecordStatement.objects.select_for_update().filter(record=record).first()
        replaced = earlier.reference if earlier is not None else ""
        statement = earlier or RecordStatement(record=record)
        statement.subject_id = record.subject_id
        statement.text = text
        statement.reference = reference
        statement.published_at = now
        statement.published_by = actor if getattr(actor, "is_authenticated", False) else None
        statement.save()
        record_event(
            "record.statement_published",
            actor=actor,
            target=record,
            data={"reference": reference, "replaced": replaced, "length": len(text)},
        )
        ids = [record.pk]
        transaction.on_commit(
            lambda: records_changed.send(sender=CreditRecord, record_ids=ids, reason=CHANGE_REASON)
        )
    return statement


def current_statement(record_id: int, reference: str) -> RecordStatement | None:
    """The record's stored statement if it is the one from `reference` (None once replaced,
    withdrawn, taken down or purged)."""
    return RecordStatement.objects.filter(record_id=record_id, reference=reference).first()


def remove_statement(
    record: CreditRecord,
    *,
    reference: str,
    how: str,
    reason: str = "",
    actor=None,
) -> None:
    """Take the statement that came through `reference` off `record`: the row is deleted
    (the case keeps the words for staff, the audit trail the act). Raises StatementError
    when that statement is no longer the record's current one."""
    how = Removal(how)
    reason = (reason or "").strip()
    if how == Removal.TAKEN_DOWN and not reason:
        raise StatementError(_("撤下声明须说明原因。"))
    with transaction.atomic():
        statement = (
            RecordStatement.objects.select_for_update()
            .filter(record_id=record.pk, reference=reference)
            .first()
        )
        if statement is None:
            raise StatementError(_("该声明已不在记录旁展示（已被新的声明替换或已撤下）。"))
        length = len(statement.text)
        statement.delete()
        record_event(
            f"record.statement_{how.value}",
            actor=actor,
            target=record,
            data={"reference": reference, "reason": reason, "length": length},
        )
        ids = [record.pk]
        transaction.on_commit(
            lambda: records_changed.send(sender=CreditRecord, record_ids=ids, reason=CHANGE_REASON)
        )
