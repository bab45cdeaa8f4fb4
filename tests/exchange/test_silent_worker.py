"""A batch whose worker stopped answering: the heartbeat, the one silence rule, what the page
and the API say, retry and discard, and the scheduled recovery.

The fault tests run a real `manage.py` import in a separate process on a copy of the test
database, kill it with SIGKILL mid-validation or mid-commit, and go on in this process with
what the killed worker left (the database copied back, its heartbeat in the shared file cache).
"""

import contextlib
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from exchange import processing, progress, services
from exchange.models import Batch, BatchStatus
from importers.samples import penalty_csv_bytes
from portal.audit.models import AuditEvent
from portal.records.models import CreditRecord, RecordVersion
from tests.exchange.conftest import penalty_csv, penalty_row, submit
from tests.factories import catalog_item

SILENT = 2  # seconds, for the tests: the default is a minute


def working(status=BatchStatus.VALIDATING, *, attempts=1, quiet_for=dt.timedelta(0)) -> Batch:
    """A batch a worker took (as its claim leaves it), nothing heard from it since."""
    batch = submit(penalty_csv([penalty_row() for _ in range(3)]))
    Batch.objects.filter(pk=batch.pk).update(
        status=status, attempts=attempts, started_at=timezone.now() - quiet_for
    )
    batch.refresh_from_db()
    return batch


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# -- the rule -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_silence_is_no_heartbeat_for_the_window(settings):
    settings.PORTAL_IMPORT_SILENT_SECONDS = 60
    batch = working()
    taken = batch.started_at
    assert not services.is_silent(batch, taken + dt.timedelta(seconds=59))
    assert services.is_silent(batch, taken + dt.timedelta(seconds=61))
    progress.beat(batch.pk, BatchStatus.VALIDATING)  # heard of now: the window starts again
    heard = progress.last_heard(batch)
    assert heard > taken
    assert not services.is_silent(batch, heard + dt.timedelta(seconds=59))
    assert services.is_silent(batch, heard + dt.timedelta(seconds=61))
    # Work nobody took, and finished work, are never silent.
    later = heard + dt.timedelta(days=1)
    for status in (BatchStatus.RECEIVED, BatchStatus.VALIDATED, BatchStatus.COMMITTED):
        batch.status = status
        assert not services.is_silent(batch, later)


@pytest.mark.django_db
def test_the_worker_beats_while_a_long_chunk_runs(settings, monkeypatch):
    """Progress comes once a chunk; the heartbeat keeps coming in between."""
    settings.PORTAL_IMPORT_SILENT_SECONDS = 1
    monkeypatch.setattr(processing, "CHUNK_ROWS", 2)
    batch = submit(penalty_csv([penalty_row() for _ in range(4)]))
    seen = []

    def slow_chunk(result):
        time.sleep(1.5)  # longer than the window: progress alone would go quiet
        current = Batch.objects.get(pk=batch.pk)
        seen.append((current.status, services.is_silent(current)))

    assert services.validate_batch(batch.pk, after_chunk=slow_chunk).status == "validated"
    assert seen == [(BatchStatus.VALIDATING, False)] * 2


@pytest.mark.django_db
def test_progress_and_heartbeat_live_in_the_shared_cache(settings):
    from django.core.cache import caches

    batch = working()
    progress.report_progress(batch.pk, BatchStatus.VALIDATING, 0.5, 1000)
    progress.beat(batch.pk, BatchStatus.VALIDATING)
    if settings.CACHES["default"].get("LOCATION") != settings.CACHES["shared"].get("LOCATION"):
        # A web worker's own cache knows nothing of the import. (With Redis every cache is
        # one shared server, and clearing "default" would flush the others too.)
        caches["default"].clear()
    assert services.batch_progress(batch).rows == 1000
    assert progress.last_heard(batch).timestamp() > batch.started_at.timestamp()


# -- what the department sees and may do ----------------------------------------------------


