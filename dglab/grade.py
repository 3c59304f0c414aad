"""Instructor grading: ``dglab grade NN SUBMISSION...`` autogrades student notebooks.

How it works (the full story, with the threat model, is in ``docs/grading.md``):

1. The orchestrator (this process) reads each submission's bytes once and never writes to
   it. It sorts out files that are not notebooks, are not valid notebooks, or belong to
   another lab, and matches the student's cells to the solution's by nbgrader ``grade_id``
   (falling back to the cell id).
2. It builds a *graded notebook*: a grader setup cell, then the student's code cells in the
   student's order, with every check cell dropped and a one-line *guard cell* put in place
   of each of the solution's check cells (right after the student's exercise cell, or where
   the student's check cell was, whichever comes later).
3. A worker process (``python -m dglab.grade --worker``) runs that notebook in a fresh
   kernel in a temporary folder, with a per-cell and a per-submission time limit and an
   address-space limit, and kills the kernel when the submission's time is up.
4. In the kernel, the setup cell installs the guard before any student code runs: it keeps a
   private copy of the builtins and a private, freshly loaded copy of ``dglab.checks``, pins
   the names the lab imports, snapshots ``dglab``, ``torch`` and ``math``, and reads (then
   deletes) a one-time secret: the check sources (visible and hidden tests) and an HMAC key.
   Each guard cell runs one solution check in that pristine environment and appends a signed
   verdict to a file. The orchestrator scores only verdicts whose signature and per-check
   nonce verify, so printing ``PASSED`` or editing or redefining checks earns nothing.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import csv
import hashlib
import hmac
import io
import json
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

if __name__ == "__main__":  # a grading worker: skip an optional jsonschema helper that costs ~1 s to import
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat

from dglab.build import BEGIN_HIDDEN, END_HIDDEN, NOTEBOOK_RE, BuildError, cell_role, make_lab

# Row statuses, from worst to best (the first that applies wins).
NOT_A_NOTEBOOK = "not a notebook"
INVALID = "invalid notebook"
NOT_THIS_LAB = "not this lab"
GRADER_ERROR = "grader error"
KERNEL_DIED = "kernel died"
TIMEOUT = "timeout"
MISSING = "missing cells"
REORDERED = "reordered cells"
OK = "ok"

# Outcomes of one check.
PASSED, FAILED, NOT_RUN = "passed", "failed", "not run"

DEFAULT_TIMEOUT = 300.0
DEFAULT_CELL_TIMEOUT = 120.0
DEFAULT_MEMORY = "4G"
MAX_BYTES = 100 * 2**20  # a submission bigger than this is not read
SETUP_TIMEOUT = 120  # seconds the grader's own setup cell may take (imports torch)
GRACE = 20.0  # seconds the worker gets past the submission limit before it is killed
KERNEL_NAME = "dglab-grader"
CHECK_HELPERS = ("check", "expect", "expect_close", "expect_type", "expect_in", "ExerciseFailed", "PASS_MARK", "FAIL_MARK")
TITLE_RE = re.compile(r"^\s*#\s*Lab\s+(\d+)", re.IGNORECASE)


class GradeError(ValueError):
    """Bad usage: an unknown lab, no submissions, an unwritable output."""


# --------------------------------------------------------------------------- the lab


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
    title_number: int | None
    pins: list[tuple[str, str, str | None]]  # (name, module, attribute) the lab's imports bind

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.checks)


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _title_number(nb: nbformat.NotebookNode) -> int | None:
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown" and isinstance(cell.get("source"), str):
            for line in cell.source.splitlines()[:3]:
                match = TITLE_RE.match(line)
                if match:
                    return int(match.group(1))
    return None


def instrument(source: str) -> str | None:
    """Turn hidden-test markers into calls that tell the guard which checks are hidden.

    Returns ``None`` when the result does not compile (a marker in an odd place); the
    caller then treats every check block of the cell as hidden, so nothing leaks.
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


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:  # IPython magics: keep the plain-Python lines
        lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        try:
            return ast.parse("\n".join(lines))
        except SyntaxError:
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
        tree = _parse(cell.source)
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
                        top = alias.name.split(".")[0]
                        imports.append((top, alias.name, "<top>"))
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
    number = number.strip()
    if not number.isdigit():
        raise GradeError(f"{number!r} is not a lab number (expected e.g. 04).")
    number = number.zfill(2)
    matches = sorted(p for p in (root / "solutions").glob(f"{number}_*.ipynb") if NOTEBOOK_RE.match(p.name))
    if not matches:
        raise GradeError(f"no solution notebook for lab {number} in {root / 'solutions'}.")
    if len(matches) > 1:
        raise GradeError(f"several solution notebooks for lab {number}: {', '.join(p.name for p in matches)}.")
    return matches[0]


