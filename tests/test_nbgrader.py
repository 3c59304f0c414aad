"""The notebooks work with nbgrader itself, not only with nbgrader's conventions.

In a temporary nbgrader course whose assignment holds the solutions of ``LABS``:
``nbgrader generate_assignment`` must produce exactly the cells ``dglab build`` puts in
``labs/`` (same stubs, hidden tests removed), and ``nbgrader autograde`` must give the
solution full marks and the unmodified lab zero, hidden tests included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from dglab.build import BEGIN_HIDDEN, RAISES

ROOT = Path(__file__).resolve().parent.parent
LABS = ("01",)
ASSIGNMENT = "dglab"
SUBMITTERS = {"solution": "solutions", "unmodified_lab": "labs"}
NBGRADER_TIMEOUT_S = 300
# What nbgrader adds to a graded cell's metadata, and what `dglab build` adds instead.
NBGRADER_ADDS = {"checksum", "cell_type"}
LOCKS = {"editable", "deletable"}

pytestmark = pytest.mark.notebooks


def _path_with_venv() -> str:
    """PATH with this interpreter's bin/ first: nbgrader runs the `alembic` command by name."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def _settings(root: Path) -> dict[str, object]:
    """The nbgrader configuration of the test course."""
    return {
        "CourseDirectory.course_id": "dglab",
        "CourseDirectory.root": str(root),
        "Execute.timeout": 120,
        # IPC sockets instead of TCP ports: no port races between parallel test workers.
        "KernelManager.transport": "ipc",
        "KernelManager.ip": str(root / "kernel"),
        # Lab 01's interact cells: read each reply when it comes, not at Execute.timeout (dglab/notebooks.py).
        "AsyncKernelManager.client_class": "dglab.notebooks.RearmedKernelClient",
    }


def _nbgrader(root: Path, *args: str) -> None:
    """Run one nbgrader command in the course folder; fail with its log if it fails."""
    env = {**os.environ, "PATH": _path_with_venv()}
    result = subprocess.run(
        # python -m nbgrader, started 2.5 s quicker (dglab/startup.py)
        [sys.executable, "-m", "dglab.startup", "nbgrader", *args], cwd=root, env=env,
        capture_output=True, text=True, timeout=NBGRADER_TIMEOUT_S,
    )
    assert result.returncode == 0 and "ERROR" not in result.stderr, f"nbgrader {args[0]} failed:\n{result.stderr[-4000:]}"


def _notebook(folder: str, lab: str) -> Path:
    matches = sorted((ROOT / folder).glob(f"{lab}_*.ipynb"))
    assert matches, f"no {folder}/{lab}_*.ipynb"
    return matches[0]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A nbgrader course: the solutions of LABS generated, then two submissions autograded."""
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        pytest.fail("nbgrader is not installed: it is a pinned dev dependency (make test, or pip install -e '.[dev]').")
    root = tmp_path_factory.mktemp("nbgrader")
    config = "\n".join(f"c.{key} = {value!r}" for key, value in _settings(root).items())
    (root / "nbgrader_config.py").write_text(config + "\n")
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for lab in LABS:
        shutil.copy(_notebook("solutions", lab), source)
    _nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    for student, folder in SUBMITTERS.items():
        submitted = root / "submitted" / student / ASSIGNMENT
        submitted.mkdir(parents=True)
        for lab in LABS:
            shutil.copy(_notebook(folder, lab), submitted)
    _nbgrader(root, "autograde", ASSIGNMENT)
    return root


@pytest.fixture(scope="module")
def gradebook(course: Path) -> Iterator[object]:
    from nbgrader.api import Gradebook

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", _path_with_venv())
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
            yield book


def _graded(cell: nbformat.NotebookNode) -> bool:
    return "nbgrader" in cell.metadata


@pytest.mark.parametrize("lab", LABS)
def test_nbgrader_generates_the_same_student_cells_as_dglab_build(course: Path, lab: str) -> None:
    name = _notebook("labs", lab).name
    released = nbformat.read(course / "release" / ASSIGNMENT / name, as_version=4)
    ours = nbformat.read(ROOT / "labs" / name, as_version=4)
    assert [c.cell_type for c in released.cells] == [c.cell_type for c in ours.cells]
    for index, (theirs, mine) in enumerate(zip(released.cells, ours.cells)):
        assert theirs.source == mine.source, f"cell {index}: nbgrader's stub or hidden-test removal differs from labs/"
        assert BEGIN_HIDDEN not in theirs.source
        if not _graded(mine):
            assert theirs.metadata == mine.metadata, f"cell {index}"
            continue
        # Expected differences, and only these: nbgrader adds a checksum, the cell type and
        # read-only locks; dglab build adds the raises-exception tag so Run All goes on.
        ng_theirs, ng_mine = theirs.metadata.nbgrader, mine.metadata.nbgrader
        assert {k: ng_theirs[k] for k in ng_mine} == dict(ng_mine), f"cell {index}: nbgrader metadata changed"
        assert set(ng_theirs) - set(ng_mine) == NBGRADER_ADDS
        assert set(theirs.metadata) - set(mine.metadata) <= LOCKS
        assert mine.metadata.tags == [*theirs.metadata.tags, RAISES]


def _points(lab: str) -> float:
    nb = nbformat.read(_notebook("solutions", lab), as_version=4)
    return float(sum(c.metadata.nbgrader.get("points", 0) for c in nb.cells if _graded(c)))


def test_nbgrader_gives_the_solution_full_marks(gradebook: object) -> None:
    submission = gradebook.find_submission(ASSIGNMENT, "solution")
    full = sum(_points(lab) for lab in LABS)
    assert full > 0 and submission.max_score == full
    lost = {g.name: g.score for nb in submission.notebooks for g in nb.grades if g.score != g.max_score}
    assert not lost, f"the solution lost points in nbgrader: {lost}"
    assert submission.score == full


def test_nbgrader_gives_the_unmodified_lab_zero(gradebook: object) -> None:
    submission = gradebook.find_submission(ASSIGNMENT, "unmodified_lab")
    scored = {g.name: g.score for nb in submission.notebooks for g in nb.grades if g.score != 0}
    assert not scored, f"the unmodified lab scored in nbgrader: {scored}"
    assert submission.score == 0 and submission.max_score > 0


@pytest.mark.parametrize("lab", LABS)
def test_nbgrader_grades_with_the_hidden_tests_and_leaves_submissions_alone(course: Path, lab: str) -> None:
    name = _notebook("labs", lab).name
    graded = nbformat.read(course / "autograded" / "unmodified_lab" / ASSIGNMENT / name, as_version=4)
    assert any(BEGIN_HIDDEN in c.source for c in graded.cells), "nbgrader did not put the hidden tests back"
    for student, folder in SUBMITTERS.items():
        submitted = course / "submitted" / student / ASSIGNMENT / name
        assert submitted.read_bytes() == _notebook(folder, lab).read_bytes()
