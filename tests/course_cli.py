"""Run the ``dglab`` command inside the test process, for the tests of its subcommands."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

from dglab.cli import main


def run_dglab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``dglab ARGS`` in this process and return what it printed and its exit code.

    A new interpreter costs ~2 s of imports per call (torch among them); the real entry point
    is run once, by ``test_build.test_cli_outside_a_course``.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd or Path.cwd()), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 2
            if not isinstance(stop.code, int):
                print(stop.code, file=sys.stderr)
    return subprocess.CompletedProcess(["dglab", *args], code, out.getvalue(), err.getvalue())
