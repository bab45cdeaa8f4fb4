"""The name keys screening looks organisations up by, kept in the database (SubjectNameKey).

Computing the keys of every organisation at screening time costs tens of
microseconds a name, seconds for a whole register; stored, the candidates of a
list are one indexed ``key IN (…)`` lookup. Whoever writes a subject's names
writes its keys: saves of Subject and SubjectName through signals
(portal.subjects.apps), bulk writers (imports, demo data) through
:func:`write_new_subject_keys`.

Each subject carries the version its keys were computed with
(``Subject.name_keys_version``). The version follows the code and settings the
keys come from, so changing them makes every subject's keys stale: screening
still finds stale subjects (it computes their keys itself, slowly) until
``manage.py subject_name_keys`` writes them again.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from portal.core import names as core_names
from portal.core import text as core_text
from portal.subjects import districts, name_keys
from portal.subjects.models import Subject, SubjectKind, SubjectName, SubjectNameKey

CHUNK = 900  # subjects per query: well inside SQLite's variable limit
# Bump when the keys change in a way the sources hashed below do not show.
KEYS_FORMAT = 1


def keys_version() -> str:
    """The version of the keys this code computes under the current settings."""
    return _version(settings.PORTAL_CITY_NAME)


@functools.cache
def _version(city: str) -> str:
    digest = hashlib.sha256(f"{KEYS_FORMAT}\n{city}\n".encode())
    # The modules the keys are computed by, and the data they read (pinyin, OpenCC).
    for module in (name_keys, core_names, core_text, districts):
        digest.update(Path(module.__file__).read_bytes())
    import opencc
    import pypinyin

    digest.update(pypinyin.__version__.encode())
    digest.update((Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt").read_bytes())
    return digest.hexdigest()[:16]


def keys_of(kind: str, normalised_names: Iterable[str]) -> set[tuple[str, str]]:
    """The stored keys of one subject as (matching key, key): those of every organisation
    name, none for a person (people are never screened by name)."""
    if kind == SubjectKind.NATURAL_PERSON:
        return set()
    city = settings.PORTAL_CITY_NAME
    keys: set[tuple[str, str]] = set()
    for normalised in normalised_names:
        matching, found = name_keys.screening_keys(normalised, city)
        keys.update((matching, key) for key in found)
    return keys


def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _insert(rows: list[tuple[int, str, str]]) -> None:
    """(subject id, matching key, key) rows, as one executemany: millions in a backfill."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(SubjectNameKey._meta.db_table)
    columns = f"{quote('subject_id')}, {quote('matching_key')}, {quote('key')}"
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608  # nosec B608  # table and column names are the code's own; values are bound parameters
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def write_keys(subject_ids: Iterable[int]) -> int:
    """Compute and store the keys of these subjects from their names as stored now
    (replacing their old keys); returns how many keys were written."""
    version = keys_version()
    written = 0
    for chunk in _chunks(set(subject_ids)):
        names: dict[int, set[str]] = defaultdict(set)
        kinds = {}
        for pk, kind, normalised in Subject.objects.filter(pk__in=chunk).values_list(
            "pk", "kind", "name_normalised"
        ):
            kinds[pk] = kind
            names[pk].add(normalised)
        for pk, normalised in SubjectName.objects.filter(subject_id__in=chunk).values_list(
            "subject_id", "name_normalised"
        ):
            names[pk].add(normalised)
        rows = [
            (pk, matching, key)
            for pk, kind in kinds.items()
            for matching, key in keys_of(kind, names[pk])
        ]
        with transaction.atomic():  # old keys and version, or new keys and version
            SubjectNameKey.objects.filter(subject_id__in=chunk).delete()
            _insert(rows)
            Subject.objects.filter(pk__in=list(kinds)).update(name_keys_version=version)
        written += len(rows)
    return written


def write_new_subject_keys(subjects: list[Subject]) -> int:
    """Store the keys of subjects just inserted in bulk (saved, with no keys and no
    former names yet): computed from the instances, no reading back."""
    rows = [
        (subject.pk, matching, key)
        for subject in subjects
        for matching, key in keys_of(subject.kind, [subject.name_normalised])
    ]
    _insert(rows)
    version = keys_version()
    for chunk in _chunks(subject.pk for subject in subjects):
        Subject.objects.filter(pk__in=chunk).update(name_keys_version=version)
    for subject in subjects:
        subject.name_keys_version = version
    return len(rows)


def stale_subjects():
    """Organisations whose stored keys are missing or of another version."""
    return Subject.objects.exclude(kind=SubjectKind.NATURAL_PERSON).exclude(
        name_keys_version=keys_version()
    )


def backfill(batch: int = 5000, everyone: bool = False, progress=None) -> tuple[int, int]:
    """Write the keys of every stale subject (or of every subject); (subjects, keys) written.
    Each batch is its own small write: an interrupted backfill keeps what it did."""
    subjects = keys = 0
    query = Subject.objects.all() if everyone else stale_subjects()
    # Ids first: writing changes the version the query filters on.
    ids = list(query.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        part = ids[start : start + batch]
        keys += write_keys(part)
        subjects += len(part)
        if progress is not None:
            progress(subjects, len(ids))
    return subjects, keys
