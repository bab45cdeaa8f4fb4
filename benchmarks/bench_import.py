"""Benchmark: department imports on the embedded default (SQLite), beside a peer and a floor.

    .venv/bin/python benchmarks/bench_import.py --rows 1000000 --xlsx-rows 200000

Generates administrative-penalty rows (importers.samples; valid codes, ~4 rows
per subject, 10 % natural persons), then measures, each step in its own
process on its own fresh copy of a migrated SQLite database:

- ours (CSV and XLSX): the `import_records` path — a batch validated and
  committed in one all-or-nothing transaction (exchange.services.validate_batch
  with auto-commit): wall time, rows/s, peak RSS of the writer process and of
  the reader process it starts for big files;
- peer: a plain django-import-export ModelResource for CreditRecord, imported
  with its default row-by-row path (resource.import_data), on --peer-rows rows
  of the same file and extrapolated linearly to --rows (it would take hours);
- floor: the same CSV rows inserted raw (csv.reader + executemany into a plain
  table without indexes, one transaction): the least any import can cost.

Search indexing of the loaded records (the search outbox) runs after the
commit and is not part of these figures. Use --rows 20000 --xlsx-rows 5000 for
a quick run.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))


def setup_env(workdir: Path, db: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{db}",
            "PORTAL_VAR_DIR": str(workdir / "var"),
            "PORTAL_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def peak_rss_mib(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and its (finished) reader processes: a figure the
    other work on a shared machine does not move, unlike the wall time."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


# -- steps (each runs in a fresh process) ----------------------------------------


def step_ours(path: Path) -> dict:
    from exchange import services
    from exchange.models import BatchSource
    from tests.factories import catalog_item, department

    with open(path, "rb") as handle:
        batch, _ = services.submit_batch(
            department=department("MARKET"),
            item=catalog_item("ADM_PENALTY"),
            fileobj=handle,
            file_name=path.name,
            source=BatchSource.CLI,
            auto_commit=True,
            max_bytes=None,
            enqueue=False,
        )
    started, cpu_before = time.perf_counter(), cpu_seconds()
    batch = services.validate_batch(batch.pk)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    from portal.records.models import CreditRecord, RecordVersion

    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "load_average": os.getloadavg()[0],
        "status": batch.status,
        "rows": batch.rows_total,
        "accepted": batch.accepted,
        "created": batch.created_count,
        "records": CreditRecord.objects.count(),
        "versions": RecordVersion.objects.count(),
        "peak_rss_mib": peak_rss_mib(),
        "reader_peak_rss_mib": peak_rss_mib(resource.RUSAGE_CHILDREN),
    }


# The model fields the peer's resource imports; before_import_row fills them per row.
PEER_COLUMNS = (
    "subject",
    "catalog_item",
    "department",
    "natural_key",
    "decision_no",
    "decision_date",
    "severity",
    "title",
    "data",
    "content_hash",
)


def step_peer(path: Path, rows: int) -> dict:
    import csv
    import itertools

    import tablib
    from import_export import fields, resources, widgets

    from portal.catalog.models import CatalogItem
    from portal.core.codes import CodeError
    from portal.departments.models import Department
    from portal.records.models import CreditRecord
    from portal.subjects.models import Subject
    from tests.factories import catalog_item

    item = catalog_item("ADM_PENALTY")
    labels = {f.label: f.key for f in item.fields.all()}

    class PeerRecordResource(resources.ModelResource):
        """A plain ModelResource: one query and one INSERT per row (its default path)."""

        subject = fields.Field(
            attribute="subject",
            column_name="subject",
            widget=widgets.ForeignKeyWidget(Subject, "code"),
        )
        catalog_item = fields.Field(
            attribute="catalog_item",
            column_name="catalog_item",
            widget=widgets.ForeignKeyWidget(CatalogItem, "code"),
        )
        department = fields.Field(
            attribute="department",
            column_name="department",
            widget=widgets.ForeignKeyWidget(Department, "code"),
        )
        decision_date = fields.Field(
            attribute="decision_date",
            column_name="decision_date",
            widget=widgets.DateWidget("%Y-%m-%d"),
        )
        data = fields.Field(attribute="data", column_name="data", widget=widgets.JSONWidget())

        class Meta:
            model = CreditRecord
            fields = PEER_COLUMNS
            import_id_fields = ("catalog_item", "department", "natural_key")

        def before_import_row(self, row, **kwargs):
            # Resolve the subject the simple way (get_or_create per row).
            data = {labels[k]: v for k, v in row.items() if k in labels and v}
            try:
                if data.get("subject_kind") == "自然人":
                    subject = Subject.for_person(
                        data["id_number"], data["subject_name"], data.get("id_type") or "身份证"
                    )
                else:
                    subject = Subject.for_organisation(data["uscc"], data["subject_name"])
            except (CodeError, KeyError):
                return
            subject, _ = Subject.objects.get_or_create(
                code=subject.code,
                defaults={
                    f.attname: getattr(subject, f.attname)
                    for f in Subject._meta.concrete_fields
                    if f.attname not in ("id", "code")
                },
            )
            decided = data["decision_date"].replace("/", "-")
            parts = decided.split("-")
            row["subject"] = subject.code
            row["catalog_item"] = "ADM_PENALTY"
            row["department"] = "MARKET"
            row["natural_key"] = f"{data['decision_no']}|{subject.code}"
            row["decision_no"] = data["decision_no"]
            row["decision_date"] = f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}"
            row["severity"] = {"轻微": "minor", "一般": "general", "严重": "serious"}.get(
                data.get("severity", ""), ""
            )
            row["title"] = data.get("violation_type", "")
            row["data"] = json.dumps(
                {k: v for k, v in data.items() if k != "id_number"}, ensure_ascii=False
            )
            row["content_hash"] = ""

        def before_save_instance(self, instance, row, **kwargs):
            instance.apply_disclosure_rule()
            instance.public_state = instance.derive_public_state()

    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        extra = list(PEER_COLUMNS)
        body = [row + [""] * len(extra) for row in itertools.islice(reader, rows)]
    # The English columns are filled per row by before_import_row and read by the resource.
    dataset = tablib.Dataset(*body, headers=header + extra)
    started = time.perf_counter()
    result = PeerRecordResource().import_data(dataset, dry_run=False, use_transactions=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": len(body),
        "errors": len(result.row_errors()) + len(result.base_errors),
        "records": CreditRecord.objects.count(),
        "peak_rss_mib": peak_rss_mib(),
    }


def step_floor(path: Path, db: Path) -> dict:
    import csv
    import itertools
    import sqlite3

    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = ", ".join(f'"c{i}" TEXT' for i in range(len(header)))
        connection.execute(f"CREATE TABLE bench_floor ({columns})")
        connection.execute("BEGIN IMMEDIATE")
        marks = ", ".join("?" for _ in header)
        sql = f"INSERT INTO bench_floor VALUES ({marks})"
        rows = 0
        while True:
            chunk = list(itertools.islice(reader, 5000))
            if not chunk:
                break
            connection.executemany(sql, chunk)
            rows += len(chunk)
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "peak_rss_mib": peak_rss_mib()}


# -- the driver ------------------------------------------------------------------


def run_step(name: str, workdir: Path, template_db: Path, data: Path, extra=()) -> dict:
    db = workdir / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(template_db, db)
    command = [
        sys.executable,
        __file__,
        "--step",
        name,
        "--workdir",
        str(workdir),
        "--db",
        str(db),
        "--data",
        str(data),
        *extra,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="CSV rows for ours and the floor"
    )
    parser.add_argument(
        "--xlsx-rows", type=int, default=200_000, help="rows of the XLSX run (0 skips it)"
    )
    parser.add_argument(
        "--peer-rows", type=int, default=3000, help="rows the peer imports (extrapolated)"
    )
    parser.add_argument(
        "--workdir", help="where data and databases go (default: a temporary folder)"
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:
        workdir, db, data = Path(args.workdir), Path(args.db), Path(args.data)
        if args.step == "floor":
            result = step_floor(data, db)
        else:
            setup_env(workdir, db)
            result = step_peer(data, args.peer_rows) if args.step == "peer" else step_ours(data)
        print(json.dumps(result))
        sys.stdout.flush()
        # Skip waiting for background work (the search outbox) at exit: not measured.
        os._exit(0)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    template = workdir / "template.sqlite3"
    print(f"work folder: {workdir}")
    if not template.exists():
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="portal.settings.dev",
            DJANGO_DEBUG="0",
            DATABASE_URL=f"sqlite:///{template}",
            PORTAL_VAR_DIR=str(workdir / "var"),
        )
        subprocess.run(
            [sys.executable, str(BASE / "manage.py"), "migrate", "-v0"],
            env=env,
            check=True,
            cwd=BASE,
        )
        sqlite_checkpoint(template)
    setup_env(workdir, workdir / "generate.sqlite3")
    csv_path = workdir / f"penalties-{args.rows}.csv"
    xlsx_path = workdir / f"penalties-{args.xlsx_rows}.xlsx"
    from importers.samples import write_penalty_csv, write_penalty_xlsx

    shutil.copy(template, workdir / "generate.sqlite3")
    from tests.factories import catalog_item

    item = catalog_item("ADM_PENALTY")
    started = time.perf_counter()
    if not csv_path.exists():
        write_penalty_csv(csv_path, args.rows, item=item)
    if args.xlsx_rows and not xlsx_path.exists():
        write_penalty_xlsx(xlsx_path, args.xlsx_rows, item=item)
    print(
        f"data generated in {time.perf_counter() - started:.0f} s: {csv_path.stat().st_size / 2**20:.0f} MiB CSV"
    )

    results = {"ours_csv": run_step("ours", workdir, template, csv_path)}
    if args.xlsx_rows:
        results["ours_xlsx"] = run_step("ours", workdir, template, xlsx_path)
    results["peer"] = run_step(
        "peer", workdir, template, csv_path, ["--peer-rows", str(args.peer_rows)]
    )
    results["floor"] = run_step("floor", workdir, template, csv_path)
    report(args, results)


def sqlite_checkpoint(db: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(db)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def report(args, results: dict) -> None:
    ours, peer, floor = results["ours_csv"], results["peer"], results["floor"]
    peer_rate = peer["rows"] / peer["seconds"]
    peer_full = args.rows / peer_rate
    lines = [
        "",
        f"{'path':<44}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'peak RSS MiB':>14}",
        f"{'ours, CSV (validate + commit)':<44}{ours['rows']:>10}{ours['seconds']:>10.1f}"
        f"{ours['rows'] / ours['seconds']:>10.0f}{ours['peak_rss_mib']:>8.0f} + {ours['reader_peak_rss_mib']:.0f}",
    ]
    if "ours_xlsx" in results:
        x = results["ours_xlsx"]
        lines.append(
            f"{'ours, XLSX (validate + commit)':<44}{x['rows']:>10}{x['seconds']:>10.1f}"
            f"{x['rows'] / x['seconds']:>10.0f}{x['peak_rss_mib']:>8.0f} + {x['reader_peak_rss_mib']:.0f}"
        )
    lines += [
        f"{'peer: ModelResource row by row (measured)':<44}{peer['rows']:>10}{peer['seconds']:>10.1f}{peer_rate:>10.0f}{peer['peak_rss_mib']:>14.0f}",
        f"{'peer extrapolated to ' + str(args.rows) + ' rows':<44}{args.rows:>10}{peer_full:>10.0f}{peer_rate:>10.0f}",
        f"{'floor: raw executemany, no indexes':<44}{floor['rows']:>10}{floor['seconds']:>10.1f}"
        f"{floor['rows'] / floor['seconds']:>10.0f}{floor['peak_rss_mib']:>14.0f}",
        "",
        f"ours vs peer: {peer_full / ours['seconds']:.1f}x faster; ours vs floor: {ours['seconds'] / floor['seconds']:.1f}x slower",
        f"(peak RSS: writer + largest reader process; ours loaded {ours['records']} records and "
        f"{ours['versions']} versions; CPU of ours, CSV: {ours['cpu_seconds']:.0f} s over all its "
        f"processes; load average at its end {ours['load_average']:.1f}; peer row errors: {peer['errors']})",
    ]
    lines += targets(args, results)
    print("\n".join(lines))
    print(json.dumps({"args": vars(args), **results}))


def targets(args, results: dict) -> list[str]:
    """The issue's targets, where the run is big enough for them to apply."""
    ours = results["ours_csv"]
    lines = []
    if args.rows >= 1_000_000:
        memory = ours["peak_rss_mib"] + ours["reader_peak_rss_mib"]
        lines.append(
            f"target: {args.rows} CSV rows in < 90 s: {verdict(ours['seconds'] < 90)} "
            f"({ours['seconds']:.1f} s); peak memory < 1 GiB: {verdict(memory < 1024)} "
            f"({memory:.0f} MiB over writer and reader)"
        )
    if "ours_xlsx" in results and args.xlsx_rows >= 200_000:
        seconds = results["ours_xlsx"]["seconds"]
        lines.append(
            f"target: {args.xlsx_rows} XLSX rows in < 60 s: {verdict(seconds < 60)} ({seconds:.1f} s)"
        )
    return lines


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    main()
