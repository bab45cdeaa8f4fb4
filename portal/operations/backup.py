"""Backing up and restoring an installation (runbook: docs/operations.md).

An archive is one tar.gz holding the database (a SQLite file made with the
online backup API, or a `pg_dump --format=custom` file), the private files and
the media files, and `manifest.json`: every other member with its SHA-256 and
size, the record, subject and audit-event counts of the database snapshot, the
latest migration per app, the database vendor and the creation time.

Restoring checks every member against the manifest before touching anything,
refuses a non-empty installation unless forced, puts the database and the
files in place, and then checks the counts and the audit chain.

Secrets are never in an archive: an archive with the identity hash key would
let whoever holds it recover identity numbers by trying them all. The manifest
carries a keyed check value instead, so a restore under another key is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # fixed commands, arguments as a list, never a shell
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.audit.services import verify_chain
from portal.records.models import CreditRecord
from portal.subjects.identity import hash_identity
from portal.subjects.models import Subject

FORMAT = "joint-credit-portal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database/portal.sqlite3", "postgresql": "database/portal.pgdump"}
FILE_ROOTS = ("private", "media")
COUNTED = {"credit_records": CreditRecord, "subjects": Subject, "audit_events": AuditEvent}
# Scheduled archives: one per local day, named so that names sort by age.
SCHEDULED_PREFIX = "portal-backup-"
SCHEDULED_SUFFIX = ".tar.gz"
_KEY_CHECK_INPUT = "portal-backup-key-check"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    manifest: dict
    counts: dict
    audit_entries: int
    moved_aside: list[Path] = field(default_factory=list)
    unapplied_migrations: list[str] = field(default_factory=list)


# --- where things live -------------------------------------------------------


def vendor() -> str:
    return connection.vendor


def file_roots() -> dict[str, Path]:
    """The directories an archive carries, by their name inside the archive."""
    return {
        "private": Path(settings.PORTAL_PRIVATE_STORAGE_ROOT),
        "media": Path(settings.MEDIA_ROOT),
    }


def backup_directory() -> Path:
    return Path(settings.PORTAL_BACKUP_DIR)


def identity_key_check() -> str:
    """A value that differs when PORTAL_IDENTITY_HASH_KEY differs, and reveals nothing of it."""
    return hash_identity(_KEY_CHECK_INPUT)


# --- facts about a database --------------------------------------------------


def _table_counts(cursor, existing_tables: set[str]) -> dict[str, int]:
    counts = {}
    for name, model in COUNTED.items():
        table = model._meta.db_table
        if table not in existing_tables:
            counts[name] = 0
            continue
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608  # nosec B608  # a model's own table name
        counts[name] = cursor.fetchone()[0]
    return counts


def _latest_migrations(cursor) -> dict[str, str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    latest = {}
    for app, name in cursor.fetchall():
        latest[app] = name  # the most recently applied one wins
    return dict(sorted(latest.items()))


def _sqlite_facts(path: Path) -> tuple[dict, dict]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        cursor = db.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {row[0] for row in cursor.fetchall()}
        return _table_counts(cursor, tables), _latest_migrations(cursor)


def installation_counts() -> dict[str, int]:
    """Record, subject and audit-event counts of the configured database (0 if never migrated)."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        return _table_counts(cursor, tables)


# --- PostgreSQL client programs ----------------------------------------------


def _pg_command(
    program: str, *args: str, db: dict | None = None
) -> tuple[list[str], dict[str, str]]:
    """A pg_dump/pg_restore command line for the configured database, and its environment.

    The password goes through PGPASSWORD: a command line is visible to every
    user of the machine in the process list.
    """
    db = db or settings.DATABASES["default"]
    command = [program, "--no-password"]
    if db.get("HOST"):
        command += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        command += ["--port", str(db["PORT"])]
    if db.get("USER"):
        command += ["--username", str(db["USER"])]
    command += [*args, "--dbname", str(db["NAME"])]
    env = dict(os.environ)
    env.pop("PGPASSWORD", None)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return command, env


def _run_pg(program: str, *args: str) -> None:
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} is not installed: install Debian's postgresql-client "
            f"(the same major version as the server or newer)."
        )
    command, env = _pg_command(program, *args)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603  # fixed command, arguments as a list, never a shell
    if result.returncode != 0:
        raise BackupError(f"{program} failed ({result.returncode}): {result.stderr.strip()}")


# --- writing an archive ------------------------------------------------------