@pytest.mark.django_db
def test_an_answering_worker_can_be_neither_retried_nor_discarded(
    client, officer, market_token, settings
):
    settings.PORTAL_IMPORT_SILENT_SECONDS = 60
    batch = working()
    progress.beat(batch.pk, BatchStatus.VALIDATING)
    client.force_login(officer)
    page = client.get(reverse("exchange:batch_detail", args=[batch.pk])).content.decode()
    assert "停止响应" not in page and "立即重试" not in page and "放弃此批次" not in page
    client.post(reverse("exchange:batch_retry", args=[batch.pk]))
    client.post(reverse("exchange:batch_discard", args=[batch.pk]))
    auth = {"HTTP_AUTHORIZATION": f"Token {market_token}"}
    api = f"/api/v1/exchange/batches/{batch.pk}/"
    assert client.get(api, **auth).json()["worker"] is None
    assert client.post(f"{api}retry/", **auth).status_code == 409
    assert client.post(f"{api}discard/", **auth).status_code == 409
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == (BatchStatus.VALIDATING, 1)
    assert not AuditEvent.objects.filter(
        action__in=["exchange.batch.retried", "exchange.batch.discarded"]
    ).exists()


@pytest.mark.django_db
def test_a_silent_batch_says_so_on_its_page_and_in_the_api(client, officer, market_token):
    batch = working(BatchStatus.COMMITTING, attempts=2, quiet_for=dt.timedelta(minutes=5))
    quiet_since = batch.started_at
    client.force_login(officer)
    url = reverse("exchange:batch_detail", args=[batch.pk])
    page = client.get(url).content.decode()
    heard = timezone.localtime(quiet_since).strftime("%Y-%m-%d %H:%M:%S")
    # Retried automatically once silent for PORTAL_IMPORT_STALLED_MINUTES, by the next
    # run of the recovery (every ten minutes).
    due = timezone.localtime(quiet_since + dt.timedelta(minutes=30 + 10))
    assert f"处理此批次的进程已停止响应，最后一次响应于 {heard}。" in page
    assert f"系统最迟将于 {due:%Y-%m-%d %H:%M:%S} 自动重试（已处理 2 次，最多 5 次）" in page
    assert "立即重试" in page and "放弃此批次" in page
    assert "last heard from at" in english(client).get(url).content.decode()

    auth = {"HTTP_AUTHORIZATION": f"Token {market_token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    client.cookies.clear()
    worker = client.get(f"/api/v1/exchange/batches/{batch.pk}/", **auth).json()["worker"]
    assert worker["silent"] and worker["automatic"] == "retry"
    assert (worker["attempts"], worker["max_attempts"]) == (2, 5)
    assert worker["can_retry"] and worker["can_discard"]
    heard = dt.datetime.fromisoformat(worker["last_heard"])
    assert abs(heard - quiet_since) < dt.timedelta(milliseconds=1)
    assert "stopped answering" in worker["detail"] and "retry it now" in worker["detail"]
    client.force_login(officer)
    assert client.get(reverse("exchange:batch_progress", args=[batch.pk])).json()["silent"]


@pytest.mark.django_db
def test_past_the_attempts_the_recovery_marks_the_batch_failed(client, officer, settings):
    batch = working(attempts=settings.PORTAL_IMPORT_MAX_ATTEMPTS, quiet_for=dt.timedelta(minutes=5))
    client.force_login(officer)
    url = reverse("exchange:batch_detail", args=[batch.pk])
    assert "将此批次标为处理失败" in client.get(url).content.decode()
    # Not yet: silent for less than PORTAL_IMPORT_STALLED_MINUTES.
    assert services.resume_stalled_batches() == 0
    later = timezone.now() + dt.timedelta(minutes=31)
    assert services.resume_stalled_batches(now=later) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.gave_up_at) == (BatchStatus.FAILED, later)
    assert AuditEvent.objects.filter(action="exchange.batch.gave_up").count() == 1
    page = client.get(url).content.decode()
    assert "停止自动重试" in page and "立即重试" not in page and "停止响应" not in page
    assert "stopped retrying it" in english(client).get(url).content.decode()
    assert CreditRecord.objects.count() == 0


