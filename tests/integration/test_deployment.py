"""The production configuration: settings pass Django's deploy checks, the stack is sound."""

import contextlib
import os
import re
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# The secrets production refuses to start without.
REQUIRED_SECRETS = (
    "DJANGO_SECRET_KEY",
    "PORTAL_IDENTITY_HASH_KEY",
    "PORTAL_REPORT_SIGNING_KEY",
    "PORTAL_AUDIT_KEY",
)


def production_env(database: Path | None = None, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        PORTAL_IDENTITY_HASH_KEY=secrets.token_urlsafe(30),
        PORTAL_REPORT_SIGNING_KEY=secrets.token_urlsafe(30),
        PORTAL_AUDIT_KEY=secrets.token_urlsafe(30),
        DJANGO_ALLOWED_HOSTS="credit.example.gov.cn",
        DATABASE_URL=f"sqlite:///{database or ':memory:'}",
    )
    env.update(extra)
    return env


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("secret", REQUIRED_SECRETS)
def test_production_refuses_to_start_without_each_secret(secret):
    result = run_manage("check", env=production_env(**{secret: ""}))
    assert result.returncode != 0
    assert f"{secret} must be set" in result.stderr


def test_the_image_build_gives_every_required_secret_a_throwaway_value():
    required = re.findall(
        r"(\w+) must be set in production", (ROOT / "portal/settings/production.py").read_text()
    )
    assert sorted(required) == sorted(REQUIRED_SECRETS)
    # The image builds its static files under production settings with throwaway values.
    dockerfile = (ROOT / "Dockerfile").read_text()
    build_steps = re.findall(r"DJANGO_SECRET_KEY=build-only[^\n]*", dockerfile)
    assert len(build_steps) == 2  # collectstatic, compilemessages
    for build_step in build_steps:
        for secret in REQUIRED_SECRETS:
            assert f"{secret}=build-only" in build_step, (secret, build_step)


def test_health_check_answers_any_host_over_plain_http(tmp_path):
    # As the container health check calls it: 127.0.0.1, plain HTTP, production settings.
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='127.0.0.1').get('/healthz');"
        "print(r.status_code, r.content.decode())"
    )
    env = production_env(database=tmp_path / "deploy.sqlite3")
    migrate = run_manage("migrate", "--noinput", env=env)
    assert migrate.returncode == 0, migrate.stderr
    # A new embedded database: write-ahead log, and 16 KiB pages for wide JSON rows.
    with contextlib.closing(sqlite3.connect(tmp_path / "deploy.sqlite3")) as db:
        assert db.execute("PRAGMA page_size").fetchone()[0] == 16384
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == '200 {"status": "ok"}', result.stderr


def test_compose_stack_is_production_shaped():
    stack = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = stack["services"]
    assert {"web", "worker", "beat", "db", "redis", "elasticsearch"} <= set(services)
    for name in ("web", "worker", "db", "redis", "elasticsearch"):
        assert "healthcheck" in services[name], name
    for name, service in services.items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    es_env = services["elasticsearch"]["environment"]
    assert es_env["discovery.type"] == "single-node"
    assert "xpack.security.enabled" in es_env and "ES_JAVA_OPTS" in es_env
    assert set(stack["volumes"]) >= {"postgres-data", "redis-data", "elasticsearch-data"}
    example = (ROOT / ".env.example").read_text()
    for variable in (*(f"{secret}=" for secret in REQUIRED_SECRETS), "POSTGRES_PASSWORD="):
        line = next(line for line in example.splitlines() if line.startswith(variable))
        assert line == variable, f"{variable} must be empty in .env.example"
