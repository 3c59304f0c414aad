"""The course's pytest plugin on a tiny course: nbval's single run, the catalogue after the check,
and the timing summary that CI prints (slowest notebooks, where the worker-seconds went)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_build import _course

pytestmark = pytest.mark.notebooks


def test_the_run_reports_notebook_times_and_where_the_seconds_went(tmp_path: Path) -> None:
    root = _course(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "dglab.pytest_labs", "--nbval", "--nbval-current-env", "-q", "solutions"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "solutions/97_demo.ipynb" in result.stdout and "(slowest: cell " in result.stdout
    table = (root / "artifacts" / "notebook-times.md").read_text()
    assert "| solutions/97_demo.ipynb |" in table and "| cell " in table
    spent = result.stdout.split("where the worker-seconds went", 1)[1]
    for kind in ("notebook cells", "catalogues", "tests that start kernels or a browser", "other tests", "floor on two workers"):
        assert kind in spent
    catalogue_seconds = float(spent.split(" s  catalogues")[0].split()[-1])
    assert catalogue_seconds > 0, spent
