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
    """Say where the browser test left its screenshots, for a person to look at."""
    shots = ROOT / "artifacts" / "browser"
    fresh = sorted(p for p in shots.glob("*.png") if p.stat().st_mtime >= _STARTED) if shots.is_dir() else []
    if fresh:
        terminalreporter.write_sep("-", "browser screenshots")
        for path in fresh:
            terminalreporter.write_line(str(path))
