"""What decisions do to the record: always through change_record (a version, an audit
entry, a records_changed announcement), and what the public then sees."""

import pytest

from portal.audit.models import AuditEvent
from portal.records.disclosure import PublicState, RecordStatus
from portal.records.models import CreditRecord, RecordVersion
from portal.records.signals import records_changed
from tests.objections.helpers import file_objection, file_repair

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    seen = []

    def listener(sender, record_ids, reason, **kwargs):
        seen.append((list(record_ids), reason))

    records_changed.connect(listener)
    yield seen
    records_changed.disconnect(listener)


def run(case, actions, operator, officer, **kw):
    from portal.objections import services

    for action in actions:
        extra = dict(kw) if action in {"correct"} else {}
        if action == "answer":
            extra["recommendation"] = "uphold" if case.kind == "objection" else "approve"
        services.transition(
            case,
            action,
            actor=officer if action == "answer" else operator,
            comment=f"{action} 说明",
            **extra,
        )


def public_ids(subject):
    """The profile query: what the public may see of the subject."""
    return set(CreditRecord.objects.public().filter(subject=subject).values_list("pk", flat=True))


def test_submitting_changes_nothing_accepting_marks_the_record(
    record, operator, announced, django_capture_on_commit_callbacks
):
    case, _ = file_objection(record)
    record.refresh_from_db()
    assert not record.under_objection and record.version == 1
    with django_capture_on_commit_callbacks(execute=True):
        run(case, ["accept"], operator, None)
    record.refresh_from_db()
    assert record.under_objection and record.public_state == PublicState.UNDER_OBJECTION
    assert record.pk in public_ids(record.subject)  # still shown, marked as contested
    version = RecordVersion.objects.get(record=record, number=2)
    assert version.reason == "objection" and version.reference == f"objection:{case.tracking_no}"
    assert version.actor == operator
    assert announced == [([record.pk], "objection")]


def test_correct_writes_the_new_data_as_a_new_version(record, operator):
    case, _ = file_objection(record)
    run(case, ["accept", "check"], operator, None)
    run(
        case,
        ["correct"],
        operator,
        None,
        corrections={"fine_amount": "0.5", "content": "罚款0.5万元"},
    )
    record.refresh_from_db()
    assert record.data["fine_amount"] == "0.5" and record.data["content"] == "罚款0.5万元"
    assert record.version == 3 and record.status == RecordStatus.ACTIVE
    assert not record.under_objection and record.public_state == PublicState.PUBLISHED
    assert record.pk in public_ids(record.subject)
    old = RecordVersion.objects.get(record=record, number=2).snapshot
    assert old["data"]["fine_amount"] == "1.5"
    assert (
        AuditEvent.objects.filter(action="record.objection", target_id=str(record.pk)).count() == 2
    )


def test_correct_refuses_unknown_or_unchanged_fields(record, operator):
    from portal.objections import services

    case, _ = file_objection(record)
    run(case, ["accept", "check"], operator, None)
    with pytest.raises(services.CaseError, match="不存在的字段"):
        run(case, ["correct"], operator, None, corrections={"no_such_field": "x"})
    with pytest.raises(services.CaseError, match="至少修改一个字段"):
        run(case, ["correct"], operator, None, corrections={"fine_amount": "1.5"})
    record.refresh_from_db()
    assert record.version == 2 and case.stage == "checking"


def test_remove_takes_the_record_off_the_public_site(record, operator, officer):
    case, _ = file_objection(record)
    run(case, ["accept", "forward", "answer"], operator, officer)
    assert record.pk in public_ids(record.subject)
    run(case, ["remove"], operator, officer)
    record.refresh_from_db()
    assert record.status == RecordStatus.REVOKED
    assert record.public_state == PublicState.REVOKED
    assert public_ids(record.subject) == set()


def test_uphold_lifts_the_mark_unless_another_objection_is_open(record, operator):
    first, _ = file_objection(record)
    second, _ = file_objection(
        record, applicant_name="赵六", applicant_email="other@example.com", ground="duplicate"
    )
    run(first, ["accept"], operator, None)
    run(second, ["accept"], operator, None)
    run(first, ["check", "uphold"], operator, None)
    record.refresh_from_db()
    assert record.under_objection  # the second objection is still being handled
    run(second, ["check", "uphold"], operator, None)
    record.refresh_from_db()
    assert not record.under_objection and record.public_state == PublicState.PUBLISHED
    assert record.status == RecordStatus.ACTIVE and record.pk in public_ids(record.subject)


def test_refusing_an_objection_leaves_the_record_alone(record, operator):
    case, _ = file_objection(record)
    run(case, ["refuse", "close"], operator, None)
    record.refresh_from_db()
    assert record.version == 1 and not record.under_objection


def test_approved_repair_withdraws_the_record(repairable, operator, officer, announced):
    case, _ = file_repair(repairable)
    run(case, ["accept", "forward", "answer"], operator, officer)
    repairable.refresh_from_db()
    assert repairable.public_state == PublicState.PUBLISHED  # nothing happens before the decision
    run(case, ["approve"], operator, officer)
    repairable.refresh_from_db()
    assert repairable.status == RecordStatus.REPAIRED
    assert repairable.public_state == PublicState.REPAIRED
    assert public_ids(repairable.subject) == set()
    version = repairable.versions.get(number=repairable.version)
    assert version.reason == "repair" and version.reference == f"repair:{case.tracking_no}"


def test_rejected_repair_keeps_the_record_public(repairable, operator):
    case, _ = file_repair(repairable)
    run(case, ["accept", "check", "reject"], operator, None)
    repairable.refresh_from_db()
    assert repairable.status == RecordStatus.ACTIVE and repairable.version == 1
    assert repairable.pk in public_ids(repairable.subject)


def test_objection_and_decision_reach_public_search(
    record, operator, settings, django_capture_on_commit_callbacks
):
    """Every effect reaches the index through records_changed: the search engineer's
    listener queues the record, its task reindexes the subject."""
    indexing = pytest.importorskip("search.indexing")
    from search import backends
    from search.service import SearchQuery, search_public, subject_profile

    backends._cache.clear()
    settings.PORTAL_SEARCH_BACKEND = "embedded"
    backends.get_backend().drop_all()
    indexing.index_subjects([record.subject_id])

    def record_hits():
        results = search_public(SearchQuery(q=record.decision_no, per_page=50))
        return [h for h in results.hits if h.record_id == record.pk]

    def profile_records(record):
        profile = subject_profile(record.subject.code)
        return [(r["id"], r["under_objection"]) for g in profile["groups"] for r in g["records"]]

    [hit] = record_hits()
    assert not hit.under_objection
    assert profile_records(record) == [(record.pk, False)]
    case, _ = file_objection(record)
    with django_capture_on_commit_callbacks(execute=True):
        run(case, ["accept"], operator, None)
    [hit] = record_hits()
    assert hit.under_objection
    assert profile_records(record) == [(record.pk, True)]
    with django_capture_on_commit_callbacks(execute=True):
        run(case, ["check", "remove"], operator, None)
    assert record_hits() == []
    assert profile_records(record) == []
    backends._cache.clear()
