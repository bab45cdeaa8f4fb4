"""Loading: identity resolution, upserts with versions, all-or-nothing, idempotency."""

import datetime as dt

import pytest
from django.db import connection

from exchange import processing, services
from exchange.loader import ChunkLoader
from exchange.models import Batch, BatchRow, BatchStatus, IdentityCandidate, RowError
from exchange.validation import RowValidator
from importers.schema import ImportSchema
from portal.audit.models import AuditEvent
from portal.core.codes import make_resident_id
from portal.records.disclosure import PublicState
from portal.records.models import CreditRecord, RecordVersion
from portal.records.services import content_hash, hashed_json, snapshot
from portal.records.signals import records_changed
from portal.subjects.models import Subject, SubjectName
from tests.exchange.conftest import fixture_path, load, penalty_csv, penalty_row, submit
from tests.factories import OrganisationFactory, catalog_item, department, make_record

pytestmark = pytest.mark.django_db


def test_a_file_loads_records_subjects_and_versions():
    batch = load(fixture_path("penalty_utf8.csv").read_bytes())
    assert batch.status == BatchStatus.COMMITTED
    assert (batch.rows_total, batch.accepted, batch.rejected, batch.created_count) == (4, 4, 0, 4)
    records = CreditRecord.objects.filter(department__code="MARKET").order_by("decision_no")
    assert records.count() == 4
    first = records.get(decision_no="惠市监罚〔2026〕101号")
    assert first.subject.name == "惠州市样例贸易有限公司"
    assert first.natural_key == f"惠市监罚〔2026〕101号|{first.subject.code}"
    assert first.data["penalty_types"] == ["警告", "罚款"]
    assert first.content_hash == content_hash(first.data)
    # The disclosure period comes from the catalog: general = 1 year from the decision.
    assert first.disclosure_ends == dt.date(2027, 3, 14)
    assert first.repair_from == dt.date(2026, 6, 15)
    [version] = first.versions.all()
    assert (version.number, version.reason, version.reference) == (1, "batch", f"batch:{batch.pk}")
    assert version.snapshot == snapshot(first)
    # A warning only is not published; a minor penalty is not published either.
    warning = records.get(decision_no="惠市监罚〔2026〕102号")
    assert warning.public_state == PublicState.NOT_PUBLIC
    assert AuditEvent.objects.filter(
        action="exchange.batch.committed", target_id=str(batch.pk)
    ).exists()


def test_a_person_is_kept_only_hashed_and_masked():
    batch = load(fixture_path("penalty_utf8.csv").read_bytes())
    record = CreditRecord.objects.get(decision_no="惠市监罚〔2026〕103号")
    person = record.subject
    assert person.is_natural_person and person.code.startswith("P")
    assert "id_number" not in record.data
    assert (
        record.data["id_number_masked"]
        == "4413**********1237"[:4] + record.data["id_number_masked"][4:]
    )
    clear = [v for v in record.data.values() if isinstance(v, str) and v.startswith("441302199003")]
    assert clear == []
    assert "441302199003" not in str(RecordVersion.objects.get(record=record).snapshot)
    assert batch.created_count == 4


def test_resubmitting_the_same_content_creates_nothing_new():
    content = fixture_path("penalty_utf8.csv").read_bytes()
    load(content)
    before = (CreditRecord.objects.count(), RecordVersion.objects.count(), Subject.objects.count())
    again = load(content)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 4)
    assert (
        CreditRecord.objects.count(),
        RecordVersion.objects.count(),
        Subject.objects.count(),
    ) == before
    # The same rows in GBK or as XLSX are the same content.
    assert load(fixture_path("penalty_gbk.csv").read_bytes()).unchanged_count == 4
    assert load(fixture_path("penalty.xlsx").read_bytes(), "p.xlsx").unchanged_count == 4


