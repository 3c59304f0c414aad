"""Wrong answers and correct alternatives for each exercise, and the proof that checks judge them.

A lab's catalogue lives beside its solution, in ``solutions/catalogue/<lab>.py``: plain Python
split into cells by headers in the ``# %%`` format that Jupyter, VS Code and jupytext read::

    # %% ex1 wrong: counts paths instead of nodes, so a node reached twice counts twice
    def count_nodes(t): ...

    # %% ex1 alternative: recursion with a memo instead of an explicit stack
    def count_nodes(t): ...

Each entry is a whole exercise cell a student might submit. The catalogue is run in the
kernel that runs the solution, right after the exercise's check cell: for each entry the names
the exercise defines are removed, the entry's cell runs, then a check cell runs. A **wrong**
answer must make the *visible* check (the lab's check cell, hidden tests removed) fail with an
:class:`~dglab.checks.ExerciseFailed` (the check stops at its first failed block, which
proves it); an **alternative** must pass the solution's whole check cell, hidden tests included.
The solution's exercise and check cells then run again, so the rest of the notebook sees the
solution's state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from dglab.build import cell_role, student_source
from dglab.checks import PASS_MARK
from dglab.lint import top_level_names

WRONG, ALTERNATIVE = "wrong", "alternative"
# Put before the visible check that judges a wrong answer: its first failed block proves the
# rejection, so the rest of the check (often the costly part: compiles, exports, workers) is skipped.
STOP_AT_FIRST_FAILURE = "__import__('dglab.checks').checks.stop_at_first_failure()"
HEADER_RE = re.compile(r"^# %% (?P<grade_id>\w+) (?P<kind>wrong|alternative): (?P<note>\S.*)$")
MIN_WRONG, MIN_ALTERNATIVES = 3, 1


class CatalogueError(ValueError):
    """A catalogue file that cannot be read."""


@dataclass(frozen=True)
class Entry:
    """One answer in a catalogue: a whole exercise cell, wrong or a correct alternative."""

    grade_id: str
    kind: str
    note: str
    source: str
    line: int


@dataclass(frozen=True)
class Outcome:
    """What one cell did when it ran: the error it raised (if any) and the text it showed."""

    error: str | None
    text: str


@dataclass(frozen=True)
class Verdict:
    """Whether a check judged one catalogue entry as it should."""

    entry: Entry
    ok: bool
    said: str  # the check's verdict in a line: its first reason, or PASSED


Runner = Callable[[str], Outcome]


def catalogue_path(solution: Path) -> Path:
    """Return where the catalogue of a solution notebook lives."""
    return solution.parent / "catalogue" / f"{solution.stem}.py"


def parse(text: str, where: str = "catalogue") -> list[Entry]:
    """Split catalogue text into entries (text before the first header is the file's preface)."""
    entries: list[Entry] = []
    header: re.Match[str] | None = None
    start, body = 0, []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            if header is not None:
                entries.append(_entry(header, body, start))
            header = HEADER_RE.match(line.rstrip())
            if header is None:
                raise CatalogueError(f"{where}, line {number}: a header must read '# %% exN wrong: note' or '# %% exN alternative: note'.")
            start, body = number, []
        elif header is not None:
            body.append(line)
    if header is not None:
        entries.append(_entry(header, body, start))
    return entries


def _entry(header: re.Match[str], body: list[str], line: int) -> Entry:
    return Entry(header["grade_id"], header["kind"], header["note"].strip(), "\n".join(body).strip("\n"), line)


def read(solution: Path) -> list[Entry]:
    """Return the catalogue entries of a solution notebook ([] when it has none)."""
    path = catalogue_path(solution)
    return parse(path.read_text(encoding="utf-8"), str(path)) if path.exists() else []


def exercise_ids(nb: nbformat.NotebookNode) -> list[str]:
    """Return the grade ids of a notebook's exercise cells, in order."""
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.cell_type == "code" and cell_role(c) == "exercise"]


def problems(nb: nbformat.NotebookNode, entries: list[Entry], name: str) -> list[str]:
    """Say what a catalogue lacks: each exercise needs 3 wrong answers and 1 alternative."""
    ids = exercise_ids(nb)
    found = [f"{name}: entry at line {e.line} names {e.grade_id!r}, which is not an exercise ({', '.join(ids)})." for e in entries if e.grade_id not in ids]
    for grade_id in ids:
        kinds = [e.kind for e in entries if e.grade_id == grade_id]
        if kinds.count(WRONG) < MIN_WRONG or kinds.count(ALTERNATIVE) < MIN_ALTERNATIVES:
            found.append(
                f"{name}: {grade_id} has {kinds.count(WRONG)} wrong answers and {kinds.count(ALTERNATIVE)} alternatives; "
                f"it needs at least {MIN_WRONG} and {MIN_ALTERNATIVES}."
            )
    for entry in entries:
        try:
            compile(entry.source, f"{name}:{entry.line}", "exec")
        except SyntaxError as error:
            found.append(f"{name}: entry at line {entry.line} is not valid Python ({error.msg}).")
    return found


@dataclass(frozen=True)
class Exercise:
    """The cells one exercise's catalogue needs: its answer, its visible check and its full check."""

    grade_id: str
    answer: str
    visible_check: str
    full_check: str


