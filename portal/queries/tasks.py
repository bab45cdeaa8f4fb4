from celery import shared_task

from portal.queries import services


@shared_task(name="portal.queries.tasks.monthly_security_report")
def monthly_security_report() -> str | None:
    """Scheduled: last month's security statistics, once (idempotent)."""
    report = services.generate_due_report()
    return str(report) if report else None
