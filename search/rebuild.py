"""Full rebuilds (zero downtime) and drift checks, for `manage.py search_index`."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from portal.audit.services import record_event
from portal.records.models import CreditRecord
from portal.subjects.models import Subject
from search import indexing
from search.analysis import ANALYSIS_VERSION
from search.backends import get_backend
from search.documents import IndexDoc, build_documents, indexable_subject_ids
from search.models import IndexBuild

logger = logging.getLogger(__name__)

CHUNK = 2000
STALE_LOCK = dt.timedelta(hours=6)


class RebuildRefused(RuntimeError):
    pass


def all_documents(progress=None) -> Iterator[IndexDoc]:
    """Every document the database says the public may find, subject by subject."""
    chunk: list[int] = []
    done = 0
    for subject_id in indexable_subject_ids():
        chunk.append(subject_id)
        if len(chunk) >= CHUNK:
            yield from _documents(chunk)
            done += len(chunk)
            chunk = []
            if progress:
                progress(done)
    if chunk:
        yield from _documents(chunk)
        if progress:
            progress(done + len(chunk))


def _documents(subject_ids: list[int]) -> Iterator[IndexDoc]:
    for docs in build_documents(subject_ids).values():
        yield from docs


def _key(backend) -> dict:
    return {"backend": backend.name, "prefix": backend.prefix}


def is_current(backend=None) -> bool:
    """Does the live index come from a completed full rebuild with today's analysis?"""
    backend = backend or get_backend()
    status = backend.status()
    if not status.exists:
        return False
    last = IndexBuild.objects.filter(
        **_key(backend), finished_at__isnull=False, failed=False
    ).first()
    return bool(last and last.target == status.name and last.analysis == ANALYSIS_VERSION)


def rebuild(progress=None, force: bool = False) -> IndexBuild:
    """Build a new versioned index beside the live one, switch to it, drop the old one.

    Queries keep being answered by the old index until the switch; changes made
    during the build are written to both (backends write to the building index
    too) and replayed once more after the switch.
    """
    backend = get_backend()
    running = IndexBuild.objects.filter(
        **_key(backend), finished_at__isnull=True, failed=False
    ).first()
    if running and not force and timezone.now() - running.started_at < STALE_LOCK:
        raise RebuildRefused(
            f"A rebuild started at {running.started_at:%Y-%m-%d %H:%M} is still running "
            "(use --force if it died)."
        )
    started = timezone.now()
    clock = time.perf_counter()
    target = backend.begin_rebuild()
    build = IndexBuild.objects.create(**_key(backend), target=target, analysis=ANALYSIS_VERSION)
    try:
        count = backend.bulk_load(target, all_documents(progress))
        backend.finish_rebuild(target)
    except BaseException:
        backend.abort_rebuild(target)
        build.failed = True
        build.finished_at = timezone.now()
        build.seconds = time.perf_counter() - clock
        build.save()
        record_event("search.rebuild_failed", data={"backend": backend.name, "target": target})
        raise
    # Subjects changed while the build read them: index them once more in the new index.
    changed = set(
        CreditRecord.objects.filter(updated_at__gte=started).values_list("subject_id", flat=True)
    )
    changed |= set(Subject.objects.filter(updated_at__gte=started).values_list("pk", flat=True))
    if changed:
        indexing.index_subjects(changed, backend)
    # Builds that never finished died before this one began (begin_rebuild dropped them).
    IndexBuild.objects.filter(
        **_key(backend), finished_at__isnull=True, started_at__lt=build.started_at
    ).update(failed=True, finished_at=timezone.now())
    build.finished_at = timezone.now()
    build.documents = count
    build.seconds = time.perf_counter() - clock
    build.target = backend.status().name or target
    build.save()
    record_event(
        "search.rebuilt",
        data={
            "backend": backend.name,
            "index": build.target,
            "documents": count,
            "seconds": round(build.seconds, 1),
            "replayed_subjects": len(changed),
        },
    )
    return build


@dataclass
class Drift:
    expected: int = 0
    indexed: int = 0
    missing: list[str] = field(default_factory=list)  # in the database, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, no longer public
    stale: list[str] = field(default_factory=list)  # in both, but the index is out of date

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def check() -> tuple[Drift, dict[str, int]]:
    """Compare every document the database implies with the live index."""
    backend = get_backend()
    indexed = backend.document_versions()
    drift = Drift(indexed=len(indexed))
    subjects: dict[str, int] = {}
    seen = set()
    for doc in all_documents():
        drift.expected += 1
        seen.add(doc.key)
        subjects[doc.key] = doc.subject_id
        version = indexed.get(doc.key)
        if version is None:
            drift.missing.append(doc.key)
        elif version != doc.version:
            drift.stale.append(doc.key)
    drift.extra = sorted(set(indexed) - seen)
    return drift, subjects


def repair(drift: Drift, subjects: dict[str, int]) -> int:
    """Re-index the subjects a drift report names and delete documents nobody should see."""
    backend = get_backend()
    if drift.extra:
        backend.delete_documents(drift.extra)
    ids = {subjects[key] for key in drift.missing + drift.stale}
    return indexing.index_subjects(ids, backend) if ids else 0
