"""A committed batch gets its assessment figures once the commit is durable."""

from exchange.models import BatchStatus
from portal.tasks import enqueue_on_commit


def batch_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and "status" not in update_fields:
        return
    if instance.status == BatchStatus.COMMITTED and not instance.dry_run:
        from portal.assessment.tasks import compute_batch_figures_task

        enqueue_on_commit(compute_batch_figures_task, instance.pk)
