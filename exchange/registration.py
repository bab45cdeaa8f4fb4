"""Registering the workspace's batch pages in the query register (portal.queries).

A batch of an item that applies to natural persons shows their rows (names, row
outcomes, rejected cells): opening its pages is a staff view of natural persons'
data, registered with the purpose the page implies. Reloads and further pages of
the same batch within the repeat window are one query (portal/queries/services.py).
"""

from __future__ import annotations

from exchange.models import Batch
from portal.catalog.models import FieldType, Openness
from portal.queries import services as queries
from portal.queries.models import Channel


def carries_persons(item) -> bool:
    """Whether the item's template can carry natural persons (it has an identity number)."""
    return item.for_natural_persons and any(
        f.field_type == FieldType.ID_NUMBER for f in item.fields.all()
    )


def batch_looked(batch: Batch) -> queries.Looked | None:
    """What opening the batch's rows shows, if it must be registered."""
    item = batch.catalog_item
    persons = carries_persons(item)
    shared = item.openness != Openness.PUBLIC
    if not (persons or shared):
        return None
    return queries.Looked(batch.reference, None, persons, shared)


def register_batch_view(
    user, batch: Batch, *, channel: str = Channel.WORKSPACE, user_label: str = ""
) -> list:
    """Register a view of the batch's rows: an officer's in the workspace, or a department
    key's through the API (`user` None, `user_label` naming the key)."""
    looked = batch_looked(batch)
    if looked is None:
        return []
    return queries.register(
        user=user,
        user_label=user_label,
        channel=channel,
        looked=[looked],
        # Stored as an officer would type it.
        purpose=f"核对本部门报送批次 #{batch.pk}",
        department=batch.department,
    )
