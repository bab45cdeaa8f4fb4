"""The record-writing core: derived columns and version bookkeeping, without a database."""

import datetime as dt

from portal.catalog.models import DisclosureRule
from portal.records.disclosure import PublicState, RecordStatus
from portal.records.models import CreditRecord
from portal.records.writing import book_change, content_hash, derive_columns, new_version

RULE = DisclosureRule(
    basis="period",
    periods={"general": (3, 12, True)},
    warning_only_unpublished=True,
)
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def record(**overrides) -> CreditRecord:
    values = {
        "decision_no": "惠市监罚〔2026〕1号",
        "decision_date": dt.date(2026, 5, 1),
        "severity": "general",
        "status": RecordStatus.ACTIVE,
        "data": {"penalty_types": ["罚款"], "fine_amount": "2"},
        "content_hash": "old",
    }
    values.update(overrides)
    return CreditRecord(**values)


def derive(r, today=dt.date(2026, 11, 24), **kwargs):
    kwargs.setdefault("item_is_public", True)
    kwargs.setdefault("subject_is_minor", False)
    return derive_columns(r, today, **kwargs)


def test_the_catalog_rule_gives_the_window_and_the_state():
    r = record()
    assert derive(r, rule=RULE) == PublicState.PUBLISHED
    assert (r.disclosure_ends, r.repair_from, r.publishable) == (
        dt.date(2027, 4, 30),
        dt.date(2026, 8, 1),
        True,
    )
    assert derive(r, dt.date(2027, 5, 1), rule=RULE) == PublicState.EXPIRED
    # A minor's conduct and a shared-only item are never public.
    assert derive(r, rule=RULE, subject_is_minor=True) == PublicState.NOT_PUBLIC
    assert derive(r, rule=RULE, item_is_public=False) != PublicState.PUBLISHED
    # The state is returned, not set: booking it is book_change's.
    assert r.public_state == ""


def test_a_window_already_computed_is_taken_as_given():
    r = record()
    assert derive(r, window=(dt.date(2026, 6, 1), None, True)) == PublicState.EXPIRED
    assert (r.disclosure_ends, r.repair_from, r.publishable) == (dt.date(2026, 6, 1), None, True)


def test_the_content_hash_follows_the_data_only_when_it_changed():
    r = record()
    derive(r, rule=RULE)
    assert r.content_hash == "old"
    derive(r, rule=RULE, data_changed=True)
    assert r.content_hash == content_hash(r.data)
    derive(r, rule=RULE, digest="given")
    assert r.content_hash == "given"


def test_a_first_version_is_booked_as_entering_its_state():
    r = record()
    assert book_change(r, PublicState.PUBLISHED, NOW, first=True) is True
    assert (r.version, r.public_state) == (1, PublicState.PUBLISHED)
    assert r.created_at == r.updated_at == r.state_changed_at == NOW
    version = new_version(r, reason="batch", reference="batch:1")
    assert (version.number, version.public_state) == (1, PublicState.PUBLISHED)
    assert version.snapshot["decision_no"] == r.decision_no


def test_a_change_counts_a_version_and_dates_only_a_new_state():
    r = record(version=3, public_state=PublicState.PUBLISHED, state_changed_at=NOW)
    later = NOW + dt.timedelta(days=1)
    assert book_change(r, PublicState.PUBLISHED, later) is False
    assert (r.version, r.state_changed_at, r.updated_at) == (4, NOW, later)
    assert book_change(r, PublicState.EXPIRED, later) is True
    assert (r.version, r.public_state, r.state_changed_at) == (5, PublicState.EXPIRED, later)
