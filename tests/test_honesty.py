"""The honesty rule: an unmodified lab fails every check; its solution passes every one.

The rule is enforced on nbval's own run of each notebook by ``dglab.pytest_labs`` (no notebook
runs twice). These tests cover what needs no kernel: the judge itself, and that every lab has
at least three checks, each of which nbval will then hold to the rule.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from dglab.build import cell_role, solution_notebooks
from dglab.pytest_labs import LABS, SOLUTIONS, honesty_problem

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS_FOUND = solution_notebooks(ROOT)


@pytest.mark.parametrize("solution", SOLUTIONS_FOUND, ids=[p.stem for p in SOLUTIONS_FOUND])
def test_every_lab_has_three_checks(solution: Path) -> None:
    for path in (solution, ROOT / "labs" / solution.name):
        nb = nbformat.read(path, as_version=4)
        checks = [c for c in nb.cells if c.cell_type == "code" and cell_role(c) == "check"]
        assert len(checks) >= 3, f"{path.name} has {len(checks)} checks; a lab needs at least three exercises."


def _out(text: str = "", ename: str | None = None) -> list[dict]:
    outputs = [{"output_type": "stream", "name": "stdout", "text": text}] if text else []
    return outputs + ([{"output_type": "error", "ename": ename, "evalue": "", "traceback": []}] if ename else [])


@pytest.mark.parametrize(
    ("kind", "outputs", "broken"),
    [
        (LABS, _out(ename="ExerciseFailed"), False),
        (LABS, _out("PASSED: Exercise 1"), True),          # a check that cannot fail
        (LABS, _out(ename="TypeError"), True),             # the check cell itself is broken
        (SOLUTIONS, _out("PASSED: Exercise 1"), False),
        (SOLUTIONS, _out("PASSED: a\nNOT YET: b"), True),
        (SOLUTIONS, _out(""), True),                       # printed no verdict at all
    ],
)
def test_honesty_judge(kind: str, outputs: list[dict], broken: bool) -> None:
    assert (honesty_problem(kind, outputs) is not None) is broken
