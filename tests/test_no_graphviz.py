"""Without graphviz's ``dot``, the labs that draw graphs still run and pass (matplotlib fallback)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from dglab.notebooks import PASSED, check_results, execute

ROOT = Path(__file__).resolve().parent.parent
DRAWING = [p for p in sorted((ROOT / "solutions").glob("*.ipynb")) if "draw_graph(" in p.read_text(encoding="utf-8")]

pytestmark = pytest.mark.notebooks


@pytest.mark.parametrize("solution", DRAWING, ids=[p.stem for p in DRAWING])
def test_solution_runs_without_dot(solution: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A PATH holding only this interpreter's folder: the kernel starts, `dot` is not found.
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    assert shutil.which("dot") is None
    nb = nbformat.read(solution, as_version=4)
    execute(nb, solution.parent, cell_timeout=120)
    assert all(r.status == PASSED for r in check_results(nb))
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert images, f"{solution.name} drew nothing with matplotlib"
