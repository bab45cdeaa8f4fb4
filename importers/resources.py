"""django-import-export resources, one per catalog item, built from the catalog's fields.

A resource declares the item's columns (label as column name, key as
attribute) and is what the templates and record exports are generated from.
Imports go through the streaming validator and bulk loader beneath it
(exchange.validation, exchange.loader): django-import-export's default
row-by-row path would take hours on a million rows (see docs/benchmarks.md).
"""

from import_export import fields, resources

from portal.catalog.models import CatalogItem


class RecordRow:
    """A credit record seen as a flat row of its catalog fields, for export."""

    def __init__(self, record):
        self.record = record

    def __getattr__(self, name):
        data = self.__dict__["record"].data
        value = data.get(name, "")
        if name == "id_number":  # never the clear number: only its masked form exists
            value = data.get("id_number_masked", "")
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return value


class CatalogItemResource(resources.Resource):
    """Base of the generated per-item resources."""

    catalog_item_code = ""
    schema_version = 0

    def export_records(self, records):
        """A tablib Dataset of the records' fields (write it with portal.core.spreadsheets)."""
        return self.export([RecordRow(record) for record in records])


def resource_for(item: CatalogItem) -> CatalogItemResource:
    """A resource instance for the item's current field schema (a catalog edit changes it)."""
    item_fields = list(item.fields.all().order_by("sort_order", "id"))
    attrs = {
        f.key: fields.Field(attribute=f.key, column_name=f.label, readonly=True)
        for f in item_fields
    }
    attrs["catalog_item_code"] = item.code
    attrs["schema_version"] = item.schema_version
    attrs["Meta"] = type(
        "Meta",
        (),
        {"fields": [f.key for f in item_fields], "export_order": [f.key for f in item_fields]},
    )
    resource_class = type(
        f"{item.code.title().replace('_', '')}Resource", (CatalogItemResource,), attrs
    )
    return resource_class()
