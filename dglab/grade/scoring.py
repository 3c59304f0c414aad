"""Scoring: turn a worker's report and the guard's signed channel into one result row.

Only lines signed with the submission's key count. A check's points are all or nothing: it
passes when exactly one verdict for its nonce says passed (the guard says passed only when
every ``with check`` block of the solution's check cell ran and passed and nothing else in
it raised). Flags from the guard say what the student's code reached for.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from dglab.grade.plan import Plan
from dglab.grade.results import (
    FAILED, GRADER_ERROR, KERNEL_DIED, MISSING, NOT_RUN, OK, PASSED, REORDERED, TIMEOUT, CheckOutcome,
)
from dglab.grade.spec import CheckSpec, LabSpec

MAX_CELL_ERRORS = 5
MAX_EXCERPT = 160  # characters of a student's own error text quoted in feedback


@dataclass
class Channel:
    """What the guard signed: verdicts by nonce, and flags with the cell that raised them."""

    verdicts: dict[str, list[tuple[bool, Any]]]
    flags: list[tuple[int, str, bool]]  # (graded cell index, label, refused)


def sign(key: bytes, record: tuple) -> str:
    """One channel line for ``record``, as the guard writes it (for tests and tools)."""
    payload = repr(record)
    return hmac.new(key, payload.encode("utf-8", "backslashreplace"), hashlib.sha256).hexdigest() + " " + payload


def verify_channel(lines: list[tuple[int, str]], key: bytes) -> Channel:
    """Keep the lines signed with ``key``; sort them into verdicts and flags."""
    found = Channel({}, [])
    for cell, line in lines:
        sig, _, payload = str(line).partition(" ")
        expected = hmac.new(key, payload.encode("utf-8", "backslashreplace"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig.encode("ascii", "replace"), expected.encode()):
            continue
        try:
            record = ast.literal_eval(payload)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            continue
        if isinstance(record, tuple) and len(record) == 4 and record[0] == "verdict":
            found.verdicts.setdefault(str(record[1]), []).append((record[2] is True, record[3]))
        elif isinstance(record, tuple) and len(record) == 3 and record[0] == "flag":
            found.flags.append((int(cell), str(record[1]), bool(record[2])))
    return found


def excerpt(text: str, limit: int = MAX_EXCERPT) -> str:
    """A student's own error text on one line, capped (it can carry anything they put in it)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _limit_note(cell_timeout: float) -> str:
    return f"the check ran over the {cell_timeout:g} s time limit (an endless loop, or very slow code?)"


def _read_records(outcome: CheckOutcome, details: Any, cell_timeout: float) -> None:
    """Fill an outcome from one verdict's details: (grade_id, records, error)."""
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
                    outcome.visible_failures.append((str(title), excerpt(why, 300), str(hint)))
        error = str(error or "")
        if error.startswith("hidden: "):
            outcome.hidden_total += 1
            outcome.hidden_failed += 1
        elif error.startswith("time limit"):
            outcome.note = _limit_note(cell_timeout)
        elif error:
            outcome.note = f"the check could not run: {excerpt(error)}"
    except (TypeError, ValueError):
        outcome.note = "the check's report could not be read"


def score_check(check: CheckSpec, nonce: str, plan: Plan, run: dict, verdicts: dict, cell_timeout: float) -> CheckOutcome:
    """The outcome of one check: all its points when its one signed verdict says passed."""
    index = plan.cell_of_nonce[nonce]
    timed_out = set(run.get("timed_out", []))
    stopped, at = run.get("stopped"), run.get("at")
    outcome = CheckOutcome(check.column, 0.0, check.points, FAILED)
    found = verdicts.get(nonce, [])
    if not found:
        ran = stopped is None or (at is not None and index < at)
        if index in timed_out:
            outcome.note = _limit_note(cell_timeout)
        elif not ran:
            outcome.status = NOT_RUN
            outcome.note = "not graded: the notebook stopped before this check (see the status above)"
        else:
            outcome.note = "the check did not report a result (did your code replace the output streams, reset the namespace or exit?)"
        return outcome
    passed = all(bit for bit, _ in found)
    _read_records(outcome, found[-1][1], cell_timeout)
    if len(found) > 1:
        passed = False
        outcome.note = "the check reported more than once (did your code call the grader?)"
    if index in timed_out and not outcome.note:
        outcome.note = _limit_note(cell_timeout)
        passed = False
    if passed:
        outcome.status, outcome.points = PASSED, check.points
    return outcome


