"""Import template versions: the version moves when, and only when, what a file must
contain changes (a column added, removed or renamed, a rule or choice changed); a new
description or help text keeps it. Each version's columns are kept (TemplateVersion) so a
file made from an older template is told what changed since.
"""

import hashlib
import json

from django.db import transaction
from django.utils.translation import gettext as _

# The field attributes a file must respect; help text, descriptions and publicity do not
# change what a file contains.
TEMPLATE_ATTRS = (
    "key",
    "label",
    "label_en",
    "field_type",
    "required",
    "required_if_field",
    "required_if_op",
    "required_if_value",
    "choices",
    "default",
    "max_length",
    "min_value",
    "not_before_field",
    "not_in_future",
)


def template_shape(item, CatalogField=None) -> dict:
    """What a file for the item must contain, as plain JSON (columns by key). A data
    migration passes its historical CatalogField."""
    if CatalogField is None:
        from portal.catalog.models import CatalogField

    fields = {}
    for values in CatalogField.objects.filter(catalog_item_id=item.pk).values(*TEMPLATE_ATTRS):
        if values["min_value"] is not None:
            values["min_value"] = format(values["min_value"].normalize(), "f")
        fields[values["key"]] = values
    return {"natural_key": item.natural_key, "fields": dict(sorted(fields.items()))}


def signature(shape: dict) -> str:
    encoded = json.dumps(shape, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def refresh_schema_version(item) -> int:
    """Move the item's template version on if what a file must contain changed; keep a
    copy of each version's columns. The first signature of an item keeps its number."""
    from portal.catalog.models import CatalogItem, TemplateVersion

    shape = template_shape(item)
    if not shape["fields"]:
        # Not a template yet (an item being created gets its columns next).
        return item.schema_version
    digest = signature(shape)
    with transaction.atomic():
        current = (
            CatalogItem.objects.select_for_update()
            .filter(pk=item.pk)
            .values_list("schema_version", "schema_signature")
            .first()
        )
        version, stored = current or (item.schema_version, "")
        if digest != stored:
            version = version + 1 if stored else version
            CatalogItem.objects.filter(pk=item.pk).update(
                schema_version=version, schema_signature=digest
            )
            TemplateVersion.objects.update_or_create(
                catalog_item_id=item.pk, version=version, defaults={"shape": shape}
            )
    item.schema_version, item.schema_signature = version, digest
    return version


def changes_since(item, version: int) -> list[str]:
    """What changed in the item's template from `version` to the current one, one sentence
    per change in the active language; empty when the older version's columns are unknown."""
    from portal.catalog.models import TemplateVersion

    older = TemplateVersion.objects.filter(catalog_item=item, version=version).first()
    if older is None:
        return []
    before, after = older.shape.get("fields", {}), template_shape(item)["fields"]
    label = {key: spec["label"] for key, spec in {**before, **after}.items()}
    changes = []
    for key in after.keys() - before.keys():
        changes.append(_("新增列「%(label)s」") % {"label": label[key]})
    for key in before.keys() - after.keys():
        changes.append(_("删除列「%(label)s」") % {"label": label[key]})
    for key in sorted(after.keys() & before.keys(), key=lambda k: list(after).index(k)):
        old, new = before[key], after[key]
        if old["label"] != new["label"]:
            changes.append(
                _("列「%(old)s」改名为「%(new)s」") % {"old": old["label"], "new": new["label"]}
            )
        if new["required"] and not old["required"]:
            changes.append(_("「%(label)s」改为必填") % {"label": new["label"]})
        elif old["required"] and not new["required"]:
            changes.append(_("「%(label)s」改为选填") % {"label": new["label"]})
        if old["choices"] != new["choices"]:
            changes.append(_("「%(label)s」的可选值有变化") % {"label": new["label"]})
        rules = [a for a in TEMPLATE_ATTRS if a not in ("key", "label", "required", "choices")]
        if any(old.get(a) != new.get(a) for a in rules):
            changes.append(_("「%(label)s」的填写规则有变化") % {"label": new["label"]})
    if older.shape.get("natural_key") != item.natural_key:
        changes.append(_("业务主键有变化"))
    return changes
