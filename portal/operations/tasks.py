from celery import shared_task

from portal.operations import backup


@shared_task(name="portal.operations.tasks.daily_backup")
def daily_backup() -> str:
    """Scheduled: today's archive in PORTAL_BACKUP_DIR unless made already; keeps the newest N."""
    return backup.daily_backup()
