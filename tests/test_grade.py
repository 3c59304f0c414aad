"""Tests of ``dglab grade``: a fixture lab, its generated student copy, and a batch of
submissions (good, bad, broken and tampering) generated from them, graded in one run.

Nothing here reads the real labs: a temporary course root holds lab 98 (three exercises,
one with hidden tests) and lab 97 (a different lab, for the "not this lab" case).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import socket
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dglab import grade as G
from dglab.grade import sandbox
from dglab.build import make_lab, render
from dglab.cli import main

SANDBOX = sandbox.probe() is None  # bubblewrap works here (.ci/run installs it)
needs_sandbox = pytest.mark.skipif(not SANDBOX, reason=f"no bubblewrap sandbox here: {sandbox.probe()}")
CELL_TIMEOUT = 4  # seconds: the endless loop costs this much
TIMEOUT = 60  # seconds per submission: generous, a loaded machine is slow

# ------------------------------------------------------------------ fixture lab 98

SETUP = "import torch\nfrom dglab.checks import check, expect, expect_close, expect_type"
HIDDEN_TITLE = "Exercise 2 (hidden): more points"

EXERCISES_98 = [
    (
        "ex1",
        2,
        "Double a tensor.",
        "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
        'with check("Exercise 1: double", hint="Multiply."):\n'
        "    expect_close(double(torch.tensor(3.0)), torch.tensor(6.0), \"double(3)\")",
    ),
    (
        "ex2",
        3,
        "Use autograd to get the derivative of x**3 at x0.",
        "def grad_cube(x0):\n"
        "    ### BEGIN SOLUTION\n"
        "    x = torch.tensor(float(x0), requires_grad=True)\n"
        "    (x ** 3).backward()\n"
        "    return x.grad.item()\n"
        "    ### END SOLUTION",
        'with check("Exercise 2: gradient of a cube", hint="Call backward() on y and read x.grad."):\n'
        '    expect_close(grad_cube(2.0), 12.0, "grad_cube(2.0)")\n'
        "### BEGIN HIDDEN TESTS\n"
        f'with check("{HIDDEN_TITLE}"):\n'
        '    expect_close(grad_cube(-1.0), 3.0, "grad_cube(-1.0)")\n'
        '    expect_close(grad_cube(0.5), 0.75, "grad_cube(0.5)")\n'
        "### END HIDDEN TESTS",
    ),
    (
        "ex3",
        1,
        "Make a leaf tensor that requires grad.",
        "def make_leaf(values):\n    ### BEGIN SOLUTION\n    return torch.tensor(values, requires_grad=True)\n    ### END SOLUTION",
        'with check("Exercise 3: a leaf", hint="Look at requires_grad."):\n'
        "    t = make_leaf([1.0, 2.0])\n"
        '    expect_type(t, torch.Tensor, "make_leaf(...)")\n'
        '    expect(t.is_leaf and t.requires_grad, "the tensor is not a leaf that requires grad")\n'
        '    expect_close(t.detach(), torch.tensor([1.0, 2.0]), "its values")',
    ),
]

ANSWERS = {
    "ex1": "def double(x):\n    return 2 * x",
    "ex2": "def grad_cube(x0):\n    x = torch.tensor(float(x0), requires_grad=True)\n    (x ** 3).backward()\n    return x.grad.item()",
    "ex3": "def make_leaf(values):\n    return torch.tensor(values, requires_grad=True)",
}
HARDCODED_EX2 = "def grad_cube(x0):\n    return 12.0  # right for the visible check only"


def exercise_cell(gid: str, source: str):
    cell = new_code_cell(source, id=gid)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": gid, "locked": False, "schema_version": 3, "solution": True, "task": False}
    cell.metadata["tags"] = ["exercise"]
    return cell


def check_cell(gid: str, source: str, points: int):
    cell = new_code_cell(source, id=f"{gid}-check")
    cell.metadata["nbgrader"] = {
        "grade": True, "grade_id": f"{gid}_check", "locked": True, "points": points,
        "schema_version": 3, "solution": False, "task": False,
    }
    cell.metadata["tags"] = ["check"]
    return cell


def solution_notebook(number: int, title: str, exercises: list) -> nbformat.NotebookNode:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells.append(new_markdown_cell(f"# Lab {number} — {title}\n\nA fixture lab for the grader's tests.", id="md-01"))
    nb.cells.append(new_code_cell(SETUP, id="code-02"))
    for gid, points, text, solution, checks in exercises:
        nb.cells.append(new_markdown_cell(f"## {gid}\n\n{text}", id=f"md-{gid}"))
        nb.cells.append(exercise_cell(gid, solution))
        nb.cells.append(check_cell(gid, checks, points))
    nb.cells.append(new_markdown_cell(f"## Summary of lab {number}\n\nDone.", id="md-99"))
    nbformat.validate(nb)
    return nb


EXERCISES_97 = [
    (f"ex{k}", 1, f"Return {k} times x.", f"def times{k}(x):\n    ### BEGIN SOLUTION\n    return {k} * x\n    ### END SOLUTION",
     f'with check("Exercise {k}: times {k}"):\n    expect(times{k}(2) == {2 * k}, "not right")')
    for k in (1, 2, 3)
]


def fill(lab: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A student's copy of ``lab`` with some exercise cells answered."""
    nb = nbformat.from_dict(json.loads(json.dumps(lab)))
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and gid in answers and cell.metadata["nbgrader"].get("solution"):
            cell.source = answers[gid]
    return nb