def load_lab(root: Path, number: str) -> LabSpec:
    """Read lab ``number``'s solution and work out its checks, points and fingerprint."""
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
    check_cells: dict[str, str] = {}
    checks: list[CheckSpec] = []
    columns: set[str] = set()
    for cell in solution.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        role = cell_role(cell)
        gid = meta.get("grade_id")
        if role == "exercise" and gid:
            exercises.append(gid)
            if cell.get("id"):
                exercise_cells[cell.id] = gid
    for cell in solution.cells:
        if cell.cell_type != "code" or cell_role(cell) != "check":
            continue
        meta = cell.metadata["nbgrader"]
        gid = meta.get("grade_id") or f"check{len(checks) + 1}"
        column = gid[: -len("_check")] if gid.endswith("_check") else gid
        if column in columns:
            column = gid
        columns.add(column)
        instrumented = instrument(cell.source)
        checks.append(
            CheckSpec(
                grade_id=gid,
                column=column,
                exercise=column if column in exercises else None,
                cell_id=cell.get("id"),
                points=float(meta.get("points", 0) or 0),
                source=instrumented if instrumented is not None else cell.source,
                all_hidden=instrumented is None,
            )
        )
        if cell.get("id"):
            check_cells[cell.id] = gid
    if not checks:
        raise GradeError(f"{path.name} has no check cells (nbgrader grade=true): nothing to grade.")
    fingerprint = [
        _norm(c.source)
        for c in lab.cells
        if c.cell_type in ("markdown", "code") and cell_role(c) != "exercise" and _norm(c.source)
    ]
    return LabSpec(
        number=path.name[:2],
        solution_path=path,
        checks=checks,
        exercises=exercises,
        exercise_cells=exercise_cells,
        check_cells=check_cells,
        fingerprint=fingerprint,
        title_number=_title_number(lab),
        pins=lab_pins(solution),
    )


# ----------------------------------------------------------------------- submissions


@dataclass
class Submission:
    path: Path
    student: str


@dataclass
class CheckOutcome:
    column: str
    points: float
    max_points: float
    status: str  # PASSED, FAILED or NOT_RUN
    titles: list[str] = field(default_factory=list)  # visible check titles
    visible_failures: list[tuple[str, str, str]] = field(default_factory=list)  # (title, why, hint)
    hidden_failed: int = 0
    hidden_total: int = 0
    note: str = ""  # why it failed when no check block said so (time limit, error, tampering)


@dataclass
class Result:
    student: str
    path: Path
    status: str
    reason: str
    checks: list[CheckOutcome]
    notes: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return sum(c.points for c in self.checks)


def collect(paths: list[Path], exclude: list[Path]) -> list[Submission]:
    """Expand folders (recursively, skipping hidden names) into submission files."""
    excluded = [p.resolve() for p in exclude]
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise GradeError(f"{path}: no such file or folder.")
        if path.is_dir():
            for item in sorted(path.rglob("*")):
                rel = item.relative_to(path).parts
                if any(part.startswith(".") or part == "__pycache__" for part in rel):
                    continue
                if not item.is_file():
                    continue
                resolved = item.resolve()
                if any(resolved == e or e in resolved.parents for e in excluded):
                    continue
                found.append(item)
        else:
            found.append(path)
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    # name each by its file name; where two share one, add parent folders until they differ
    names = {p: p.name for p in unique}
    depth = 1
    while True:
        clashes = [p for p in unique if list(names.values()).count(names[p]) > 1]
        if not clashes or depth > 20:
            break
        for p in clashes:
            parts = p.resolve().parts
            names[p] = "/".join(parts[-(depth + 1) :])
        depth += 1
    return [Submission(p, names[p]) for p in unique]


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, str, str]:
    """Read a submission without changing it: (notebook, status, reason)."""
    is_ipynb = path.suffix.lower() == ".ipynb"
    bad = INVALID if is_ipynb else NOT_A_NOTEBOOK
    try:
        if not path.is_file():
            return None, NOT_A_NOTEBOOK, "not a regular file"
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, bad, f"the file is {size / 2**20:.0f} MiB, more than a notebook should be"
        data = path.read_bytes()
    except OSError as error:
        return None, bad, f"cannot read it: {error.strerror or error}"
    kind = f"a {path.suffix.lower()} file" if path.suffix else "a file without an extension"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, bad, "not UTF-8 text" if is_ipynb else f"{kind} that is not text, not a notebook"
    try:
        raw = json.loads(text)
    except ValueError as error:
        return None, bad, f"not valid JSON ({str(error)[:80]})" if is_ipynb else f"{kind}, not a notebook"
    if not isinstance(raw, dict) or "cells" not in raw or "nbformat" not in raw:
        return None, bad, "JSON, but not a Jupyter notebook (no cells / nbformat)"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several unrelated types
        return None, INVALID, f"not a valid notebook ({str(error).splitlines()[0][:80]})"
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw") or not isinstance(
            cell.get("source"), str
        ):
            return None, INVALID, "a cell is malformed (no cell_type or source)"
    return nb, OK, ""


# ---------------------------------------------------------------------------- plan


@dataclass
class Plan:
    """The graded notebook's code cells and what each one is."""

    cells: list[nbformat.NotebookNode]
    labels: list[str]  # what each graded cell is, in the student's words
    nonces: dict[str, CheckSpec]  # guard nonce -> its check
    cell_of_nonce: dict[str, int]
    status: str  # OK, MISSING or REORDERED
    notes: list[str]


def is_this_lab(spec: LabSpec, nb: nbformat.NotebookNode) -> tuple[bool, str]:
    """Decide whether a notebook is a copy of lab ``spec`` (the student may have edited it)."""
    number = _title_number(nb)
    if number is not None and spec.title_number is not None and number != spec.title_number:
        return False, f"its title says lab {number:02d}, not lab {spec.number}"
    sources = {_norm(c.source) for c in nb.cells if isinstance(c.get("source"), str)}
    if spec.fingerprint:
        found = sum(1 for s in spec.fingerprint if s in sources)
        if found * 3 < len(spec.fingerprint):
            return False, f"only {found} of the {len(spec.fingerprint)} fixed cells of lab {spec.number} are in it"
    return True, ""


