"""manage.py search_index: rebuild, check and catch up the public search index."""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from search import indexing, rebuild
from search.backends import SearchUnavailable, get_backend


class Command(BaseCommand):
    help = (
        "Manage the public search index: --rebuild (new versioned index, then an atomic "
        "switch: zero downtime), --check (drift between database and index), --catch-up "
        "(process the outbox now), --status."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Build a new index and switch.")
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="With --rebuild: only when the live index is missing or was not built in full "
            "with the current analysis (cheap; for `make setup`).",
        )
        parser.add_argument("--force", action="store_true", help="Ignore a stale rebuild lock.")
        parser.add_argument("--check", action="store_true", help="Report drift; exit 1 if any.")
        parser.add_argument("--repair", action="store_true", help="With --check: fix the drift.")
        parser.add_argument("--catch-up", action="store_true", help="Process the outbox now.")
        parser.add_argument("--status", action="store_true", help="Show the live index.")
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")

    def handle(self, *args, **opts):
        self.verbosity = opts["verbosity"]
        if not any(opts[k] for k in ("rebuild", "check", "catch_up", "status")):
            raise CommandError("Give --rebuild, --check, --catch-up or --status.")
        try:
            if opts["catch_up"]:
                done = indexing.catch_up()
                self.stdout.write(f"Outbox: {done} entries indexed; pending {indexing.pending()}.")
            if opts["rebuild"]:
                self._rebuild(opts["if_needed"], opts["force"])
            if opts["check"]:
                self._check(opts["repair"], opts["json"])
            if opts["status"]:
                self._status(opts["json"])
        except SearchUnavailable as exc:
            raise CommandError(f"The search engine is unavailable: {exc}") from exc

    def _rebuild(self, if_needed: bool, force: bool):
        backend = get_backend()
        if if_needed and rebuild.is_current(backend):
            status = backend.status()
            self.stdout.write(
                f"Search index {status.name} is complete ({status.documents} documents); "
                "nothing to do."
            )
            return
        started = time.perf_counter()

        def progress(subjects):
            if self.verbosity > 1 or subjects % 50000 == 0:
                rate = subjects / max(time.perf_counter() - started, 1e-6)
                self.stdout.write(f"  {subjects} subjects read ({rate:.0f}/s)")

        try:
            build = rebuild.rebuild(progress=progress, force=force)
        except rebuild.RebuildRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Rebuilt {backend.name} index {build.target}: {build.documents} documents in "
            f"{build.seconds:.1f} s ({build.documents / max(build.seconds, 1e-6):.0f} docs/s); "
            "switched with no downtime."
        )

    def _check(self, repair: bool, as_json: bool):
        drift, subjects = rebuild.check()
        report = {
            "expected": drift.expected,
            "indexed": drift.indexed,
            "missing": len(drift.missing),
            "extra": len(drift.extra),
            "stale": len(drift.stale),
            "samples": {
                "missing": drift.missing[:10],
                "extra": drift.extra[:10],
                "stale": drift.stale[:10],
            },
            "outbox": indexing.pending(),
        }
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        else:
            self.stdout.write(
                f"Database implies {drift.expected} documents, the index holds {drift.indexed}: "
                f"{len(drift.missing)} missing, {len(drift.extra)} extra, "
                f"{len(drift.stale)} out of date. Outbox: {report['outbox']}."
            )
            for kind in ("missing", "extra", "stale"):
                if report["samples"][kind]:
                    self.stdout.write(f"  {kind}: {', '.join(report['samples'][kind])}")
        if drift.clean:
            return
        if repair:
            written = rebuild.repair(drift, subjects)
            self.stdout.write(f"Repaired: {written} documents written, {len(drift.extra)} removed.")
            return
        sys.exit(1)

    def _status(self, as_json: bool):
        status = get_backend().status()
        data = {
            "backend": get_backend().name,
            "index": status.name,
            "exists": status.exists,
            "documents": status.documents,
            "complete": rebuild.is_current(),
            "outbox": indexing.pending(),
            **status.details,
        }
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
        else:
            for key, value in data.items():
                self.stdout.write(f"{key}: {value}")