def index_of(nb, cell_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.get("id") == cell_id)


def insert_after(nb, cell_id: str, source: str) -> nbformat.NotebookNode:
    nb.cells.insert(index_of(nb, cell_id) + 1, new_code_cell(source, id=f"mine-{len(nb.cells)}"))
    return nb


PARTIAL = {"ex1": ANSWERS["ex1"], "ex2": HARDCODED_EX2}  # ex1 right, ex2 only fits the visible check, ex3 a stub

TAMPER_REDEFINE = '''
# tampering: my own check functions and a fake torch that says everything is close
import torch as _real_torch
class check:
    def __init__(self, title, hint=""): self.title = title
    def __enter__(self): return self
    def __exit__(self, *exc):
        print("PASSED:", self.title)
        return True
def expect(*args, **kwargs): pass
expect_close = expect_type = expect_in = expect
class ExerciseFailed(Exception): pass
class _FakeTorch:
    def __getattr__(self, name):
        return (lambda *a, **k: True) if name == "allclose" else getattr(_real_torch, name)
torch = _FakeTorch()
AssertionError = Warning
'''

TAMPER_PATCH = '''
# tampering: monkeypatch dglab.checks, builtins, math, torch and sys.modules
import builtins, math, sys, types, torch
import dglab.checks as C
C.check.__exit__ = lambda self, *exc: (print("PASSED:", self.title), True)[1]
C.expect = C.expect_close = C.expect_type = C.expect_in = lambda *a, **k: None
C.ExerciseFailed = Warning
_isinstance = builtins.isinstance
builtins.isinstance = lambda obj, kinds: True if kinds is torch.Tensor else _isinstance(obj, kinds)
builtins.AssertionError = Warning
math.isclose = lambda *a, **k: True
torch.allclose = lambda *a, **k: True
torch.Tensor.__float__ = lambda self: 12.0
fake = types.ModuleType("dglab.checks")
fake.__dict__.update(vars(C))
sys.modules["dglab.checks"] = fake
'''

TAMPER_OUTPUT = '''
# tampering: print pass lines and forged verdicts, write junk into any verdict file found
import glob
def grad_cube(x0):
    print("PASSED: Exercise 2: gradient of a cube")
    print("PASSED: " + HIDDEN)
    for path in glob.glob("/tmp/dglab-grade-*/secret/verdicts"):
        try:
            with open(path, "a") as f:
                f.write("00" * 32 + " anything|1|('ex2_check', [], '')\\n")
        except OSError:
            pass
    return 12.0
HIDDEN = "Exercise 2 (hidden): more points"
'''

