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

from dglab.grade.batch import (
    CHECK_HELPERS, DEFAULT_CELL_TIMEOUT, DEFAULT_MEMORY, DEFAULT_TIMEOUT, GRACE, Options, grade, grade_one, merge_cli,
    parse_memory, parse_shard, run_cli, shard_of,
)
from dglab.grade.intake import MAX_BYTES, Submission, collect, is_this_lab, parse_notebook, read_notebook
from dglab.grade.plan import Plan, make_plan
from dglab.grade.report import feedback_names, feedback_text, merge_csvs, write_csv
from dglab.grade.results import (
    FAILED, GRADER_ERROR, INVALID, KERNEL_DIED, MISSING, NOT_A_NOTEBOOK, NOT_RUN, NOT_THIS_LAB, OK, PASSED, REFUSED,
    REORDERED, TIMEOUT, CheckOutcome, GradeError, Result,
)
from dglab.grade.scoring import Channel, sign, verify_channel
from dglab.grade.spec import CheckSpec, LabSpec, check_blocks, instrument, load_lab

__all__ = [
    "CHECK_HELPERS", "DEFAULT_CELL_TIMEOUT", "DEFAULT_MEMORY", "DEFAULT_TIMEOUT", "FAILED", "GRACE", "GRADER_ERROR", "INVALID",
    "KERNEL_DIED", "MAX_BYTES", "MISSING", "NOT_A_NOTEBOOK", "NOT_RUN", "NOT_THIS_LAB", "OK", "PASSED", "REFUSED", "REORDERED",
    "TIMEOUT", "Channel", "CheckOutcome", "CheckSpec", "GradeError", "LabSpec", "Options", "Plan", "Result", "Submission",
    "check_blocks", "collect", "feedback_names", "feedback_text", "grade", "grade_one", "instrument", "is_this_lab", "load_lab",
    "make_plan", "merge_cli", "merge_csvs", "parse_memory", "parse_notebook", "parse_shard", "read_notebook", "run_cli",
    "shard_of", "sign", "verify_channel", "write_csv",
]
