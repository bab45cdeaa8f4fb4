"""Celery tasks of the assessment: they carry ids and are idempotent."""

import logging

from celery import shared_task

from portal.assessment import dashboard, figures

logger = logging.getLogger(__name__)


@shared_task(name="portal.assessment.tasks.compute_batch_figures")
def compute_batch_figures_task(batch_id: int, version_bound: int | None = None) -> None:
    """After a commit: the batch's late records and field completeness (rewritten if run twice)."""
    figures.compute_batch_figures(batch_id, version_bound=version_bound)


@shared_task(name="portal.assessment.tasks.refresh_figures")
def refresh_figures() -> int:
    """Scheduled: figures of committed batches the commit hook missed, and the search
    index's drift for the dashboard."""
    done = figures.refresh_missing()
    dashboard.record_search_drift()
    return done
