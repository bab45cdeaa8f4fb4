from celery import shared_task

from portal.incidents.health import run_health_checks


@shared_task(name="portal.incidents.tasks.run_health_checks")
def run_health_checks_task() -> dict:
    """Scheduled: the health checks, opening or noting incidents (idempotent)."""
    return run_health_checks()