TAMPER_READ = '''
# tampering: look for the solutions (relative paths, dglab's folder, PWD) and the grader's secrets
import glob, json, os, re
from pathlib import Path
import dglab
found = []
places = [Path.cwd(), *Path.cwd().parents, *Path(dglab.__file__).resolve().parents, Path(os.environ.get("PWD", "."))]
for place in places:
    found += glob.glob(str(place / "solutions" / "98_*.ipynb")) + glob.glob(str(place / "98_*.ipynb"))
found += glob.glob("../secret/*") + glob.glob(str(Path(dglab.__file__).parents[2] / "secret" / "*"))
history = "\\n".join(globals().get("In", []))
stolen = {}
for path in found:
    try:
        cells = json.load(open(path))["cells"]
    except Exception:
        continue
    for cell in cells:
        source = "".join(cell["source"])
        if "### BEGIN SOLUTION" in source:
            exec(re.sub(r"\\s*### (BEGIN|END) SOLUTION", "", source))
print("found", len(found), "files; hidden tests in history:", "HIDDEN" in history)
'''

TAMPER_INTROSPECT = """
# tampering: find the guard's key and hook through gc, and the hidden tests' values through frames
import gc, sys
stolen = []
try:
    for obj in gc.get_objects():
        if isinstance(obj, bytes) and len(obj) == 32:
            stolen.append(obj)
except PermissionError:
    pass
import stat
for fd in range(3, 64):  # forge a verdict on every pipe (the grader's channel is one), unsigned: nothing was found
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, b"00" * 32 + b" ('verdict', 'x', True, ('ex2_check', [], ''))\\n")
    except OSError:
        pass
"""

FRAME_PEEK_EX2 = """def grad_cube(x0):
    import sys
    try:
        frame = sys._getframe(1)
        while frame is not None:  # look for the check's expected values in its caller's frames
            frame = frame.f_back
    except PermissionError:
        pass
    return 12.0"""

ESCAPE = """
# escaping: look for the course through the interpreter's path and other processes, phone home,
# leave a process behind, read the grader's environment, write outside the scratch folder
import glob, os, socket, subprocess, sys
from pathlib import Path
found = []
for place in [*Path(sys.executable).resolve().parents, *Path(sys.executable).parents]:
    found += glob.glob(str(place / "solutions" / "98_*.ipynb")) + glob.glob(str(place / "*" / "solutions" / "98_*.ipynb"))
procs = [p for p in os.listdir("/proc") if p.isdigit()]
for pid in procs:
    try:
        found += glob.glob(os.readlink(f"/proc/{pid}/cwd") + "/solutions/98_*.ipynb")
    except OSError:
        pass
net = "no"
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2).close()
    net = "yes"
except OSError:
    pass
subprocess.Popen([sys.executable, "-c", "import os, time\\nif os.fork() == 0:\\n    os.setsid(); time.sleep(120)\\n# TOKEN"], start_new_session=True)
subprocess.run(["mount", "-o", "remount,rw,bind", sys.prefix], capture_output=True)
wrote = 0
for target in [SUBS + "/correct.ipynb", OUT, PREFIX + "/dglab-escape-probe"]:
    try:
        with open(target, "a") as f:
            f.write("{}")
        wrote += 1
    except OSError:
        pass
peek = "import os; open('/proc/%d/mem' % os.getppid(), 'rb'); print('yes')"
mem = subprocess.run([sys.executable, "-c", peek], capture_output=True, text=True).stdout.strip() or "no"
raise RuntimeError(f"ESCAPE mem={mem} found={len(found)} procs={len(procs)} tmp={len(glob.glob('/tmp/dglab-grade-*'))} net={net} wrote={wrote} secret={os.environ.get('DGLAB_TEST_SECRET')}")
"""

MEMORY_HOG = "big = torch.empty(2**33, dtype=torch.uint8)  # 8 GiB: over the 4 GiB limit\n" + ANSWERS["ex3"]

UNINTERRUPTIBLE = "import time\nwhile True:\n    try:\n        time.sleep(0.2)\n    except KeyboardInterrupt:\n        pass"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"

