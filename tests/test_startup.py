"""``python -m dglab.startup MODULE ARGS``: python -m MODULE ARGS, without the slow optional imports."""

from __future__ import annotations

import subprocess
import sys


def imported_modules(stderr: str) -> set[str]:
    """The modules that ``python -X importtime`` reported importing."""
    return {line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def test_runs_a_module_with_its_arguments_and_without_lark() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dglab.startup", "nbformat.sign", "--help"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0 and "Sign one or more Jupyter notebooks" in done.stdout, done.stderr[-2000:]
    assert "nbformat" in imported_modules(done.stderr) and "lark" not in imported_modules(done.stderr)  # lark: rfc3987_syntax's parser


def test_without_a_module_it_prints_its_usage() -> None:
    done = subprocess.run([sys.executable, "-m", "dglab.startup"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "usage: python -m dglab.startup MODULE [ARGS...]" in done.stderr