class _HashingReader:
    """Hands a file to tarfile while hashing exactly the bytes that go into the archive."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        chunk = self.raw.read(size)
        self.sha256.update(chunk)
        self.size += len(chunk)
        return chunk


def _add_file(tar: tarfile.TarFile, source: Path, name: str, members: list[dict]) -> None:
    info = tar.gettarinfo(str(source), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with source.open("rb") as raw:
        reader = _HashingReader(raw)
        tar.addfile(info, reader)
    members.append({"name": name, "sha256": reader.sha256.hexdigest(), "size": reader.size})


def _snapshot_database(workdir: Path) -> tuple[Path, dict, dict]:
    """A consistent copy of the database, with the counts and migrations of that same copy."""
    if connection.in_atomic_block:
        # The copy would be taken through this connection, uncommitted changes included.
        raise BackupError("A backup must not run inside a transaction.")
    if vendor() == "sqlite":
        target = workdir / "portal.sqlite3"
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(target)) as copy:
            # One step: a single read transaction, so the copy is one point in time
            # and, in WAL mode, writers are never blocked.
            connection.connection.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        counts, migrations = _sqlite_facts(target)
        return target, counts, migrations
    if vendor() == "postgresql":
        target = workdir / "portal.pgdump"
        # pg_dump reads the snapshot this transaction exports, so the dump and the
        # counts in the manifest describe the same moment.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _table_counts(cursor, set(connection.introspection.table_names(cursor)))
            migrations = _latest_migrations(cursor)
            _run_pg("pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(target))
        return target, counts, migrations
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor()}.")


def _private_file(path: Path):
    """Open a new file readable by its owner only, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


def create_backup(destination: Path | str, *, now: dt.datetime | None = None) -> dict:
    """Write one archive to `destination` (mode 0600, never overwriting); return its manifest."""
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose a new file name.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=destination.parent) as work:
        database, counts, migrations = _snapshot_database(Path(work))
        members: list[dict] = []
        partial.unlink(missing_ok=True)  # left by a backup that was killed
        try:
            with _private_file(partial) as out:
                with tarfile.open(fileobj=out, mode="w:gz", compresslevel=6) as tar:
                    _add_file(tar, database, DATABASE_MEMBER[vendor()], members)
                    for prefix, root in file_roots().items():
                        for source in _files_under(root):
                            name = f"{prefix}/{source.relative_to(root).as_posix()}"
                            with contextlib.suppress(FileNotFoundError):  # deleted meanwhile
                                _add_file(tar, source, name, members)
                    manifest = {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "created_at": (now or timezone.now()).isoformat(),
                        "database_vendor": vendor(),
                        "counts": counts,
                        "migrations": migrations,
                        "identity_key_check": identity_key_check(),
                        "members": members,
                    }
                    body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size = len(body)
                    info.mtime = int(timezone.now().timestamp())
                    info.mode = 0o600
                    tar.addfile(info, io.BytesIO(body))
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, destination)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _files_under(root: Path):
    """Regular files below `root` in a stable order; links are not followed."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path


# --- reading an archive ------------------------------------------------------


def _member_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is a plain file with a safe relative path, else refuse."""
    name = member.name
    parts = PurePosixPath(name).parts
    if (
        not member.isfile()
        or name.startswith("/")
        or not parts
        or any(part in ("", ".", "..") for part in parts)
        or "\\" in name
    ):
        raise BackupError(f"The archive holds an unexpected member {name!r}; refusing it.")
    if name != MANIFEST and parts[0] not in ("database", *FILE_ROOTS):
        raise BackupError(f"The archive holds an unexpected member {name!r}; refusing it.")
    return name


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:gz")
    except (OSError, tarfile.TarError, EOFError) as error:
        raise BackupError(f"{path} is not a readable backup archive: {error}") from error


def _read_members(path: Path, on_file=None) -> tuple[dict, dict[str, tuple[str, int]]]:
    """Stream the archive once: the manifest and each member's (sha256, size).

    `on_file(name, chunks)` may consume each member's bytes as they are hashed.
    """
    seen: dict[str, tuple[str, int]] = {}
    manifest = None
    try:
        with _open_archive(path) as tar:
            for member in tar:
                name = _member_name(member)
                if name in seen or (name == MANIFEST and manifest is not None):
                    raise BackupError(f"The archive holds {name!r} twice; refusing it.")
                source = tar.extractfile(member)
                if name == MANIFEST:
                    manifest = json.loads(source.read().decode())
                    continue
                reader = _HashingReader(source)
                if on_file is not None:
                    on_file(name, iter(lambda reader=reader: reader.read(_CHUNK), b""))
                while reader.read(_CHUNK):  # whatever on_file left unread is still checked
                    pass
                seen[name] = (reader.sha256.hexdigest(), reader.size)
    except (OSError, tarfile.TarError, EOFError, zlib.error) as error:
        raise BackupError(f"{path} is damaged: {error}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} has an unreadable manifest: {error}") from error
    if manifest is None:
        raise BackupError(f"{path} has no {MANIFEST}; it is not a portal backup.")
    return manifest, seen