@pytest.mark.django_db
def test_the_recovery_retries_a_silent_batch_below_the_attempts(
    django_capture_on_commit_callbacks,
):
    batch = working(attempts=1)
    later = timezone.now() + dt.timedelta(minutes=31)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resume_stalled_batches(now=later) == 1
    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == (BatchStatus.VALIDATED, 2)


# -- a worker killed with SIGKILL -----------------------------------------------------------


@pytest.fixture
def installation(tmp_path, settings):
    """The test database copied to a file a child process can open, and this process's
    shared cache in the files the child writes its heartbeat and progress to."""
    if connection.vendor != "sqlite":
        pytest.skip("copies the SQLite test database for the child process")
    settings.PORTAL_IMPORT_SILENT_SECONDS = SILENT
    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "portal.core.caching.SQLiteCache",
            "LOCATION": str(tmp_path / "cache" / "shared"),
        },
    }
    database = tmp_path / "portal.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.dev",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        PORTAL_IDENTITY_HASH_KEY=settings.PORTAL_IDENTITY_HASH_KEY,
        PORTAL_AUDIT_KEY=settings.PORTAL_AUDIT_KEY or settings.SECRET_KEY,
        PORTAL_VAR_DIR=str(tmp_path),
        PORTAL_PRIVATE_STORAGE_ROOT=str(settings.PORTAL_PRIVATE_STORAGE_ROOT),
        DATABASE_URL=f"sqlite:///{database}",
        PORTAL_IMPORT_SILENT_SECONDS=str(SILENT),
        PORTAL_EAGER_TASKS_IN_THREAD="false",
        # Read inline, in the one process the test kills.
        PORTAL_IMPORT_PARALLEL_MIN_BYTES=str(1 << 40),
    )
    return database, env


