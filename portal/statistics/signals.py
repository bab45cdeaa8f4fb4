"""The statistics follow committed batches: a refresh is sent once the commit is durable."""

from exchange.models import BatchStatus
from portal.statistics.tasks import refresh_statistics
from portal.tasks import enqueue_on_commit


def on_batch_saved(sender, instance, **kwargs):
    if instance.status != BatchStatus.COMMITTED or instance.committed_at is None:
        return
    # Later saves of the batch (its raw file purged, …) send it again; the task
    # skips when a refresh has started since the commit.
    enqueue_on_commit(refresh_statistics, f"batch:{instance.pk}", instance.committed_at.isoformat())