def cell_errors(plan: Plan, run: dict) -> list[str]:
    """Errors raised in the student's own cells, each a capped excerpt."""
    out = []
    errors = run.get("errors", {}) or {}
    guard_cells = set(plan.cell_of_nonce.values())
    for key in sorted(errors, key=lambda k: int(k) if str(k).isdigit() else -1):
        i = int(key) if str(key).isdigit() else -1
        if 0 < i < len(plan.labels) and i not in guard_cells:
            ename, evalue = (list(errors[key]) + ["", ""])[:2]
            out.append(f"{plan.labels[i]} raised {excerpt(ename, 60)}: {excerpt(evalue)}".strip())
    return out[:MAX_CELL_ERRORS]


def row_status(plan: Plan, run: dict, outcomes: list[CheckOutcome], timeout: float, cell_timeout: float) -> tuple[str, list[str]]:
    """The row's status and the reasons for it, worst first."""
    status, reasons = plan.status, []
    timed_out = set(run.get("timed_out", []))
    errors = run.get("errors", {}) or {}
    stopped, at = run.get("stopped"), run.get("at")
    if errors.get("0") or 0 in timed_out:
        status = GRADER_ERROR
        ename, evalue = (list(errors.get("0", ["", "it ran over its time limit"])) + ["", ""])[:2]
        reasons.append(excerpt(f"the grader's setup cell failed: {ename}: {evalue}", 200))
        timed_out.discard(0)
    if timed_out:
        status = TIMEOUT
        labels = ", ".join(plan.labels[i] for i in sorted(timed_out) if 0 <= i < len(plan.labels))
        reasons.append(f"{labels} ran over the {cell_timeout:g} s cell limit and was interrupted")
    if stopped == TIMEOUT:
        status = TIMEOUT
        where = f" (stopped in {plan.labels[at]})" if isinstance(at, int) and 0 <= at < len(plan.labels) else ""
        reasons.append(f"the notebook ran over the {timeout:g} s submission limit{where}")
    elif stopped == KERNEL_DIED:
        status = KERNEL_DIED
        if at is None:
            reasons.append(excerpt(run.get("message") or "the kernel did not start", 200))
        else:
            reasons.append(f"the kernel died in {plan.labels[at]} (os._exit, a crash, or out of memory?)")
    elif stopped == GRADER_ERROR:
        status = GRADER_ERROR
        reasons.append(excerpt(run.get("message") or "the grader failed", 200))
    reasons.extend(plan.notes if status in (MISSING, REORDERED) else [])
    if status == OK:
        bad = [o.column + (" (hidden tests)" if o.hidden_failed and not o.visible_failures else "") for o in outcomes if o.status != PASSED]
        reasons.append("not yet: " + ", ".join(bad) if bad else "all checks passed")
    return status, reasons


def review_notes(plan: Plan, flags: list[tuple[int, str, bool]], static: list[str]) -> list[str]:
    """What an instructor should look at: refused or flagged operations and suspicious source.

    Flags raised while one of the lab's own unchanged cells ran are left out unless the
    operation was refused (the lab itself may start a subprocess); refused ones always count.
    """
    refused = sorted({label for cell, label, was_refused in flags if was_refused})
    seen = sorted({label for cell, label, was_refused in flags if not was_refused and cell not in plan.fixed} - set(refused))
    notes = []
    if refused:
        notes.append("refused: " + ", ".join(refused))
    if seen:
        notes.append("used: " + ", ".join(seen))
    if static:
        notes.append("source mentions: " + ", ".join(static))
    return notes


def score(spec: LabSpec, plan: Plan, run: dict, channel: Channel, timeout: float, cell_timeout: float) -> tuple[str, str, list[CheckOutcome], list[str], list[str]]:
    """Score one graded run.

    Returns:
        (status, reason, outcomes, notes, cell errors).
    """
    nonce_of = {c.grade_id: n for n, c in plan.nonces.items()}
    outcomes = [score_check(c, nonce_of[c.grade_id], plan, run, channel.verdicts, cell_timeout) for c in spec.checks]
    status, reasons = row_status(plan, run, outcomes, timeout, cell_timeout)
    notes = [n for n in plan.notes if n not in reasons]
    return status, "; ".join(reasons), outcomes, notes, cell_errors(plan, run)
