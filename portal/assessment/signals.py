"""A committed batch gets its assessment figures once the commit is durable."""

from exchange.models import BatchStatus
from portal.tasks import enqueue_on_commit


def batch_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and "status" not in update_fields:
        return
    if instance.status == BatchStatus.COMMITTED and not instance.dry_run:
        from portal.assessment.tasks import compute_batch_figures_task
        from portal.records.models import RecordVersion

        # Saved inside the load's transaction: the batch's versions are the newest now,
        # so the highest id bounds the search for them however late the task runs.
        bound = RecordVersion.objects.order_by("-id").values_list("id", flat=True).first()
        enqueue_on_commit(compute_batch_figures_task, instance.pk, bound)
