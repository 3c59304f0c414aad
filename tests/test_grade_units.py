"""Unit tests of the grader's parts that need no kernel: scoring, reports, naming, sharding,
intake of hostile files (a fuzz test over a whole batch), options, review, and the in-kernel
guard run in a plain Python process.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from test_startup import imported_modules

from dglab import grade as G
from dglab.grade import batch, report, review, sandbox, scoring
from dglab.grade.plan import Plan
from dglab.grade.spec import CheckSpec, LabSpec

ROOT = Path(__file__).resolve().parent.parent


def tiny_spec(points=(2, 3)) -> LabSpec:
    checks = [
        CheckSpec(f"ex{i + 1}_check", f"ex{i + 1}", f"ex{i + 1}", None, float(p), "pass", False, ((1, 1),))
        for i, p in enumerate(points)
    ]
    return LabSpec("98", Path("98_x.ipynb"), checks, [c.column for c in checks], {}, {}, [], "98", [])


def tiny_plan(spec: LabSpec) -> Plan:
    cells = [new_code_cell("setup"), new_code_cell("import torch"), new_code_cell("def f(): pass")]
    labels = ["the grader's setup cell", "code cell 1", "the exercise cell of ex1"]
    nonces, where = {}, {}
    for i, check in enumerate(spec.checks):
        nonce = f"n{i}"
        nonces[nonce], where[nonce] = check, len(cells)
        cells.append(new_code_cell(f'g("{nonce}")'))
        labels.append(f"the check of {check.column}")
    return Plan(cells, labels, nonces, where, G.OK, [], {1})


def verdict(passed: bool, records=(), error="") -> tuple:
    return (passed, ("ex_check", list(records), error))


# ------------------------------------------------------------------------ scoring


def test_a_check_scores_all_its_points_only_with_one_passing_verdict():
    spec = tiny_spec()
    plan = tiny_plan(spec)
    run = {"stopped": None, "at": None, "errors": {}, "timed_out": []}
    ok = scoring.score_check(spec.checks[0], "n0", plan, run, {"n0": [verdict(True)]}, 30)
    assert (ok.status, ok.points) == (G.PASSED, 2)
    twice = scoring.score_check(spec.checks[0], "n0", plan, run, {"n0": [verdict(True), verdict(True)]}, 30)
    assert (twice.status, twice.points) == (G.FAILED, 0) and "more than once" in twice.note
    silent = scoring.score_check(spec.checks[0], "n0", plan, run, {}, 30)
    assert silent.points == 0 and "did not report" in silent.note
    stopped = scoring.score_check(spec.checks[1], "n1", plan, {**run, "stopped": G.KERNEL_DIED, "at": 3}, {}, 30)
    assert stopped.status == G.NOT_RUN
    late = scoring.score_check(spec.checks[0], "n0", plan, {**run, "timed_out": [3]}, {"n0": [verdict(True)]}, 30)
    assert late.points == 0 and "30 s time limit" in late.note


def test_visible_failures_are_shown_and_hidden_ones_only_counted():
    spec = tiny_spec()
    plan = tiny_plan(spec)
    records = [("Visible", False, False, "wrong " + "y" * 1000, "a hint"), ("Secret title", True, False, "secret why", "secret hint")]
    out = scoring.score_check(spec.checks[0], "n0", plan, {"errors": {}}, {"n0": [verdict(False, records)]}, 30)
    assert out.visible_failures[0][0] == "Visible" and len(out.visible_failures[0][1]) <= 300
    assert out.hidden_failed == 1 and out.hidden_total == 1
    assert "Secret title" not in repr(out.titles) and "secret" not in repr(out.visible_failures)


def test_row_status_says_why():
    spec = tiny_spec()
    plan = tiny_plan(spec)
    outcomes = [G.CheckOutcome("ex1", 2, 2, G.PASSED), G.CheckOutcome("ex2", 0, 3, G.FAILED, hidden_failed=1)]
    assert scoring.row_status(plan, {"errors": {}}, outcomes, 60, 30) == (G.OK, ["not yet: ex2 (hidden tests)"])
    status, reasons = scoring.row_status(plan, {"errors": {}, "timed_out": [2]}, outcomes, 60, 30)
    assert status == G.TIMEOUT and "the exercise cell of ex1 ran over the 30 s cell limit" in reasons[0]
    status, reasons = scoring.row_status(plan, {"errors": {}, "stopped": G.KERNEL_DIED, "at": 2}, outcomes, 60, 30)
    assert status == G.KERNEL_DIED and "died in the exercise cell of ex1" in reasons[0]
    status, reasons = scoring.row_status(plan, {"errors": {"0": ["E", "x" * 999]}}, outcomes, 60, 30)
    assert status == G.GRADER_ERROR and len(reasons[0]) <= 200


def test_cell_errors_quote_a_short_excerpt_of_the_students_error():
    spec = tiny_spec()
    plan = tiny_plan(spec)
    secret = "### BEGIN HIDDEN TESTS " + "expect(f(7) == 49) " * 200
    errors = scoring.cell_errors(plan, {"errors": {"2": ["ValueError", secret], "3": ["X", "guard cell"]}})
    assert len(errors) == 1 and errors[0].startswith("the exercise cell of ex1 raised ValueError: ")
    assert len(errors[0]) < 250 and secret not in errors[0]


def test_review_ignores_the_labs_own_cells_unless_something_was_refused():
    plan = tiny_plan(tiny_spec())
    flags = [(1, "subprocesses", False), (2, "/proc", False), (1, "gc object lists", True)]
    notes = scoring.review_notes(plan, flags, ["ctypes"])
    assert notes == ["refused: gc object lists", "used: /proc", "source mentions: ctypes"]
    assert scoring.review_notes(plan, [(1, "subprocesses", False)], []) == []


def test_static_review_finds_reaching_into_the_interpreter():
    assert review.scan("import gc\nobjs = gc.get_objects()") == ["gc"]
    assert review.scan("f.__closure__[0].cell_contents") == ["interpreter internals"]
    assert review.scan("open('/proc/1/cwd')") == ["/proc"]
    assert review.scan("x = sys._getframe(1).f_locals") == ["frames"]
    assert review.scan("!ls\nimport subprocess") == ["subprocesses"]
    assert review.scan("def double(x):\n    return 2 * x") == []


# ------------------------------------------------------------------------- reports


def result(student: str, points=(2, 0), status=G.OK, reason="not yet: ex2", review_=()) -> G.Result:
    checks = [G.CheckOutcome(f"ex{i + 1}", p, m, G.PASSED if p == m else G.FAILED) for i, (p, m) in enumerate(zip(points, (2, 3)))]
    return G.Result(student, Path(student), status, reason, checks, review=list(review_))


def test_csv_cells_cannot_be_formulas(tmp_path):
    spec = tiny_spec()
    out = tmp_path / "g.csv"
    G.write_csv(spec, [result('=HYPERLINK("http://x","y").ipynb'), result("+1.ipynb"), result("@a.ipynb"), result("'q.ipynb"), result("plain.ipynb", reason="-2+3")], out)
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["student", "ex1", "ex2", "total", "max", "status", "reason", "review"]
    for row in rows[1:]:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert {r[0] for r in rows[1:]} == {"'=HYPERLINK(\"http://x\",\"y\").ipynb", "'+1.ipynb", "'@a.ipynb", "''q.ipynb", "plain.ipynb"}


def test_feedback_names_are_one_to_one_and_cannot_be_claimed():
    students = ["alice.ipynb", "alice .ipynb", "notes.txt", "notes.ipynb", "bob.ipynb", "a/lab.ipynb", "b/lab.ipynb", "x" * 300 + ".ipynb", "Bob.ipynb"]
    names = G.feedback_names(students)
    assert names["alice.ipynb"] == "alice.md"
    assert names["alice .ipynb"] != "alice.md" and names["alice .ipynb"].startswith("alice-")
    assert names["notes.txt"] != names["notes.ipynb"] and "notes.md" not in names.values()
    assert len({n.lower() for n in names.values()}) == len(students)  # also on a case-insensitive disk
    assert all(len(n) < 100 and "/" not in n and not n.startswith(".") for n in names.values())
    # a file named after someone's hashed name does not take it
    claimer = names["alice .ipynb"][: -len(".md")] + ".ipynb"
    again = G.feedback_names([*students, claimer])
    assert again["alice .ipynb"] != again[claimer]
    assert G.feedback_names(list(reversed(students))) == names  # the order of the batch does not matter


def test_feedback_never_shows_hidden_tests_and_caps_student_text():
    spec = tiny_spec()
    r = result("s.ipynb")
    r.checks[1].hidden_failed, r.checks[1].hidden_total = 1, 1
    r.cell_errors = ["code cell 2 raised ValueError: " + "z" * 150]
    text = G.feedback_text(spec, r)
    assert "**Score: 2 / 5**" in text and "hidden tests are not shown" in text.lower()
    assert "| ex1 | 2 / 2 | passed |" in text


def test_merging_shard_csvs_gives_the_same_bytes_as_one_batch(tmp_path):
    spec = tiny_spec()
    everyone = [result(f"s{i:02d}.ipynb", (2 * (i % 2), 3 * (i % 3 == 0))) for i in range(10)] + [result("=evil.ipynb")]
    G.write_csv(spec, everyone, tmp_path / "all.csv")
    subs = [G.Submission(Path(r.student), r.student) for r in everyone]
    parts = []
    for k in (1, 2, 3):
        mine = {s.student for s in G.shard_of(subs, (k, 3))}
        G.write_csv(spec, [r for r in everyone if r.student in mine], tmp_path / f"{k}.csv")
        parts.append(tmp_path / f"{k}.csv")
    assert G.merge_csvs(parts, tmp_path / "merged.csv") == len(everyone)
    assert (tmp_path / "merged.csv").read_bytes() == (tmp_path / "all.csv").read_bytes()
    with pytest.raises(G.GradeError, match="in both"):
        G.merge_csvs([parts[0], parts[0]], tmp_path / "dup.csv")


def test_shards_partition_the_batch():
    subs = [G.Submission(Path(f"{i}"), f"s{i:03d}") for i in range(23)]
    shards = [G.shard_of(subs, (k, 4)) for k in range(1, 5)]
    assert sorted(s.student for part in shards for s in part) == sorted(s.student for s in subs)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert G.parse_shard("2/5") == (2, 5)
    for bad in ("0/3", "4/3", "x", "1/0", "9" * 50 + "/1"):
        with pytest.raises(G.GradeError):
            G.parse_shard(bad)


# ------------------------------------------------------------------------- options


def test_the_default_cell_limit_stays_below_the_submission_limit():
    assert G.Options(timeout=60).cell_limit == 30
    assert G.Options().cell_limit == G.DEFAULT_CELL_TIMEOUT
    assert G.Options(timeout=60, cell_timeout=10).cell_limit == 10
    with pytest.raises(G.GradeError, match="below --timeout"):
        batch.check_options(G.Options(timeout=60, cell_timeout=60), 1)


def test_without_a_sandbox_grading_needs_the_explicit_flag(tmp_path, monkeypatch, capsys):
    from test_grade import make_course, write_nb

    from dglab.cli import main

    root = tmp_path / "course"
    _, lab98 = make_course(root)
    write_nb(tmp_path / "s.ipynb", lab98)
    monkeypatch.setattr(sandbox, "bwrap", lambda: None)
    monkeypatch.chdir(root)
    argv = ["grade", "98", str(tmp_path / "s.ipynb"), "--out", str(tmp_path / "g.csv"), "--feedback", str(tmp_path / "fb")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("dglab grade: no sandbox") and "--no-sandbox" in err and err.count("\n") == 1
    assert not (tmp_path / "g.csv").exists()


# ------------------------------------------------------------------ fuzz: intake


def hostile_files(folder: Path, lab: nbformat.NotebookNode) -> dict[str, str]:
    """Write hostile submissions; return the status each must get (by file name)."""
    folder.mkdir()
    expect: dict[str, str] = {}

    def put(name: str, data: bytes, status: str, where: Path = folder) -> None:
        where.mkdir(parents=True, exist_ok=True)
        (where / name).write_bytes(data)
        expect[str((where / name).relative_to(folder))] = status

    good = nbformat.writes(lab).encode()
    put("good.ipynb", good, G.OK)
    put("deep.ipynb", b"[" * 100_000 + b"]" * 100_000, G.INVALID)
    put("deep_cells.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [' + b"[" * 50_000 + b"]" * 50_000 + b"]}", G.INVALID)
    put("huge.ipynb", b" " * (2**20 + 1), G.INVALID)  # over the limit the test sets
    put("binary.ipynb", bytes(range(256)) * 4, G.INVALID)
    put("not_dict.ipynb", b"[1, 2, 3]", G.INVALID)
    put("cells_not_list.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 7}', G.INVALID)
    nb = nbformat.from_dict(json.loads(good))
    nb.cells.insert(0, new_markdown_cell("# Lab " + "7" * 5000))
    put("big_number.ipynb", nbformat.writes(nb).encode(), G.NOT_THIS_LAB)
    put("alice .ipynb", good, G.OK)
    put("alice.ipynb", good, G.OK)
    put("=cmd|' -C calc'!A0.ipynb", good, G.OK)
    put("new\nline.ipynb", good, G.OK)
    put("ünïcødé 名字.ipynb", good, G.OK)
    long = "n" * 200 + ".ipynb"
    put(long, good, G.OK, folder / ("d" * 100))
    put(long, good, G.OK, folder / ("e" * 100))
    os.symlink(ROOT / "README.md", folder / "link.ipynb")
    expect["link.ipynb"] = G.REFUSED
    os.symlink(folder / "nowhere", folder / "dangling.ipynb")
    expect["dangling.ipynb"] = G.REFUSED
    os.symlink(folder / ("d" * 100), folder / "folder_link")
    expect["folder_link"] = G.REFUSED
    os.mkfifo(folder / "fifo.ipynb")
    expect["fifo.ipynb"] = G.REFUSED
    return expect


def test_fuzz_a_batch_of_hostile_files_always_finishes(tmp_path, monkeypatch):
    """Every file gets its own row and feedback file; a grader failure on one file is one row."""
    from test_grade import make_course

    root = tmp_path / "course"
    _, lab98 = make_course(root)
    subs = tmp_path / "subs"
    expect = hostile_files(subs, lab98)
    monkeypatch.setattr(G.intake, "MAX_BYTES", 2**20)

    def fake_execute(spec, sub, nb, data, options):  # no kernel: this test is about intake and outputs
        if "ünïcødé" in sub.student:
            raise RuntimeError("the grader broke on this one file")
        return G.Result(sub.student, sub.path, G.OK, "ran", [G.CheckOutcome(c.column, 0.0, c.points, G.FAILED) for c in spec.checks])

    monkeypatch.setattr(batch, "_execute", fake_execute)
    monkeypatch.setattr(batch, "require_sandbox", lambda options: None)
    out, fb = tmp_path / "out" / "g.csv", tmp_path / "out" / "fb"
    results = G.grade(root, "98", [subs, subs / "good.ipynb"], out, fb, jobs=2)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(results) == len(expect)
    got = {str(r.path.relative_to(subs)) if r.path.is_relative_to(subs) else r.student: r.status for r in results}
    expect["ünïcødé 名字.ipynb"] = G.GRADER_ERROR
    assert got == expect
    assert all(r.reason for r in results)
    assert len(list(fb.iterdir())) == len(expect)
    assert len({r.student for r in results}) == len(results)
    assert (ROOT / "README.md").exists()


# -------------------------------------------------------- the guard, without a kernel


@pytest.fixture(scope="module")
def guard_run() -> dict:
    """Install the guard in a plain Python process and run one check per scenario (tests/guard_probe.py)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-I", str(ROOT / "tests" / "guard_probe.py"), str(ROOT)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def passed(run: dict, name: str) -> bool:
    (bit, _), = run[name]["verdicts"]
    return bit