def test_a_changed_row_updates_the_record_with_a_new_version():
    row = penalty_row()
    load(penalty_csv([row]))
    changed = load(penalty_csv([{**row, "facts": "经复核，违法事实更正。"}]))
    assert (changed.created_count, changed.updated_count) == (0, 1)
    record = CreditRecord.objects.get(decision_no=row["decision_no"])
    # Kept as written: full-width punctuation is Chinese, not a width variant.
    assert record.version == 2 and record.data["facts"] == "经复核，违法事实更正。"
    assert list(record.versions.values_list("number", "reference")) == [
        (1, record.versions.first().reference),
        (2, f"batch:{changed.pk}"),
    ]


def test_dry_run_plans_per_row_and_loads_nothing():
    row = penalty_row()
    load(penalty_csv([row]))
    content = penalty_csv([{**row, "facts": "新的事实"}, penalty_row(), penalty_row(uscc="bad")])
    batch = services.validate_batch(submit(content, dry_run=True).pk)
    assert batch.status == BatchStatus.VALIDATED
    assert (batch.created_count, batch.updated_count, batch.rejected) == (1, 1, 1)
    assert list(BatchRow.objects.filter(batch=batch).values_list("row", "outcome")) == [
        (2, "update"),
        (3, "create"),
        (4, "rejected"),
    ]
    assert CreditRecord.objects.count() == 1
    assert not batch.can_commit


def test_validate_then_commit_loads_the_accepted_rows_only():
    content = penalty_csv([penalty_row(), penalty_row(facts=""), penalty_row()])
    batch = services.validate_batch(submit(content).pk)
    assert (batch.status, batch.accepted, batch.rejected) == (BatchStatus.VALIDATED, 2, 1)
    assert CreditRecord.objects.count() == 0
    batch = services.commit_batch(batch.pk)
    assert (batch.status, batch.created_count) == (BatchStatus.COMMITTED, 2)
    assert CreditRecord.objects.count() == 2
    assert RowError.objects.filter(batch=batch).values_list("row", "field", "code").get() == (
        3,
        "facts",
        "required",
    )


def test_commit_is_idempotent():
    batch = services.validate_batch(submit(penalty_csv([penalty_row()])).pk)
    services.commit_batch(batch.pk)
    services.commit_batch(batch.pk)  # a redelivered task
    assert CreditRecord.objects.count() == 1 and RecordVersion.objects.count() == 1
    assert services.validate_batch(batch.pk).status == BatchStatus.COMMITTED


def test_loaded_records_are_announced_after_commit(django_capture_on_commit_callbacks):
    seen = []

    def listener(sender, record_ids, reason, **kwargs):
        seen.append((sorted(record_ids), reason))

    records_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            load(penalty_csv([penalty_row(), penalty_row()]))
            assert seen == []  # nothing before the transaction commits
    finally:
        records_changed.disconnect(listener)
    assert seen == [(sorted(CreditRecord.objects.values_list("id", flat=True)), "batch")]


def test_a_code_attaches_to_its_subject_and_a_new_name_is_kept():
    subject = OrganisationFactory(name="惠州市老名字有限公司")
    # A clearly different name loads once the officer confirms the code (test_name_mismatch).
    load(
        penalty_csv([penalty_row(uscc=subject.uscc, subject_name="惠州市新名字有限公司")]),
        names_confirmed=True,
    )
    assert Subject.objects.filter(uscc=subject.uscc).count() == 1
    assert CreditRecord.objects.get().subject == subject
    assert SubjectName.objects.filter(subject=subject, name="惠州市新名字有限公司").exists()


def test_a_width_variant_of_the_subjects_name_is_not_a_former_name():
    subject = OrganisationFactory(name="惠州市测试(惠阳)有限公司")
    load(penalty_csv([penalty_row(uscc=subject.uscc, subject_name="惠州市测试（惠阳）有限公司")]))
    assert CreditRecord.objects.get().subject == subject
    assert not SubjectName.objects.filter(subject=subject).exists()


