"""`manage.py screen FILE --scenario CODE [--json]`: the CLI contract."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from portal.audit.models import AuditEvent
from portal.core.spreadsheets import write_xlsx
from portal.measures.models import Lookup
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("screen", *args, stdout=out)
    return out.getvalue()


def test_json_lines_in_input_order(tmp_path, blacklisted):
    other = OrganisationFactory(name="惠州市龙腾家具有限公司")
    path = tmp_path / "list.csv"
    path.write_text(
        "名称,统一社会信用代码\n"
        "不存在的单位,\n"
        f"{blacklisted.name},{blacklisted.code}\n"
        "龙腾家具有限责任公司（惠州）,\n",
        encoding="utf-8",
    )
    lines = run(str(path), "--scenario", "PROCUREMENT", "--json").splitlines()
    objects = [json.loads(line) for line in lines]
    assert len(objects) == 3
    for obj in objects:
        assert set(obj) == {
            "input",
            "match",
            "subject",
            "candidates",
            "lists",
            "measures",
            "adverse",
            "findings",
        }
    none, exact, candidates = objects
    assert none["input"] == {"row": 2, "name": "不存在的单位", "code": ""}
    assert (none["match"], none["subject"], none["candidates"]) == ("none", None, [])
    assert exact["match"] == "exact" and exact["subject"] == blacklisted.code
    assert exact["candidates"] == []
    assert [e["list"] for e in exact["lists"]] == ["COURT_DISHONEST"]
    assert "BLACK_PROCUREMENT_BAN" in [m["code"] for m in exact["measures"]]
    assert candidates["match"] == "candidates" and candidates["subject"] is None
    assert candidates["candidates"] == [{"subject": other.code, "name": other.name, "score": 100.0}]
    assert candidates["lists"] == [] and candidates["measures"] == []
    # The run is logged and audited like any lookup.
    lookup = Lookup.objects.get()
    assert (lookup.channel, lookup.user, lookup.row_count) == ("cli", None, 3)
    assert AuditEvent.objects.filter(action="measures.lookup", target_id=str(lookup.pk)).exists()


def test_xlsx_and_scenario_case(tmp_path, blacklisted):
    path = tmp_path / "list.xlsx"
    path.write_bytes(write_xlsx({"s": [["名称", "统一社会信用代码"], ["x", blacklisted.code]]}))
    (line,) = run(str(path), "--scenario", "honour", "--json").splitlines()
    assert [m["code"] for m in json.loads(line)["measures"]] == ["BLACK_HONOUR_EXCLUDE"]


def test_plain_output_has_a_summary(tmp_path, blacklisted):
    path = tmp_path / "list.csv"
    path.write_text(f"名称,统一社会信用代码\n{blacklisted.name},{blacklisted.code}\n")
    out = run(str(path), "--scenario", "PROCUREMENT")
    assert blacklisted.code in out
    assert "1 on a black list" in out


@pytest.mark.parametrize(
    ("content", "scenario", "message"),
    [
        (None, "PROCUREMENT", "Cannot read"),
        (b"PK\x03\x04 broken", "PROCUREMENT", "XLSX"),
        ("名称\n华信\n".encode(), "NO_SUCH", "Unknown scenario"),
    ],
)
def test_errors_are_one_clear_line(tmp_path, content, scenario, message):
    path = tmp_path / "list.xlsx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError) as caught:
        run(str(path), "--scenario", scenario, "--json")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not Lookup.objects.exists()


def test_exit_status_and_stderr_of_an_unreadable_file(tmp_path):
    import subprocess
    import sys

    from django.conf import settings

    result = subprocess.run(
        [sys.executable, "manage.py", "screen", str(tmp_path / "missing.csv"), "--scenario", "X"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "PORTAL_TEST_TMP": str(tmp_path),
        },
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "Cannot read" in result.stderr