def blocks(run: dict, name: str) -> list:
    return run[name]["verdicts"][0][1][1]


def test_guard_passes_honest_work_and_runs_every_block(guard_run):
    assert passed(guard_run, "honest")
    assert not passed(guard_run, "wrong_two")
    assert [b[2] for b in blocks(guard_run, "wrong_two")] == [True, False, False]  # a failing block does not stop the next
    assert blocks(guard_run, "wrong_two")[1][3] == "f(2) wrong; f(4) wrong"  # soft expectations: every failure is reported
    assert [b[1] for b in blocks(guard_run, "honest")] == [False, False, True]  # the hidden block is marked hidden


def test_guard_runs_the_check_where_the_answer_sees_its_definitions(guard_run):
    # a check's own copy of a global the answer calls is what the answer sees, as in a notebook
    assert passed(guard_run, "own_global")
    # and an answer that swaps the check's helpers while it runs fails, flagged for review
    assert not passed(guard_run, "swap_helpers")
    assert ["helpers replaced", False] in guard_run["swap_helpers"]["flags"]


def test_guard_records_a_check_that_imports_its_own_helpers(guard_run):
    assert passed(guard_run, "imports_helpers")
    assert not passed(guard_run, "imports_helpers_wrong")
    assert blocks(guard_run, "imports_helpers_wrong")[0][3] == "f(1) wrong"


