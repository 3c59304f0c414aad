"""Shared fixtures: the repository root and the notebook lists."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_STARTED = time.time()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the browser tests left their screenshots, for a person to look at."""
    shots = [ROOT / "artifacts" / "browser", ROOT / "artifacts" / "site"]
    fresh = sorted(p for folder in shots if folder.is_dir() for p in folder.glob("*.png") if p.stat().st_mtime >= _STARTED)
    if fresh:
        terminalreporter.write_sep("-", "browser screenshots")
        for path in fresh:
            terminalreporter.write_line(str(path))