# file name -> (expected points per exercise, expected status)
EXPECTED = {
    "correct.ipynb": ({"ex1": 2, "ex2": 3, "ex3": 1}, G.OK),
    "solution_itself.ipynb": ({"ex1": 2, "ex2": 3, "ex3": 1}, G.OK),
    "unmodified.ipynb": ({"ex1": 0, "ex2": 0, "ex3": 0}, G.OK),
    "partial.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 0}, G.OK),
    "endless_loop.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 1}, G.TIMEOUT),
    "crash.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 0}, G.KERNEL_DIED),
    "memory_hog.ipynb": ({"ex1": 2, "ex2": 3, "ex3": 0}, G.OK),
    "broken_json.ipynb": ({"ex1": 0, "ex2": 0, "ex3": 0}, G.INVALID),
    "empty.ipynb": ({"ex1": 0, "ex2": 0, "ex3": 0}, G.INVALID),
    "other_lab.ipynb": ({"ex1": 0, "ex2": 0, "ex3": 0}, G.NOT_THIS_LAB),
    "deleted_cell.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 1}, G.MISSING),
    "reordered.ipynb": ({"ex1": 2, "ex2": 3, "ex3": 1}, G.REORDERED),
    "notes.txt": ({"ex1": 0, "ex2": 0, "ex3": 0}, G.NOT_A_NOTEBOOK),
    "photo.png": ({"ex1": 0, "ex2": 0, "ex3": 0}, G.NOT_A_NOTEBOOK),
    "tamper_redefine.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 0}, G.OK),
    "tamper_patch.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 0}, G.OK),
    "tamper_checks_and_output.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 0}, G.OK),
    "tamper_read_solutions.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 0}, G.OK),
    "tamper_introspect.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 0}, G.OK),
    "escape.ipynb": ({"ex1": 2, "ex2": 0, "ex3": 0}, G.OK),
    "link_to_solution.ipynb": ({"ex1": 0, "ex2": 0, "ex3": 0}, G.REFUSED),
}
SECRET = "grader-secret-" + "7" * 16
TOKEN = "dglab-escape-token-" + "5" * 12


def write_nb(path: Path, nb) -> None:
    path.write_text(render(nb), encoding="utf-8")


def make_course(root: Path) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    (root / "solutions").mkdir(parents=True)
    (root / "labs").mkdir()
    sol98 = solution_notebook(98, "Grader fixture", EXERCISES_98)
    sol97 = solution_notebook(97, "Another lab", EXERCISES_97)
    write_nb(root / "solutions" / "98_grader_fixture.ipynb", sol98)
    write_nb(root / "solutions" / "97_another_lab.ipynb", sol97)
    lab98, lab97 = make_lab(sol98), make_lab(sol97)
    write_nb(root / "labs" / "98_grader_fixture.ipynb", lab98)
    write_nb(root / "labs" / "97_another_lab.ipynb", lab97)
    return sol98, lab98


