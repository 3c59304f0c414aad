"""The batch: grade every submission (or one shard of them) and write the CSV and feedback.

One submission at a time, in a thread of its own when ``-j`` > 1: intake (read the bytes
once, sort out what is no notebook of this lab), plan, a worker process that runs the plan
in a sandboxed kernel, scoring, review. Whatever one file is or does, it becomes its own row;
a failure of the grader itself on one file becomes a ``grader error`` row, never a dead batch.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from dglab.grade import sandbox
from dglab.grade.intake import Submission, collect, is_this_lab, read_notebook
from dglab.grade.launch import SETUP_SOURCE
from dglab.grade.plan import make_plan
from dglab.grade.report import feedback_names, fmt_points, merge_csvs, write_csv, write_feedback
from dglab.grade.results import GRADER_ERROR, KERNEL_DIED, NOT_RUN, NOT_THIS_LAB, REFUSED, TIMEOUT, CheckOutcome, GradeError, Result
from dglab.grade.review import static_review
from dglab.grade.scoring import excerpt, review_notes, score, verify_channel
from dglab.grade.spec import LabSpec, load_lab

DEFAULT_TIMEOUT = 300.0
DEFAULT_CELL_TIMEOUT = 120.0
DEFAULT_MEMORY = "4G"
SETUP_TIMEOUT = 120  # seconds the grader's own setup cell may take (imports torch)
GRACE = 20.0  # seconds the worker gets past the submission limit before it is killed
# python -m dglab.grade.worker, without the 2.5 s optional import each worker would pay (dglab/startup.py)
WORKER_COMMAND = ("-m", "dglab.startup", "dglab.grade.worker")
CHECK_HELPERS = (
    "check", "expect", "expect_close", "expect_type", "expect_in", "require", "forbid", "ExerciseFailed", "PASS_MARK", "FAIL_MARK",
)
MAX_SOCKET_DIR = 80  # characters: Unix socket paths must stay under ~107


@dataclass
class Options:
    """Limits for one submission, and whether kernels run in the sandbox."""

    timeout: float = DEFAULT_TIMEOUT
    cell_timeout: float | None = None  # None: DEFAULT_CELL_TIMEOUT, but at most half of ``timeout``
    memory: int = 4 * 2**30
    sandbox: bool = True

    @property
    def cell_limit(self) -> float:
        """The cell time limit in force."""
        if self.cell_timeout is not None:
            return self.cell_timeout
        return min(DEFAULT_CELL_TIMEOUT, self.timeout / 2)


def parse_memory(text: str) -> int:
    """``"4G"``, ``"512M"``, ``"2GiB"``, ``"0"`` (no limit); a bare number means MiB.

    Raises:
        GradeError: not a size.
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise GradeError(f"--memory {text!r}: expected a size such as 4G, 512M or 0 (no limit).")
    value, unit = float(match.group(1)), match.group(2).lower()
    return int(value * {"": 2**20, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[unit])


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/5"`` -> (2, 5): the second of five shards.

    Raises:
        GradeError: not K/N with 1 <= K <= N.
    """
    match = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", str(text))
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise GradeError(f"--shard {str(text)[:20]!r}: expected K/N with 1 <= K <= N, e.g. 2/5.")
    return int(match.group(1)), int(match.group(2))


def shard_of(subs: list[Submission], shard: tuple[int, int] | None) -> list[Submission]:
    """Shard K of N: every N-th submission in name order, starting with the K-th."""
    if shard is None:
        return subs
    k, n = shard
    return [s for i, s in enumerate(sorted(subs, key=lambda s: s.student)) if i % n == k - 1]


def package_dir() -> Path:
    """The ``dglab`` package folder this grader runs from."""
    return Path(__file__).resolve().parent.parent


def printable(text: str) -> str:
    """``text`` without control characters (safe to print on a terminal)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _worker_env(runtime: Path) -> dict[str, str]:
    env = dict(os.environ)
    parent = str(package_dir().parent)
    env["PYTHONPATH"] = parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["JUPYTER_RUNTIME_DIR"] = str(runtime)
    return env


def _temp_root() -> Path:
    """A private temporary folder whose path is short enough for the kernel's Unix sockets."""
    tmp = Path(tempfile.mkdtemp(prefix="dglab-grade-"))
    if len(str(tmp)) > MAX_SOCKET_DIR:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix="dglab-grade-", dir="/tmp"))
    return tmp


def _last_json(out: bytes) -> dict | None:
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        if line.strip().startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict) and "stopped" in value:
                return value
    return None


