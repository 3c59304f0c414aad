"""The worker: ``python -m dglab.startup dglab.grade.worker`` runs one graded notebook in a sandboxed kernel.

It reads a job (JSON) on stdin and prints one result line (JSON) on stdout. The kernel is
started over IPC transport (Unix sockets in the submission's scratch folder; TCP would not
cross the sandbox's network namespace), gets the guard's secrets on its stdin and writes
signed verdicts to a pipe that the worker drains after every cell, so each line is known by
the cell that wrote it. Cells that time out are interrupted and grading goes on; when the
submission's time is up the kernel and its sandbox are killed. Cell outputs are dropped as
they arrive and the channel is capped, so a student's output cannot fill the worker's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from dglab.grade import sandbox
from dglab.grade.results import GRADER_ERROR, KERNEL_DIED, TIMEOUT
from dglab.notebooks import RearmedKernelClient

KERNEL_NAME = "dglab-grader"
MAX_CHANNEL = 4 * 2**20  # bytes of verdicts and flags kept from one kernel
MAX_LINE = 2**16  # a longer channel line is dropped


class QuietClient(NotebookClient):
    """A notebook client that keeps no cell outputs (the grader needs none of them)."""

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> None:  # type: ignore[override]
        """Drop every output as it arrives."""
        return None


class ChannelReader:
    """The read end of the verdict pipe: complete lines, each tagged with the cell that wrote it."""

    def __init__(self, fd: int, key: bytes = b"") -> None:
        self.fd = fd
        self.key = key
        self.unsigned = 0  # lines not signed with the key: someone else wrote to the channel
        self.cell = 0
        self.partial = b""
        self.skipping = False
        self.lines: list[tuple[int, str]] = []
        self.size = 0
        os.set_blocking(fd, False)

    def drain(self) -> None:
        """Read whatever the kernel has written so far."""
        while True:
            try:
                data = os.read(self.fd, 2**16)
            except BlockingIOError:
                return
            except OSError:
                return
            if not data:
                return
            self._take(data)

    def _take(self, data: bytes) -> None:
        self.partial += data
        *complete, self.partial = self.partial.split(b"\n")
        for line in complete:
            if self.skipping:  # the end of an over-long line
                self.skipping = False
            elif self.key and not self._signed(line):
                self.unsigned += 1  # kept out of the cap: junk cannot push real verdicts out
            elif line and len(line) <= MAX_LINE and self.size + len(line) <= MAX_CHANNEL:
                self.size += len(line)
                self.lines.append((self.cell, line.decode("utf-8", "replace")))
        if len(self.partial) > MAX_LINE:
            self.partial, self.skipping = b"", True

    def _signed(self, line: bytes) -> bool:
        sig, _, payload = line.partition(b" ")
        return hmac.compare_digest(sig, hmac.new(self.key, payload, hashlib.sha256).hexdigest().encode())


def kernel_argv(job: dict) -> list[str]:
    """The kernel's command line: the launcher, inside the sandbox unless the job says not."""
    launcher = str(Path(job["lib"]) / "dglab" / "grade" / "launch.py")
    python = [sys.executable, "-I", "-B", launcher, str(job["memory"]), job["lib"], "-f", "{connection_file}"]
    if not job["sandbox"]:
        return python
    scratch = Path(job["scratch"])
    return sandbox.command(scratch, Path(job["lib"]), Path(job["cwd"]), job["env"]) + python