def kill_mid_way(database, env, args, batch_filter, phase) -> float:
    """Run `manage.py ARGS` on a copy of the test database, SIGKILL it once it has reported
    progress in `phase`, and copy the database it left back. Returns when it was killed."""
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(database)) as copy:
        connection.connection.backup(copy)
    child = subprocess.Popen(  # our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the import reported no progress"
            pk = _batch_in(database, batch_filter)
            if pk and progress.live_progress(pk).get("phase") == phase:
                break
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        killed = time.time()
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    with contextlib.closing(sqlite3.connect(database)) as left:
        left.backup(connection.connection)
    return killed


def _batch_in(database, batch_filter) -> int | None:
    try:
        with contextlib.closing(sqlite3.connect(database, timeout=0.1)) as db:
            row = db.execute(
                f"SELECT id FROM exchange_batch WHERE {batch_filter} ORDER BY id DESC LIMIT 1"  # noqa: S608  # nosec B608  # the tests' own filter
            ).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def wait_for_note(client, batch, killed) -> str:
    """The batch page, as soon as it says the worker stopped answering."""
    url = reverse("exchange:batch_detail", args=[batch.pk])
    while True:
        page = client.get(url).content.decode()
        if "停止响应" in page:
            break
        assert time.time() - killed < SILENT + 5, "no note within the silence window"
        time.sleep(0.2)
    assert time.time() - killed < SILENT + 5
    assert "立即重试" in page and "放弃此批次" in page
    assert "中断的处理不会留下部分数据" in page
    return page


ROWS = 12000


@pytest.fixture
def penalty_file(tmp_path):
    path = tmp_path / "penalties.csv"
    path.write_bytes(penalty_csv_bytes(ROWS, item=catalog_item("ADM_PENALTY"), seed=11))
    return path


def assert_every_row_once():
    assert CreditRecord.objects.count() == ROWS
    assert CreditRecord.objects.values("decision_no").distinct().count() == ROWS
    assert RecordVersion.objects.count() == ROWS


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["retry", "discard"])
def test_a_worker_killed_mid_validation(action, installation, penalty_file, client):
    from portal.accounts.roles import DEPARTMENT_OFFICERS
    from tests.factories import UserFactory, department

    officer = UserFactory(role=DEPARTMENT_OFFICERS, department=department("MARKET"))
    database, env = installation
    args = ["import_records", str(penalty_file), "--department", "MARKET", "--catalog"]
    killed = kill_mid_way(
        database, env, [*args, "ADM_PENALTY", "--json"], "status = 'validating'", "validating"
    )
    batch = Batch.objects.get()
    assert (batch.status, batch.attempts) == (BatchStatus.VALIDATING, 1)
    assert CreditRecord.objects.count() == 0  # the load was one transaction: nothing partial
    heard = progress.last_heard(batch)
    assert 0 <= killed - heard.timestamp() < SILENT
    assert not services.is_silent(batch, heard + dt.timedelta(seconds=SILENT - 0.5))

    client.force_login(officer)
    wait_for_note(client, batch, killed)
    if action == "retry":
        client.post(reverse("exchange:batch_retry", args=[batch.pk]))
        batch.refresh_from_db()
        assert (batch.status, batch.attempts) == (BatchStatus.COMMITTED, 2)
        assert batch.created_count == ROWS
        assert_every_row_once()
    else:
        client.post(reverse("exchange:batch_discard", args=[batch.pk]))
        batch.refresh_from_db()
        assert batch.status == BatchStatus.DISCARDED
        # The lost worker's task delivered again finds nothing to do.
        assert services.validate_batch(batch.pk).status == BatchStatus.DISCARDED
        assert CreditRecord.objects.count() == 0 and RecordVersion.objects.count() == 0
    page = client.get(reverse("exchange:batch_detail", args=[batch.pk])).content.decode()
    assert "停止响应" not in page


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_commit_leaves_nothing_and_a_retry_loads_every_row_once(
    installation, penalty_file, client
):
    from exchange.models import BatchSource
    from portal.accounts.roles import DEPARTMENT_OFFICERS
    from tests.factories import UserFactory, department

    market = department("MARKET")
    officer = UserFactory(role=DEPARTMENT_OFFICERS, department=market)
    database, env = installation
    with open(penalty_file, "rb") as handle:
        batch, _ = services.submit_batch(
            department=market,
            item=catalog_item("ADM_PENALTY"),
            fileobj=handle,
            file_name=penalty_file.name,
            source=BatchSource.CLI,
            enqueue=False,
            max_bytes=None,
        )
    assert services.validate_batch(batch.pk).accepted == ROWS
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.COMMITTING, started_at=timezone.now()
    )
    commit = f"from exchange import services; services.commit_batch({batch.pk})"
    killed = kill_mid_way(database, env, ["shell", "-c", commit], f"id = {batch.pk}", "committing")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTING
    assert CreditRecord.objects.count() == 0 and RecordVersion.objects.count() == 0

    client.force_login(officer)
    wait_for_note(client, batch, killed)
    client.post(reverse("exchange:batch_retry", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert_every_row_once()


@pytest.mark.django_db
def test_an_operator_retries_or_discards_only_silent_batches_in_the_admin(
    admin_client, django_capture_on_commit_callbacks
):
    silent = working(quiet_for=dt.timedelta(minutes=5))
    answering = working()
    progress.beat(answering.pk, BatchStatus.VALIDATING)
    url = "/django-admin/exchange/batch/"
    chosen = {"_selected_action": [silent.pk, answering.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {**chosen, "action": "retry_silent"})
    silent.refresh_from_db()
    answering.refresh_from_db()
    assert (silent.status, silent.attempts) == (BatchStatus.VALIDATED, 2)
    assert (answering.status, answering.attempts) == (BatchStatus.VALIDATING, 1)

    other = working(BatchStatus.COMMITTING, quiet_for=dt.timedelta(minutes=5))
    chosen = {"_selected_action": [other.pk, answering.pk, silent.pk]}
    admin_client.post(url, {**chosen, "action": "discard_silent"})
    statuses = dict(Batch.objects.values_list("pk", "status"))
    assert statuses[other.pk] == BatchStatus.DISCARDED
    # Answering, or validated (the department's to decide): left as they were.
    assert statuses[answering.pk] == BatchStatus.VALIDATING
    assert statuses[silent.pk] == BatchStatus.VALIDATED
    event = AuditEvent.objects.get(action="exchange.batch.discarded")
    assert event.data == {"was": "committing"}
