from celery import shared_task

from portal.audit import services


@shared_task(name="portal.audit.tasks.export_chain_head")
def export_chain_head() -> bool:
    """Scheduled: today's head of the audit chain into the operations log (once a day)."""
    return services.export_head() is not None
