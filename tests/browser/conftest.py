"""Browser tests: Debian's chromium driven by Playwright against a live server.

Never downloads a browser: the executable is /usr/bin/chromium (`make system-packages`).
Screenshots go to test-artifacts/ (gitignored) for people to look at.
"""

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
