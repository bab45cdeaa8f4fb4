"""Keep the stored name keys in step with the names saved through the ORM."""

from portal.subjects import stored_keys

# Saves that cannot change a subject's keys (a legal representative, a district, …).
_KEYED_FIELDS = {"name", "name_normalised", "kind"}


def subject_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:  # loading fixtures: the backfill command writes their keys
        return
    if update_fields is not None and not _KEYED_FIELDS & set(update_fields):
        return
    stored_keys.write_keys([instance.pk])


def subject_name_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    stored_keys.write_keys([instance.subject_id])
