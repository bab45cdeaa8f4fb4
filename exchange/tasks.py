"""Background work of the exchange: tasks carry batch ids and are idempotent.

Both tasks check the batch's status under its row lock before doing anything,
so a redelivered message (acks_late: a lost worker's task is delivered again)
finds the work done, or finds it rolled back and does it once.
"""

from celery import shared_task
from django.contrib.auth import get_user_model

from exchange import retention, services


@shared_task(name="exchange.tasks.validate_batch")
def validate_batch_task(batch_id: int) -> str:
    return services.validate_batch(batch_id).status


@shared_task(name="exchange.tasks.commit_batch")
def commit_batch_task(batch_id: int, actor_id: int | None = None) -> str:
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return services.commit_batch(batch_id, actor=actor).status


@shared_task(name="exchange.tasks.purge_uploaded_files")
def purge_uploaded_files() -> int:
    """Scheduled: raw uploaded files past their retention are deleted."""
    return retention.purge_uploaded_files()


@shared_task(name="exchange.tasks.resume_stalled_batches")
def resume_stalled_batches() -> int:
    """Scheduled: batches left half-done by a lost worker are sent again."""
    return services.resume_stalled_batches()