def test_guard_fails_a_check_whose_block_was_cut_short(guard_run):
    assert not passed(guard_run, "skip_hidden")


def test_guard_refuses_and_flags_reaching_into_the_interpreter(guard_run):
    assert guard_run["gc"]["flags"] == [["gc object lists", True]]
    assert guard_run["settrace"]["flags"] == [["tracing", True]]
    assert guard_run["spoofed_name"]["flags"] == [["spoofed file name", True]]
    assert guard_run["frames_in_check"]["flags"] == [["frame access", True]]
    assert not passed(guard_run, "frames_in_check")  # the student's frame access during a check was refused
    assert guard_run["proc"]["flags"] == [["/proc", False]]  # flagged, not refused (the sandbox has its own /proc)


def test_guard_ignores_forged_block_events(guard_run):
    assert guard_run["forged_exit"]["flags"] == [["forged check events", False]]
    assert not passed(guard_run, "forged_exit")


def test_guard_sees_through_the_check_machinery_reached_without_audit_events(guard_run):
    assert not passed(guard_run, "subclasses")  # its direct __exit__ call was not taken for the block's end
    assert guard_run["subclasses"]["flags"] == [["tampered with the checks", False]]  # (forged events: flagged once, above)
    assert all("machinery was changed" in b[3] for b in blocks(guard_run, "subclasses"))