def test_a_width_variant_of_a_decision_number_is_the_same_decision():
    """Kept text keeps its punctuation, but keys compare folded: the second spelling
    updates the record (or is a repeat within one file), never a second record."""
    row = penalty_row(decision_no="惠市监罚（2026）88号")
    first = load(penalty_csv([row]))
    assert first.created_count == 1
    again = load(penalty_csv([{**row, "decision_no": "惠市监罚(2026)88号"}]))
    assert (again.created_count, again.updated_count) == (0, 1)
    record = CreditRecord.objects.get()
    assert record.natural_key.startswith("惠市监罚(2026)88号|")
    assert record.decision_no == "惠市监罚(2026)88号"

    both = penalty_row(decision_no="惠市监罚（2026）99号")
    repeated = load(penalty_csv([both, {**both, "decision_no": "惠市监罚(2026)99号"}]))
    assert (repeated.created_count, repeated.rejected) == (1, 1)
    assert RowError.objects.get(batch=repeated).code == "duplicate"


def test_a_name_only_match_becomes_a_candidate_never_a_merge():
    existing = OrganisationFactory(name="惠州市同名科技有限公司")
    batch = load(penalty_csv([penalty_row(subject_name="惠州市同名科技有限责任公司")]))
    record = CreditRecord.objects.get()
    assert record.subject != existing  # a different code is a different subject
    candidate = IdentityCandidate.objects.get(batch=batch)
    assert (candidate.matched_subject, candidate.attached_subject) == (existing, record.subject)
    assert candidate.status == "open" and batch.candidate_count == 1


def test_a_record_under_objection_is_not_overwritten():
    record = make_record(department_code="MARKET")
    record.under_objection = True
    record.save()
    row = penalty_row(decision_no=record.decision_no, uscc=record.subject.uscc)
    batch = load(penalty_csv([row]))
    assert (batch.accepted, batch.rejected) == (0, 1)
    assert RowError.objects.get(batch=batch).code == "under_objection"


def test_records_are_keyed_per_department():
    row = penalty_row()
    load(penalty_csv([row]))
    tax = department("TAX")
    # The same decision sent by another department (as its own data source).
    load(penalty_csv([dict(row, source_uscc=tax.uscc)]), department=tax)
    assert CreditRecord.objects.filter(decision_no=row["decision_no"]).count() == 2


def test_a_department_cannot_submit_another_departments_item():
    with pytest.raises(services.SubmissionError) as caught:
        submit("x", item=catalog_item("TAX_ARREARS"))
    assert caught.value.status == 403


@pytest.mark.django_db(transaction=True)
def test_a_load_that_fails_after_some_rows_leaves_nothing_and_can_be_retried(monkeypatch):
    monkeypatch.setattr(processing, "CHUNK_ROWS", 3)
    content = penalty_csv([penalty_row() for _ in range(10)])
    batch = services.validate_batch(submit(content).pk)
    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.COMMITTING)

    chunks = []

    def crash_after_two_chunks(result):
        chunks.append(result.rows_total)
        if len(chunks) == 2:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        services.commit_batch(batch.pk, after_chunk=crash_after_two_chunks)
    assert chunks == [3, 6]  # six rows were loaded inside the transaction, then it died
    assert CreditRecord.objects.count() == 0
    assert RecordVersion.objects.count() == 0
    assert Subject.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTING and "worker killed" in batch.last_failure
    assert services.is_stalled(batch)

    batch = services.commit_batch(batch.pk)
    assert (batch.status, batch.created_count) == (BatchStatus.COMMITTED, 10)
    assert CreditRecord.objects.count() == 10 and RecordVersion.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_a_crash_during_a_combined_load_leaves_the_batch_retryable(monkeypatch):
    monkeypatch.setattr(processing, "CHUNK_ROWS", 2)
    batch = submit(penalty_csv([penalty_row() for _ in range(5)]), auto_commit=True)

    def crash(result):
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        services.validate_batch(batch.pk, after_chunk=crash)
    assert CreditRecord.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATING and batch.attempts == 1
    batch = services.validate_batch(batch.pk)
    assert batch.status == BatchStatus.COMMITTED and CreditRecord.objects.count() == 5
    assert batch.attempts == 2