def _check_members(path: Path, manifest: dict, seen: dict[str, tuple[str, int]]) -> None:
    listed = {m["name"]: (m["sha256"], m["size"]) for m in manifest["members"]}
    problems = []
    for name in sorted(set(listed) - set(seen)):
        problems.append(f"{name}: missing")
    for name in sorted(set(seen) - set(listed)):
        problems.append(f"{name}: not in the manifest")
    for name in sorted(set(listed) & set(seen)):
        if listed[name] != seen[name]:
            problems.append(f"{name}: checksum or size differs from the manifest")
    if problems:
        shown = "; ".join(problems[:10]) + (" …" if len(problems) > 10 else "")
        raise BackupError(f"{path} is damaged, nothing was changed: {shown}")


def verify_archive(path: Path | str) -> dict:
    """Check every member against the manifest; return the manifest or raise BackupError."""
    path = Path(path)
    manifest, seen = _read_members(path)
    required = {"created_at", "database_vendor", "counts", "migrations", "members"}
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or manifest.get("format_version") != FORMAT_VERSION
        or not required <= set(manifest)
    ):
        raise BackupError(f"{path} is not a backup this version of the portal can read.")
    _check_members(path, manifest, seen)
    return manifest


# --- restoring ---------------------------------------------------------------


def check_fits_this_installation(manifest: dict, *, allow_key_change: bool) -> None:
    archived = manifest["database_vendor"]
    if archived != vendor():
        raise BackupError(
            f"The archive holds a {archived} database but this installation uses {vendor()}."
        )
    if DATABASE_MEMBER[archived] not in {m["name"] for m in manifest["members"]}:
        raise BackupError("The archive holds no database.")
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [
        f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            "The archive was made by a newer version of the portal (unknown migrations: "
            f"{', '.join(unknown)}); install that version first."
        )
    if manifest.get("identity_key_check") != identity_key_check() and not allow_key_change:
        raise BackupError(
            "PORTAL_IDENTITY_HASH_KEY differs from the key of the backed-up installation: "
            "identity numbers would no longer match their subjects. Set the original key "
            "(docs/operations.md, Secrets) and run restore again."
        )


def _staging_dir(beside: Path) -> Path:
    beside.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{beside.name}.restore-", dir=beside.parent))


def _write_chunks(target: Path, chunks, *, private: bool) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = _private_file(target) if private else target.open("xb")
    except OSError as error:  # not the archive's fault: say so rather than "damaged"
        raise BackupError(f"Cannot write {target}: {error}") from error
    with out:
        for chunk in chunks:
            try:
                out.write(chunk)
            except OSError as error:
                raise BackupError(f"Cannot write {target}: {error}") from error


def _put_directory_in_place(staged: Path, target: Path, stamp: str, moved: list[Path]) -> None:
    if target.exists() and any(target.iterdir()):
        aside = target.with_name(f"{target.name}.before-restore-{stamp}")
        os.replace(target, aside)
        moved.append(aside)
    elif target.exists():
        target.rmdir()
    os.replace(staged, target)


