"""Enqueueing background work.

Tasks are always sent after the surrounding transaction commits, so a worker
never sees rows that might still roll back. In the embedded mode (no broker)
tasks run in this process; by default on one background thread so that a web
request returns at once (an import's progress bar can then move), and inline
when PORTAL_EAGER_TASKS_IN_THREAD is off, as in the tests.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, transaction

logger = logging.getLogger(__name__)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _background_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            # One worker: SQLite has one writer at a time anyway.
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="portal-task")
        return _executor


def _run_in_thread(task, args, kwargs):
    close_old_connections()
    try:
        task.apply(args=args, kwargs=kwargs, throw=False)
    except Exception:  # the task's own failure handling has already recorded it
        logger.exception("Background task %s failed", task.name)
    finally:
        close_old_connections()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send `task` with plain identifiers once the current transaction commits."""

    def send():
        if settings.CELERY_TASK_ALWAYS_EAGER and settings.PORTAL_EAGER_TASKS_IN_THREAD:
            _background_executor().submit(_run_in_thread, task, args, kwargs)
        else:
            task.delay(*args, **kwargs)

    transaction.on_commit(send)
