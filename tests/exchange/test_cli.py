"""The import_records contract: JSON last line, exit codes, --dry-run, --report."""

import json
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from openpyxl import load_workbook

from exchange.models import Batch
from portal.records.models import CreditRecord
from tests.exchange.conftest import fixture_path, penalty_csv, penalty_row

pytestmark = pytest.mark.django_db

KEYS = [
    "batch",
    "status",
    "rows",
    "accepted",
    "rejected",
    "created",
    "updated",
    "unchanged",
    "withdrawn",
]


def run(*args):
    out = StringIO()
    call_command("import_records", *map(str, args), stdout=out)
    return out.getvalue()


def last_json(output: str) -> dict:
    line = output.strip().splitlines()[-1]
    return json.loads(line)


def test_json_summary_is_the_last_line():
    summary = last_json(
        run(
            fixture_path("penalty_utf8.csv"),
            "--department",
            "MARKET",
            "--catalog",
            "ADM_PENALTY",
            "--json",
        )
    )
    assert list(summary) == KEYS
    assert summary["status"] == "committed"
    assert (summary["rows"], summary["accepted"], summary["rejected"]) == (4, 4, 0)
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (4, 0, 0)
    assert Batch.objects.get(pk=summary["batch"]).source == "cli"
    again = last_json(
        run(
            fixture_path("penalty_gbk.csv"),
            "--department",
            "MARKET",
            "--catalog",
            "ADM_PENALTY",
            "--json",
        )
    )
    assert (again["created"], again["unchanged"]) == (0, 4)


def test_row_errors_are_not_a_failure_and_the_report_lists_them(tmp_path):
    report = tmp_path / "errors.xlsx"
    summary = last_json(
        run(
            fixture_path("penalty_bad_rows.csv"),
            "--department",
            "MARKET",
            "--catalog",
            "ADM_PENALTY",
            "--report",
            report,
            "--json",
        )
    )
    assert summary["rows"] == 14
    assert summary["rejected"] == 12 and summary["accepted"] == 2
    assert summary["created"] == 2
    sheet = load_workbook(report).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "错误说明" and rows[0][0] == "行政相对人名称"
    assert len(rows) == 13
    messages = [r[-1] for r in rows[1:]]
    assert messages[0].startswith("第 2 行「统一社会信用代码」：")
    assert any("晚于今天" in m for m in messages)
    assert any("当「处罚类别」包含「罚款」时必填" in m for m in messages)
    assert any("与第 14 行重复" in m for m in messages)


def test_dry_run_loads_nothing():
    summary = last_json(
        run(
            fixture_path("penalty.xlsx"),
            "--department",
            "MARKET",
            "--catalog",
            "ADM_PENALTY",
            "--dry-run",
            "--json",
        )
    )
    assert summary["status"] == "validated" and summary["created"] == 4
    assert CreditRecord.objects.count() == 0


@pytest.mark.parametrize(
    "args, code, text",
    [
        (["--department", "NOPE", "--catalog", "ADM_PENALTY"], 2, "NOPE"),
        (["--department", "MARKET", "--catalog", "NOPE"], 2, "NOPE"),
    ],
)
def test_unknown_department_or_catalog(args, code, text):
    with pytest.raises(CommandError) as caught:
        run(fixture_path("penalty_utf8.csv"), *args)
    assert caught.value.returncode == code and text in str(caught.value)


@pytest.mark.parametrize(
    "name, text",
    [
        ("wrong_headers.csv", "表头含有模板中没有的列"),
        ("corrupt.xlsx", "XLSX 文件已损坏"),
        ("not_a_spreadsheet.xlsx", "XLSX 文件已损坏"),
    ],
)
def test_bad_files_fail_with_one_clear_line(name, text):
    with pytest.raises(CommandError) as caught:
        run(fixture_path(name), "--department", "MARKET", "--catalog", "ADM_PENALTY", "--json")
    assert caught.value.returncode == 3
    message = str(caught.value)
    assert text in message and "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(CommandError) as caught:
        run(tmp_path / "nothing.csv", "--department", "MARKET", "--catalog", "ADM_PENALTY")
    assert caught.value.returncode == 2


@pytest.mark.django_db(transaction=True)
def test_the_real_command_line(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("copies the SQLite test database for the child process")
    """The command as operators run it: a separate process, its stdout and exit status."""
    path = tmp_path / "rows.csv"
    path.write_bytes(penalty_csv([penalty_row(), penalty_row(decision_date="2099-01-01")]))
    db = Path(tmp_path / "cli.sqlite3")
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"sqlite:///{db}",
        "PATH": "/usr/bin:/bin",
        "PORTAL_TEST_TMP": str(tmp_path),
    }
    manage = [sys.executable, "manage.py"]
    # A copy of the test database (schema, catalog, departments) for the other process.
    connection.ensure_connection()
    target = sqlite3.connect(db)
    connection.connection.backup(target)
    target.close()
    done = subprocess.run(
        [
            *manage,
            "import_records",
            str(path),
            "--department",
            "MARKET",
            "--catalog",
            "ADM_PENALTY",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert (summary["accepted"], summary["rejected"], summary["created"]) == (1, 1, 1)
    bad = subprocess.run(
        [
            *manage,
            "import_records",
            str(fixture_path("wrong_headers.csv")),
            "--department",
            "MARKET",
            "--catalog",
            "ADM_PENALTY",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 3
    assert bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1
