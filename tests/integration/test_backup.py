"""Backups: `manage.py backup` → `manage.py restore` into a fresh installation, run as an
operator runs them (separate processes, their own database and files), and the refusals."""

import contextlib
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from portal.operations import backup
from tests.integration.test_deployment import run_manage

IDENTITY_KEY = "backup-test-identity-key"

# Audit entries, a media file and an evidence file beside the seeded records.
SETUP_FILES = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from portal.audit.services import record_event
for n in range(3):
    record_event("backup_test", target=f"test:{n}", data={"n": n})
default_storage.save("images/logo.png", ContentFile(b"PNG-bytes"))
storages["private"].save("evidence/case-1/scan.pdf", ContentFile(b"%PDF evidence " * 500))
"""


def installation_env(var: Path, database_url: str | None = None, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "PORTAL_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY="backup-test-secret-key-" + "x" * 40,
        PORTAL_IDENTITY_HASH_KEY=IDENTITY_KEY,
        PORTAL_REPORT_SIGNING_KEY="backup-test-report-key",
        PORTAL_AUDIT_KEY="backup-test-audit-key",
        DJANGO_ALLOWED_HOSTS="credit.example.gov.cn",
        PORTAL_VAR_DIR=str(var),
        DATABASE_URL=database_url or f"sqlite:///{var / 'portal.sqlite3'}",
        PORTAL_EAGER_TASKS_IN_THREAD="false",
    )
    env.update(extra)
    return env


def manage(*args, env, check=True):
    result = run_manage(*args, env=env)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def build_installation(env):
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", "--subjects", "12", "--records", "40", env=env)
    manage("shell", "-c", SETUP_FILES, env=env)


def sqlite_counts(path: Path) -> dict:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {
            name: db.execute(f'SELECT COUNT(*) FROM "{model._meta.db_table}"').fetchone()[0]  # noqa: S608
            for name, model in backup.COUNTED.items()
        }


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy an archive member by member, letting `change(name, data)` alter a member."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            data = change(member.name, old.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A small installation on SQLite and one archive of it."""
    var = tmp_path_factory.mktemp("source")
    env = installation_env(var)
    build_installation(env)
    archive = var.parent / "source-backup.tar.gz"
    result = manage("backup", str(archive), env=env)
    assert "Backup written" in result.stdout
    return var, env, archive


def test_archive_is_private_and_lists_every_member_with_its_checksum(source):
    var, _, archive = source
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(backup.MANIFEST).read())
        contents = {m.name: tar.extractfile(m).read() for m in tar if m.name != backup.MANIFEST}
    assert set(names) == {*contents, backup.MANIFEST}
    assert {m["name"] for m in manifest["members"]} == set(contents)
    for member in manifest["members"]:
        data = contents[member["name"]]
        assert member["sha256"] == hashlib.sha256(data).hexdigest()
        assert member["size"] == len(data)
    assert "database/portal.sqlite3" in contents
    assert contents["media/images/logo.png"] == b"PNG-bytes"
    assert "private/evidence/case-1/scan.pdf" in contents
    assert manifest["database_vendor"] == "sqlite"
    assert manifest["counts"] == sqlite_counts(var / "portal.sqlite3")
    assert manifest["counts"]["credit_records"] == 40 and manifest["counts"]["audit_events"] >= 3
    assert manifest["migrations"]["records"].startswith("0")
    assert manifest["created_at"]
    # The copy is a whole database by itself, not a file with a write-ahead log beside it.
    db_copy = contents["database/portal.sqlite3"]
    assert db_copy[:16] == b"SQLite format 3\x00" and db_copy[18:20] == b"\x01\x01"


def test_backup_restores_into_a_fresh_installation(source, tmp_path):
    var, _, archive = source
    target = tmp_path / "target"
    env = installation_env(target)
    result = manage("restore", str(archive), env=env)
    assert "verified" in result.stdout

    restored = target / "portal.sqlite3"
    assert sqlite_counts(restored) == sqlite_counts(var / "portal.sqlite3")
    assert restored.stat().st_mode & 0o777 == 0o600
    assert files_under(target / "private") == files_under(var / "private")
    assert files_under(target / "media") == files_under(var / "media")
    assert "intact" in manage("audit_verify", env=env).stdout
    # The restored installation works: it answers a query through the ORM.
    check = "from portal.records.models import CreditRecord; print(CreditRecord.objects.count())"
    assert manage("shell", "-c", check, env=env).stdout.split()[-1] == "40"


