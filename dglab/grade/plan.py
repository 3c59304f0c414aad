"""The plan: the graded notebook built from a student's cells and the solution's checks.

The student's code cells run in the student's order; every check cell the student has is
dropped, and one guard cell per solution check (a call with a random nonce) goes right after
the student's exercise cell or where the student's check cell was, whichever comes later.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import nbformat

from dglab.grade.results import MISSING, OK, REORDERED
from dglab.grade.spec import CheckSpec, LabSpec, norm


@dataclass
class Plan:
    """The graded notebook's code cells and what each one is."""

    cells: list[nbformat.NotebookNode]
    labels: list[str]  # what each graded cell is, in the student's words
    nonces: dict[str, CheckSpec]  # guard nonce -> its check
    cell_of_nonce: dict[str, int]
    status: str  # OK, MISSING or REORDERED
    notes: list[str]
    fixed: set[int]  # graded cells that are the lab's own code, unchanged


def _meta(cell: nbformat.NotebookNode) -> dict:
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def _role(cell: nbformat.NotebookNode) -> str:
    """``cell_role`` for untrusted cells (any metadata shape)."""
    meta = _meta(cell)
    return "exercise" if meta.get("solution") else "check" if meta.get("grade") else ""


def _student_gid(cell: nbformat.NotebookNode) -> str | None:
    gid = _meta(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


@dataclass
class _Cells:
    """The student's code cells sorted into plain cells, exercises and check slots."""

    out: list[nbformat.NotebookNode]
    labels: list[str]
    ex_slot: dict[str, int]
    ex_order: list[str]
    ex_count: dict[str, int]
    chk_slot: dict[str, int]


def _sort_cells(spec: LabSpec, nb: nbformat.NotebookNode) -> _Cells:
    check_by_gid = {c.grade_id: c for c in spec.checks}
    exercise_set = set(spec.exercises)
    found = _Cells([], [], {}, [], {}, {})
    code_number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code_number += 1
        gid = _student_gid(cell)
        cid = cell.get("id") if isinstance(cell.get("id"), str) else None
        check_gid = None
        if gid is not None and (gid in check_by_gid or _role(cell) == "check"):
            check_gid = gid if gid in check_by_gid else ""
        elif gid is None and cid in spec.check_cells:
            check_gid = spec.check_cells[cid]
        if check_gid is not None:  # a check cell: the solution's version replaces it
            if check_gid:
                found.chk_slot[check_gid] = len(found.out)
            continue
        ex_gid = None
        if gid is not None and gid in exercise_set and _role(cell) == "exercise":
            ex_gid = gid
        elif gid is None and cid in spec.exercise_cells:
            ex_gid = spec.exercise_cells[cid]
        found.out.append(nbformat.v4.new_code_cell(cell.source))
        if ex_gid:
            found.labels.append(f"the exercise cell of {ex_gid}")
            found.ex_slot[ex_gid] = len(found.out)
            found.ex_count[ex_gid] = found.ex_count.get(ex_gid, 0) + 1
            if ex_gid not in found.ex_order:
                found.ex_order.append(ex_gid)
        else:
            found.labels.append(f"code cell {code_number}")
    return found


def _status_and_notes(spec: LabSpec, found: _Cells) -> tuple[str, list[str]]:
    notes: list[str] = []
    status = OK
    missing = [g for g in spec.exercises if g not in found.ex_slot]
    if missing:
        status = MISSING
        notes.append("exercise cell " + ", ".join(missing) + " is missing (deleted?)")
    expected_order = [g for g in spec.exercises if g in found.ex_slot]
    late = [
        c.exercise
        for c in spec.checks
        if c.exercise in found.ex_slot and c.grade_id in found.chk_slot and found.chk_slot[c.grade_id] < found.ex_slot[c.exercise]
    ]
    if found.ex_order != expected_order or late:
        if status == OK:
            status = REORDERED
        detail = []
        if found.ex_order != expected_order:
            detail.append("exercise cells are in the order " + ", ".join(found.ex_order) + ", not " + ", ".join(expected_order))
        if late:
            detail.append("exercise " + ", ".join(str(g) for g in late) + " comes after its check cell")
        notes.append("; ".join(detail) + " (each check ran after its exercise cell)")
    twice = [g for g, n in found.ex_count.items() if n > 1]
    if twice:
        notes.append("exercise cell " + ", ".join(twice) + " appears more than once; all copies ran in order")
    gone = [c.grade_id for c in spec.checks if c.grade_id not in found.chk_slot]
    if gone:
        notes.append("check cell " + ", ".join(gone) + " was missing; the grader ran it anyway")
    return status, notes


def _placements(spec: LabSpec, found: _Cells) -> list[tuple[int, int, CheckSpec]]:
    """Where each guard goes: after its exercise and after the student's check, whichever is later."""
    placements = []
    previous = None
    for order, check in enumerate(spec.checks):
        anchors = []
        if check.exercise in found.ex_slot:
            anchors.append(found.ex_slot[check.exercise])
        if check.grade_id in found.chk_slot:
            anchors.append(found.chk_slot[check.grade_id])
        anchor = max(anchors) if anchors else (previous if previous is not None else len(found.out))
        previous = anchor
        placements.append((anchor, order, check))
    return sorted(placements, key=lambda item: (item[0], item[1]))


def make_plan(spec: LabSpec, nb: nbformat.NotebookNode, guard_name: str, setup_source: str) -> Plan:
    """Build the graded notebook: the student's code with the solution's checks as guard cells.

    Args:
        spec: the lab.
        nb: the student's notebook (already known to be this lab).
        guard_name: the name the guard is bound to in the kernel.
        setup_source: the grader's setup cell, run first.

    Returns:
        The plan: cells, their labels, each check's nonce and cell, status and notes.
    """
    found = _sort_cells(spec, nb)
    status, notes = _status_and_notes(spec, found)
    placements = _placements(spec, found)
    fixed_sources = set(spec.fingerprint)
    cells = [nbformat.v4.new_code_cell(setup_source)]
    labels = ["the grader's setup cell"]
    nonces: dict[str, CheckSpec] = {}
    cell_of_nonce: dict[str, int] = {}
    fixed: set[int] = set()
    p = 0
    for index in range(len(found.out) + 1):
        while p < len(placements) and placements[p][0] == index:
            check = placements[p][2]
            nonce = secrets.token_hex(16)
            nonces[nonce] = check
            cell_of_nonce[nonce] = len(cells)
            cells.append(nbformat.v4.new_code_cell(f'{guard_name}("{nonce}")'))
            labels.append(f"the check of {check.column}")
            p += 1
        if index < len(found.out):
            if norm(found.out[index].source) in fixed_sources:
                fixed.add(len(cells))
            cells.append(found.out[index])
            labels.append(found.labels[index])
    return Plan(cells, labels, nonces, cell_of_nonce, status, notes, fixed)
