"""The lab spec: what the grader reads from a solution notebook (checks, points, fingerprint)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from dglab.build import BEGIN_HIDDEN, END_HIDDEN, NOTEBOOK_RE, BuildError, cell_role, make_lab
from dglab.grade.results import GradeError

TITLE_RE = re.compile(r"^\s*#\s*Lab\s+(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class CheckSpec:
    """One check cell of the solution: what it is worth and what it runs."""

    grade_id: str  # e.g. "ex2_check"
    column: str  # CSV column, e.g. "ex2"
    exercise: str | None  # grade_id of its exercise cell, if the lab has one
    cell_id: str | None
    points: float
    source: str  # visible checks + hidden tests, instrumented (see instrument())
    all_hidden: bool  # the hidden markers could not be instrumented: treat every block as hidden
    blocks: tuple[tuple[int, int], ...] = ()  # line ranges of the top-level `with check(...)` headers


@dataclass
class LabSpec:
    """What the grader needs to know about lab NN, read from its solution notebook."""

    number: str
    solution_path: Path
    checks: list[CheckSpec]
    exercises: list[str]  # exercise grade_ids in solution order
    exercise_cells: dict[str, str]  # exercise cell id -> grade_id
    check_cells: dict[str, str]  # check cell id -> grade_id
    fingerprint: list[str]  # normalised sources of the lab's fixed cells
    title_number: str | None
    pins: list[tuple[str, str, str | None]]  # (name, module, attribute) the lab's imports bind

    @property
    def max_points(self) -> float:
        """Points of every check together."""
        return sum(c.points for c in self.checks)


def norm(source: str) -> str:
    """A cell's source without trailing spaces or surrounding blank lines (for comparing)."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def title_number(nb: nbformat.NotebookNode) -> str | None:
    """The lab number a notebook's title claims (digits without leading zeros), if any."""
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown" and isinstance(cell.get("source"), str):
            for line in cell.source.splitlines()[:3]:
                match = TITLE_RE.match(line)
                if match:
                    return match.group(1).lstrip("0") or "0"  # a string: a 5,000-digit number is no error
    return None


def instrument(source: str) -> str | None:
    """Turn hidden-test markers into calls that tell the guard which checks are hidden.

    Returns:
        The instrumented source, or ``None`` when it does not compile (a marker in an odd
        place); the caller then treats every check block of the cell as hidden.
    """
    out = []
    for line in source.splitlines():
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if stripped == BEGIN_HIDDEN:
            out.append(f"{indent}__dglab_hidden__(True)")
        elif stripped == END_HIDDEN:
            out.append(f"{indent}__dglab_hidden__(False)")
        else:
            out.append(line)
    text = "\n".join(out)
    try:
        compile(text, "<check>", "exec", dont_inherit=True)
    except SyntaxError:
        return None
    return text


def _is_check_call(node: ast.expr) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    return (isinstance(func, ast.Name) and func.id == "check") or (isinstance(func, ast.Attribute) and func.attr == "check")


def check_blocks(source: str) -> tuple[tuple[int, int], ...]:
    """Line ranges of the ``with check(...)`` headers a check cell runs at its top level.

    Blocks inside function or class bodies are left out (they run only if called). The
    guard counts a check as passed only when a block entered each range and every block passed.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    ranges = []
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(_is_check_call(item.context_expr) for item in node.items):
            ranges.append((node.lineno, max(node.lineno, node.body[0].lineno - 1)))
        todo.extend(ast.iter_child_nodes(node))
    return tuple(sorted(ranges))


def _bound_names(tree: ast.AST) -> list[str]:
    """Every name that ``tree`` binds anywhere (assignments, defs, imports, loops...)."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.append(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.append(alias.asname or alias.name.split(".")[0])
    return names


