"""The honesty test: an unmodified lab fails every check; its solution passes every one.

nbval only proves that cells run (a ``raises-exception`` tag means "may raise"), so this
test executes each notebook itself and reads each check cell's outcome.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from dglab.build import solution_notebooks
from dglab.notebooks import FAILED, PASSED, check_results, execute

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = solution_notebooks(ROOT)
CELL_TIMEOUT = 120

pytestmark = pytest.mark.notebooks


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_solution_passes_every_check(solution: Path) -> None:
    nb = nbformat.read(solution, as_version=4)
    execute(nb, solution.parent, CELL_TIMEOUT)
    results = check_results(nb)
    assert len(results) >= 3, f"{solution.name} has {len(results)} checks; a lab needs at least three exercises."
    bad = [f"{r.grade_id}: {r.status}\n{r.message}" for r in results if r.status != PASSED]
    assert not bad, f"{solution.name}: checks that do not pass in the solution:\n" + "\n".join(bad)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_unmodified_lab_fails_every_check(solution: Path) -> None:
    lab = ROOT / "labs" / solution.name
    assert lab.exists(), f"{lab} is missing: run `dglab build`."
    nb = nbformat.read(lab, as_version=4)
    execute(nb, lab.parent, CELL_TIMEOUT)
    results = check_results(nb)
    assert len(results) >= 3
    bad = [f"{r.grade_id}: {r.status}\n{r.message}" for r in results if r.status != FAILED]
    assert not bad, f"{lab.name}: checks that do not fail in the unmodified lab:\n" + "\n".join(bad)
