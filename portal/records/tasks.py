from celery import shared_task

from portal.records import services


@shared_task(name="portal.records.tasks.refresh_public_states")
def refresh_public_states() -> int:
    """Scheduled: end publication of records whose disclosure period has passed."""
    return services.refresh_public_states()
