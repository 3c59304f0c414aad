"""Generate the student labs in ``labs/`` from the notebooks in ``solutions/``.

In every code cell the region between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
becomes a stub that raises ``NotImplementedError``, and the region between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` is removed. Outputs are cleared
and exercise and check cells get the ``raises-exception`` tag, so Run All and nbval go on
past them. The conventions are nbgrader's, so the notebooks also work with nbgrader.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
STUB = "# YOUR CODE HERE\n{indent}raise NotImplementedError()"
RAISES = "raises-exception"
NOTEBOOK_RE = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


class BuildError(ValueError):
    """A solution notebook breaks the lab conventions."""


@dataclass(frozen=True)
class Stale:
    """One lab that does not match what its solution generates."""

    lab: Path
    reason: str


def cell_role(cell: nbformat.NotebookNode) -> str:
    """Return "exercise", "check" or "" from a cell's nbgrader metadata."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("solution"):
        return "exercise"
    if meta.get("grade"):
        return "check"
    return ""


def _replace_regions(source: str, begin: str, end: str, stub: str | None, where: str) -> str:
    """Replace each begin/end region of ``source`` by ``stub`` (indented) or drop it."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped == begin:
            if inside:
                raise BuildError(f"{where}, line {number}: '{begin}' inside another '{begin}'.")
            inside = True
            if stub is not None:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(indent + stub.format(indent=indent))
            continue
        if stripped == end:
            if not inside:
                raise BuildError(f"{where}, line {number}: '{end}' without '{begin}'.")
            inside = False
            continue
        if not inside:
            out.append(line)
    if inside:
        raise BuildError(f"{where}: '{begin}' is never closed by '{end}'.")
    return "\n".join(out)


def student_source(source: str, where: str = "cell") -> str:
    """Return a cell's source with solutions stubbed out and hidden tests removed."""
    source = _replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, STUB, where)
    return _replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, None, where).rstrip("\n")


def make_lab(solution: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the student copy of a solution notebook (the input is not modified)."""
    lab = copy.deepcopy(solution)
    for index, cell in enumerate(lab.cells):
        if cell.cell_type != "code":
            continue
        where = f"{name}, cell {index}"
        role = cell_role(cell)
        if role == "exercise" and BEGIN_SOLUTION not in cell.source:
            raise BuildError(f"{where}: an exercise cell (nbgrader solution=true) has no '{BEGIN_SOLUTION}' region.")
        cell.source = student_source(cell.source, where)
        cell.outputs = []
        cell.execution_count = None
        if role:
            tags = cell.metadata.setdefault("tags", [])
            if RAISES not in tags:
                tags.append(RAISES)
    return lab


def solution_notebooks(root: Path) -> list[Path]:
    """Return the solution notebooks under ``root/solutions`` in lab order."""
    return sorted(p for p in (root / "solutions").glob("*.ipynb") if NOTEBOOK_RE.match(p.name))


def render(nb: nbformat.NotebookNode) -> str:
    """Serialise a notebook the one way labs are written, so comparisons are exact."""
    return nbformat.writes(nb) + "\n"


def build(root: Path, check_only: bool = False, only: list[str] | None = None) -> list[Stale]:
    """Write (or, with ``check_only``, compare) every lab generated from ``root/solutions``.

    Args:
        root: the course repository.
        check_only: compare instead of writing.
        only: lab numbers (``["04"]``) to limit the work to; ``None`` means all.

    Returns:
        The labs that were stale (written, or only reported when ``check_only``).
    """
    labs_dir = root / "labs"
    stale: list[Stale] = []
    expected: set[str] = set()
    for path in solution_notebooks(root):
        if only is not None and path.name[:2] not in only:
            continue
        try:
            solution = nbformat.read(path, as_version=4)
        except Exception as error:  # nbformat raises several unrelated types
            raise BuildError(f"{path}: not a readable notebook ({error}).") from None
        text = render(make_lab(solution, path.name))
        lab = labs_dir / path.name
        expected.add(path.name)
        if not lab.exists():
            stale.append(Stale(lab, "missing"))
        elif lab.read_text(encoding="utf-8") != text:
            stale.append(Stale(lab, f"differs from what {path.relative_to(root)} generates"))
        else:
            continue
        if not check_only:
            labs_dir.mkdir(exist_ok=True)
            lab.write_text(text, encoding="utf-8")
    for lab in sorted(labs_dir.glob("*.ipynb")):
        if only is None and lab.name not in expected:
            stale.append(Stale(lab, "has no solution notebook"))
    return stale