# Every column of the model, so that a new column is compared without anyone listing it;
# left out only what differs by construction: ids, and the department each run loads for.
RECORD_COLUMNS = [
    f for f in CreditRecord._meta.concrete_fields if f.attname not in {"id", "department_id"}
]
VERSION_COLUMNS = [
    f for f in RecordVersion._meta.concrete_fields if f.attname not in {"id", "record_id"}
]


def columns(instance, fields) -> dict:
    """The instance's columns by name; a timestamp only as set or not (the clock moves)."""
    return {
        f.attname: (
            getattr(instance, f.attname) is not None
            if f.get_internal_type() == "DateTimeField"
            else getattr(instance, f.attname)
        )
        for f in fields
    }


def test_the_fast_sqlite_path_writes_what_the_django_path_writes():
    """The plain-INSERT path (SQLite) and bulk_create with new_version (elsewhere) agree."""
    if connection.vendor != "sqlite":
        pytest.skip("the fast path is SQLite's")
    item = catalog_item("ADM_PENALTY")
    schema = ImportSchema.from_item(item)
    rows = [
        penalty_row(),
        penalty_row(penalty_types="警告", content="警告", fine_amount="", severity="轻微"),
        penalty_row(
            subject_kind="自然人",
            uscc="",
            id_type="身份证",
            id_number=make_resident_id("441302", "20100101", "123"),
        ),
        penalty_row(severity="严重", publish_until="2026-06-01"),
    ]
    header = schema.map_header([s.key for s in schema.fields])

    def run(fast, dept):
        validator = RowValidator(schema, header, today=dt.date(2026, 11, 24))
        clean = []
        for n, row in enumerate(rows, start=2):
            value, problems = validator.validate(n, [row.get(s.key, "") for s in schema.fields])
            assert problems == [], problems
            clean.append(value)
        loader = ChunkLoader(
            item=item,
            department=department(dept),
            write=True,
            today=dt.date(2026, 11, 24),
            fast=fast,
        )
        loader.reference = "batch:test"
        loader.process(clean)
        return [
            (
                columns(record, RECORD_COLUMNS),
                [columns(v, VERSION_COLUMNS) for v in record.versions.order_by("number")],
            )
            for record in CreditRecord.objects.filter(department__code=dept).order_by("decision_no")
        ]

    fast = run(True, "MARKET")
    django_path = run(False, "TAX")
    assert len(fast) == len(rows)
    assert fast == django_path
    assert Subject.objects.filter(kind="natural_person").get().adult_on == dt.date(2028, 1, 1)
    # A person who was a minor at the decision is never published.
    minor = CreditRecord.objects.get(department__code="MARKET", subject__kind="natural_person")
    assert minor.public_state == PublicState.NOT_PUBLIC


def test_hashed_json_keeps_the_stored_hash_format():
    """Hashes already stored were taken over this exact encoding: it must not drift,
    or every resubmitted row would count as changed."""
    import hashlib
    import json

    data = {"b": ["警告", "罚款"], "a": "惠州", "n": "1.5", "d": dt.date(2026, 1, 2)}
    digest, canonical = hashed_json(data)
    assert canonical == json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    assert canonical == '{"a": "惠州", "b": ["警告", "罚款"], "d": "2026-01-02", "n": "1.5"}'
    assert digest == hashlib.sha256(canonical.encode()).hexdigest() == content_hash(data)