def test_a_damaged_archive_is_refused_and_nothing_changes(source, tmp_path):
    _, _, archive = source
    tampered = tmp_path / "tampered.tar.gz"
    rewrite_archive(
        archive,
        tampered,
        lambda name, data: (
            data.replace(b"evidence", b"EVIDENCE") if name.startswith("private/") else data
        ),
    )
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    target = tmp_path / "target"
    env = installation_env(target)
    assert "is intact" in manage("restore", "--verify-only", str(archive), env=env).stdout
    for damaged, reason in (
        (tampered, "private/evidence/case-1/scan.pdf: checksum or size differs"),
        (truncated, "is damaged"),
    ):
        for options in ((), ("--verify-only",)):
            result = manage("restore", *options, str(damaged), env=env, check=False)
            assert result.returncode != 0
            assert reason in result.stderr
        assert not target.exists() or not any(target.iterdir()), list(target.iterdir())


def test_an_installation_with_data_is_not_overwritten(source):
    var, env, archive = source
    before = digest(var / "portal.sqlite3")
    result = manage("restore", str(archive), env=env, check=False)
    assert result.returncode != 0
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert digest(var / "portal.sqlite3") == before


def test_force_replaces_the_data_and_keeps_the_previous_files(source, tmp_path):
    _, _, archive = source
    target = tmp_path / "busy"
    env = installation_env(target)
    manage("restore", str(archive), env=env)
    (target / "private" / "later.txt").write_text("uploaded after the backup")

    result = manage("restore", "--force", str(archive), env=env)
    assert "was kept in" in result.stdout
    assert not (target / "private" / "later.txt").exists()
    kept = list(target.glob("private.before-restore-*"))
    assert len(kept) == 1 and (kept[0] / "later.txt").exists()
    # The replaced database is kept too, with everything committed to it.
    (kept_db,) = target.glob("portal.sqlite3.before-restore-*")
    assert sqlite_counts(kept_db)["credit_records"] == 40


def test_a_restore_under_another_identity_key_is_refused(source, tmp_path):
    _, _, archive = source
    target = tmp_path / "other-key"
    env = installation_env(target, PORTAL_IDENTITY_HASH_KEY="another-key")
    result = manage("restore", str(archive), env=env, check=False)
    assert result.returncode != 0
    assert "PORTAL_IDENTITY_HASH_KEY differs" in result.stderr
    assert not (target / "portal.sqlite3").exists()


def test_members_outside_the_archive_layout_are_refused(source, tmp_path):
    _, _, archive = source
    escaping = tmp_path / "escaping.tar.gz"
    with tarfile.open(archive, "r:gz") as old, tarfile.open(escaping, "w:gz") as new:
        for member in old:
            new.addfile(member, old.extractfile(member))
        evil = tarfile.TarInfo("private/../../escaped.txt")
        evil.size = 4
        new.addfile(evil, io.BytesIO(b"evil"))
    with pytest.raises(backup.BackupError, match="unexpected member"):
        backup.verify_archive(escaping)
    assert not (tmp_path.parent / "escaped.txt").exists()


# --- the daily scheduled backup ------------------------------------------------


def test_pruning_keeps_the_newest_archives_and_nothing_else(tmp_path):
    names = [f"portal-backup-2026-01-{day:02d}.tar.gz" for day in range(1, 21)]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "manual-copy.tar.gz").write_bytes(b"x")

    deleted = backup.prune_backups(tmp_path, keep=14)

    assert [p.name for p in deleted] == names[:6]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[6:], "manual-copy.tar.gz"])


