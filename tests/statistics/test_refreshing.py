"""When the figures are recomputed: after a committed batch (once the commit is durable)
and on the schedule."""

import pytest
from django.conf import settings

from exchange.models import BatchStatus
from portal.statistics.models import Figure, Refresh
from portal.statistics.tasks import refresh_statistics
from tests.exchange.conftest import load, penalty_csv, penalty_row

pytestmark = pytest.mark.django_db


def test_a_committed_batch_refreshes_the_figures_after_its_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = load(penalty_csv([penalty_row(industry="C39") for _ in range(3)]))
    assert batch.status == BatchStatus.COMMITTED
    # Nothing is counted before the batch's transaction has committed.
    assert not Refresh.objects.exists()
    for callback in callbacks:
        callback()
    done = Refresh.objects.get()
    assert done.trigger == f"batch:{batch.pk}"
    figure = Figure.objects.get(metric="records", dimension="industry", key="C", month=None)
    assert figure.value == 3

    # The batch saved again later (its raw file purged, …) does not count it twice.
    with django_capture_on_commit_callbacks(execute=True):
        batch.save()
    assert Refresh.objects.count() == 1


def test_the_scheduled_refresh_is_idempotent(db):
    assert settings.CELERY_BEAT_SCHEDULE["statistics-refresh"]["task"] == refresh_statistics.name
    refresh_statistics()
    first = set(Figure.objects.values_list("metric", "dimension", "key", "month", "value"))
    refresh_statistics()
    assert set(Figure.objects.values_list("metric", "dimension", "key", "month", "value")) == first
    assert Refresh.objects.count() == 2
