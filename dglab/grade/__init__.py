"""Instructor grading: ``dglab grade NN SUBMISSION...`` autogrades student notebooks.

The pipeline, one module per step (the full story and the threat model: ``docs/grading.md``):

- :mod:`~dglab.grade.spec`: the lab spec read from the solution (checks, points, hidden tests).
- :mod:`~dglab.grade.intake`: find, name and read the submissions; refuse links and odd files.
- :mod:`~dglab.grade.plan`: the graded notebook (student cells, then a guard cell per check).
- :mod:`~dglab.grade.sandbox`: the bubblewrap sandbox each kernel runs in.
- :mod:`~dglab.grade.worker` and :mod:`~dglab.grade.launch`: run the plan in that kernel.
- :mod:`~dglab.grade.guard`: in the kernel, runs the solution's checks and signs verdicts.
- :mod:`~dglab.grade.scoring` and :mod:`~dglab.grade.review`: points, status, what to review.
- :mod:`~dglab.grade.report`: the CSV, the feedback files, merging shard CSVs.
- :mod:`~dglab.grade.batch`: all of it for a batch (or a shard), with ``-j`` parallelism.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name, by the module that defines it. They are imported on first use, so that the
# worker process (``python -m dglab.grade.worker``) starts without the batch's imports.
_EXPORTS = {
    "batch": (
        "CHECK_HELPERS", "DEFAULT_CELL_TIMEOUT", "DEFAULT_MEMORY", "DEFAULT_TIMEOUT", "GRACE", "Options", "grade", "grade_one",
        "merge_cli", "parse_memory", "parse_shard", "run_cli", "shard_of",
    ),
    "intake": ("MAX_BYTES", "Submission", "collect", "is_this_lab", "parse_notebook", "read_notebook"),
    "plan": ("Plan", "make_plan"),
    "report": ("feedback_names", "feedback_text", "merge_csvs", "write_csv"),
    "results": (
        "FAILED", "GRADER_ERROR", "INVALID", "KERNEL_DIED", "MISSING", "NOT_A_NOTEBOOK", "NOT_RUN", "NOT_THIS_LAB", "OK", "PASSED",
        "REFUSED", "REORDERED", "TIMEOUT", "CheckOutcome", "GradeError", "Result",
    ),
    "scoring": ("Channel", "sign", "verify_channel"),
    "spec": ("CheckSpec", "LabSpec", "check_blocks", "instrument", "load_lab"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` the first time ``name`` is asked for."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'dglab.grade' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dglab.grade.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value