@pytest.mark.django_db(transaction=True)
def test_daily_backup_writes_one_archive_a_day_and_keeps_n(tmp_path, settings):
    import datetime as dt

    from django.utils import timezone

    from portal.celery import app
    from tests.factories import make_record

    make_record()
    settings.PORTAL_BACKUP_DIR = tmp_path / "backups"
    settings.PORTAL_BACKUP_KEEP = 3
    start = timezone.make_aware(dt.datetime(2026, 3, 1, 2, 0))
    for day in range(5):
        backup.daily_backup(now=start + dt.timedelta(days=day))
    # A second run the same day (a restarted scheduler) adds nothing.
    assert "already made" in backup.daily_backup(now=start + dt.timedelta(days=4, hours=12))

    archives = backup.scheduled_archives(settings.PORTAL_BACKUP_DIR)
    assert [p.name for p in archives] == [
        "portal-backup-2026-03-03.tar.gz",
        "portal-backup-2026-03-04.tar.gz",
        "portal-backup-2026-03-05.tar.gz",
    ]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in archives)
    assert backup.verify_archive(archives[-1])["counts"]["credit_records"] == 1

    # As the scheduler runs it: the task named in the schedule, today's archive.
    entry = settings.CELERY_BEAT_SCHEDULE["daily-backup"]
    app.loader.import_default_modules()
    assert "written" in app.tasks[entry["task"]].apply(throw=True).result
    assert len(backup.scheduled_archives(settings.PORTAL_BACKUP_DIR)) == 3


# --- PostgreSQL ---------------------------------------------------------------


def test_the_image_carries_pg_dump_of_the_servers_major_version():
    import yaml

    root = Path(__file__).resolve().parents[2]
    image = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]["db"]["image"]
    major = image.split(":")[1].split("-")[0].split(".")[0]
    dockerfile = (root / "Dockerfile").read_text()
    assert f"ARG POSTGRES_CLIENT_MAJOR={major}" in dockerfile
    assert "postgresql-client-${POSTGRES_CLIENT_MAJOR}" in dockerfile


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def test_the_postgres_password_never_reaches_the_command_line():
    database = {
        "NAME": "portal",
        "USER": "portal",
        "PASSWORD": "s3cret-pass",
        "HOST": "db.internal",
        "PORT": 5432,
        "OPTIONS": {"sslmode": "require"},
    }
    command, env = backup._pg_command("pg_dump", "--format=custom", db=database)
    assert not any("s3cret-pass" in arg for arg in command)
    assert env["PGPASSWORD"] == "s3cret-pass" and env["PGSSLMODE"] == "require"
    assert command[:2] == ["pg_dump", "--no-password"]
    assert command[-2:] == ["--dbname", "portal"] and "db.internal" in command


@pytest.mark.postgres
@pytest.mark.skipif(_postgres_url() is None, reason="DATABASE_URL does not point at PostgreSQL")
def test_postgres_backup_restores_into_a_new_database(tmp_path):
    import psycopg

    url = _postgres_url()
    suffix = uuid.uuid4().hex[:8]
    source_db, target_db = f"portal_backup_src_{suffix}", f"portal_backup_dst_{suffix}"
    admin = psycopg.connect(_with_database(url, "postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{source_db}"')
    try:
        source_env = installation_env(tmp_path / "source", _with_database(url, source_db))
        build_installation(source_env)
        archive = tmp_path / "pg-backup.tar.gz"
        manage("backup", str(archive), env=source_env)
        manifest = backup.verify_archive(archive)
        assert manifest["database_vendor"] == "postgresql"
        assert "database/portal.pgdump" in {m["name"] for m in manifest["members"]}

        # The target database does not exist yet: restore creates it.
        target_env = installation_env(tmp_path / "target", _with_database(url, target_db))
        result = manage("restore", str(archive), env=target_env)
        assert "verified" in result.stdout
        with psycopg.connect(_with_database(url, target_db)) as db:
            for name, model in backup.COUNTED.items():
                table = model._meta.db_table
                count = db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                assert count == manifest["counts"][name], name
        assert manifest["counts"]["credit_records"] == 40
        assert "intact" in manage("audit_verify", env=target_env).stdout
        assert files_under(tmp_path / "target" / "private") == files_under(
            tmp_path / "source" / "private"
        )

        refused = manage("restore", str(archive), env=target_env, check=False)
        assert refused.returncode != 0 and "not empty" in refused.stderr
    finally:
        for name in (source_db, target_db):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
