"""Review: what in a student's own source reaches into the interpreter or the system.

A static scan, so it also sees code that never ran (or ran before the guard could watch it).
It only reads cells the student wrote or changed; the lab's own cells are left out. Its
findings go to the CSV's ``review`` column; they never change a score by themselves.
"""

from __future__ import annotations

import re

from dglab.grade.plan import Plan

PATTERNS = [
    (r"\bgc\s*\.\s*get_(objects|referrers|referents)\b|\bimport\s+gc\b|\bfrom\s+gc\b", "gc"),
    (r"\bctypes\b|\bcffi\b", "ctypes"),
    (r"\b_getframe\b|\bcurrentframe\b|\b_current_frames\b|\bf_back\b|\bf_locals\b|\bf_globals\b|\btb_frame\b|\bgi_frame\b|\binspect\.stack\b", "frames"),
    (r"__closure__|\bcell_contents\b|__globals__|__code__|__subclasses__|\bco_consts\b", "interpreter internals"),
    (r"\bsettrace\b|\bsetprofile\b|\baddaudithook\b|\bsys\.audit\b", "tracing or audit hooks"),
    (r"/proc\b|/sys/", "/proc"),
    (r"\bsubprocess\b|\bos\s*\.\s*(system|popen|fork|forkpty|exec\w*|spawn\w*|posix_spawn\w*|kill|killpg)\b|\bpty\b|^\s*!", "subprocesses"),
    (r"\bsignal\s*\.\s*(signal|setitimer|alarm)\b", "signal handlers"),
    (r"_dglab|dglab\.grade|\bsolutions/", "the grader"),
]
COMPILED = [(re.compile(pattern, re.MULTILINE), label) for pattern, label in PATTERNS]
MAX_SCANNED = 2**20  # characters of one cell that are scanned


def scan(source: str) -> list[str]:
    """Labels of what ``source`` mentions, in the order of :data:`PATTERNS`."""
    text = source[:MAX_SCANNED]
    return [label for pattern, label in COMPILED if pattern.search(text)]


def static_review(plan: Plan) -> list[str]:
    """Labels found in the student's own cells of a plan (not the lab's fixed cells, not the grader's)."""
    guard_cells = set(plan.cell_of_nonce.values()) | {0}
    found: list[str] = []
    for index, cell in enumerate(plan.cells):
        if index in guard_cells or index in plan.fixed:
            continue
        for label in scan(cell.source):
            if label not in found:
                found.append(label)
    return found
