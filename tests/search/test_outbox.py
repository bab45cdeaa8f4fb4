"""Indexing through the outbox: nothing is lost when the search engine is down."""

import pytest

from portal.records.disclosure import RecordStatus
from portal.records.services import announce, change_record
from search import backends
from search.indexing import catch_up, pending
from search.models import OutboxEntry
from tests.factories import OrganisationFactory, make_record
from tests.search.conftest import configure
from tests.search.helpers import reindex, search


@pytest.mark.django_db
def test_records_changed_goes_through_outbox_to_index(
    search_backend, django_capture_on_commit_callbacks
):
    subject = OrganisationFactory(name="惠州市东江环保有限公司")
    record = make_record(subject, data={"violation_type": "违法排放水污染物"})
    OutboxEntry.objects.all().delete()  # the new subject's own entry; not what is tested
    assert search(q="违法排放").total == 0
    with django_capture_on_commit_callbacks(execute=True):
        announce([record.pk], "batch")
    assert search(q="违法排放").total == 1
    assert OutboxEntry.objects.count() == 0


@pytest.mark.django_db
def test_deleted_record_leaves_the_index(search_backend, django_capture_on_commit_callbacks):
    record = make_record(OrganisationFactory(), data={"violation_type": "未批先建"})
    reindex()
    assert search(q="未批先建").total == 1
    record_id = record.pk
    record.versions.all().delete()
    record.delete()
    with django_capture_on_commit_callbacks(execute=True):
        announce([record_id], "department")
    assert search(q="未批先建").total == 0


@pytest.mark.django_db
@pytest.mark.elasticsearch
def test_engine_outage_loses_nothing(settings, request, django_capture_on_commit_callbacks):
    configure(settings, "elasticsearch", request)
    record = make_record(OrganisationFactory(name="惠州市罗浮山食品有限公司"))
    reindex()
    OutboxEntry.objects.all().delete()  # indexed directly above
    live_url = settings.ELASTICSEARCH_URL
    # The engine goes away (nothing listens on port 9).
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    backends._cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_record(record, reason="repair", status=RecordStatus.REPAIRED)  # the save succeeds
    entry = OutboxEntry.objects.get()
    assert entry.attempts == 1 and entry.record_ids == [record.pk]
    assert "Connection" in entry.last_error
    assert pending()["failing"] == 1
    # Back up: the periodic catch-up retries once the entry is due.
    settings.ELASTICSEARCH_URL = live_url
    backends._cache.clear()
    assert search(q="惠州市罗浮山食品").hits[0].type == "subject"
    assert search(q=record.decision_no).total == 1  # still the stale published record
    OutboxEntry.objects.update(next_attempt_at=None)
    assert catch_up() == 1
    assert OutboxEntry.objects.count() == 0
    assert search(q=record.decision_no).total == 0
    backends._cache.clear()


@pytest.mark.django_db
def test_outbox_note_commits_with_the_change_or_not_at_all():
    from django.db import transaction

    record = make_record(OrganisationFactory())
    OutboxEntry.objects.all().delete()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        change_record(record, reason="objection", under_objection=True)
        # Written inside the changing transaction, before any commit.
        assert [e.record_ids for e in OutboxEntry.objects.all()] == [[record.pk]]
        raise Abort
    assert OutboxEntry.objects.count() == 0  # rolled back with the change
    change_record(record, reason="objection", under_objection=True)
    assert OutboxEntry.objects.count() == 1


@pytest.fixture
def hanging_engine():
    """An "engine" that accepts connections and never answers: the worst outage."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.mark.django_db
@pytest.mark.elasticsearch
def test_an_import_during_an_outage_returns_once_committed_and_loses_nothing(
    settings, request, hanging_engine, django_capture_on_commit_callbacks
):
    import time
    from io import StringIO

    from django.core.management import call_command

    from portal.records.models import CreditRecord
    from portal.subjects.models import Subject
    from tests.exchange.conftest import penalty_csv, penalty_row

    rows = [
        penalty_row(
            subject_name=f"惠州市停机测试{n:03d}有限公司", uscc=uscc, decision_no=f"停{n}号"
        )
        for n, uscc in enumerate(
            __import__("tests.factories").factories.next_uscc() for _ in range(120)
        )
    ]
    path = request.getfixturevalue("tmp_path") / "outage.csv"
    path.write_bytes(penalty_csv(rows))
    configure(settings, "elasticsearch", request)
    live_url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = hanging_engine
    settings.PORTAL_ELASTICSEARCH_TIMEOUT = 1
    backends._cache.clear()

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_records",
            str(path),
            "--department",
            "MARKET",
            "--catalog",
            "ADM_PENALTY",
            stdout=StringIO(),
        )
        # Subjects saved one by one (renames, former names) each queue their own entry
        # and their own indexing task, as a large import's identity updates do.
        for subject in Subject.objects.filter(name__startswith="惠州市停机测试")[:60]:
            subject.name = subject.name.replace("停机测试", "停机测验")
            subject.save()
    elapsed = time.monotonic() - started
    assert CreditRecord.objects.filter(decision_no__startswith="停").count() == 120
    # One failed attempt (three one-second tries), then every entry deferred at once:
    # not a timeout per entry.
    assert elapsed < 20, elapsed
    entries = OutboxEntry.objects.all()
    assert entries.count() > 60 and not entries.filter(next_attempt_at__isnull=True).exists()
    assert max(entries.values_list("attempts", flat=True)) <= 1

    # The engine comes back: the scheduled catch-up indexes everything.
    settings.ELASTICSEARCH_URL = live_url
    backends._cache.clear()
    OutboxEntry.objects.update(next_attempt_at=None)
    assert catch_up() >= 1
    assert not OutboxEntry.objects.exists()
    assert search(q="惠州市停机测验007有限公司").total >= 1
    assert search(q="惠州市停机测试100有限公司").total >= 1
    backends._cache.clear()
