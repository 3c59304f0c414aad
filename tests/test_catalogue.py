"""The catalogue: parsing, the coverage rule, judging, and a run through a real kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from course_cli import run_dglab
from test_build import _course

from dglab import catalogue
from dglab.catalogue import ALTERNATIVE, WRONG, CatalogueError, Entry, Exercise, Outcome

TEXT = """# preface: not an entry
# %% ex1 wrong: adds one
def double(x):
    return x + 1

# %% ex1 alternative: shifts
def double(x):
    return x << 1
"""


def test_parse_splits_entries_and_keeps_notes() -> None:
    entries = catalogue.parse(TEXT)
    assert [(e.grade_id, e.kind, e.note, e.line) for e in entries] == [("ex1", WRONG, "adds one", 2), ("ex1", ALTERNATIVE, "shifts", 6)]
    assert entries[0].source == "def double(x):\n    return x + 1"


def test_parse_names_a_bad_header() -> None:
    with pytest.raises(CatalogueError, match="cat.py, line 3: a header must read"):
        catalogue.parse("# %% ex1 wrong: fine\nx = 1\n# %% ex1 right: no such kind\n", "cat.py")


def _nb(*ids: str) -> nbformat.NotebookNode:
    cells = []
    for grade_id in ids:
        cell = nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION")
        cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": grade_id}
        check = nbformat.v4.new_code_cell("with check('x'):\n    expect(double(2) == 4, 'no')\n### BEGIN HIDDEN TESTS\nexpect(double(3) == 6, 'no')\n### END HIDDEN TESTS")
        check.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": f"{grade_id}_check"}
        cells += [cell, check]
    return nbformat.v4.new_notebook(cells=cells)


def test_problems_enforce_three_wrong_and_one_alternative() -> None:
    entries = catalogue.parse(TEXT) + [Entry("ex9", WRONG, "n", "x = 1", 40), Entry("ex1", WRONG, "n", "def (", 50)]
    found = catalogue.problems(_nb("ex1", "ex2"), entries, "cat.py")
    assert "cat.py: entry at line 40 names 'ex9', which is not an exercise (ex1, ex2)." in found
    assert "cat.py: ex1 has 2 wrong answers and 1 alternatives; it needs at least 3 and 1." in found
    assert "cat.py: ex2 has 0 wrong answers and 0 alternatives; it needs at least 3 and 1." in found
    assert any("line 50 is not valid Python" in line for line in found)


def test_exercises_pair_answers_with_visible_and_full_checks() -> None:
    pair = catalogue.exercises(_nb("ex1"))["ex1"]
    assert "HIDDEN" not in pair.visible_check and "double(3)" not in pair.visible_check
    assert "double(3)" in pair.full_check and "return 2 * x" in pair.answer


FAILED = Outcome("ExerciseFailed", "ExerciseFailed: NOT YET: x\n  why:  double(2) is wrong\n")
PASSED = Outcome(None, "PASSED: x\n")


@pytest.mark.parametrize(
    ("kind", "answer", "checked", "ok"),
    [
        (WRONG, Outcome(None, ""), FAILED, True),
        (WRONG, Outcome(None, ""), PASSED, False),                         # the check let a wrong answer through
        (WRONG, Outcome(None, ""), Outcome("TypeError", "boom"), False),   # the check cell itself broke
        (ALTERNATIVE, Outcome(None, ""), PASSED, True),
        (ALTERNATIVE, Outcome(None, ""), FAILED, False),                   # the check rejects a right answer
        (ALTERNATIVE, Outcome("NameError", "x"), PASSED, False),
    ],
)
def test_judge(kind: str, answer: Outcome, checked: Outcome, ok: bool) -> None:
    verdict = catalogue.judge(Entry("ex1", kind, "n", "", 1), answer, checked)
    assert verdict.ok is ok
    if checked is FAILED and kind == WRONG:
        assert verdict.said == "double(2) is wrong"


def test_run_exercise_forgets_names_uses_the_right_check_and_restores() -> None:
    ran: list[str] = []

    def run(source: str) -> Outcome:
        ran.append(source)
        return FAILED if source.endswith("VISIBLE") else PASSED

    exercise = Exercise("ex1", "def double(x):\n    return 2 * x\nSCALE = 2", "VISIBLE", "FULL")
    entries = [Entry("ex1", WRONG, "w", "WRONG ANSWER", 1), Entry("ex1", ALTERNATIVE, "a", "ALT ANSWER", 5)]
    verdicts = catalogue.run_exercise(exercise, entries, run)
    forget = "globals().pop('double', None)\nglobals().pop('SCALE', None)"
    visible = f"{catalogue.STOP_AT_FIRST_FAILURE}\nVISIBLE"  # a wrong answer is rejected by its first failed block
    assert ran == [f"{forget}\nWRONG ANSWER", visible, f"{forget}\nALT ANSWER", "FULL", f"{forget}\n{exercise.answer}", "FULL"]
    assert [v.ok for v in verdicts] == [True, True, True]


@pytest.mark.notebooks
def test_cli_runs_a_catalogue_in_one_kernel(tmp_path: Path) -> None:
    root = _course(tmp_path)
    catalogue_file = root / "solutions" / "catalogue" / "97_demo.py"
    catalogue_file.write_text(catalogue_file.read_text() + "\n# %% ex1 wrong: doubles after all\ndef double(x):\n    return x * 2\n")
    result = run_dglab("catalogue", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr  # one entry judged wrongly
    assert "ex1      wrong       ok      adds instead of doubling -> no" in result.stdout
    assert "ex1      alternative ok      a shift -> PASSED" in result.stdout
    assert "ex1      wrong       WRONG   doubles after all -> PASSED" in result.stdout
