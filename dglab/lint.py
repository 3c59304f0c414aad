"""Static rules for check cells, read from the source alone (no kernel).

A check cell must be self-contained: the values it compares against are built inside the cell
from constants and imports, never read from a name an earlier (non-exercise) cell defined,
because a student can redefine that name. It may read what the exercise cells define: that
is the student's answer.
"""

from __future__ import annotations

import ast
import builtins

import nbformat

from dglab.build import cell_role, student_source


def _parse(source: str) -> ast.Module | None:
    """Parse cell source, ignoring IPython magics and shell lines; None if it is not Python."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def bound_names(source: str) -> set[str]:
    """Return every name the source binds anywhere (assignments, defs, imports, loop targets)."""
    tree = _parse(source)
    if tree is None:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
    return names


def top_level_names(source: str) -> list[str]:
    """Return the names a cell binds at its top level, in order (what it leaves in the namespace)."""
    tree = _parse(source)
    if tree is None:
        return []
    names: list[str] = []
    for statement in tree.body:
        inner = ast.Module(body=[statement], type_ignores=[])
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found = [statement.name]
        else:
            found = sorted(bound_names(ast.unparse(inner)) - _nested_names(statement))
        names.extend(n for n in found if n not in names)
    return names


def _nested_names(statement: ast.stmt) -> set[str]:
    """Names bound only inside functions, lambdas or comprehensions of a statement."""
    nested: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            nested |= bound_names(ast.unparse(node))
    return nested


def imported_names(source: str) -> set[str]:
    """Return the names bound by import statements in the source."""
    tree = _parse(source)
    if tree is None:
        return set()
    return {
        (a.asname or a.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for a in node.names
    }


def read_names(source: str) -> set[str]:
    """Return every name the source reads."""
    tree = _parse(source)
    if tree is None:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def borrowed_names(nb: nbformat.NotebookNode) -> list[tuple[int, str, list[str]]]:
    """Return ``(cell index, grade_id, names)`` for each check cell that reads an earlier cell's name.

    Allowed: builtins, names any cell imports, names the exercise cells define, and names the
    check cell binds itself. Anything else a check cell reads came from an earlier cell.
    """
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    imports = set().union(*(imported_names(c.source) for _, c in code))
    answers = set().union(*(bound_names(c.source) for _, c in code if cell_role(c) == "exercise"))
    allowed = set(dir(builtins)) | imports | answers | {"__name__", "get_ipython", "display"}
    found = []
    for index, cell in code:
        if cell_role(cell) != "check":
            continue
        source = cell.source
        outside = read_names(source) - bound_names(source) - allowed
        visible = student_source(source)
        outside |= read_names(visible) - bound_names(visible) - allowed
        if outside:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "?")
            found.append((index, grade_id, sorted(outside)))
    return found