def test_guard_lets_libraries_read_code_objects(guard_run):
    assert passed(guard_run, "dynamo_like") and guard_run["dynamo_like"]["flags"] == []  # torch.compile does this


def test_guard_caps_a_students_error_text(guard_run):
    assert all(len(b[3]) <= 200 for b in blocks(guard_run, "leaky_error"))


# ---------------------------------------------------------------- worker, bounded


def test_the_worker_keeps_no_outputs_and_a_bounded_channel(monkeypatch):
    from dglab.grade import worker

    assert worker.QuietClient.output(None, [], {}, None, 0) is None  # outputs are dropped as they arrive
    monkeypatch.setattr(worker, "MAX_CHANNEL", 10_000)
    read_end, write_end = os.pipe()
    reader = worker.ChannelReader(read_end)
    reader.cell = 3
    for _ in range(40):  # 40 x 1,000 bytes: more than the cap, drained as the kernel writes
        os.write(write_end, b"v" * 999 + b"\n")
        reader.drain()
    for _ in range(3):  # an over-long line (written in pieces the pipe can hold) is dropped
        os.write(write_end, b"x" * (worker.MAX_LINE // 2))
        reader.drain()
    os.write(write_end, b"\n")
    os.close(write_end)
    reader.drain()
    os.close(read_end)
    assert reader.size <= 10_000 and len(reader.lines) == 10
    assert all(cell == 3 and len(line) == 999 for cell, line in reader.lines)


def test_the_worker_keeps_unsigned_lines_out_of_the_channel():
    from dglab.grade import worker

    key = b"k" * 32
    read_end, write_end = os.pipe()
    reader = worker.ChannelReader(read_end, key)
    good = G.sign(key, ("flag", "gc object lists", True))
    os.write(write_end, b"junk\n" * 500 + good.encode() + b"\n")
    os.close(write_end)
    reader.drain()
    os.close(read_end)
    assert reader.unsigned == 500 and [line for _, line in reader.lines] == [good]


def test_the_worker_process_skips_jsonschemas_slow_optional_import():
    # one worker per submission: rfc3987_syntax would add 2.5 s of CPU to each (dglab/startup.py)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *batch.WORKER_COMMAND], input="{}", capture_output=True, text=True, timeout=60
    )
    assert '"stopped": "grader error"' in done.stdout  # an empty job is reported, not raised
    imported = imported_modules(done.stderr)
    assert "nbformat" in imported and "lark" not in imported  # lark: the parser rfc3987_syntax builds with


@pytest.mark.skipif(sandbox.probe() is not None, reason="no bubblewrap sandbox here")
def test_localhost_resolves_inside_the_sandbox_and_only_to_loopback():
    # labs 26 and 29 launch two processes with torchrun --standalone, which looks up "localhost"
    lookup = "import socket; print(socket.gethostbyname('localhost'), socket.gethostbyname(socket.gethostname()))"
    done = sandbox.run_python(lookup, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["127.0.0.1", "127.0.0.1"]
