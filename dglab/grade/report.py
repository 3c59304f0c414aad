"""Reports: the grades CSV, one Markdown feedback file per student, and merging shard CSVs.

CSV cells are neutralised against spreadsheet formulas (a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab, a carriage return or a quote gets a leading quote), and rows are sorted
by the written student cell, so merging shard CSVs gives the same bytes as one batch.
Feedback file names are a one-to-one function of the student names of the whole batch:
``alice.ipynb`` gets ``alice.md`` only when nothing else could claim that name.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

from dglab.grade.results import (
    FAILED, GRADER_ERROR, INVALID, KERNEL_DIED, MISSING, NOT_A_NOTEBOOK, NOT_RUN, NOT_THIS_LAB, OK, PASSED, REFUSED,
    REORDERED, TIMEOUT, GradeError, Result,
)
from dglab.grade.spec import LabSpec

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
MAX_REASON = 300

STATUS_WORDS = {
    OK: "graded",
    MISSING: "graded, but exercise cells are missing",
    REORDERED: "graded, but cells were moved",
    TIMEOUT: "graded up to a time limit",
    KERNEL_DIED: "graded until the Python kernel died",
    INVALID: "not graded: the file is not a valid notebook",
    NOT_A_NOTEBOOK: "not graded: the file is not a notebook",
    NOT_THIS_LAB: "not graded: this is not the notebook of this lab",
    REFUSED: "not graded: the grader does not read this kind of file",
    GRADER_ERROR: "not graded: the grader failed (ask your instructor)",
}


def fmt_points(points: float) -> str:
    """``2`` for whole points, ``1.5`` otherwise."""
    return str(int(points)) if float(points).is_integer() else f"{points:g}"


def cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading quote before formula characters."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def header(spec: LabSpec) -> list[str]:
    """The CSV's columns."""
    return ["student", *[c.column for c in spec.checks], "total", "max", "status", "reason", "review"]


def csv_row(spec: LabSpec, r: Result) -> list[str]:
    """One result as neutralised CSV cells."""
    points = [fmt_points(c.points) for c in r.checks]
    review = "; ".join(r.review)
    return [cell(v) for v in (r.student, *points, fmt_points(r.total), fmt_points(spec.max_points), r.status, r.reason[:MAX_REASON], review[:MAX_REASON])]


def csv_text(head: list[str], rows: list[list[str]]) -> str:
    """The CSV file's text: the header, then the rows sorted by their student cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(head)
    writer.writerows(sorted(rows, key=lambda row: row[0]))
    return buffer.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half a file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=".dglab-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_csv(spec: LabSpec, results: list[Result], out: Path) -> None:
    """Write the grades CSV: one neutralised row per result."""
    write_atomic(out, csv_text(header(spec), [csv_row(spec, r) for r in results]))


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Read a grades CSV back as (header, rows) of raw cells.

    Raises:
        GradeError: the file cannot be read or has no header.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GradeError(f"{path}: cannot read it ({error}).") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise GradeError(f"{path}: empty, not a grades CSV.")
    return rows[0], rows[1:]


def merge_csvs(paths: list[Path], out: Path) -> int:
    """Combine shard CSVs into one, byte-identical to grading the batch at once.

    Returns:
        The number of rows written.

    Raises:
        GradeError: different columns, or one student in two shards.
    """
    head: list[str] | None = None
    rows: list[list[str]] = []
    seen: dict[str, Path] = {}
    for path in paths:
        this_head, this_rows = read_csv(path)
        if head is None:
            head = this_head
        elif this_head != head:
            raise GradeError(f"{path} has other columns than {paths[0]} (another lab?).")
        for row in this_rows:
            if row and row[0] in seen:
                raise GradeError(f"{row[0][:80]} is in both {seen[row[0]]} and {path}.")
            if row:
                seen[row[0]] = path
                rows.append(row)
    assert head is not None
    write_atomic(out, csv_text(head, rows))
    return len(rows)


def _stem(student: str) -> str:
    last = student.rsplit("/", 1)[-1]
    return student[: len(student) - len(last)] + (last.rsplit(".", 1)[0] if "." in last.lstrip(".") else last)


def _hashed(student: str, width: int = 12) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", _stem(student)).strip("._-")[:60] or "student"
    return f"{safe}-{hashlib.sha256(student.encode('utf-8', 'surrogateescape')).hexdigest()[:width]}.md"


def feedback_names(students: list[str]) -> dict[str, str]:
    """One feedback file name per student, one-to-one, decided over the whole batch.

    A plain name (``alice.md``) is used only when the student's name maps to it without loss
    and no other student's name could map to it too; every other student gets a name with a
    hash of their full name (``alice-3f2a….md``), so no one can take someone else's file.
    """
    names = {s: (f"{_stem(s)}.md" if PLAIN_NAME.fullmatch(_stem(s)) else _hashed(s)) for s in students}
    width = 12
    while True:
        groups: dict[str, list[str]] = {}
        for student, name in names.items():
            groups.setdefault(name.lower(), []).append(student)
        clashes = [members for members in groups.values() if len(members) > 1]
        if not clashes:
            return names
        width = min(width + 4, 64)
        for members in clashes:
            for student in members:
                names[student] = _hashed(student, width)


def feedback_text(spec: LabSpec, r: Result) -> str:
    """A student's Markdown feedback: what passed and why the rest did not, no answers, no hidden tests."""
    lines = [
        f"# Lab {spec.number} — feedback for {' '.join(r.student.split())[:120]}",
        "",
        f"**Score: {fmt_points(r.total)} / {fmt_points(spec.max_points)}** — {STATUS_WORDS.get(r.status, r.status)}.",
        "",
    ]
    if r.status != OK or r.notes:
        lines += [f"> {r.reason}" if r.reason else "", *[f"> Note: {n}." for n in r.notes], ""]
    lines += ["| Exercise | Points | Result |", "|---|---|---|"]
    for c in r.checks:
        word = {PASSED: "passed", FAILED: "not yet", NOT_RUN: "not run"}[c.status]
        lines.append(f"| {c.column} | {fmt_points(c.points)} / {fmt_points(c.max_points)} | {word} |")
    lines.append("")
    for c in r.checks:
        title = f" — {c.titles[0]}" if c.titles else ""
        lines += [f"## {c.column}{title}", ""]
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
        lines += ["## Errors in your cells", "", *[f"- {e}" for e in r.cell_errors], ""]
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(spec: LabSpec, results: list[Result], folder: Path, names: dict[str, str]) -> list[str]:
    """Write each result's feedback file; return the problems (one per file that failed)."""
    problems = []
    for r in results:
        try:
            write_atomic(folder / names[r.student], feedback_text(spec, r))
        except OSError as error:
            problems.append(f"{names.get(r.student, '?')}: {error.strerror or error}")
    return problems