def _meta(cell: nbformat.NotebookNode) -> dict:
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def _role(cell: nbformat.NotebookNode) -> str:
    """cell_role for untrusted cells (any metadata shape)."""
    meta = _meta(cell)
    return "exercise" if meta.get("solution") else "check" if meta.get("grade") else ""


def _student_gid(cell: nbformat.NotebookNode) -> str | None:
    gid = _meta(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


def make_plan(spec: LabSpec, nb: nbformat.NotebookNode, guard_name: str, setup_source: str) -> Plan:
    """Build the graded notebook: the student's code with the solution's checks as guard cells."""
    check_by_gid = {c.grade_id: c for c in spec.checks}
    exercise_set = set(spec.exercises)
    out: list[nbformat.NotebookNode] = []
    labels: list[str] = []
    ex_slot: dict[str, int] = {}
    ex_order: list[str] = []
    ex_count: dict[str, int] = {}
    chk_slot: dict[str, int] = {}
    code_number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code_number += 1
        gid = _student_gid(cell)
        has_meta = gid is not None
        cid = cell.get("id") if isinstance(cell.get("id"), str) else None
        check_gid = None
        if has_meta and (gid in check_by_gid or _role(cell) == "check"):
            check_gid = gid if gid in check_by_gid else ""
        elif not has_meta and cid in spec.check_cells:
            check_gid = spec.check_cells[cid]
        if check_gid is not None:  # a check cell: the solution's version replaces it
            if check_gid:
                chk_slot[check_gid] = len(out)
            continue
        ex_gid = None
        if has_meta and gid in exercise_set and _role(cell) == "exercise":
            ex_gid = gid
        elif not has_meta and cid in spec.exercise_cells:
            ex_gid = spec.exercise_cells[cid]
        clean = nbformat.v4.new_code_cell(cell.source)
        out.append(clean)
        if ex_gid:
            labels.append(f"the exercise cell of {ex_gid}")
            ex_slot[ex_gid] = len(out)
            ex_count[ex_gid] = ex_count.get(ex_gid, 0) + 1
            if ex_gid not in ex_order:
                ex_order.append(ex_gid)
        else:
            labels.append(f"code cell {code_number}")

    notes: list[str] = []
    status = OK
    missing = [g for g in spec.exercises if g not in ex_slot]
    if missing:
        status = MISSING
        notes.append("exercise cell " + ", ".join(missing) + " is missing (deleted?)")
    expected_order = [g for g in spec.exercises if g in ex_slot]
    late = [c.exercise for c in spec.checks if c.exercise in ex_slot and c.grade_id in chk_slot and chk_slot[c.grade_id] < ex_slot[c.exercise]]
    if ex_order != expected_order or late:
        if status == OK:
            status = REORDERED
        detail = []
        if ex_order != expected_order:
            detail.append("exercise cells are in the order " + ", ".join(ex_order) + ", not " + ", ".join(expected_order))
        if late:
            detail.append("exercise " + ", ".join(late) + " comes after its check cell")
        notes.append("; ".join(detail) + " (each check ran after its exercise cell)")
    twice = [g for g, n in ex_count.items() if n > 1]
    if twice:
        notes.append("exercise cell " + ", ".join(twice) + " appears more than once; all copies ran in order")
    gone = [c.grade_id for c in spec.checks if c.grade_id not in chk_slot]
    if gone:
        notes.append("check cell " + ", ".join(gone) + " was missing; the grader ran it anyway")

    # where each guard goes: after its exercise and after the student's check, whichever is later
    placements: list[tuple[int, int, CheckSpec]] = []
    previous = None
    for order, check in enumerate(spec.checks):
        anchors = []
        if check.exercise in ex_slot:
            anchors.append(ex_slot[check.exercise])
        if check.grade_id in chk_slot:
            anchors.append(chk_slot[check.grade_id])
        anchor = max(anchors) if anchors else (previous if previous is not None else len(out))
        previous = anchor
        placements.append((anchor, order, check))
    placements.sort(key=lambda item: (item[0], item[1]))

    cells = [nbformat.v4.new_code_cell(setup_source)]
    final_labels = ["the grader's setup cell"]
    nonces: dict[str, CheckSpec] = {}
    cell_of_nonce: dict[str, int] = {}
    p = 0
    for index in range(len(out) + 1):
        while p < len(placements) and placements[p][0] == index:
            check = placements[p][2]
            nonce = secrets.token_hex(16)
            nonces[nonce] = check
            cell_of_nonce[nonce] = len(cells)
            cells.append(nbformat.v4.new_code_cell(f'{guard_name}("{nonce}")'))
            final_labels.append(f"the check of {check.column}")
            p += 1
        if index < len(out):
            cells.append(out[index])
            final_labels.append(labels[index])
    return Plan(cells, final_labels, nonces, cell_of_nonce, status, notes)


# ------------------------------------------------------------- the guard (in-kernel)

# Runs inside the student's kernel, in a namespace whose builtins are a private copy taken
# before any student code ran. It must not import anything the student could have patched
# after install() returns: everything it needs is captured here.
GUARD_SOURCE = r'''
def install(cfg, user_ns):
    import builtins, sys, os, types, importlib
    try:
        from _hashlib import hmac_digest as _digest
    except ImportError:  # pragma: no cover - CPython always has it
        from hmac import digest as _digest
    B = dict(builtins.__dict__)
    key = bytes.fromhex(cfg["key"])
    fd = os.open(cfg["verdicts"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    _write, _ModuleType, _modules = os.write, types.ModuleType, sys.modules
    MISSING = object()

    # the lab's imports, bound now, before the student can rebind or replace them
    pinned = {}
    for name, module, attr in cfg["pins"]:
        try:
            mod = importlib.import_module(module)
            if attr is None:
                value = mod
            elif attr == "<top>":
                value = _modules[module.split(".")[0]]
            else:
                value = getattr(mod, attr) if hasattr(mod, attr) else importlib.import_module(module + "." + attr)
            pinned[name] = (value, module, attr)
        except BaseException:
            pass

    # a private copy of dglab.checks, with private builtins, never in sys.modules
    fresh = _ModuleType("_dglab_grader_checks")
    fresh.__dict__["__builtins__"] = dict(B)
    exec(compile(cfg["checks_source"], cfg["checks_file"], "exec", dont_inherit=True, optimize=0), fresh.__dict__)
    state = {"hidden": False, "seen": 0, "records": []}
    base_exit = fresh.check.__exit__
    describe = fresh._describe

    class check(fresh.check):
        def __enter__(self):
            self._dglab_seen = state["seen"]
            return self

        def __exit__(self, exc_type, exc, tb):
            hidden = state["hidden"] or state["seen"] != self._dglab_seen
            why = ""
            if exc_type is not None:
                try:
                    if issubclass(exc_type, KeyboardInterrupt):
                        why = "it ran over the time limit and was interrupted"
                    else:
                        why = describe(exc_type, exc) if issubclass(exc_type, Exception) else exc_type.__name__
                    why = str(why)
                except BaseException:
                    why = "the check raised an error"
            state["records"].append((str(self.title), bool(hidden), exc_type is None, why, str(self.hint)))
            return base_exit(self, exc_type, exc, tb)

    helpers = {name: getattr(fresh, name) for name in cfg["helpers"] if hasattr(fresh, name)}
    helpers["check"] = check
    fresh.check = check
    checks_module = _modules.get("dglab.checks")
    for name, (value, module, attr) in list(pinned.items()):
        if checks_module is not None and value is checks_module:
            helpers[name] = fresh
        elif module == "dglab.checks" and attr in helpers:
            helpers[name] = helpers[attr]
        else:
            helpers[name] = value

    # what a check needs pristine: dglab's modules, torch, math (see docs/grading.md)
    targets = []
    def add(obj, is_class):
        try:
            targets.append((obj, dict(vars(obj)), is_class))
        except BaseException:
            pass
    for name in sorted(_modules):
        if name == "dglab" or name.startswith("dglab."):
            add(_modules[name], False)
    for name in ("math", "torch", "torch.nn.functional", "torch.autograd", "torch.nn.modules.module"):
        if name in _modules:
            add(_modules[name], False)
    if "torch" in _modules:
        add(_modules["torch"].Tensor, True)
        add(_modules["torch"].nn.Module, True)
    module_names = {name: mod for name, mod in _modules.items() if name == "dglab" or name.startswith(("dglab.", "torch", "math"))}

    def swap():
        """Put the pristine values back; return what was there so it can be put back after."""
        saved = []
        for obj, snap, is_class in targets:
            current = vars(obj)
            for k, v in snap.items():
                cur = current.get(k, MISSING)
                if cur is not v and (is_class or callable(v) or isinstance(v, (type, _ModuleType))):
                    try:
                        setattr(obj, k, v)
                        saved.append((obj, k, cur))
                    except BaseException:
                        pass
            if is_class:
                for k in [k for k in current if k not in snap and k.startswith("__") and k.endswith("__")]:
                    try:
                        cur = current[k]
                        delattr(obj, k)
                        saved.append((obj, k, cur))
                    except BaseException:
                        pass
        for name, mod in module_names.items():
            cur = _modules.get(name, MISSING)
            if cur is not mod:
                _modules[name] = mod
                saved.append((_modules, name, cur))
        return saved

    def unswap(saved):
        for obj, k, v in reversed(saved):
            try:
                if obj is _modules:
                    if v is MISSING:
                        _modules.pop(k, None)
                    else:
                        _modules[k] = v
                elif v is MISSING:
                    delattr(obj, k)
                else:
                    setattr(obj, k, v)
            except BaseException:
                pass

    def set_hidden(flag):
        state["hidden"] = bool(flag)
        if flag:
            state["seen"] += 1

    def emit(nonce, passed, details):
        data = (nonce + "|" + ("1" if passed else "0") + "|" + repr(details)).encode("utf-8", "backslashreplace")
        _write(fd, _digest(key, data, "sha256").hex().encode() + b" " + data + b"\n")

    checks = {nonce: tuple(item) for nonce, item in cfg["checks"].items()}
    used = set()

    def run(nonce):
        if nonce in used or nonce not in checks:
            emit(str(nonce), False, ("?", [], "the grader's check ran twice"))
            return
        used.add(nonce)
        grade_id, source, all_hidden = checks[nonce]
        records = []
        state["records"], state["hidden"], state["seen"] = records, bool(all_hidden), 0
        error = ""
        ok = False
        saved = swap()
        try:
            ns = dict(user_ns)
            before = dict(ns)
            ns.update(helpers)
            ns["__builtins__"] = dict(B)
            ns["__dglab_hidden__"] = set_hidden
            try:
                exec(compile(source, "<check " + grade_id + ">", "exec", dont_inherit=True, optimize=0), ns)
                ok = True
            except KeyboardInterrupt:
                error = "time limit: the check was interrupted"
            except BaseException as exc:
                try:
                    text = describe(type(exc), exc) if isinstance(exc, Exception) else type(exc).__name__
                except BaseException:
                    text = type(exc).__name__
                if not any(not r[2] for r in records):
                    error = ("hidden: " if state["hidden"] else "") + str(text)
            for k, v in ns.items():  # names a check defines stay, as in a normal run
                if k not in helpers and k not in ("__builtins__", "__dglab_hidden__") and before.get(k, MISSING) is not v:
                    user_ns[k] = v
        finally:
            unswap(saved)
        passed = ok and all(r[2] for r in records)
        emit(nonce, passed, (grade_id, records, error))

    user_ns[cfg["name"]] = run
'''

SETUP_TEMPLATE = '''\
def _dglab_grader_setup():
    import builtins, json, os
    path = {path!r}
    with open(path, encoding="utf-8") as f:
        cfg = json.load(f)
    os.remove(path)
    ns = {{"__builtins__": dict(builtins.__dict__), "__name__": "_dglab_grader"}}
    exec(compile(cfg.pop("guard"), "<dglab grader>", "exec", dont_inherit=True, optimize=0), ns)
    ns["install"](cfg, get_ipython().user_ns)
_dglab_grader_setup()
del _dglab_grader_setup'''

# Starts the kernel: dies with its worker (Linux), caps its address space, then runs ipykernel.
KERNEL_LAUNCHER = """\
import os, sys
parent = int(sys.argv.pop(1)); memory = int(sys.argv.pop(1)); lib = sys.argv.pop(1)
try:
    import ctypes, signal
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
except Exception:
    pass
if os.getppid() != parent:
    sys.exit(1)
if memory > 0:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
sys.path.insert(0, lib)
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
"""


def verify_verdicts(data: bytes, key: bytes) -> dict[str, list[tuple[bool, Any]]]:
    """Parse the verdict file: only lines signed with ``key`` count, grouped by nonce."""
    verdicts: dict[str, list[tuple[bool, Any]]] = {}
    for line in data.splitlines():
        sig, _, payload = line.partition(b" ")
        expected = hmac.new(key, payload, hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(sig, expected):
            continue
        try:
            nonce, bit, details = payload.decode("utf-8").split("|", 2)
            details = ast.literal_eval(details)
        except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
            continue
        verdicts.setdefault(nonce, []).append((bit == "1", details))
    return verdicts


# -------------------------------------------------------------------------- worker


def _worker_main() -> int:
    """Entry of ``python -m dglab.grade --worker``: job JSON on stdin, result JSON on stdout."""
    job = json.loads(sys.stdin.read())
    try:
        result = asyncio.run(_run_notebook(job))
    except BaseException as error:  # report, never hang
        result = {"stopped": GRADER_ERROR, "at": None, "message": f"{type(error).__name__}: {error}", "errors": {}}
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


async def _run_notebook(job: dict) -> dict:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    start = time.monotonic()
    deadline = start + job["timeout"]
    kernels = Path(job["kernels"])
    spec_dir = kernels / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-s", "-c", KERNEL_LAUNCHER, str(os.getpid()), str(job["memory"]), job["lib"], "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "dglab grader", "language": "python"}))
    ksm = KernelSpecManager(kernel_dirs=[str(kernels)])
    connection_file = str(Path(job["runtime"]) / "kernel.json")  # removed with the temporary folder
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm, connection_file=connection_file)
    nb = nbformat.from_dict(job["notebook"])
    timeout_name = "DglabCellTimeout" + secrets.token_hex(8)
    errors: dict[str, list[str]] = {}

    def on_error(cell: Any, cell_index: int, execute_reply: dict) -> None:
        content = execute_reply.get("content", {})
        errors[str(cell_index)] = [str(content.get("ename", ""))[:200], str(content.get("evalue", ""))[:300]]

    setup_timeout = max(job["cell_timeout"], SETUP_TIMEOUT)

    def cell_timeout(cell: Any) -> int:  # the grader's setup cell imports torch: not the student's time
        return setup_timeout if cell is nb.cells[0] else job["cell_timeout"]

    client = NotebookClient(
        nb,
        km=km,
        timeout=job["cell_timeout"],
        timeout_func=cell_timeout,
        startup_timeout=max(10, min(60, int(job["timeout"]))),
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": timeout_name, "evalue": "cell time limit", "traceback": []},
        shutdown_kernel="immediate",
        record_timing=False,
        iopub_timeout=4,
        on_cell_error=on_error,
        resources={"metadata": {"path": job["cwd"]}},
    )
    result: dict[str, Any] = {"stopped": None, "at": None, "message": "", "errors": errors, "timed_out": []}
    stderr = open(job["stderr"], "wb")
    pgid = None
    try:
        started = False
        async with client.async_setup_kernel(
            cleanup_kc=True, cwd=job["cwd"], env=job["env"], stdout=subprocess.DEVNULL, stderr=stderr
        ):
            started = True
            pgid = getattr(km.provisioner, "pgid", None)
            for index, cell in enumerate(nb.cells):
                left = deadline - time.monotonic()
                if left <= 0:
                    result.update(stopped=TIMEOUT, at=index)
                    break
                # not asyncio.wait_for: nbclient turns a cancelled cell into DeadKernelError
                task = asyncio.ensure_future(client.async_execute_cell(cell, index))
                done, _ = await asyncio.wait({task}, timeout=left)
                if not done:
                    result.update(stopped=TIMEOUT, at=index)
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
                    break
                if isinstance(task.exception(), DeadKernelError):
                    result.update(stopped=KERNEL_DIED, at=index)
                    break
                task.result()
                if errors.get(str(index), [""])[0] == timeout_name:
                    result["timed_out"].append(index)
                    errors.pop(str(index))
            if result["stopped"] and pgid:
                _killpg(pgid)
    except Exception as error:
        if not started:
            result.update(stopped=KERNEL_DIED, at=None, message=f"the kernel did not start ({type(error).__name__}: {error})")
        elif result["stopped"] is None:
            result.update(stopped=GRADER_ERROR, message=f"{type(error).__name__}: {error}")
    finally:
        if pgid is None and km.provisioner is not None:
            pgid = getattr(km.provisioner, "pgid", None)
        if pgid:
            _killpg(pgid)  # the kernel and anything the student's code started
        stderr.close()
    result["seconds"] = time.monotonic() - start
    return result


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


