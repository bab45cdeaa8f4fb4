"""Django's {# #} comments end at the line: one spread over lines is printed on the page."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "var", "staticfiles", "frontend"}


def test_no_template_comment_runs_over_a_line():
    found = []
    for path in ROOT.rglob("templates/**/*"):
        if path.suffix not in {".html", ".txt", ".xml"} or SKIP & set(path.parts):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "{#" in line and "#}" not in line.split("{#", 1)[1]:
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []
