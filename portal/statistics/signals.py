"""The statistics follow committed batches once the commit is durable: first the day
figures of the batch's decision days (quick), then the whole refresh."""

from exchange.models import BatchStatus
from portal.statistics.tasks import recount_batch_days, refresh_statistics
from portal.tasks import enqueue_on_commit


def on_batch_saved(sender, instance, **kwargs):
    if instance.status != BatchStatus.COMMITTED or instance.committed_at is None:
        return
    # Later saves of the batch (its raw file purged, …) send them again; the tasks
    # skip when a refresh has started since the commit.
    since = instance.committed_at.isoformat()
    enqueue_on_commit(recount_batch_days, instance.pk, since)
    enqueue_on_commit(refresh_statistics, f"batch:{instance.pk}", since)