# -------------------------------------------------------------------- orchestrator


@dataclass
class Options:
    timeout: float = DEFAULT_TIMEOUT
    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    memory: int = 4 * 2**30


def parse_memory(text: str) -> int:
    """``"4G"``, ``"512M"``, ``"2GiB"``, ``"0"`` (no limit); a bare number means MiB."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise GradeError(f"--memory {text!r}: expected a size such as 4G, 512M or 0 (no limit).")
    value, unit = float(match.group(1)), match.group(2).lower()
    scale = {"": 2**20, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[unit]
    return int(value * scale)


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def _kernel_env(work: Path, ipython: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONSTARTUP", "OLDPWD", "JPY_PARENT_PID"):
        env.pop(name, None)
    env["PWD"] = str(work)
    env["IPYTHONDIR"] = str(ipython)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _worker_env(runtime: Path) -> dict[str, str]:
    env = dict(os.environ)
    parent = str(_package_dir().parent)
    env["PYTHONPATH"] = parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["JUPYTER_RUNTIME_DIR"] = str(runtime)
    return env


def grade_one(spec: LabSpec, sub: Submission, options: Options) -> Result:
    """Grade one submission; never raises (a broken submission gives a status instead)."""
    started = time.monotonic()
    nb, status, reason = read_notebook(sub.path)
    empty = [CheckOutcome(c.column, 0.0, c.points, NOT_RUN) for c in spec.checks]
    if nb is None:
        return Result(sub.student, sub.path, status, reason, empty)
    same, why = is_this_lab(spec, nb)
    if not same:
        return Result(sub.student, sub.path, NOT_THIS_LAB, why, empty)
    try:
        result = _execute(spec, sub, nb, options)
    except Exception as error:  # a bug or an OS failure: one row, not a dead batch
        result = Result(sub.student, sub.path, GRADER_ERROR, f"{type(error).__name__}: {error}"[:200], empty)
    result.seconds = time.monotonic() - started
    return result


def _execute(spec: LabSpec, sub: Submission, nb: nbformat.NotebookNode, options: Options) -> Result:
    tmp = Path(tempfile.mkdtemp(prefix="dglab-grade-"))
    try:
        work, lib, secret = tmp / "work", tmp / "lib", tmp / "secret"
        for folder in (work, lib, secret, tmp / "runtime", tmp / "ipython", tmp / "kernels"):
            folder.mkdir(mode=0o700)
        # the student's notebook is copied (read-only use); the solution never is
        shutil.copyfile(sub.path, work / (sub.path.name if sub.path.suffix == ".ipynb" else "submission.ipynb"))
        shutil.copytree(_package_dir(), lib / "dglab", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        key = secrets.token_bytes(32)
        guard_name = "_dglab_check_" + secrets.token_hex(6)
        setup_path = secret / "setup.json"
        verdicts_path = secret / "verdicts"
        plan = make_plan(spec, nb, guard_name, SETUP_TEMPLATE.format(path=str(setup_path)))
        checks_file = _package_dir() / "checks.py"
        cfg = {
            "key": key.hex(),
            "verdicts": str(verdicts_path),
            "name": guard_name,
            "guard": GUARD_SOURCE,
            "checks_source": checks_file.read_text(encoding="utf-8"),
            "checks_file": str(lib / "dglab" / "checks.py"),
            "helpers": list(CHECK_HELPERS),
            "pins": [list(p) for p in spec.pins],
            "checks": {n: [c.grade_id, c.source, c.all_hidden] for n, c in plan.nonces.items()},
        }
        fd = os.open(setup_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        graded = nbformat.v4.new_notebook(
            cells=plan.cells, metadata={"kernelspec": {"name": KERNEL_NAME, "display_name": "dglab grader", "language": "python"}}
        )
        job = {
            "notebook": graded,
            "cwd": str(work),
            "lib": str(lib),
            "kernels": str(tmp / "kernels"),
            "runtime": str(tmp / "runtime"),
            "env": _kernel_env(work, tmp / "ipython"),
            "timeout": options.timeout,
            "cell_timeout": max(1, math.ceil(options.cell_timeout)),
            "memory": options.memory,
            "stderr": str(tmp / "kernel.log"),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "dglab.grade", "--worker"],
            cwd=tmp,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=_worker_env(tmp / "runtime"),
        )
        hard_stop = False
        try:
            out, err = proc.communicate(json.dumps(job).encode(), timeout=options.timeout + GRACE)
        except subprocess.TimeoutExpired:
            hard_stop = True
            _killpg(proc.pid)
            out, err = proc.communicate()
        run = _last_json(out) or {}
        if hard_stop:
            run = {"stopped": TIMEOUT, "at": None, "errors": run.get("errors", {}), "timed_out": []}
        elif not run:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            run = {"stopped": GRADER_ERROR, "at": None, "message": f"worker failed: {tail[0][:160]}", "errors": {}}
        data = verdicts_path.read_bytes() if verdicts_path.exists() else b""
        if run.get("stopped") == KERNEL_DIED and run.get("at") is None:
            log = (tmp / "kernel.log").read_text("utf-8", "replace").strip().splitlines() if (tmp / "kernel.log").exists() else []
            if log:
                run["message"] = (run.get("message", "") + f" [{log[-1][:120]}]").strip()
        return _score(spec, sub, plan, run, verify_verdicts(data, key), options)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _last_json(out: bytes) -> dict | None:
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict) and "stopped" in value:
                return value
    return None


def _score(spec: LabSpec, sub: Submission, plan: Plan, run: dict, verdicts: dict, options: Options) -> Result:
    timed_out = set(run.get("timed_out", []))
    stopped, at = run.get("stopped"), run.get("at")
    outcomes: list[CheckOutcome] = []
    nonce_of = {c.grade_id: n for n, c in plan.nonces.items()}
    for check in spec.checks:
        nonce = nonce_of[check.grade_id]
        index = plan.cell_of_nonce[nonce]
        outcome = CheckOutcome(check.column, 0.0, check.points, FAILED)
        found = verdicts.get(nonce, [])
        if not found:
            ran = stopped is None or (at is not None and index < at)
            if index in timed_out:
                outcome.note = f"the check ran over the {options.cell_timeout:g} s time limit (an endless loop, or very slow code?)"
            elif not ran:
                outcome.status = NOT_RUN
                outcome.note = "not graded: the notebook stopped before this check (see the status above)"
            else:
                outcome.note = "the check did not report a result (did your code replace the output streams, reset the namespace or exit?)"
            outcomes.append(outcome)
            continue
        passed = all(bit for bit, _ in found)
        details = found[-1][1]
        try:
            _, records, error = details
            for title, hidden, ok, why, hint in records:
                if hidden:
                    outcome.hidden_total += 1
                    outcome.hidden_failed += 0 if ok else 1
                else:
                    if title not in outcome.titles:
                        outcome.titles.append(str(title))
                    if not ok:
                        outcome.visible_failures.append((str(title), str(why), str(hint)))
            if error:
                if error.startswith("hidden: "):
                    outcome.hidden_total += 1
                    outcome.hidden_failed += 1
                elif error.startswith("time limit"):
                    outcome.note = f"the check ran over the {options.cell_timeout:g} s time limit (an endless loop, or very slow code?)"
                else:
                    outcome.note = f"the check could not run: {error}"
        except (TypeError, ValueError):
            pass
        if len(found) > 1:
            passed = False
            outcome.note = "the check reported more than once (did your code call the grader?)"
        if index in timed_out and not outcome.note:
            outcome.note = f"the check ran over the {options.cell_timeout:g} s time limit (an endless loop, or very slow code?)"
            passed = False
        if passed:
            outcome.status, outcome.points = PASSED, check.points
        outcomes.append(outcome)

    status, reasons = plan.status, []
    errors = run.get("errors", {})
    cell_errors = []
    for key in sorted(errors, key=int):
        i = int(key)
        if 0 < i < len(plan.labels) and i not in plan.cell_of_nonce.values():
            ename, evalue = errors[key]
            cell_errors.append(f"{plan.labels[i]} raised {ename}: {evalue}".strip())
    if errors.get("0") or 0 in timed_out:
        status = GRADER_ERROR
        ename, evalue = errors.get("0", ["", "it ran over its time limit"])
        reasons.append(f"the grader's setup cell failed: {ename}: {evalue}"[:200])
        timed_out.discard(0)
    if timed_out:
        status = TIMEOUT
        reasons.append(", ".join(plan.labels[i] for i in sorted(timed_out)) + f" ran over the {options.cell_timeout:g} s cell limit and was interrupted")
    if stopped == TIMEOUT:
        status = TIMEOUT
        where = f" (stopped in {plan.labels[at]})" if at is not None and at < len(plan.labels) else ""
        reasons.append(f"the notebook ran over the {options.timeout:g} s submission limit{where}")
    elif stopped == KERNEL_DIED:
        status = KERNEL_DIED
        if at is None:
            reasons.append(run.get("message") or "the kernel did not start")
        else:
            reasons.append(f"the kernel died in {plan.labels[at]} (os._exit, a crash, or out of memory?)")
    elif stopped == GRADER_ERROR:
        status = GRADER_ERROR
        reasons.append(run.get("message", "the grader failed")[:200])
    reasons.extend(plan.notes if status in (MISSING, REORDERED) else [])
    if status == OK:
        bad = [o.column + (" (hidden tests)" if o.hidden_failed and not o.visible_failures else "") for o in outcomes if o.status != PASSED]
        reasons.append("not yet: " + ", ".join(bad) if bad else "all checks passed")
    notes = [n for n in plan.notes if n not in reasons]
    return Result(sub.student, sub.path, status, "; ".join(reasons), outcomes, notes, cell_errors[:5])


# ------------------------------------------------------------------------- outputs


def _fmt(points: float) -> str:
    return str(int(points)) if float(points).is_integer() else f"{points:g}"


def write_csv(spec: LabSpec, results: list[Result], out: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *[c.column for c in spec.checks], "total", "max", "status", "reason"])
    for r in results:
        writer.writerow([r.student, *[_fmt(c.points) for c in r.checks], _fmt(r.total), _fmt(spec.max_points), r.status, r.reason[:300]])
    out.write_text(buffer.getvalue(), encoding="utf-8")


STATUS_WORDS = {
    OK: "graded",
    MISSING: "graded, but exercise cells are missing",
    REORDERED: "graded, but cells were moved",
    TIMEOUT: "graded up to a time limit",
    KERNEL_DIED: "graded until the Python kernel died",
    INVALID: "not graded: the file is not a valid notebook",
    NOT_A_NOTEBOOK: "not graded: the file is not a notebook",
    NOT_THIS_LAB: "not graded: this is not the notebook of this lab",
    GRADER_ERROR: "not graded: the grader failed (ask your instructor)",
}


def feedback_text(spec: LabSpec, r: Result) -> str:
    """A student's Markdown feedback: what passed and why the rest did not, no answers, no hidden tests."""
    lines = [
        f"# Lab {spec.number} — feedback for {r.student}",
        "",
        f"**Score: {_fmt(r.total)} / {_fmt(spec.max_points)}** — {STATUS_WORDS.get(r.status, r.status)}.",
        "",
    ]
    if r.status != OK or r.notes:
        lines += [f"> {r.reason}" if r.reason else "", *[f"> Note: {n}." for n in r.notes], ""]
    lines += ["| Exercise | Points | Result |", "|---|---|---|"]
    for c in r.checks:
        word = {PASSED: "passed", FAILED: "not yet", NOT_RUN: "not run"}[c.status]
        lines.append(f"| {c.column} | {_fmt(c.points)} / {_fmt(c.max_points)} | {word} |")
    lines.append("")
    for c in r.checks:
        title = f" — {c.titles[0]}" if c.titles else ""
        lines.append(f"## {c.column}{title}")
        lines.append("")
        if c.status == PASSED:
            extra = f", including {c.hidden_total} hidden test{'s' if c.hidden_total != 1 else ''}" if c.hidden_total else ""
            lines.append(f"Passed every check{extra}.")
        elif c.status == NOT_RUN and not c.note:
            lines.append("Not graded.")
        else:
            for title_, why, hint in c.visible_failures:
                lines.append(f"- **Not yet:** {title_}")
                if why:
                    lines.append(f"  - why: {why}")
                if hint:
                    lines.append(f"  - hint: {hint}")
            if c.hidden_failed and not c.visible_failures:
                lines.append(
                    f"- Your code passes the checks in the lab, but not {c.hidden_failed} of the grader's hidden "
                    "test(s), which try other inputs. Hidden tests are not shown: test your code on cases of your own."
                )
            if c.note:
                lines.append(f"- {c.note[0].upper()}{c.note[1:]}.")
        lines.append("")
    if r.cell_errors:
        lines += ["## Errors in your cells", ""]
        lines += [f"- {e}" for e in r.cell_errors]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _feedback_name(student: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", student.rsplit(".", 1)[0] if "." in student else student).strip("._") or "student"
    name, n = f"{stem}.md", 2
    while name in taken:
        name, n = f"{stem}_{n}.md", n + 1
    taken.add(name)
    return name


def _check_writable(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".dglab-write-test-"):
            pass
    except OSError as error:
        raise GradeError(f"cannot write the {what} in {folder}: {error.strerror or error}.") from None


def grade(
    root: Path,
    lab: str,
    paths: list[Path],
    out: Path,
    feedback: Path,
    jobs: int = 1,
    options: Options | None = None,
    log: Callable[[str], None] | None = None,
) -> list[Result]:
    """Grade every submission, write the CSV and the feedback files; return the rows.

    Raises:
        GradeError: for bad usage, before anything is run.
    """
    options = options or Options()
    if jobs < 1:
        raise GradeError(f"-j {jobs}: need at least one job.")
    if options.timeout <= 0 or options.cell_timeout <= 0:
        raise GradeError("time limits must be positive.")
    spec = load_lab(root, lab)
    subs = collect(paths, exclude=[out, feedback])
    if not subs:
        raise GradeError("no submissions: " + ", ".join(str(p) for p in paths) + " hold no files.")
    if out.exists() and out.is_dir():
        raise GradeError(f"--out {out} is a folder; give a file name such as grades.csv.")
    _check_writable(out.parent if str(out.parent) else Path("."), "grades CSV")
    _check_writable(feedback, "feedback files")
    results: list[Result] = []
    lock = threading.Lock()
    width = max(len(s.student) for s in subs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(grade_one, spec, s, options) for s in subs]
        for future in as_completed(futures):
            r = future.result()
            with lock:
                results.append(r)
                if log:
                    log(f"{r.student:<{width}}  {_fmt(r.total):>4} / {_fmt(spec.max_points)}  {r.status:<16} {r.seconds:5.1f} s  {r.reason[:90]}")
    results.sort(key=lambda r: r.student)
    write_csv(spec, results, out)
    taken: set[str] = set()
    for r in results:
        (feedback / _feedback_name(r.student, taken)).write_text(feedback_text(spec, r), encoding="utf-8")
    return results


def run_cli(args: argparse.Namespace, root: Path) -> int:
    """Run ``dglab grade`` from parsed arguments; return the exit code."""
    try:
        options = Options(timeout=args.timeout, cell_timeout=args.cell_timeout, memory=parse_memory(args.memory))
        started = time.monotonic()
        results = grade(root, args.lab, args.submissions, args.out, args.feedback, args.jobs, options, log=lambda s: print(s, flush=True))
    except GradeError as error:
        print(f"dglab grade: {error}", file=sys.stderr)
        return 2
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    print(f"graded {len(results)} submissions in {time.monotonic() - started:.1f} s ({summary}); wrote {args.out} and {args.feedback}/")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        sys.exit(_worker_main())
    print("usage: dglab grade NN SUBMISSION... --out grades.csv --feedback DIR", file=sys.stderr)
    sys.exit(2)
