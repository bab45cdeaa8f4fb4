"""A committed batch gets its assessment figures once the commit is durable; a changed
duty has the open period's figures of its department and item recounted."""

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


def duty_pairs_before(sender, instance, raw=False, **kwargs):
    """Note the department and item the duty had, so a move recounts both."""
    if raw or instance.pk is None:
        instance._pair_before = None
        return
    instance._pair_before = (
        sender.objects.filter(pk=instance.pk)
        .values_list("department_id", "catalog_item_id")
        .first()
    )


def duty_changed(sender, instance, raw=False, **kwargs):
    """A duty saved or deleted: the open period (this month) is recounted after the commit.
    Closed periods keep the figures they were assessed with until `assessment --refresh`."""
    if raw:
        return
    from django.utils import timezone

    from portal.assessment.tasks import recount_duty_figures

    today = timezone.localdate()
    start = today.replace(day=1)
    pairs = {(instance.department_id, instance.catalog_item_id)}
    before = getattr(instance, "_pair_before", None)
    if before is not None:
        pairs.add(before)
    for department_id, item_id in sorted(pairs):
        enqueue_on_commit(
            recount_duty_figures, department_id, item_id, start.isoformat(), today.isoformat()
        )
