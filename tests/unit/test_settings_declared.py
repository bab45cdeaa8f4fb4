"""Every PORTAL_* setting is declared once, in portal/settings/base.py, with its default.

Code reads `settings.PORTAL_X`; a `getattr(settings, name, default)` or a helper
taking a default would put a second default somewhere nobody looks for it.
"""

import importlib
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_optional_int, env_rate_limits

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "var", "node_modules", ".git", "migrations"}

# getattr on the settings object, with or without a default.
SETTINGS_GETATTR = re.compile(r"getattr\(\s*settings\s*,")
# A call passing a PORTAL_ name and then something else: a default in disguise.
NAME_WITH_DEFAULT = re.compile(r"\(\s*[\"']PORTAL_[A-Z0-9_]+[\"']\s*,")
# Environment reads by name; the settings package is where they belong.
ENVIRONMENT_READ = re.compile(r"os\.(?:environ\s*\[|environ\.get\s*\(|getenv\s*\()\s*[\"']")
SETTING_READ = re.compile(r"\bsettings\.(PORTAL_[A-Z0-9_]+)")
OVERRIDE_CALL = re.compile(r"override_settings\(([^)]*)\)", re.S)
KEYWORD_NAME = re.compile(r"\b(PORTAL_[A-Z0-9_]+)\s*=")
ENV_HELPER_READ = re.compile(r"\benv_\w+\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']")


def python_files():
    me = Path(__file__).resolve()
    for path in sorted(ROOT.rglob("*.py")):
        if path == me or SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
            continue
        yield path


def is_app_code(path: Path) -> bool:
    """Code that runs in the portal: not the settings package, tests or benchmarks."""
    relative = path.relative_to(ROOT).as_posix()
    return not relative.startswith(
        ("portal/settings/", "portal/env.py", "tests/", "benchmarks/", "scripts/")
    )


def offences(text: str, app_code: bool = True) -> list[str]:
    """Lines of `text` that read a setting around its declaration."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        patterns = [SETTINGS_GETATTR]
        if app_code:
            patterns += [NAME_WITH_DEFAULT, ENVIRONMENT_READ]
        if any(pattern.search(line) for pattern in patterns):
            found.append(f"{number}: {line.strip()}")
    return found


def portal_names_used(text: str) -> set[str]:
    names = set(SETTING_READ.findall(text))
    for arguments in OVERRIDE_CALL.findall(text):
        names |= set(KEYWORD_NAME.findall(arguments))
    return names


def test_the_scan_recognises_a_read_with_its_own_default():
    assert offences('limit = getattr(settings, "PORTAL_X", 5)')
    assert offences("return int(getattr(settings, name, default))")
    assert offences('size = setting("PORTAL_X", 1024)')
    assert offences('key = os.environ.get("PORTAL_X", "")')
    assert not offences("limit = settings.PORTAL_X")
    assert portal_names_used(
        "settings.PORTAL_A = 1\nwith override_settings(PORTAL_B={'x': (1, 2)}, DEBUG=True):"
    ) == {"PORTAL_A", "PORTAL_B"}


def test_no_setting_is_read_with_a_default_of_its_own():
    found = []
    for path in python_files():
        for line in offences(path.read_text(encoding="utf-8"), app_code=is_app_code(path)):
            found.append(f"{path.relative_to(ROOT)}:{line}")
    assert not found, "declare the setting in portal/settings/base.py instead:\n" + "\n".join(found)


def test_every_portal_setting_in_use_is_declared_in_base():
    base = vars(importlib.import_module("portal.settings.base"))
    used = {}
    for path in python_files():
        for name in portal_names_used(path.read_text(encoding="utf-8")):
            used.setdefault(name, path.relative_to(ROOT).as_posix())
    # The scan sees the code's reads (so this test can fail), not just the tests'.
    assert {"PORTAL_REPORT_SIGNING_KEY", "PORTAL_IMPORT_MAX_ROWS", "PORTAL_RATE_LIMITS"} <= set(
        used
    )
    undeclared = {name: where for name, where in used.items() if name not in base}
    assert not undeclared, f"read but not declared in portal/settings/base.py: {undeclared}"


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    variables = set()
    for path in (ROOT / "portal" / "settings").glob("*.py"):
        variables |= set(ENV_HELPER_READ.findall(path.read_text(encoding="utf-8")))
    assert {"PORTAL_REPORT_SIGNING_KEY", "DATABASE_URL"} <= variables
    missing = sorted(name for name in variables if f"`{name}`" not in table)
    assert not missing, f"add to the README's Configuration table: {missing}"


def test_rate_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORTAL_RATE_LIMITS", "public_search=30/60, report_issue = 5/600")
    assert env_rate_limits("PORTAL_RATE_LIMITS") == {
        "public_search": (30, 60),
        "report_issue": (5, 600),
    }
    monkeypatch.delenv("PORTAL_RATE_LIMITS")
    assert env_rate_limits("PORTAL_RATE_LIMITS") == {}


@pytest.mark.parametrize(
    "written", ["public_search=30", "public_search", "=3/60", "x=0/60", "x=a/b"]
)
def test_a_malformed_rate_limit_stops_start_up(monkeypatch, written):
    monkeypatch.setenv("PORTAL_RATE_LIMITS", written)
    with pytest.raises(ImproperlyConfigured, match="scope=requests/seconds"):
        env_rate_limits("PORTAL_RATE_LIMITS")


def test_an_optional_integer_is_none_until_set(monkeypatch):
    monkeypatch.delenv("PORTAL_IMPORT_READERS", raising=False)
    assert env_optional_int("PORTAL_IMPORT_READERS") is None
    monkeypatch.setenv("PORTAL_IMPORT_READERS", "0")
    assert env_optional_int("PORTAL_IMPORT_READERS") == 0
    monkeypatch.setenv("PORTAL_IMPORT_READERS", "two")
    with pytest.raises(ImproperlyConfigured):
        env_optional_int("PORTAL_IMPORT_READERS")
