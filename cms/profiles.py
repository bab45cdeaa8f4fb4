"""A subject's public credit profile (信用档案) and the public view of one record.

Only what the public may see, as portal.records.visibility decides: this module
lays it out.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cms.localise import is_english, localised_path
from portal.catalog.models import CatalogItem, Category, ListType, ReportSection
from portal.records import statements, visibility
from portal.records.disclosure import PublicState
from portal.records.models import CreditRecord
from portal.subjects.models import Subject

# Records shown per item on the profile before "show all".
PER_GROUP = 10
# Records per page when one item's records are listed in full.
PER_PAGE = 20


@dataclass
class ItemGroup:
    item: CatalogItem
    total: int
    records: list
    page: object = None  # a Paginator page when one item is listed in full

    @property
    def more(self) -> bool:
        return self.page is None and self.total > len(self.records)


@dataclass
class Section:
    """One of the profile's sections (行政许可, 行政处罚, 守信激励, 失信惩戒, then the rest)."""

    key: str
    title: str
    groups: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)


# The sections people know from Credit China, in its order, decided by what an item holds
# (the catalog's category, list and report section), never by item codes. First match wins.
SECTIONS = [
    (
        "licences",
        pgettext_lazy("profile section", "行政许可"),
        lambda item: item.category == Category.LICENCE,
    ),
    (
        "penalties",
        pgettext_lazy("profile section", "行政处罚"),
        lambda item: item.category == Category.PENALTY,
    ),
    (
        "incentives",
        pgettext_lazy("profile section", "守信激励"),
        lambda item: (
            item.list_type == ListType.RED or item.report_section == ReportSection.HONOUR_RED
        ),
    ),
    (
        "punishments",
        pgettext_lazy("profile section", "失信惩戒"),
        lambda item: (
            item.list_type == ListType.BLACK
            or item.report_section == ReportSection.SERIOUS_DISHONESTY
        ),
    ),
]
OTHER_SECTION = ("other", _("其他信息"))


def sections_of(groups: list) -> list[Section]:
    """The groups sorted into the four sections (always shown, even empty), then the rest
    (shown when it has records)."""
    sections = [Section(key, title) for key, title, _rule in SECTIONS]
    other = Section(*OTHER_SECTION)
    for group in groups:
        for section, (_key, _title, belongs) in zip(sections, SECTIONS, strict=True):
            if belongs(group.item):
                section.groups.append(group)
                break
        else:
            other.groups.append(group)
    return sections + ([other] if other.groups else [])


@dataclass
class Profile:
    subject: Subject
    former_names: list
    red_items: list
    black_items: list
    groups: list = field(default_factory=list)
    total: int = 0
    under_objection: int = 0
    selected_item: CatalogItem | None = None

    @property
    def sections(self) -> list[Section]:
        return sections_of(self.groups)


# The columns a profile row shows: the JSON `data` is left in the database.
ROW_FIELDS = (
    "id",
    "subject_id",
    "catalog_item_id",
    "decision_no",
    "title",
    "decision_date",
    "public_state",
    "department__name",
    "department__name_en",
)


def build_profile(subject: Subject, item_code: str = "", page: int | str = 1) -> Profile:
    """The profile: identity, list badges and records grouped by item (latest first).

    With `item_code`, only that item's records, paginated. Five queries for any
    number of records: counts per item, the items, whether their titles are
    public, the latest rows per item (a window function ranks them inside
    the database) and the subject's statements beside them.
    """
    records = visibility.public_records().filter(subject=subject)
    counts = {
        row["catalog_item"]: row
        for row in records.order_by()
        .values("catalog_item")
        .annotate(
            n=Count("id"),
            objected=Count("id", filter=Q(public_state=PublicState.UNDER_OBJECTION)),
        )
    }
    items = list(CatalogItem.objects.filter(pk__in=counts).order_by("sort_order", "code"))
    untitled = visibility.items_with_hidden_titles(items)
    profile = Profile(
        subject=subject,
        former_names=[n.name for n in subject.names.all() if n.name != subject.name],
        red_items=[i for i in items if i.list_type == ListType.RED],
        black_items=[i for i in items if i.list_type == ListType.BLACK],
        total=sum(row["n"] for row in counts.values()),
        under_objection=sum(row["objected"] for row in counts.values()),
    )
    latest = records.select_related("department").only(*ROW_FIELDS)
    newest_first = [F("decision_date").desc(), F("id").desc()]
    selected = next((i for i in items if i.code == item_code), None)
    if selected is not None:
        profile.selected_item = selected
        paginator = Paginator(
            latest.filter(catalog_item=selected).order_by(*newest_first), PER_PAGE
        )
        current = paginator.get_page(page)
        total = counts[selected.pk]["n"]
        rows = _without_hidden_titles(list(current.object_list), untitled)
        profile.groups = [ItemGroup(selected, total, rows, current)]
        _with_statements(rows, items)
        return profile
    ranked = latest.annotate(
        rank=Window(RowNumber(), partition_by=[F("catalog_item_id")], order_by=newest_first)
    ).filter(rank__lte=PER_GROUP)
    by_item: dict[int, list] = {}
    for record in _without_hidden_titles(
        ranked.order_by("catalog_item_id", *newest_first), untitled
    ):
        by_item.setdefault(record.catalog_item_id, []).append(record)
    for item in items:
        profile.groups.append(ItemGroup(item, counts[item.pk]["n"], by_item.get(item.pk, [])))
    _with_statements([r for group in profile.groups for r in group.records], items)
    return profile


def _with_statements(records: list, items: list) -> None:
    """Each shown row with the subject's statement the public may read beside it (one query,
    none when no shown row is of an adverse item)."""
    adverse = {item.pk for item in items if item.is_adverse}
    shown = visibility.public_statements(
        record.pk for record in records if record.catalog_item_id in adverse
    )
    for record in records:
        record.shown_statement = shown.get(record.pk)


def _without_hidden_titles(records, untitled: set) -> list:
    """The rows, with the title blanked where the item's title field is not public."""
    records = list(records)
    for record in records:
        if record.catalog_item_id in untitled:
            record.title = ""
    return records


def format_value(value) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items())
    return str(value)


def record_fields(record: CreditRecord) -> list[tuple[str, str]]:
    """The record's public fields as (label, value), in the catalog's order, empty ones left out."""
    english = is_english()
    rows = []
    for catalog_field in visibility.public_fields(record.catalog_item):
        value = record.data.get(catalog_field.key)
        if value in (None, "", [], {}):
            continue
        label = (
            catalog_field.label_en if english and catalog_field.label_en else catalog_field.label
        )
        rows.append((label, format_value(value)))
    return rows


def record_actions(record: CreditRecord) -> dict:
    """What the public may do about a record: object to it always, apply for repair where
    the item allows it, attach the subject's statement where the rules allow one."""
    repairable = record.catalog_item.repairable
    return {
        "statement_url": (
            f"{localised_path('/statements/new/')}?record={record.pk}"
            if statements.accepts_statement(record)
            else ""
        ),
        "objection_url": f"{localised_path('/objections/new/')}?record={record.pk}",
        "repair_url": f"{localised_path('/repair/new/')}?record={record.pk}" if repairable else "",
        "repair_from": record.repair_from if repairable else None,
    }
