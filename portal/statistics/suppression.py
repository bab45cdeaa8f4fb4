"""The rule for what the public statistics page may show (docs/domain.md, Statistics):
aggregates only, and no group of fewer than PUBLIC_MIN_SUBJECTS distinct subjects.

Small groups of a breakdown are merged into one 其他 group; when that group is
itself too small, the smallest shown groups join it until it is not (so the
total minus the shown groups never gives away a small one), or it is shown as "<5".
"""

from collections.abc import Callable

PUBLIC_MIN_SUBJECTS = 5
# The key of the merged group of a breakdown.
OTHER = "*"


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