def make_submissions(folder: Path, sol98, lab98) -> None:
    folder.mkdir()
    write_nb(folder / "correct.ipynb", fill(lab98, ANSWERS))
    write_nb(folder / "solution_itself.ipynb", sol98)
    write_nb(folder / "unmodified.ipynb", lab98)
    write_nb(folder / "partial.ipynb", fill(lab98, PARTIAL))
    write_nb(folder / "endless_loop.ipynb", fill(lab98, {**ANSWERS, "ex2": "while True:\n    pass"}))
    write_nb(folder / "crash.ipynb", fill(lab98, {**ANSWERS, "ex2": "import os\nos._exit(1)"}))
    write_nb(folder / "memory_hog.ipynb", fill(lab98, {**ANSWERS, "ex3": MEMORY_HOG}))
    text = render(fill(lab98, ANSWERS))
    (folder / "broken_json.ipynb").write_text(text[: len(text) // 2], encoding="utf-8")
    (folder / "empty.ipynb").write_bytes(b"")
    sol97 = nbformat.read(folder.parent / "course" / "solutions" / "97_another_lab.ipynb", as_version=4)
    write_nb(folder / "other_lab.ipynb", sol97)  # a perfect answer, but to lab 97

    nb = fill(lab98, ANSWERS)
    del nb.cells[index_of(nb, "ex2")]
    write_nb(folder / "deleted_cell.ipynb", nb)

    nb = fill(lab98, ANSWERS)  # ex3's block moved first; ex2's exercise moved below its check
    block3 = [nb.cells[i] for i in range(index_of(nb, "md-ex3"), index_of(nb, "ex3-check") + 1)]
    for c in block3:
        nb.cells.remove(c)
    start = index_of(nb, "md-ex1")
    nb.cells[start:start] = block3
    ex2 = nb.cells.pop(index_of(nb, "ex2"))
    nb.cells.insert(index_of(nb, "ex2-check") + 1, ex2)
    write_nb(folder / "reordered.ipynb", nb)

    (folder / "notes.txt").write_text("I could not do the lab, sorry.\n", encoding="utf-8")
    (folder / "photo.png").write_bytes(PNG)

    write_nb(folder / "tamper_redefine.ipynb", insert_after(fill(lab98, PARTIAL), "code-02", TAMPER_REDEFINE))
    write_nb(folder / "tamper_patch.ipynb", insert_after(fill(lab98, PARTIAL), "code-02", TAMPER_PATCH))
    nb = fill(lab98, {**PARTIAL, "ex2": TAMPER_OUTPUT})
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass" if cell.id == "ex1-check" else f'print("PASSED: {cell.id}")'
    write_nb(folder / "tamper_checks_and_output.ipynb", nb)
    write_nb(folder / "tamper_read_solutions.ipynb", insert_after(fill(lab98, PARTIAL), "ex3", TAMPER_READ))
    introspect = insert_after(fill(lab98, {**PARTIAL, "ex2": FRAME_PEEK_EX2}), "code-02", "import os\n" + TAMPER_INTROSPECT)
    write_nb(folder / "tamper_introspect.ipynb", introspect)
    (folder / "link_to_solution.ipynb").symlink_to(folder.parent / "course" / "solutions" / "98_grader_fixture.ipynb")


def add_escape(folder: Path, lab98, port: int, out: Path, victims: Path) -> None:
    """The escaping submission needs the listener's port and the paths it tries to write."""
    prefix = "sys.prefix" if victims == folder else repr(str(victims))
    source = ESCAPE.replace("PORT", str(port)).replace("TOKEN", TOKEN).replace("SUBS", repr(str(victims))).replace("OUT", repr(str(out)))
    source = source.replace("PREFIX", prefix)
    write_nb(folder / "escape.ipynb", insert_after(fill(lab98, PARTIAL), "ex3", source))


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if not p.is_symlink()}


def processes_with(token: str) -> list[int]:
    """Processes whose command line holds ``token`` (what a submission left running)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and token.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade every fixture submission once (through the CLI, -j 2); share the outcome."""
    base = tmp_path_factory.mktemp("grading")
    root = base / "course"
    sol98, lab98 = make_course(root)
    subs = base / "submissions"
    make_submissions(subs, sol98, lab98)
    out, feedback = base / "out" / "grades.csv", base / "out" / "feedback"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.1)
    # without a sandbox nothing stops the escape from writing into another submission or the
    # environment (that is what the sandbox is for), so it then aims at a decoy folder instead
    add_escape(subs, lab98, listener.getsockname()[1], out, subs if SANDBOX else base / "decoy")
    stuck = base / "stuck"
    stuck.mkdir()
    write_nb(stuck / "stuck.ipynb", fill(lab98, {**ANSWERS, "ex2": UNINTERRUPTIBLE}))
    before = digests(subs) | digests(stuck)

    # the submission that ignores interrupts runs beside the batch, with a short submission limit
    side: dict = {}

    def run_stuck() -> None:
        spec = G.load_lab(root, "98")
        options = G.Options(timeout=20, cell_timeout=3, memory=4 * 2**30, sandbox=SANDBOX)
        side["result"] = G.grade_one(spec, G.Submission(stuck / "stuck.ipynb", "stuck.ipynb"), options)

    thread = threading.Thread(target=run_stuck)
    thread.start()
    with contextlib.chdir(root), pytest.MonkeyPatch.context() as mp:
        mp.setenv("DGLAB_TEST_SECRET", SECRET)
        code = main([
            "grade", "98", str(subs), "--out", str(out), "--feedback", str(feedback),
            "-j", "3", "--timeout", str(TIMEOUT), "--cell-timeout", str(CELL_TIMEOUT), "--memory", "4G",
            *([] if SANDBOX else ["--no-sandbox"]),
        ])
    thread.join()
    calls = 0
    with contextlib.suppress(OSError):
        while listener.accept():
            calls += 1
    listener.close()
    rows = {row["student"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    return {
        "code": code, "rows": rows, "feedback": feedback, "before": before,
        "after": digests(subs) | digests(stuck), "stuck": side["result"], "root": root, "subs": subs,
        "calls": calls, "leftovers": processes_with(TOKEN),
    }


@pytest.mark.notebooks
def test_exit_code_and_one_row_per_submission(batch):
    assert batch["code"] == 0
    assert set(batch["rows"]) == set(EXPECTED)


@pytest.mark.notebooks
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_submission_gets_exactly_what_it_earned(batch, name):
    row = batch["rows"][name]
    points, status = EXPECTED[name]
    got = {k: float(row[k]) for k in points}
    assert (got, row["status"]) == ({k: float(v) for k, v in points.items()}, status), row["reason"]
    assert float(row["total"]) == sum(points.values())
    assert float(row["max"]) == 6
    assert row["reason"]


@pytest.mark.notebooks
def test_statuses_say_why(batch):
    rows = batch["rows"]
    assert "ran over the 4 s cell limit" in rows["endless_loop.ipynb"]["reason"]
    assert "kernel died in the exercise cell of ex2" in rows["crash.ipynb"]["reason"]
    assert "not valid JSON" in rows["broken_json.ipynb"]["reason"]
    assert rows["notes.txt"]["reason"] == "a .txt file, not a notebook"
    assert rows["photo.png"]["reason"] == "a .png file that is not text, not a notebook"
    assert "lab 97" in rows["other_lab.ipynb"]["reason"]
    assert "ex2 is missing" in rows["deleted_cell.ipynb"]["reason"]
    assert "order ex3, ex1, ex2" in rows["reordered.ipynb"]["reason"]
    assert "ex2 (hidden tests)" in rows["partial.ipynb"]["reason"]
    assert rows["correct.ipynb"]["reason"] == "all checks passed"


@pytest.mark.notebooks
def test_submission_time_limit_stops_a_kernel_that_ignores_interrupts(batch):
    r = batch["stuck"]
    assert r.status == G.TIMEOUT, r.reason
    assert "20 s submission limit" in r.reason
    assert {c.column: c.points for c in r.checks} == {"ex1": 2, "ex2": 0, "ex3": 0}
    assert r.seconds < 20 + G.GRACE


@pytest.mark.notebooks
def test_submissions_are_byte_identical_after_grading(batch):
    assert batch["after"] == batch["before"]


@pytest.mark.notebooks
def test_feedback_per_student_without_answers_or_hidden_tests(batch):
    files = sorted(p.name for p in batch["feedback"].iterdir())
    assert len(files) == len(EXPECTED)
    texts = {p.name: p.read_text(encoding="utf-8") for p in batch["feedback"].iterdir()}
    for name, text in texts.items():
        assert HIDDEN_TITLE not in text and "grad_cube(-1.0)" not in text and "grad_cube(0.5)" not in text, name
        assert "x.grad.item()" not in text and "requires_grad=True)" not in text, name
    partial = texts["partial.md"]
    assert "**Score: 2 / 6**" in partial
    assert "| ex1 | 2 / 2 | passed |" in partial
    assert "hidden" in partial and "Exercise 3: a leaf" in partial
    assert "NotImplementedError" in partial and "hint: Look at requires_grad." in partial
    assert "Passed every check, including 1 hidden test." in texts["correct.md"]
    assert "not a notebook" in texts["notes.md"]
    assert "time limit" in texts["endless_loop.md"]


@pytest.mark.notebooks
def test_solutions_dir_is_not_readable_from_the_kernel(batch):
    # the reader found nothing, so it could not copy answers; its own code ran (ex1 passed)
    row = batch["rows"]["tamper_read_solutions.ipynb"]
    assert float(row["ex1"]) == 2 and float(row["ex2"]) == 0 and float(row["ex3"]) == 0


@pytest.mark.notebooks
@needs_sandbox
def test_the_sandbox_hides_the_course_other_processes_the_network_and_the_graders_environment(batch):
    text = (batch["feedback"] / "escape.md").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if "ESCAPE" in ln)
    fields = dict(item.split("=", 1) for item in line.split("ESCAPE ", 1)[1].split()[:7])
    assert fields["mem"] == "no", line  # a process it starts cannot read the kernel's memory (the key)
    assert fields["found"] == "0" and fields["net"] == "no" and fields["wrote"] == "0", line
    assert fields["tmp"] == "1" and int(fields["procs"]) < 10, line  # its own scratch folder, its own processes
    assert fields["secret"].startswith("None") and SECRET not in text, line
    assert batch["calls"] == 0
    assert batch["leftovers"] == []  # the double-forked, setsid process died with the sandbox
    assert not Path(sys.prefix, "dglab-escape-probe").exists()  # the environment stayed read-only (no remount)


@pytest.mark.notebooks
def test_reaching_into_the_interpreter_is_refused_and_marked_for_review(batch):
    rows = batch["rows"]
    review = rows["tamper_introspect.ipynb"]["review"]
    assert "refused:" in review and "gc object lists" in review and "frame access" in review, review
    assert "subprocesses" in rows["escape.ipynb"]["review"]
    assert "unsigned line(s) to the grader's channel" in rows["tamper_introspect.ipynb"]["review"]
    for honest in ("correct.ipynb", "solution_itself.ipynb", "unmodified.ipynb", "partial.ipynb"):
        assert rows[honest]["review"] == "", (honest, rows[honest]["review"])


@pytest.mark.notebooks
def test_a_link_to_the_solution_is_refused(batch):
    row = batch["rows"]["link_to_solution.ipynb"]
    assert row["status"] == G.REFUSED and "symbolic link" in row["reason"]


@pytest.fixture(scope="module")
def sharded(batch, tmp_path_factory):
    """A small batch graded at once and as three shards merged (only one notebook needs a kernel)."""
    base = tmp_path_factory.mktemp("shards")
    subs = base / "subs"
    subs.mkdir()
    for name in ("unmodified.ipynb", "notes.txt", "photo.png", "broken_json.ipynb", "other_lab.ipynb", "empty.ipynb"):
        (subs / name).write_bytes((batch["subs"] / name).read_bytes())
    (subs / "=formula.txt").write_text("=1+1")
    common = ["--timeout", str(TIMEOUT), "--cell-timeout", str(CELL_TIMEOUT), *([] if SANDBOX else ["--no-sandbox"])]
    with contextlib.chdir(batch["root"]):
        assert main(["grade", "98", str(subs), "--out", str(base / "all.csv"), "--feedback", str(base / "fb_all"), *common]) == 0
        for k in (1, 2, 3):
            assert main(["grade", "98", str(subs), "--out", str(base / f"{k}.csv"), "--feedback", str(base / "fb_shards"), "--shard", f"{k}/3", *common]) == 0
        assert main(["grade-merge", *[str(base / f"{k}.csv") for k in (1, 2, 3)], "--out", str(base / "merged.csv")]) == 0
    return base


@pytest.mark.notebooks
def test_three_shards_merged_equal_one_batch(sharded):
    assert (sharded / "merged.csv").read_bytes() == (sharded / "all.csv").read_bytes()
    shard_rows = [len((sharded / f"{k}.csv").read_text().splitlines()) - 1 for k in (1, 2, 3)]
    assert sorted(shard_rows) == [2, 2, 3]
    names = lambda folder: {p.name: p.read_bytes() for p in (sharded / folder).iterdir()}  # noqa: E731
    assert names("fb_shards") == names("fb_all")


# --------------------------------------------------------------- no kernel needed


def test_usage_errors_are_one_line_and_nonzero(tmp_path, capsys):
    root = tmp_path / "course"
    sol98, lab98 = make_course(root)
    sub = tmp_path / "s.ipynb"
    write_nb(sub, lab98)
    empty = tmp_path / "empty"
    empty.mkdir()
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    cases = [
        (["grade", "42", str(sub)], "no solution notebook for lab 42"),
        (["grade", "98", str(empty)], "no submissions"),
        (["grade", "98", str(tmp_path / "nope.ipynb")], "no such file"),
        (["grade", "98", str(sub), "--out", str(blocker / "grades.csv")], "cannot write the grades CSV"),
        (["grade", "98", str(sub), "--feedback", str(blocker / "fb")], "cannot write the feedback files"),
        (["grade", "98", str(sub), "--memory", "lots"], "--memory"),
        (["grade", "98", str(sub), "-j", "0"], "-j 0"),
    ]
    with contextlib.chdir(root):
        for argv, message in cases:
            if "--out" not in argv:
                argv = [*argv, "--out", str(tmp_path / "g.csv")]
            if "--feedback" not in argv:
                argv = [*argv, "--feedback", str(tmp_path / "fb")]
            assert main(argv) == 2, argv
            err = capsys.readouterr().err.strip()
            assert err.count("\n") == 0 and err.startswith("dglab grade: ") and message in err, err


def test_instrument_marks_hidden_regions():
    source = EXERCISES_98[1][4]
    text = G.instrument(source)
    assert "__dglab_hidden__(True)" in text and "__dglab_hidden__(False)" in text
    assert G.instrument("if x:\n### BEGIN HIDDEN TESTS\n    pass\n### END HIDDEN TESTS") is None


def test_only_signed_verdicts_count():
    key = b"k" * 32
    good = G.sign(key, ("verdict", "n1", True, ("ex1_check", [], "")))
    forged = "00" * 32 + " ('verdict', 'n2', True, ('ex2_check', [], ''))"
    other_key = G.sign(b"x" * 32, ("verdict", "n3", True, ()))
    flag = G.sign(key, ("flag", "gc object lists", True))
    channel = G.verify_channel([(3, good), (3, forged), (4, other_key), (5, "junk"), (6, flag)], key)
    assert list(channel.verdicts) == ["n1"] and channel.verdicts["n1"][0][0] is True
    assert channel.flags == [(6, "gc object lists", True)]


def test_parse_memory():
    assert G.parse_memory("4G") == 4 * 2**30
    assert G.parse_memory("512M") == 512 * 2**20
    assert G.parse_memory("2GiB") == 2 * 2**30
    assert G.parse_memory("0") == 0
    assert G.parse_memory("1024") == 2**30
    with pytest.raises(G.GradeError):
        G.parse_memory("much")


def test_plan_places_each_check_after_its_exercise(tmp_path):
    root = tmp_path / "course"
    sol98, lab98 = make_course(root)
    spec = G.load_lab(root, "98")
    assert [c.column for c in spec.checks] == ["ex1", "ex2", "ex3"] and spec.max_points == 6
    assert ("check", "dglab.checks", "check") in spec.pins and ("torch", "torch", "<top>") in spec.pins
    nb = fill(lab98, ANSWERS)
    ex2 = nb.cells.pop(index_of(nb, "ex2"))
    nb.cells.insert(index_of(nb, "ex2-check") + 1, ex2)
    plan = G.make_plan(spec, nb, "guard", "setup")
    kinds = [label for label in plan.labels]
    assert kinds.index("the check of ex2") == kinds.index("the exercise cell of ex2") + 1
    assert plan.status == G.REORDERED
    assert all("BEGIN SOLUTION" not in c.source and "hidden" not in c.source.lower() for c in plan.cells)


def test_collect_names_and_skips(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "lab.ipynb").write_text("{}")
    (tmp_path / "b" / "lab.ipynb").write_text("{}")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "lab-checkpoint.ipynb").write_text("{}")
    subs = G.collect([tmp_path], exclude=[])
    assert sorted(s.student for s in subs) == ["a/lab.ipynb", "b/lab.ipynb"]
