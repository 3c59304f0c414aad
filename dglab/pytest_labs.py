"""A pytest plugin that adds the course's own checks to nbval's single run of each notebook.

nbval executes every code cell of ``labs/`` and ``solutions/`` once, in one kernel per notebook.
This plugin reads that same run instead of executing the notebooks again:

* **honesty**: a check cell of an unmodified lab must fail with ``ExerciseFailed``; a check cell
  of a solution must print PASSED and nothing NOT YET (nbval already fails it if it raises);
* **catalogue**: after each solution check cell, one more test item runs that exercise's
  catalogue of wrong answers and alternatives in the same kernel (see :mod:`dglab.catalogue`);
* **no graphviz**: the labs run with graphviz switched off, so the matplotlib drawing path is
  exercised by the same run that the solutions make with graphviz;
* **kernels over Unix sockets**: nbval's kernels use IPC transport instead of TCP ports;
* **times**: each notebook's seconds (its cells plus its catalogue) and its slowest cell are
  written to ``artifacts/notebook-times.md``, and the five slowest are printed at the end, with
  where the run's worker-seconds went: notebook cells, catalogues, tests that start kernels or a
  browser, and the rest (issue 9's floor is the first and the last, over two workers).

Enable it with ``-p dglab.pytest_labs`` (the course's root ``conftest.py`` does).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import nbformat
import pytest

from dglab import catalogue
from dglab.build import NOTEBOOK_RE, cell_role
from dglab.checks import FAIL_MARK, PASS_MARK
from dglab.graph import NO_GRAPHVIZ_ENV
from dglab.notebooks import IPCKernelManager, Timing, timings_table

LABS, SOLUTIONS = "labs", "solutions"
CELLS, CATALOGUES, TOOL_TESTS, OTHER_TESTS = "notebook cells", "catalogues", "tests that start kernels or a browser", "other tests"
_seconds: dict[str, float] = defaultdict(float)  # per course notebook: setup, cells and catalogue
_slowest: dict[str, tuple[int, float]] = {}  # per course notebook: its slowest cell (index in the notebook, seconds)
_spent: dict[str, float] = defaultdict(float)  # worker-seconds by kind of test
NOTEBOOK_CELL = "notebook cell"  # a report's user property: the index of its cell in the notebook


def _is_nbval_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell")


def _kind(path: Path) -> str:
    """Return "labs" or "solutions" for a course notebook, "" for any other file."""
    return path.parent.name if path.parent.name in (LABS, SOLUTIONS) and NOTEBOOK_RE.match(path.name) else ""


class CatalogueItem(pytest.Item):
    """Runs one exercise's catalogue in the kernel nbval keeps for the solution notebook."""

    def __init__(self, *, exercise: catalogue.Exercise, entries: list[catalogue.Entry], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.exercise = exercise
        self.entries = entries
        self.add_marker(pytest.mark.notebooks)

    def _run(self, source: str) -> catalogue.Outcome:
        from nbval.plugin import IPyNbCell

        cell = IPyNbCell.from_parent(
            self.parent,
            name=f"{self.name} (cell)",
            cell_num=-1,
            cell=nbformat.v4.new_code_cell(source),
            options=defaultdict(bool, check_exception=True),
        )
        cell.runtest()
        return catalogue.outcome_of(cell.test_outputs or [])

    def runtest(self) -> None:
        if getattr(self.parent, "timed_out", False):
            pytest.skip("an earlier cell of this notebook timed out")
        verdicts = catalogue.run_exercise(self.exercise, self.entries, self._run)
        bad = [v for v in verdicts if not v.ok]
        if bad:
            raise AssertionError(
                f"the check of {self.exercise.grade_id} judged {len(bad)} catalogue entries wrongly "
                "(a wrong answer must fail the visible check; an alternative must pass every check):\n"
                + catalogue.report(bad)
            )

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


def pytest_configure(config: pytest.Config) -> None:
    """Start nbval's kernels over Unix sockets (nbval has no option for it)."""
    try:
        import nbval.kernel
    except ImportError:
        return
    nbval.kernel.KernelManager = IPCKernelManager  # its start_new_kernel looks the name up here


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fail-on-skip", action="store_true", help="count a skipped test as a failure (the GPU tier)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """Tag each course cell's report with the cell's index in its notebook; with ``--fail-on-skip``,
    a skip is a failure (the GPU tier must run every GPU path)."""
    report = yield
    if _is_nbval_cell(item) and _kind(item.path):  # nbval counts code cells; say which cell of the notebook
        report.user_properties.append((NOTEBOOK_CELL, item.parent.nb.cells.index(item.cell)))
    if report.skipped and item.config.getoption("--fail-on-skip"):
        report.outcome = "failed"
        report.longrepr = f"skipped, and --fail-on-skip forbids it: {report.longrepr}"
    return report


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark nbval's items; put a catalogue item right after each solution check cell that has one."""
    out: list[pytest.Item] = []
    loaded: dict[Path, tuple[dict[str, catalogue.Exercise], list[catalogue.Entry]]] = {}
    for item in items:
        out.append(item)
        if _is_nbval_cell(item):
            item.add_marker(pytest.mark.notebooks)  # so `-m "not notebooks"` skips every kernel
        if not (_is_nbval_cell(item) and _kind(item.path) == SOLUTIONS and cell_role(item.cell) == "check"):
            continue
        if item.path not in loaded:
            nb = nbformat.read(item.path, as_version=4)
            loaded[item.path] = (catalogue.exercises(nb), catalogue.read(item.path))
        exercises, entries = loaded[item.path]
        exercise = catalogue.checked_by(exercises, item.cell)
        mine = [e for e in entries if exercise and e.grade_id == exercise.grade_id]
        if mine:
            out.append(CatalogueItem.from_parent(item.parent, name=f"catalogue {exercise.grade_id}", exercise=exercise, entries=mine))
    items[:] = out


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    """Start the kernels of lab notebooks with graphviz switched off (the matplotlib path)."""
    if not (_is_nbval_cell(item) and _kind(item.path) == LABS):
        return (yield)
    before = os.environ.get(NO_GRAPHVIZ_ENV)
    os.environ[NO_GRAPHVIZ_ENV] = "1"  # copied into the kernel's environment when it starts
    try:
        return (yield)
    finally:
        if before is None:
            os.environ.pop(NO_GRAPHVIZ_ENV, None)
        else:
            os.environ[NO_GRAPHVIZ_ENV] = before


def honesty_problem(kind: str, outputs: list) -> str | None:
    """Say why a check cell's outputs break the honesty rule, or None when they keep it."""
    outcome = catalogue.outcome_of(outputs)
    if kind == LABS and outcome.error != "ExerciseFailed":
        said = "it passed" if outcome.error is None else f"it raised {outcome.error} instead"
        return f"this check must fail with ExerciseFailed in the unmodified lab, but {said}."
    if kind == SOLUTIONS and (PASS_MARK not in outcome.text or FAIL_MARK in outcome.text or outcome.error):
        return "this check must pass in the solution (print PASSED, nothing NOT YET)."
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """After nbval runs a check cell, hold its outputs to the honesty rule."""
    result = yield
    kind = _kind(item.path) if _is_nbval_cell(item) else ""
    if not kind or getattr(item.parent, "timed_out", False):
        return result
    outputs = item.test_outputs or []
    if cell_role(item.cell) == "check":
        problem = honesty_problem(kind, outputs)
        if problem:
            raise AssertionError(f"honesty: {item.path.name}, {item.name}: {problem}")
    elif kind == LABS and "draw_graph(" in item.cell.source and not any("image/png" in o.get("data", {}) for o in outputs):
        raise AssertionError(f"{item.path.name}, {item.name}: with graphviz switched off, draw_graph must still draw (matplotlib).")
    return result


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up each course notebook's seconds (setup, cells and catalogue), and each kind of test's."""
    path = Path(report.nodeid.split("::", 1)[0])
    if not _kind(path):
        _spent[TOOL_TESTS if {"notebooks", "browser"} & set(report.keywords) else OTHER_TESTS] += report.duration
        return
    name = path.as_posix()
    _seconds[name] += report.duration
    _spent[CATALOGUES if "::catalogue " in report.nodeid else CELLS] += report.duration
    cell = dict(report.user_properties).get(NOTEBOOK_CELL)
    if cell is not None and report.when == "call" and report.duration > _slowest.get(name, (0, 0.0))[1]:
        _slowest[name] = (cell, report.duration)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Write the notebook times as Markdown and print the five slowest."""
    if not _seconds or hasattr(terminalreporter.config, "workerinput"):
        return
    rows = [Timing(name, seconds, *_slowest.get(name, (None, 0.0))) for name, seconds in _seconds.items()]
    table = timings_table(rows)
    folder = Path(terminalreporter.config.rootpath) / "artifacts"
    folder.mkdir(exist_ok=True)
    (folder / "notebook-times.md").write_text(table + "\n", encoding="utf-8")
    terminalreporter.write_sep("-", "five slowest notebooks (seconds of test time, cells and catalogue)")
    for row in sorted(rows, key=lambda r: -r.seconds)[:5]:
        terminalreporter.write_line(f"{row.seconds:7.1f} s  {row.notebook}  (slowest: cell {row.slowest_cell}, {row.slowest_seconds:.1f} s)")
    terminalreporter.write_line(f"full table: {folder / 'notebook-times.md'}")
    terminalreporter.write_sep("-", "where the worker-seconds went")
    for kind in (CELLS, CATALOGUES, TOOL_TESTS, OTHER_TESTS):
        terminalreporter.write_line(f"{_spent[kind]:8.1f} s  {kind}")
    floor = (_spent[CELLS] + _spent[OTHER_TESTS]) / 2
    terminalreporter.write_line(f"{floor:8.1f} s  floor on two workers: one run of every notebook and the tests that start none, halved")
