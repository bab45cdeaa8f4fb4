"""The embedded mode's stand-in for Celery beat: runs CELERY_BEAT_SCHEDULE in-process.

With no broker there is no beat; `make run` starts this beside the web server
so scheduled work (expiry, deadline reminders, index catch-up) still happens.
On the production stack Celery beat runs the same schedule.
"""

import logging
import signal
import time
from datetime import datetime, timedelta

from celery.schedules import schedule as every
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from portal.celery import app

logger = logging.getLogger(__name__)


def as_schedule(value):
    if isinstance(value, int | float):
        return every(timedelta(seconds=value))
    if isinstance(value, timedelta):
        return every(value)
    return value


class Command(BaseCommand):
    help = "Run the periodic task schedule in this process (embedded mode, no broker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every task once and exit.")
        parser.add_argument("--tick", type=float, default=5.0, help="Seconds between checks.")

    def handle(self, *args, once, tick, **options):
        app.loader.import_default_modules()  # registers every app's tasks, as a worker does
        entries = {
            name: (entry["task"], as_schedule(entry["schedule"]))
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        # Everything is due at start: a restart should not postpone expiry by an interval.
        last_run = {name: timezone.make_aware(datetime(2000, 1, 1)) for name in entries}
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Scheduler running {len(entries)} periodic tasks in-process.")
        while not stopping:
            for name, (task_name, sched) in entries.items():
                due, _ = sched.is_due(last_run[name])
                if not due:
                    continue
                last_run[name] = timezone.now()
                close_old_connections()
                try:
                    result = app.tasks[task_name].apply(throw=True)
                    logger.info("Periodic task %s finished: %s", name, result.result)
                except Exception:  # one failing task must not stop the others
                    logger.exception("Periodic task %s failed", name)
            if once:
                return
            time.sleep(tick)
