"""Reading settings from the environment, with typed helpers and clear errors."""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from exc


def env_optional_int(name: str) -> int | None:
    """An integer, or None when unset: the code then decides for itself."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return env_int(name, 0)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate_limits(name: str) -> dict[str, tuple[int, int]]:
    """Rate limits per scope, written `scope=requests/seconds` and comma-separated."""
    limits = {}
    for entry in env_list(name, []):
        scope, _, rule = entry.partition("=")
        requests, _, seconds = rule.partition("/")
        try:
            limit = (int(requests), int(seconds))
        except ValueError:
            limit = (0, 0)
        if not scope.strip() or min(limit) < 1:
            raise ImproperlyConfigured(
                f"{name} entries must look like scope=requests/seconds, got {entry!r}."
            )
        limits[scope.strip()] = limit
    return limits


def load_or_create_secret(path: Path) -> str:
    """A random key kept in a local file, so a checkout keeps its sessions across restarts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key
