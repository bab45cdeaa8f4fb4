"""The one core that writes a record's derived columns and its versions.

Every path that creates or changes records — change_record, the scheduled
refresh, re-applying a catalog rule, and the department import's create,
fast create (plain INSERTs on SQLite) and update — takes its values from
these functions:

- derive_columns: the disclosure window (the catalog rule through
  CreditRecord.apply_disclosure_rule), the content hash, and the public state
  they give;
- book_change: the version number, the public state and when it last changed;
- new_version: the RecordVersion row for the record as it now stands.

They only set attributes: saving (one row, bulk_update, bulk_create or a plain
INSERT) is the caller's, so that a million-row import pays for no query here.
"""

import datetime as dt
import hashlib
import json

from portal.records.models import CreditRecord, RecordVersion

# One encoder for every canonical encoding (json.dumps builds a new one per call
# when given options, which shows when a department sends a million rows).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def hashed_json(data: dict) -> tuple[str, str]:
    """(content_hash(data), the canonical JSON it hashes): one encoding serves both."""
    canonical = _CANONICAL.encode(data)
    return hashlib.sha256(canonical.encode()).hexdigest(), canonical


def content_hash(data: dict) -> str:
    """A stable digest of a record's fields, to tell an unchanged resubmission."""
    return hashed_json(data)[0]


def derive_columns(
    record: CreditRecord,
    today: dt.date | None,
    *,
    rule=None,
    window: tuple | None = None,
    digest: str | None = None,
    data_changed: bool = False,
    item_is_public: bool | None = None,
    subject_is_minor: bool | None = None,
) -> str:
    """Recompute what a record's own columns imply and return its public state on `today`.

    The window comes from the catalog rule (`rule`, or the item's own), or is
    given as (ends, repair_from, publishable) when already computed for the
    same inputs (an import memoises it). The content hash is `digest` when
    already taken, else recomputed when the data changed. The state is
    returned, not set: book_change sets it with the version it belongs to.
    `item_is_public` and `subject_is_minor` spare the queries when known.
    """
    if window is not None:
        record.disclosure_ends, record.repair_from, record.publishable = window
    else:
        record.apply_disclosure_rule(rule)
    if digest is not None:
        record.content_hash = digest
    elif data_changed:
        record.content_hash = content_hash(record.data)
    return record.derive_public_state(
        today, item_is_public=item_is_public, subject_is_minor=subject_is_minor
    )


def book_change(record: CreditRecord, state: str, now: dt.datetime, *, first: bool = False) -> bool:
    """Book one change of a record: its next version number (1 for a new record), its
    public state, and the time that state was entered. Returns whether the state changed."""
    if first:
        record.version = 1
        record.created_at = now
        changed = True
    else:
        record.version += 1
        changed = state != record.public_state
    record.public_state = state
    if changed:
        record.state_changed_at = now
    record.updated_at = now
    return changed


def snapshot(record: CreditRecord) -> dict:
    return {
        "decision_no": record.decision_no,
        "decision_date": record.decision_date.isoformat(),
        "severity": record.severity,
        "title": record.title,
        "valid_until": record.valid_until.isoformat() if record.valid_until else None,
        "publish_until": record.publish_until.isoformat() if record.publish_until else None,
        "status": record.status,
        "under_objection": record.under_objection,
        "data": record.data,
    }


def new_version(
    record: CreditRecord, *, reason: str, reference: str = "", actor=None, comment: str = ""
) -> RecordVersion:
    """An unsaved version row for the record as it now stands (bulk loaders save many at once)."""
    return RecordVersion(
        record=record,
        number=record.version,
        actor=actor,
        reason=reason,
        reference=reference,
        comment=comment,
        public_state=record.public_state,
        snapshot=snapshot(record),
    )
