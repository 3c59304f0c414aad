"""`dglab build`: solutions become stubbed labs; `--check` notices stale labs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from course_cli import run_dglab

from dglab.build import BuildError, build, make_lab, render, student_source

ROOT = Path(__file__).resolve().parent.parent

SOLUTION_CELL = """def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION"""

CHECK_CELL = """with check("Exercise 1"):
    expect(double(2) == 4 and double(3) == 6, "no")
### BEGIN HIDDEN TESTS
with check("Exercise 1 (hidden)"):
    expect(double(5) == 10, "no")
### END HIDDEN TESTS"""


def _solution() -> nbformat.NotebookNode:
    ex = new_code_cell(SOLUTION_CELL, id="ex1")
    ex.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "ex1"}
    ck = new_code_cell(CHECK_CELL, id="ex1-check")
    ck.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": "ex1_check", "points": 2}
    plain = new_code_cell("from dglab.checks import check, expect\nprint(1)", id="plain")
    plain.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    plain.execution_count = 3
    return new_notebook(cells=[new_markdown_cell("# Lab 97", id="md"), plain, ex, ck])


def test_student_source_stubs_and_hides() -> None:
    assert student_source(SOLUTION_CELL) == "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert student_source(CHECK_CELL) == 'with check("Exercise 1"):\n    expect(double(2) == 4 and double(3) == 6, "no")'


def test_make_lab_clears_tags_and_keeps_solution_intact() -> None:
    solution = _solution()
    before = render(solution)
    lab = make_lab(solution)
    assert render(solution) == before
    plain, ex, ck = lab.cells[1:]
    assert plain.outputs == [] and plain.execution_count is None and "tags" not in plain.metadata
    assert ex.metadata["tags"] == ["raises-exception"] and "BEGIN SOLUTION" not in ex.source
    assert ck.metadata["tags"] == ["raises-exception"] and "hidden" not in ck.source
    assert ck.metadata["nbgrader"]["points"] == 2


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
        ("### BEGIN HIDDEN TESTS\nx = 1", "never closed"),
    ],
)
def test_malformed_markers_are_named(source: str, message: str) -> None:
    with pytest.raises(BuildError, match=message):
        student_source(source, "97_x.ipynb, cell 2")


def test_exercise_without_solution_region() -> None:
    nb = _solution()
    nb.cells[2].source = "def double(x):\n    return 2 * x"
    with pytest.raises(BuildError, match="97_x.ipynb, cell 2: an exercise cell"):
        make_lab(nb, "97_x.ipynb")


CATALOGUE = """# %% ex1 wrong: adds instead of doubling
def double(x):
    return x + 1

# %% ex1 wrong: returns the visible answer
def double(x):
    return 4

# %% ex1 wrong: squares
def double(x):
    return x * x

# %% ex1 alternative: a shift
def double(x):
    return x << 1
"""


def _course(tmp_path: Path) -> Path:
    (tmp_path / "solutions" / "catalogue").mkdir(parents=True)
    nbformat.write(_solution(), tmp_path / "solutions" / "97_demo.ipynb")
    (tmp_path / "solutions" / "catalogue" / "97_demo.py").write_text(CATALOGUE)
    return tmp_path


def test_build_then_check(tmp_path: Path) -> None:
    root = _course(tmp_path)
    assert [s.reason for s in build(root, check_only=True)] == ["missing"]
    assert [s.reason for s in build(root)] == ["missing"]
    assert build(root, check_only=True) == []
    lab = root / "labs" / "97_demo.ipynb"
    lab.write_text(lab.read_text().replace("raise NotImplementedError()", "pass"))
    assert "differs" in build(root, check_only=True)[0].reason
    shutil.copy(lab, root / "labs" / "96_orphan.ipynb")
    reasons = {s.lab.name: s.reason for s in build(root, check_only=True)}
    assert reasons["96_orphan.ipynb"] == "has no solution notebook"


def test_cli_check_exit_codes(tmp_path: Path) -> None:
    root = _course(tmp_path)
    stale = run_dglab("build", "--check", cwd=root)
    assert stale.returncode == 1 and "stale: labs/97_demo.ipynb (missing)" in stale.stdout
    assert run_dglab("build", cwd=root).returncode == 0
    assert run_dglab("build", "--check", cwd=root).returncode == 0
    (root / "solutions" / "95_broken.ipynb").write_text("{not json")
    broken = run_dglab("build", cwd=root)
    assert broken.returncode == 2 and "95_broken.ipynb: not a readable notebook" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_cli_check_reports_broken_rules(tmp_path: Path) -> None:
    root = _course(tmp_path)
    assert run_dglab("build", cwd=root).returncode == 0
    nb = nbformat.read(root / "solutions" / "97_demo.ipynb", as_version=4)
    nb.cells[1].source += "\nreference = 4"
    nb.cells[3].source = 'with check("Exercise 1"):\n    expect(double(2) == reference, "no")'
    nbformat.write(nb, root / "solutions" / "97_demo.ipynb")
    (root / "solutions" / "catalogue" / "97_demo.py").write_text(CATALOGUE.split("# %% ex1 wrong: squares")[0])
    assert run_dglab("build", cwd=root).returncode == 0
    result = run_dglab("build", "--check", cwd=root)
    assert result.returncode == 1
    assert "cell 3 (ex1_check) reads reference, defined by an earlier cell" in result.stderr
    assert "ex1 has 2 wrong answers and 0 alternatives; it needs at least 3 and 1" in result.stderr


def test_cli_outside_a_course(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "dglab.cli", "build"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0 and "no 'solutions/' folder" in result.stderr


def test_repository_labs_are_up_to_date() -> None:
    result = run_dglab("build", "--check", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebooks_committed_without_outputs() -> None:
    for path in sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "labs").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        with_output = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
        assert not with_output, f"{path.name}: cells {with_output} have stored outputs"


@pytest.mark.notebooks
def test_times_reports_each_notebook_and_its_slowest_cell(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_code_cell("x = 1", id="a"), new_code_cell("import time; time.sleep(0.3)", id="b")])
    (tmp_path / "solutions").mkdir()
    path = tmp_path / "solutions" / "97_demo.ipynb"
    nbformat.write(nb, path)
    table = tmp_path / "times.md"
    result = run_dglab("times", "--budget", "60", "--markdown", str(table), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["| notebook | seconds | slowest cell |", "|---|---:|---|"]
    assert lines[2].startswith("| ") and "solutions/97_demo.ipynb |" in lines[2] and "| cell 1: 0." in lines[2]
    assert lines[-1].startswith("| **total, 1 notebooks** |")
    assert table.read_text().splitlines() == lines
    assert "Kernel is running over TCP" not in result.stderr   # kernels talk over Unix sockets
    assert nbformat.read(path, as_version=4).cells[0].outputs == []  # the file itself is not written


@pytest.mark.notebooks
def test_times_names_the_cell_that_ran_over_its_limit(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_code_cell("x = 1", id="a"), new_code_cell("import time\ntime.sleep(30)", id="b")])
    (tmp_path / "solutions").mkdir()
    nbformat.write(nb, tmp_path / "solutions" / "97_demo.ipynb")
    result = run_dglab("times", "--cell-timeout", "2", cwd=tmp_path)
    assert result.returncode == 1
    assert "solutions/97_demo.ipynb: cell 1 ran over the 2 s cell limit: import time" in result.stderr
    assert "Traceback" not in result.stderr
