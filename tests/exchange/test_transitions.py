"""Every status change of a batch goes through exchange.models.TRANSITIONS."""

import pytest

from exchange import services
from exchange.models import TRANSITIONS, Batch, BatchStatus
from tests.exchange.conftest import penalty_csv, penalty_row, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def validated():
    batch = services.validate_batch(submit(penalty_csv([penalty_row()])).pk)
    assert batch.status == BatchStatus.VALIDATED
    return batch


def test_asking_to_commit_is_refused_when_the_map_forbids_it(monkeypatch, validated):
    monkeypatch.setitem(TRANSITIONS, BatchStatus.VALIDATED, {BatchStatus.DISCARDED})
    with pytest.raises(services.TransitionError):
        services.request_commit(validated)
    assert Batch.objects.get(pk=validated.pk).status == BatchStatus.VALIDATED


def test_a_commit_started_by_a_task_follows_the_map_too(monkeypatch, validated):
    monkeypatch.setitem(TRANSITIONS, BatchStatus.VALIDATED, {BatchStatus.DISCARDED})
    with pytest.raises(services.TransitionError):
        services.commit_batch(validated.pk)
    assert Batch.objects.get(pk=validated.pk).status == BatchStatus.VALIDATED


def test_the_map_allows_the_ordinary_life(validated, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_commit(validated).status == BatchStatus.COMMITTING
    assert Batch.objects.get(pk=validated.pk).status == BatchStatus.COMMITTED
