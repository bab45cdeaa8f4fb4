"""The withdrawal feed never lets a reader's cursor pass an entry: entries are numbered
after their transaction commits, in order, one numbering at a time
(portal.records.feed_positions)."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase
from django.utils import timezone

from exchange import services as exchange
from portal.records import tasks
from portal.records.disclosure import PublicState
from portal.records.feed_positions import assign_feed_positions, save_withdrawals
from portal.records.models import Withdrawal, WithdrawalGround
from portal.records.services import refresh_public_states
from portal.records.withdrawals import withdraw_record, withdrawal_for
from search.withdrawal_feed import feed_page
from tests.exchange.conftest import load, market, penalty_csv, penalty_row, submit  # noqa: F401
from tests.factories import make_record

pytestmark = pytest.mark.django_db


def committed():
    """Run what the writer's commit runs once it has committed (here: the numbering)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def new_withdrawal():
    """A withdrawal row written the way every path writes one. Inside a test's transaction
    its numbering never runs (as when its writer stops between its commit and the
    numbering); in a transactional test it is numbered at once, on commit."""
    record = make_record()
    record.public_state = PublicState.REVOKED
    row = withdrawal_for(record, PublicState.PUBLISHED, reason="department", now=timezone.now())
    return save_withdrawals([row])[0]


def feed_record_ids(since=0):
    return [entry.record_id for entry in feed_page(since).entries]


# -- the rule, without HTTP ------------------------------------------------------------------
def test_an_entry_that_commits_late_comes_after_the_cursor_not_before_it():
    early, late = new_withdrawal(), new_withdrawal()
    assert early.pk < late.pk
    # The later row's transaction committed and was numbered while the earlier one's was
    # still running: only the later one is numbered.
    Withdrawal.objects.filter(pk=late.pk).update(feed_position=7)
    page = feed_page(0)
    assert [e.record_id for e in page.entries] == [late.record_id] and page.next_since == 7

    assert assign_feed_positions() == 1  # the earlier row commits and is numbered
    early.refresh_from_db()
    assert early.feed_position == 8
    # The reader continues from its cursor and gets it; a row-id cursor would have passed it.
    assert feed_record_ids(page.next_since) == [early.record_id]
    assert not Withdrawal.objects.filter(pk__gt=late.pk).exists()


def test_numbering_continues_from_the_highest_position_in_id_order_and_only_once():
    old = new_withdrawal()
    Withdrawal.objects.filter(pk=old.pk).update(feed_position=40)  # as migrated: its row id
    rows = [new_withdrawal() for _ in range(3)]
    assert assign_feed_positions(chunk=2) == 3  # two rounds of the lock
    positions = dict(Withdrawal.objects.values_list("pk", "feed_position"))
    assert [positions[r.pk] for r in rows] == [41, 42, 43]
    assert assign_feed_positions() == 0
    assert dict(Withdrawal.objects.values_list("pk", "feed_position")) == positions
    page = feed_page(0, limit=2)
    assert [e.position for e in page.entries] == [40, 41] and page.has_more
    assert [e.position for e in feed_page(page.next_since).entries] == [42, 43]


def test_a_withdrawal_reaches_the_feed_once_its_transaction_commits():
    record = make_record()
    with committed():
        withdraw_record(record, WithdrawalGround.REVOCATION, "复议撤销", "惠复决〔2026〕7号")
        # Written, not yet committed: not on the feed, whatever its id.
        assert Withdrawal.objects.filter(record_id=record.pk).exists()
        assert feed_record_ids() == []
    (entry,) = feed_page(0).entries
    assert entry.record_id == record.pk and entry.position is not None

    today = timezone.localdate()
    expiring = make_record(
        decision_date=today - dt.timedelta(days=400), today=today - dt.timedelta(days=200)
    )
    with committed():  # the scheduled expiry writes its rows in bulk
        assert refresh_public_states(today) == 1
    assert feed_record_ids(entry.position) == [expiring.pk]


def test_the_scheduler_numbers_what_a_stopped_writer_left():
    entry = settings.CELERY_BEAT_SCHEDULE["withdrawal-feed-positions"]
    assert entry["task"] == tasks.assign_feed_positions.name
    assert entry["schedule"] <= 60
    left = new_withdrawal()  # committed, but its writer stopped before numbering
    assert feed_record_ids() == []
    assert tasks.assign_feed_positions.apply().get() == 1
    assert feed_record_ids() == [left.record_id]


@pytest.mark.django_db(transaction=True)
def test_existing_entries_keep_their_row_id_as_position():
    """Readers' cursors were row ids before positions: they resume where they stopped."""
    rows = [new_withdrawal() for _ in range(3)]
    Withdrawal.objects.filter(pk=rows[1].pk).delete()  # ids with a gap
    executor = MigrationExecutor(connection)
    executor.migrate([("records", "0008_record_statements")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    positions = dict(Withdrawal.objects.values_list("pk", "feed_position"))
    assert positions == {rows[0].pk: rows[0].pk, rows[2].pk: rows[2].pk}
    later = new_withdrawal()  # autocommit: numbered at once, after the highest
    later.refresh_from_db()
    assert later.feed_position == rows[2].pk + 1


# -- PostgreSQL: ids come from a sequence at INSERT, not at commit ------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reader_misses_nothing_while_a_long_batch_commit_holds_an_earlier_id(market):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's sequences and concurrent writers")
    row = penalty_row()
    assert load(penalty_csv([row])).status == "committed"  # a published record
    other = make_record()
    # T1: a department's correction that ends the record's publication, in a batch commit
    # that keeps running after writing the withdrawal.
    batch = exchange.validate_batch(submit(penalty_csv([dict(row, decision_date="2019-01-15")])).pk)
    assert batch.status == "validated"
    wrote, go, failures = threading.Event(), threading.Event(), []

    def hold(result):
        wrote.set()
        assert go.wait(60), "the test never let the batch commit finish"

    def long_batch_commit():
        try:
            assert exchange.commit_batch(batch.pk, after_chunk=hold).status == "committed"
        except BaseException as error:  # reported by the main thread
            failures.append(error)
            wrote.set()
        finally:
            connection.close()

    t1 = threading.Thread(target=long_batch_commit)
    t1.start()
    try:
        assert wrote.wait(60) and not failures, failures
        with connection.cursor() as cursor:  # never hang the run on a lock
            cursor.execute("SET lock_timeout = '20s'")
        # T2: another withdrawal, written and committed while T1 runs.
        withdraw_record(other, WithdrawalGround.REVOCATION, "复议撤销", "惠复决〔2026〕8号")
        # The reader reads the feed and keeps its cursor.
        page = feed_page(0)
        assert [e.record_id for e in page.entries] == [other.pk]
    finally:
        go.set()
        t1.join(60)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not t1.is_alive() and not failures, failures

    late = Withdrawal.objects.exclude(record_id=other.pk).get()
    first = Withdrawal.objects.get(record_id=other.pk)
    assert late.pk < first.pk  # T1's row holds the earlier id: a row-id cursor skips it
    assert not Withdrawal.objects.filter(pk__gt=first.pk).exists()
    # The reader continues from its cursor and gets T1's entry.
    assert feed_record_ids(page.next_since) == [late.record_id]
