"""The rule for what the public statistics page may show (docs/domain.md, Statistics):
aggregates only, and no group of fewer than PUBLIC_MIN_SUBJECTS distinct subjects.

Small groups of a breakdown are merged into one 其他 group; when that group is
itself too small, the smallest shown groups join it until it is not (so the
total minus the shown groups never gives away a small one), or it is shown as "<5".

A line of figures shown beside its total (a metric month by month, beside its all-time
total) gets complementary suppression instead: where a month is small and shown as "<5",
the smallest other months are withheld with it (shown as WITHHELD) until the withheld
months together have PUBLIC_MIN_SUBJECTS subjects, so the total minus the shown months
gives away neither a small month nor a small group of months.
"""

from collections.abc import Callable

PUBLIC_MIN_SUBJECTS = 5
# The key of the merged group of a breakdown.
OTHER = "*"
# How the public page writes a figure withheld beside a small one.
WITHHELD = "×"


def is_small(subjects: int | None) -> bool:
    return subjects is None or subjects < PUBLIC_MIN_SUBJECTS


def merged_groups(groups: dict[str, int], union: Callable[[set[str]], int]) -> tuple[set[str], int]:
    """The keys of `groups` (key -> distinct subjects) the public may not see on their
    own, and the distinct subjects of them together (`union` counts them for a set
    of keys, since one subject can be in several groups)."""
    merged = {key for key, subjects in groups.items() if is_small(subjects)}
    if not merged:
        return set(), 0
    together = union(merged)
    shown = sorted((k for k in groups if k not in merged), key=lambda k: (groups[k], k))
    while is_small(together) and shown:
        merged.add(shown.pop(0))
        together = union(merged)
    return merged, together


def withheld_cells(cells: dict, union: Callable[[set], int]) -> set:
    """The cells of a line (key -> distinct subjects) to withhold beside its small ones
    (those shown as "<5"), so the total minus the shown cells gives no small figure away:
    none when no cell is small, else the smallest others until the withheld cells together
    have enough subjects (`union` counts a set of cells' distinct subjects)."""
    small = {key for key, subjects in cells.items() if is_small(subjects)}
    if not small:
        return set()
    hidden, _together = merged_groups(cells, union)
    return hidden - small
