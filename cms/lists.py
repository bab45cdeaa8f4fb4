"""Disclosure lists (双公示 licences and penalties, red and black lists): filters and export.

Plain functions over the public records (portal.records.visibility), used by
the list pages and their CSV export. Exports carry only what the list shows,
never a natural person's records (no bulk personal data for the public), and
at most PORTAL_LIST_EXPORT_MAX_ROWS rows.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.profiles import format_value
from portal.catalog.models import CatalogItem, Category, ListType
from portal.core.languages import localised_name
from portal.core.names import normalise_name
from portal.core.text import normalise_code
from portal.records import visibility
from portal.records.disclosure import PublicState
from portal.records.models import CreditRecord


class ListKind(models.TextChoices):
    LICENCES = "licences", _("双公示·行政许可")
    PENALTIES = "penalties", _("双公示·行政处罚")
    RED = "red", _("红名单（守信激励）")
    BLACK = "black", _("黑名单（失信惩戒）")


def items_for(kind: str):
    """The catalog items a list shows."""
    items = CatalogItem.objects.filter(is_active=True)
    if kind == ListKind.LICENCES:
        return items.filter(double_publicity=True, category=Category.LICENCE)
    if kind == ListKind.PENALTIES:
        return items.filter(double_publicity=True, category=Category.PENALTY)
    if kind == ListKind.RED:
        return items.filter(list_type=ListType.RED)
    if kind == ListKind.BLACK:
        return items.filter(list_type=ListType.BLACK)
    return items.none()


@dataclass(frozen=True)
class Filters:
    q: str = ""
    item: str = ""
    department: str = ""
    district: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


def list_records(kind: str, filters: Filters = Filters()):
    """The public records of a list, filtered, latest decision first."""
    item_ids = list(items_for(kind).values_list("pk", flat=True))
    records = visibility.public_records().filter(catalog_item_id__in=item_ids)
    if filters.item:
        records = records.filter(catalog_item__code=filters.item)
    if filters.department:
        records = records.filter(department__code=filters.department)
    if filters.district:
        records = records.filter(subject__district=filters.district)
    if filters.date_from:
        records = records.filter(decision_date__gte=filters.date_from)
    if filters.date_to:
        records = records.filter(decision_date__lte=filters.date_to)
    if filters.q:
        code = normalise_code(filters.q)
        records = records.filter(
            models.Q(subject__name_normalised__contains=normalise_name(filters.q))
            | models.Q(subject__uscc=code)
            | models.Q(decision_no=filters.q.strip())
        )
    return records.order_by("-decision_date", "-id")


def with_rows(records):
    """The records with what a list row shows loaded alongside."""
    return records.select_related("subject", "catalog_item", "department")


def record_page(records, number, per_page: int):
    """One page of a list: ids are paged first (an index-only sort), then the rows fetched."""
    page = Paginator(records.values_list("id", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = with_rows(CreditRecord.objects.filter(pk__in=ids)).in_bulk()
    page.object_list = visibility.with_public_fields(rows[pk] for pk in ids if pk in rows)
    return page


def latest_public(limit: int = 8) -> list:
    """The latest published records of all items, newest first.

    One small query per item along the (catalog item, state, date) index, merged
    here: a single query over every public record would sort them all.
    """
    candidates = []
    for item_id in visibility.public_items().values_list("pk", flat=True):
        candidates += (
            visibility.public_records()
            .filter(catalog_item_id=item_id)
            .order_by("-decision_date", "-id")
            .values_list("decision_date", "id")[:limit]
        )
    newest = [pk for _day, pk in sorted(candidates, reverse=True)[:limit]]
    rows = with_rows(CreditRecord.objects.filter(pk__in=newest)).in_bulk()
    return [rows[pk] for pk in newest if pk in rows]


@dataclass(frozen=True)
class Column:
    label: str
    value: object  # callable(record) -> str
    is_date: bool = False  # a date: kept on one line in the table


def _data(key):
    return lambda r: format_value(visibility.public_data(r).get(key, "") or "")


def _authority(record):
    """The deciding authority as submitted; the department's own name reads in the
    page's language."""
    authority = visibility.public_data(record).get("authority")
    if not authority or authority == record.department.name:
        return localised_name(record.department)
    return authority


def _date(record):
    return record.decision_date.isoformat()


def _state(record):
    return str(PublicState(record.public_state).label)


SUBJECT_COLUMNS = [
    Column(_("主体名称"), lambda r: visibility.public_identity(r.subject).name),
    Column(
        _("统一社会信用代码/证件号码"), lambda r: visibility.public_identity(r.subject).public_code
    ),
]
COLUMNS = {
    ListKind.LICENCES: SUBJECT_COLUMNS
    + [
        Column(_("行政许可决定文书号"), lambda r: r.decision_no),
        Column(_("许可决定文书名称"), _data("decision_name")),
        Column(_("许可类别"), _data("licence_category")),
        Column(_("许可决定日期"), _date, is_date=True),
        Column(_("有效期至"), _data("valid_to"), is_date=True),
        Column(_("许可机关"), _authority),
    ],
    ListKind.PENALTIES: SUBJECT_COLUMNS
    + [
        Column(_("行政处罚决定书文号"), lambda r: r.decision_no),
        Column(_("违法行为类型"), _data("violation_type")),
        Column(_("处罚类别"), _data("penalty_types")),
        Column(_("处罚决定日期"), _date, is_date=True),
        Column(_("处罚机关"), _authority),
    ],
}
LIST_COLUMNS = SUBJECT_COLUMNS + [
    Column(_("名单类别"), lambda r: localised_name(r.catalog_item)),
    Column(_("列入事由"), visibility.public_title),
    Column(_("文书号"), lambda r: r.decision_no),
    Column(_("列入日期"), _date, is_date=True),
    Column(_("认定部门"), lambda r: localised_name(r.department)),
]


def columns_for(kind: str) -> list[Column]:
    return COLUMNS.get(kind, LIST_COLUMNS)


def export_max_rows() -> int:
    return settings.PORTAL_LIST_EXPORT_MAX_ROWS


def export_rows(kind: str, filters: Filters = Filters()):
    """Header and rows for the CSV export: organisations only, capped, public fields only."""
    columns = columns_for(kind) + [Column(_("公示状态"), _state)]
    yield [str(column.label) for column in columns]
    records = with_rows(visibility.exportable_records(list_records(kind, filters)))
    for record in visibility.with_public_fields(records[: export_max_rows()]):
        yield [column.value(record) for column in columns]