def _sqlite_path() -> Path:
    name = str(settings.DATABASES["default"]["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(
            "Restore needs a database file; this installation's database is in memory."
        )
    return Path(name)


def _postgres_database_exists() -> bool:
    name = settings.DATABASES["default"]["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _create_postgres_database() -> None:
    name = settings.DATABASES["default"]["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")


def _database_is_missing() -> bool:
    if vendor() == "sqlite":
        return not _sqlite_path().exists()
    return not _postgres_database_exists()


def restore_backup(
    path: Path | str, *, force: bool = False, allow_key_change: bool = False
) -> RestoreReport:
    """Restore an archive into this installation, which must be empty unless `force`."""
    path = Path(path)
    manifest = verify_archive(path)
    check_fits_this_installation(manifest, allow_key_change=allow_key_change)
    has_data = False
    if not _database_is_missing():
        counts = installation_counts()
        has_data = bool(counts["credit_records"] or counts["subjects"])
        if has_data and not force:
            raise BackupError(
                f"This installation is not empty ({counts['credit_records']} credit records, "
                f"{counts['subjects']} subjects); nothing was changed. Restore into an empty "
                "installation, or pass --force to replace its data."
            )
        if has_data and vendor() == "sqlite":
            with connection.cursor() as cursor:
                # All that is committed goes into the main file, which is kept aside below.
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connections.close_all()

    roots = file_roots()
    database_member = DATABASE_MEMBER[vendor()]
    db_target = _sqlite_path() if vendor() == "sqlite" else None
    staging = {prefix: _staging_dir(root) for prefix, root in roots.items()}
    staging["database"] = _staging_dir(db_target) if db_target else Path(tempfile.mkdtemp())
    moved: list[Path] = []
    try:
        for prefix in FILE_ROOTS:
            (staging[prefix] / prefix).mkdir()

        def extract(name, chunks):
            prefix, _, rest = name.partition("/")
            # The database and evidence files hold personal data: owner-only, like the archive.
            if name == database_member:
                _write_chunks(staging["database"] / "database", chunks, private=True)
            elif prefix in FILE_ROOTS:
                _write_chunks(staging[prefix] / prefix / rest, chunks, private=prefix == "private")

        # The archive is read again while extracting; it must still match its manifest.
        _, seen = _read_members(path, on_file=extract)
        _check_members(path, manifest, seen)

        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        staged_db = staging["database"] / "database"
        if vendor() == "sqlite":
            if has_data:
                aside = db_target.with_name(f"{db_target.name}.before-restore-{stamp}")
                os.replace(db_target, aside)
                moved.append(aside)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{db_target}{suffix}").unlink(missing_ok=True)
            os.replace(staged_db, db_target)
        else:
            if not _postgres_database_exists():
                _create_postgres_database()
            _run_pg(
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                str(staged_db),
            )
        for prefix, root in roots.items():
            _put_directory_in_place(staging[prefix] / prefix, root, stamp, moved)
    finally:
        for directory in staging.values():
            shutil.rmtree(directory, ignore_errors=True)
        connections.close_all()

    return _check_restored(manifest, moved)


def _check_restored(manifest: dict, moved: list[Path]) -> RestoreReport:
    counts = installation_counts()
    expected = manifest["counts"]
    differing = [
        f"{name} {counts[name]} (archive {expected[name]})"
        for name in COUNTED
        if counts[name] != expected[name]
    ]
    if differing:
        raise BackupError(
            f"Restored, but the counts differ from the archive: {', '.join(differing)}."
        )
    verdict = verify_chain()
    if not verdict.ok:
        raise BackupError(
            f"Restored, but the audit trail is broken at entry {verdict.broken_at}: "
            f"{verdict.reason}. Keep the installation closed and investigate (docs/operations.md)."
        )
    loader = MigrationLoader(connection)
    unapplied = sorted(
        f"{app}.{name}"
        for app, name in loader.graph.leaf_nodes()
        if (app, name) not in loader.applied_migrations
    )
    return RestoreReport(
        manifest=manifest,
        counts=counts,
        audit_entries=verdict.checked,
        moved_aside=moved,
        unapplied_migrations=unapplied,
    )


# --- scheduled backups -------------------------------------------------------


def scheduled_archives(directory: Path) -> list[Path]:
    """The scheduled archives in `directory`, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.name.startswith(SCHEDULED_PREFIX) and p.name.endswith(SCHEDULED_SUFFIX)
    )


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` scheduled archives; return the deleted ones."""
    archives = scheduled_archives(directory)
    doomed = archives[: max(len(archives) - max(keep, 1), 0)]
    for archive in doomed:
        archive.unlink(missing_ok=True)
    return doomed


def daily_backup(
    *, directory: Path | None = None, keep: int | None = None, now: dt.datetime | None = None
) -> str:
    """Today's archive if it is not there yet, then keep the newest `keep` (idempotent)."""
    directory = Path(directory or backup_directory())
    keep = settings.PORTAL_BACKUP_KEEP if keep is None else keep
    now = now or timezone.now()
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
    target = directory / f"{SCHEDULED_PREFIX}{timezone.localdate(now):%Y-%m-%d}{SCHEDULED_SUFFIX}"
    with (directory / ".lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return "another backup is running"
        if target.exists():
            outcome = f"{target.name} already made"
        else:
            create_backup(target, now=now)
            outcome = f"{target.name} written"
        deleted = prune_backups(directory, keep)
    return outcome + (f"; {len(deleted)} older removed" if deleted else "")