def parse_cell(source: str) -> ast.Module | None:
    """Parse a code cell, dropping IPython magic lines if plain parsing fails."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        try:
            return ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def lab_pins(solution: nbformat.NotebookNode) -> list[tuple[str, str, str | None]]:
    """Names bound by the lab's own top-level imports and never rebound anywhere in the lab.

    The guard imports these before any student code runs and puts them back in a check's
    namespace, so a student who rebinds ``torch`` or ``expect`` does not fool the checks.
    """
    counts: dict[str, int] = {}
    imports: list[tuple[str, str, str | None]] = []
    for cell in solution.cells:
        if cell.cell_type != "code":
            continue
        tree = parse_cell(cell.source)
        if tree is None:
            continue
        for name in _bound_names(tree):
            counts[name] = counts.get(name, 0) + 1
        if cell_role(cell):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        imports.append((alias.asname, alias.name, None))
                    else:
                        imports.append((alias.name.split(".")[0], alias.name, "<top>"))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        imports.append((alias.asname or alias.name, node.module, alias.name))
    seen: set[str] = set()
    pins = []
    for name, module, attr in imports:
        if counts.get(name, 0) == 1 and name not in seen:
            pins.append((name, module, attr))
            seen.add(name)
    return pins


def find_solution(root: Path, number: str) -> Path:
    """The one ``solutions/NN_*.ipynb`` of lab ``number``.

    Raises:
        GradeError: not a number, no such lab, or several notebooks for it.
    """
    number = number.strip()
    if not number.isdigit() or len(number) > 3:
        raise GradeError(f"{number[:20]!r} is not a lab number (expected e.g. 04).")
    number = number.zfill(2)
    matches = sorted(p for p in (root / "solutions").glob(f"{number}_*.ipynb") if NOTEBOOK_RE.match(p.name))
    if not matches:
        raise GradeError(f"no solution notebook for lab {number} in {root / 'solutions'}.")
    if len(matches) > 1:
        raise GradeError(f"several solution notebooks for lab {number}: {', '.join(p.name for p in matches)}.")
    return matches[0]


def _check_spec(cell: nbformat.NotebookNode, index: int, exercises: list[str], columns: set[str]) -> CheckSpec:
    meta = cell.metadata["nbgrader"]
    gid = meta.get("grade_id") or f"check{index}"
    column = gid[: -len("_check")] if gid.endswith("_check") else gid
    if column in columns:
        column = gid
    columns.add(column)
    instrumented = instrument(cell.source)
    source = instrumented if instrumented is not None else cell.source
    return CheckSpec(
        grade_id=gid,
        column=column,
        exercise=column if column in exercises else None,
        cell_id=cell.get("id"),
        points=float(meta.get("points", 0) or 0),
        source=source,
        all_hidden=instrumented is None,
        blocks=check_blocks(source),
    )


def load_lab(root: Path, number: str) -> LabSpec:
    """Read lab ``number``'s solution and work out its checks, points and fingerprint.

    Raises:
        GradeError: no such lab, an unreadable solution, or a solution without checks.
    """
    path = find_solution(root, number)
    try:
        solution = nbformat.read(path, as_version=4)
        lab = make_lab(solution, path.name)
    except BuildError as error:
        raise GradeError(str(error)) from None
    except Exception as error:  # nbformat raises several unrelated types
        raise GradeError(f"{path}: not a readable notebook ({error}).") from None
    exercises: list[str] = []
    exercise_cells: dict[str, str] = {}
    for cell in solution.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and cell_role(cell) == "exercise" and gid:
            exercises.append(gid)
            if cell.get("id"):
                exercise_cells[cell.id] = gid
    checks: list[CheckSpec] = []
    check_cells: dict[str, str] = {}
    columns: set[str] = set()
    for cell in solution.cells:
        if cell.cell_type == "code" and cell_role(cell) == "check":
            checks.append(_check_spec(cell, len(checks) + 1, exercises, columns))
            if cell.get("id"):
                check_cells[cell.id] = checks[-1].grade_id
    if not checks:
        raise GradeError(f"{path.name} has no check cells (nbgrader grade=true): nothing to grade.")
    fingerprint = [
        norm(c.source) for c in lab.cells if c.cell_type in ("markdown", "code") and cell_role(c) != "exercise" and norm(c.source)
    ]
    return LabSpec(
        number=path.name[:2],
        solution_path=path,
        checks=checks,
        exercises=exercises,
        exercise_cells=exercise_cells,
        check_cells=check_cells,
        fingerprint=fingerprint,
        title_number=title_number(lab),
        pins=lab_pins(solution),
    )