def _write_all(fd: int, data: bytes) -> None:
    with contextlib.suppress(OSError):
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def tree_cpu_seconds(pid: int | None) -> float:
    """CPU seconds used so far by process ``pid`` and all its descendants (Linux; 0 elsewhere)."""
    if not pid or not os.path.isdir("/proc"):
        return 0.0
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
            times[int(entry)] = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        if current not in tree:
            tree.add(current)
            todo.extend(child for child, parent in parents.items() if parent == current)
    return sum(times.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


def _killpg(pgid: int | None) -> None:
    if pgid:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(pgid, signal.SIGKILL)


async def run_notebook(job: dict) -> dict:
    """Run the job's notebook cell by cell; return what happened (see the module docstring)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient.exceptions import DeadKernelError

    start = time.monotonic()
    deadline = start + job["timeout"]
    spec_dir = Path(job["kernels"]) / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    kernel = {"argv": kernel_argv(job), "display_name": "dglab grader", "language": "python", "interrupt_mode": "message"}
    (spec_dir / "kernel.json").write_text(json.dumps(kernel))
    ksm = KernelSpecManager(kernel_dirs=[job["kernels"]])
    runtime = Path(job["scratch"]) / "runtime"
    km = AsyncKernelManager(
        kernel_name=KERNEL_NAME,
        kernel_spec_manager=ksm,
        connection_file=str(runtime / "kernel.json"),
        transport="ipc",
        ip=str(runtime / "k"),
        client_factory=RearmedKernelClient,  # a widget's reply is read when it comes, not at the cell limit
    )
    nb = nbformat.from_dict(job["notebook"])
    timeout_name = "DglabCellTimeout" + secrets.token_hex(8)
    errors: dict[str, list[str]] = {}

    def on_error(cell: Any, cell_index: int, execute_reply: dict) -> None:
        content = execute_reply.get("content", {})
        errors[str(cell_index)] = [str(content.get("ename", ""))[:100], str(content.get("evalue", ""))[:300]]

    setup_timeout = max(job["cell_timeout"], job["setup_timeout"])
    client = QuietClient(
        nb,
        km=km,
        timeout=job["cell_timeout"],
        timeout_func=lambda cell: setup_timeout if cell is nb.cells[0] else job["cell_timeout"],
        startup_timeout=max(10, min(60, int(job["timeout"]))),
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": timeout_name, "evalue": "cell time limit", "traceback": []},
        shutdown_kernel="immediate",
        record_timing=False,
        iopub_timeout=4,
        on_cell_error=on_error,
        resources={"metadata": {"path": job["cwd"]}},
    )
    result: dict[str, Any] = {"stopped": None, "at": None, "message": "", "errors": errors, "timed_out": []}
    boot_r, boot_w = os.pipe()
    chan_r, chan_w = os.pipe()
    channel = ChannelReader(chan_r, bytes.fromhex(job["boot"]["key"]))
    stderr = open(job["stderr"], "wb")
    pgid = None
    try:
        started = False
        feeder = threading.Thread(target=_write_all, args=(boot_w, json.dumps(job["boot"]).encode()), daemon=True)
        feeder.start()  # the launcher reads its stdin to the end before the kernel answers
        async with client.async_setup_kernel(cleanup_kc=True, cwd=job["cwd"], env=job["env"], stdin=boot_r, stdout=chan_w, stderr=stderr):
            started = True
            os.close(boot_r)
            os.close(chan_w)
            boot_r = chan_w = -1
            pgid = getattr(km.provisioner, "pgid", None)
            asyncio.get_running_loop().add_reader(chan_r, channel.drain)
            for index, cell in enumerate(nb.cells):
                channel.cell = index
                left = deadline - time.monotonic()
                if left <= 0:
                    result.update(stopped=TIMEOUT, at=index)
                    break
                # not asyncio.wait_for: nbclient turns a cancelled cell into DeadKernelError
                task = asyncio.ensure_future(client.async_execute_cell(cell, index))
                done, _ = await asyncio.wait({task}, timeout=left)
                channel.drain()
                cell.outputs = []
                if not done:
                    result.update(stopped=TIMEOUT, at=index)
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
                    break
                if isinstance(task.exception(), DeadKernelError):
                    result.update(stopped=KERNEL_DIED, at=index)
                    break
                task.result()
                if errors.get(str(index), [""])[0] == timeout_name:
                    result["timed_out"].append(index)
                    errors.pop(str(index))
            asyncio.get_running_loop().remove_reader(chan_r)
            result["kernel_cpu"] = tree_cpu_seconds(getattr(km.provisioner, "pid", None))
            if result["stopped"]:
                _killpg(pgid)
    except Exception as error:
        if not started:
            result.update(stopped=KERNEL_DIED, at=None, message=f"the kernel did not start ({type(error).__name__}: {str(error)[:200]})")
        elif result["stopped"] is None:
            result.update(stopped=GRADER_ERROR, message=f"{type(error).__name__}: {str(error)[:200]}")
    finally:
        if pgid is None and km.provisioner is not None:
            pgid = getattr(km.provisioner, "pgid", None)
        _killpg(pgid)  # the kernel (and, in the sandbox, its whole PID namespace)
        for fd in (boot_r, chan_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        channel.drain()
        with contextlib.suppress(OSError):
            os.close(chan_r)
        stderr.close()
    result["channel"] = channel.lines
    result["unsigned"] = channel.unsigned
    result["seconds"] = time.monotonic() - start
    return result


def main() -> int:
    """Entry point: job JSON on stdin, one result JSON line on stdout."""
    job = json.loads(sys.stdin.read())
    try:
        result = asyncio.run(run_notebook(job))
    except BaseException as error:  # report, never hang
        result = {"stopped": GRADER_ERROR, "at": None, "message": f"{type(error).__name__}: {str(error)[:200]}", "errors": {}}
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