def test_reading_in_a_second_process_loads_what_reading_inline_loads(monkeypatch):
    """Big files are read and validated by a second process beside the writer."""
    from exchange.models import BatchRow

    monkeypatch.setattr(processing, "CHUNK_ROWS", 40)
    # The same file goes to three departments: those without a code of their own on file
    # are not held to the rows' data-source code.
    from portal.departments.models import Department

    Department.objects.filter(code__in=["TAX", "COURT"]).update(uscc="")
    rows = [penalty_row() for _ in range(150)]
    rows[7]["facts"] = ""
    rows[90]["uscc"] = "bad"
    rows[120] = dict(rows[3])  # a repeat, found across the readers' chunks
    rows.append(
        penalty_row(
            subject_kind="自然人",
            uscc="",
            id_type="身份证",
            id_number=make_resident_id("441302", "19900101", "321"),
        )
    )

    def run(readers, dept):
        batch = submit(penalty_csv(rows), department=department(dept))
        Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.VALIDATING)
        batch.refresh_from_db()
        result = processing.process_file(batch, write=True, readers=readers)
        outcomes = list(
            BatchRow.objects.filter(batch=batch).order_by("row").values_list("row", "outcome")
        )
        errors = list(
            RowError.objects.filter(batch=batch).order_by("row").values_list("row", "field", "code")
        )
        records = list(
            CreditRecord.objects.filter(department__code=dept)
            .order_by("decision_no")
            .values_list(
                "subject__code",
                "natural_key",
                "data",
                "content_hash",
                "public_state",
                "disclosure_ends",
                "versions__snapshot",
            )
        )
        return (result.rows_total, result.rejected, result.created), outcomes, errors, records

    inline = run(0, "MARKET")
    assert inline[0] == (151, 3, 148)
    assert run(1, "TAX") == inline
    assert run(2, "COURT") == inline  # two readers taking chunks in turn


def test_a_file_found_bad_halfway_leaves_nothing(monkeypatch):
    """An encoding error far into the file, after chunks were loaded: nothing stays."""
    monkeypatch.setattr(processing, "CHUNK_ROWS", 500)
    good = penalty_csv([penalty_row() for _ in range(3500)])  # beyond the 1 MiB sniffed
    assert len(good) > 1024 * 1024
    batch = submit(good + "惠州市坏编码公司".encode("gbk") + b",x\n", auto_commit=True)
    batch = services.validate_batch(batch.pk)
    assert batch.status == BatchStatus.FAILED and batch.file_error_code == "encoding"
    assert CreditRecord.objects.count() == 0 and Subject.objects.count() == 0
    assert not RowError.objects.filter(batch=batch).exists()


def _record_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
            "('records_creditrecord', 'records_recordversion') ORDER BY name"
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_a_big_first_load_rebuilds_the_indexes_it_dropped(settings, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's bulk-load mode")
    settings.PORTAL_IMPORT_REINDEX_MIN_ROWS = 1
    before = _record_indexes()
    assert len(before) > 5
    monkeypatch.setattr(processing, "CHUNK_ROWS", 5)

    def crash(result):
        assert len(_record_indexes()) < len(before)  # dropped while loading
        raise RuntimeError("killed")

    batch = submit(penalty_csv([penalty_row() for _ in range(12)]), auto_commit=True)
    with pytest.raises(RuntimeError):
        services.validate_batch(batch.pk, after_chunk=crash)
    assert _record_indexes() == before and CreditRecord.objects.count() == 0
    batch = services.validate_batch(batch.pk)
    assert batch.status == BatchStatus.COMMITTED and CreditRecord.objects.count() == 12
    assert _record_indexes() == before


def test_stalled_batches_are_sent_again(django_capture_on_commit_callbacks):
    import datetime as dt_

    from django.utils import timezone

    quiet = submit(penalty_csv([penalty_row()]))  # received; its task never ran
    Batch.objects.filter(pk=quiet.pk).update(created_at=timezone.now() - dt_.timedelta(hours=2))
    fresh = submit(penalty_csv([penalty_row()]))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resume_stalled_batches() == 1
    quiet.refresh_from_db()
    fresh.refresh_from_db()
    assert quiet.status == BatchStatus.VALIDATED and fresh.status == BatchStatus.RECEIVED
