from celery import shared_task

from portal.records import services


@shared_task(name="portal.records.tasks.refresh_public_states")
def refresh_public_states() -> int:
    """Scheduled: end publication of records whose disclosure period has passed."""
    return services.refresh_public_states()


@shared_task(name="portal.records.tasks.reapply_disclosure_rule")
def reapply_disclosure_rule(catalog_item_id: int) -> int:
    """After operators edit a catalog item: recompute its records' windows and states."""
    return services.reapply_disclosure_rule(catalog_item_id)


@shared_task(name="portal.records.tasks.purge_records")
def purge_records() -> int:
    """Scheduled: purge the content of records past their item's retention (idempotent)."""
    from portal.records.retention import purge_records as purge

    return purge()


@shared_task(name="portal.records.tasks.assign_feed_positions")
def assign_feed_positions() -> int:
    """Scheduled: number withdrawals whose writer stopped before numbering them (idempotent)."""
    from portal.records.feed_positions import assign_feed_positions as assign

    return assign()
