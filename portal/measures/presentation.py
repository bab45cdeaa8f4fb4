"""How list and record entries are shown to reviewers: by catalog item name, grouped.

A subject with 35 dishonest-judgment-debtor records is one line "失信被执行人名单 ×35"
with the records folded under it, not 35 codes. Lookups saved before names were
kept in the snapshot hold bare item codes; `catalog_labels()` names those.
"""

from django.utils.translation import gettext as _

from portal.catalog.models import CatalogItem
from portal.core.languages import is_english


def catalog_labels() -> dict[str, tuple[str, str]]:
    """Item code -> (name in the reader's language, list type), for snapshots that kept only
    codes, and for English pages (a snapshot keeps the Chinese name it was made with)."""
    english = is_english()
    return {
        code: (name_en if english and name_en else name, kind)
        for code, name, name_en, kind in CatalogItem.objects.values_list(
            "code", "name", "name_en", "list_type"
        )
    }


def _prefer_labels(labels) -> bool:
    """English pages name items from the catalog's English names, not the snapshot's."""
    return bool(labels) and is_english()


def group_by_item(entries, *, keep_entries: bool = True, labels=None) -> list[dict]:
    """Entries grouped by catalog item, in first-seen order: code, name, list type, count and
    (with keep_entries) the entries themselves. Accepts record entries, groups already made,
    and bare item codes."""
    labels = labels or {}
    groups: dict[str, dict] = {}
    for entry in entries:
        if isinstance(entry, str):
            entry = {"list": entry}
        code = entry["list"]
        group = groups.get(code)
        if group is None:
            name, kind = labels.get(code, (code, ""))
            if not (_prefer_labels(labels) and code in labels):
                name = entry.get("name") or name
            group = groups[code] = {
                "list": code,
                "name": name,
                "list_type": entry.get("list_type", kind),
                "count": 0,
            }
            if keep_entries:
                group["entries"] = []
        group["count"] += entry.get("count", 1)
        if keep_entries and "record_id" in entry:
            group["entries"].append(entry)
    return list(groups.values())


def groups_text(groups: list[dict]) -> str:
    """ "失信被执行人名单（35条）；严重违法失信名单（1条）" for exports."""
    return _("；").join(
        _("%(name)s（%(n)d条）") % {"name": g["name"], "n": g["count"]} for g in groups
    )


def triggered_names(measure: dict, labels=None) -> list[str]:
    """The names of the lists that triggered a measure (codes in lookups made before)."""
    if measure.get("triggered_by_names") and not (
        _prefer_labels(labels) and measure.get("triggered_by")
    ):
        return measure["triggered_by_names"]
    labels = labels or {}
    return [labels.get(code, (code, ""))[0] for code in measure.get("triggered_by", [])]