def _run_worker(job: dict, tmp: Path, options: Options) -> dict:
    """Start the worker, hand it the job on stdin, wait (killing it if it overruns)."""
    proc = subprocess.Popen(
        [sys.executable, *WORKER_COMMAND],
        cwd=tmp,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=_worker_env(Path(job["scratch"]) / "runtime"),
    )
    try:
        out, err = proc.communicate(json.dumps(job).encode(), timeout=options.timeout + GRACE)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, 9)
        except OSError:
            pass
        out, err = proc.communicate()
        run = _last_json(out) or {}
        return {"stopped": TIMEOUT, "at": None, "errors": run.get("errors", {}), "timed_out": [], "channel": run.get("channel", [])}
    run = _last_json(out)
    if run is None:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        return {"stopped": GRADER_ERROR, "at": None, "message": f"worker failed: {tail[0][:160]}", "errors": {}}
    return run


def _execute(spec: LabSpec, sub: Submission, nb: nbformat.NotebookNode, data: bytes, options: Options) -> Result:
    tmp = _temp_root()
    try:
        scratch, lib = tmp / "s", tmp / "lib"
        for folder in (scratch, scratch / "work", scratch / "home", scratch / "ipython", scratch / "runtime", tmp / "kernels"):
            folder.mkdir(mode=0o700)
        (scratch / "work" / "submission.ipynb").write_bytes(data)  # the bytes read once; the original is never opened again
        shutil.copytree(package_dir(), lib / "dglab", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        key = secrets.token_bytes(32)
        guard_name = "_dglab_check_" + secrets.token_hex(6)
        plan = make_plan(spec, nb, guard_name, SETUP_SOURCE)
        boot = {
            "key": key.hex(),
            "name": guard_name,
            "lib": str(lib),
            "checks_source": (package_dir() / "checks.py").read_text(encoding="utf-8"),
            "checks_file": str(lib / "dglab" / "checks.py"),
            "helpers": list(CHECK_HELPERS),
            "pins": [list(p) for p in spec.pins],
            "checks": {n: [c.grade_id, c.source, c.all_hidden, [list(b) for b in c.blocks]] for n, c in plan.nonces.items()},
        }
        job = {
            "notebook": nbformat.v4.new_notebook(cells=plan.cells, metadata={"kernelspec": {"name": "dglab-grader", "display_name": "dglab grader", "language": "python"}}),
            "scratch": str(scratch),
            "lib": str(lib),
            "cwd": str(scratch / "work"),
            "kernels": str(tmp / "kernels"),
            "env": sandbox.kernel_env(scratch, os.path.dirname(sys.executable)),
            "timeout": options.timeout,
            "cell_timeout": max(1, int(options.cell_limit + 0.999)),
            "setup_timeout": min(SETUP_TIMEOUT, max(1, int(options.timeout))),
            "memory": options.memory,
            "sandbox": options.sandbox,
            "stderr": str(tmp / "kernel.log"),
            "boot": boot,
        }
        run = _run_worker(job, tmp, options)
        if run.get("stopped") == KERNEL_DIED and run.get("at") is None:
            log = tmp / "kernel.log"
            lines = log.read_bytes()[-4096:].decode("utf-8", "replace").strip().splitlines() if log.exists() else []
            if lines:
                run["message"] = (str(run.get("message", "")) + f" [{lines[-1][:120]}]").strip()
        channel = verify_channel([(int(c), str(line)) for c, line in run.get("channel", [])], key)
        status, reason, outcomes, notes, errors = score(spec, plan, run, channel, options.timeout, options.cell_limit)
        review = review_notes(plan, channel.flags, static_review(plan))
        if run.get("unsigned"):
            review.append(f"wrote {int(run['unsigned'])} unsigned line(s) to the grader's channel")
        return Result(sub.student, sub.path, status, reason, outcomes, notes, errors, review, cpu_seconds=float(run.get("kernel_cpu") or 0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _grade(spec: LabSpec, sub: Submission, options: Options, empty: list[CheckOutcome]) -> Result:
    if sub.refused:
        return Result(sub.student, sub.path, REFUSED, sub.refused, empty)
    nb, data, status, reason = read_notebook(sub.path)
    if nb is None or data is None:
        return Result(sub.student, sub.path, status, reason, empty)
    same, why = is_this_lab(spec, nb)
    if not same:
        return Result(sub.student, sub.path, NOT_THIS_LAB, why, empty)
    return _execute(spec, sub, nb, data, options)


def grade_one(spec: LabSpec, sub: Submission, options: Options) -> Result:
    """Grade one submission; never raises (a broken submission, or a grader failure, gives a status)."""
    started = time.monotonic()
    empty = [CheckOutcome(c.column, 0.0, c.points, NOT_RUN) for c in spec.checks]
    try:
        result = _grade(spec, sub, options, empty)
    except Exception as error:  # a bug or an OS failure on this file: one row, not a dead batch
        result = Result(sub.student, sub.path, GRADER_ERROR, excerpt(f"{type(error).__name__}: {error}", 200), empty)
    result.seconds = time.monotonic() - started
    return result


def _check_writable(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".dglab-write-test-"):
            pass
    except OSError as error:
        raise GradeError(f"cannot write the {what} in {folder}: {error.strerror or error}.") from None


def check_options(options: Options, jobs: int) -> None:
    """Refuse limits that cannot work, before anything runs.

    Raises:
        GradeError: a bad ``-j`` or time limit.
    """
    if jobs < 1:
        raise GradeError(f"-j {jobs}: need at least one job.")
    if options.timeout <= 0 or (options.cell_timeout is not None and options.cell_timeout <= 0):
        raise GradeError("time limits must be positive.")
    if options.cell_timeout is not None and options.cell_timeout >= options.timeout:
        raise GradeError(
            f"--cell-timeout {options.cell_timeout:g} must be below --timeout {options.timeout:g}, or a slow cell would end "
            "the whole notebook instead of being interrupted."
        )


def require_sandbox(options: Options) -> None:
    """Make sure kernels can be sandboxed, unless the instructor accepted the risk.

    Raises:
        GradeError: no sandbox can be made here and ``--no-sandbox`` was not given.
    """
    if not options.sandbox:
        return
    why = sandbox.probe()
    if why:
        raise GradeError(
            f"no sandbox for the kernels: {why}. Student code would run with your privileges and could read the "
            "solutions; pass --no-sandbox to accept that risk."
        )


def grade(
    root: Path,
    lab: str,
    paths: list[Path],
    out: Path,
    feedback: Path,
    jobs: int = 1,
    options: Options | None = None,
    log: Callable[[str], None] | None = None,
    shard: tuple[int, int] | None = None,
) -> list[Result]:
    """Grade every submission (or shard K of N of them); write the CSV and the feedback files.

    Returns:
        The results, sorted by student.

    Raises:
        GradeError: for bad usage, before anything is run.
    """
    options = options or Options()
    check_options(options, jobs)
    spec = load_lab(root, lab)
    everyone = collect(paths, exclude=[out, feedback])
    if not everyone:
        raise GradeError("no submissions: " + ", ".join(str(p) for p in paths) + " hold no files.")
    if out.exists() and out.is_dir():
        raise GradeError(f"--out {out} is a folder; give a file name such as grades.csv.")
    _check_writable(out.parent if str(out.parent) else Path("."), "grades CSV")
    _check_writable(feedback, "feedback files")
    require_sandbox(options)
    names = feedback_names([s.student for s in everyone])
    subs = shard_of(everyone, shard)
    results: list[Result] = []
    lock = threading.Lock()
    width = min(40, max((len(s.student) for s in subs), default=1))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(grade_one, spec, s, options) for s in subs]
        for future in as_completed(futures):
            r = future.result()
            with lock:
                results.append(r)
                if log:
                    line = f"{printable(r.student)[:40]:<{width}}  {fmt_points(r.total):>4} / {fmt_points(spec.max_points)}  {r.status:<16} {r.seconds:5.1f} s (kernel cpu {r.cpu_seconds:4.1f} s)  {r.reason[:80]}"
                    log(printable(line) + ("  [review]" if r.review else ""))
    results.sort(key=lambda r: r.student)
    write_csv(spec, results, out)
    for problem in write_feedback(spec, results, feedback, names):
        if log:
            log(f"could not write feedback {printable(problem)}")
    return results


def run_cli(args: argparse.Namespace, root: Path) -> int:
    """Run ``dglab grade`` from parsed arguments; return the exit code."""
    try:
        options = Options(timeout=args.timeout, cell_timeout=args.cell_timeout, memory=parse_memory(args.memory), sandbox=not args.no_sandbox)
        shard = parse_shard(args.shard) if args.shard else None
        started = time.monotonic()
        results = grade(root, args.lab, args.submissions, args.out, args.feedback, args.jobs, options, log=lambda s: print(s, flush=True), shard=shard)
    except GradeError as error:
        print(f"dglab grade: {error}", file=sys.stderr)
        return 2
    if not options.sandbox:
        print("warning: graded WITHOUT a sandbox (--no-sandbox): student code ran with your privileges.", file=sys.stderr)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    review = sum(1 for r in results if r.review)
    part = f" (shard {args.shard})" if args.shard else ""
    print(f"graded {len(results)} submissions{part} in {time.monotonic() - started:.1f} s ({summary or 'none'}); "
          f"{review} marked for review; wrote {args.out} and {args.feedback}/")
    return 0


def merge_cli(args: argparse.Namespace) -> int:
    """Run ``dglab grade-merge``: combine shard CSVs into one."""
    try:
        for path in args.shards:
            if not path.is_file():
                raise GradeError(f"{path}: no such file.")
        count = merge_csvs(args.shards, args.out)
    except GradeError as error:
        print(f"dglab grade-merge: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"dglab grade-merge: cannot write {args.out}: {error.strerror or error}.", file=sys.stderr)
        return 2
    print(f"merged {len(args.shards)} shard CSVs: {count} rows in {args.out}")
    return 0
