"""What grading produces: row statuses, one check's outcome, one submission's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Row statuses, from worst to best (the first that applies wins).
REFUSED = "refused"
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


class GradeError(ValueError):
    """Bad usage: an unknown lab, no submissions, an unwritable output, no sandbox."""


@dataclass
class CheckOutcome:
    """How one check cell of the solution went for one submission."""

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
    """One submission's row: its status, why, each check's outcome, what to review."""

    student: str
    path: Path
    status: str
    reason: str
    checks: list[CheckOutcome]
    notes: list[str] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # reasons an instructor should look at it
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the kernel and everything it started

    @property
    def total(self) -> float:
        """Points earned over all checks."""
        return sum(c.points for c in self.checks)