def exercises(nb: nbformat.NotebookNode) -> dict[str, Exercise]:
    """Pair each exercise cell of a solution with the check cell that follows it, by check index."""
    found: dict[str, Exercise] = {}
    answer: nbformat.NotebookNode | None = None
    for cell in nb.cells:
        role = cell_role(cell) if cell.cell_type == "code" else ""
        if role == "exercise":
            answer = cell
        elif role == "check" and answer is not None:
            grade_id = answer.metadata["nbgrader"]["grade_id"]
            found[grade_id] = Exercise(grade_id, answer.source, student_source(cell.source), cell.source)
            answer = None
    return found


def said(outcome: Outcome) -> str:
    """Return the first reason a check gave, or its pass line."""
    for line in outcome.text.splitlines():
        if line.strip().startswith("why:"):
            return line.strip()[4:].strip()
    if outcome.error:
        return f"{outcome.error}: {outcome.text.strip().splitlines()[-1] if outcome.text.strip() else ''}".strip()
    return PASS_MARK if PASS_MARK in outcome.text else "(no verdict printed)"


def judge(entry: Entry, answer: Outcome, checked: Outcome) -> Verdict:
    """Decide whether the check treated an entry right (wrong fails visibly, alternative passes)."""
    if entry.kind == WRONG:
        ok = checked.error == "ExerciseFailed" and "why:" in checked.text
        return Verdict(entry, ok, said(checked))
    ok = answer.error is None and checked.error is None and PASS_MARK in checked.text and "NOT YET" not in checked.text
    if answer.error is not None:
        return Verdict(entry, False, f"the alternative's own cell raised {answer.error}")
    return Verdict(entry, ok, said(checked))


def forget(names: list[str]) -> str:
    """Source that removes the given names from the notebook's namespace."""
    return "\n".join(f"globals().pop({name!r}, None)" for name in names)


def run_exercise(exercise: Exercise, entries: list[Entry], run: Runner) -> list[Verdict]:
    """Run every entry of one exercise through its check in a kernel that has run the solution.

    Args:
        exercise: the exercise's cells, from :func:`exercises`.
        entries: the catalogue entries for this exercise.
        run: executes one cell's source in the kernel and returns its :class:`Outcome`.

    Returns:
        One verdict per entry, then a last one that the solution still passes afterwards.
    """
    # The names go in the same cell as the answer that replaces them: one kernel round trip less
    # per entry (problems() has made sure every entry compiles, so the forgetting always runs).
    clean = forget(top_level_names(exercise.answer))
    verdicts = []
    for entry in entries:
        answer = run(f"{clean}\n{entry.source}")
        checked = run(f"{STOP_AT_FIRST_FAILURE}\n{exercise.visible_check}" if entry.kind == WRONG else exercise.full_check)
        verdicts.append(judge(entry, answer, checked))
    restored = Entry(exercise.grade_id, ALTERNATIVE, "the solution, run again after the catalogue", exercise.answer, 0)
    verdicts.append(judge(restored, run(f"{clean}\n{exercise.answer}"), run(exercise.full_check)))
    return verdicts


def outcome_of(outputs: list) -> Outcome:
    """Read an :class:`Outcome` from a cell's outputs (nbformat output dicts)."""
    text, error = [], None
    for out in outputs:
        if out.get("output_type") == "stream":
            text.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            error = out.get("ename")
            text.append(f"{out.get('ename')}: {out.get('evalue')}\n")
    return Outcome(error, "".join(text))


def report(verdicts: list[Verdict]) -> str:
    """Format verdicts as a table an instructor can read."""
    rows = [f"{'exercise':8s} {'kind':11s} {'verdict':7s} note -> what the check said"]
    for v in verdicts:
        rows.append(f"{v.entry.grade_id:8s} {v.entry.kind:11s} {'ok' if v.ok else 'WRONG':7s} {v.entry.note} -> {v.said}")
    return "\n".join(rows)


def run_notebook(solution: Path, cell_timeout: int = 120) -> list[Verdict]:
    """Execute a solution once in a fresh kernel, running its catalogue after each check cell."""
    from dglab.notebooks import running_client

    nb = nbformat.read(solution, as_version=4)
    entries = read(solution)
    pairs = exercises(nb)
    verdicts: list[Verdict] = []
    with running_client(nb, solution.parent.resolve(), cell_timeout) as client:
        def run(source: str) -> Outcome:
            cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["raises-exception"]})
            nb.cells.append(cell)  # nbclient writes each executed cell back into the notebook
            client.execute_cell(cell, len(nb.cells) - 1)
            return outcome_of(cell.outputs)

        for index, cell in enumerate(list(nb.cells)):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            exercise = checked_by(pairs, cell)
            mine = [e for e in entries if exercise and e.grade_id == exercise.grade_id]
            if mine:
                verdicts += run_exercise(exercise, mine, run)
    return verdicts


def checked_by(pairs: dict[str, Exercise], cell: nbformat.NotebookNode) -> Exercise | None:
    """Return the exercise whose (solution) check cell ``cell`` is, if it is one."""
    return next((e for e in pairs.values() if cell_role(cell) == "check" and e.full_check == cell.source), None)
