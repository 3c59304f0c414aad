"""Launch a training script on several processes with ``torchrun`` from a notebook, and read
what each process reported.

Functions defined in a notebook cannot be started in child processes (they live in the
kernel's ``__main__``), so a lab writes its script to a file (``%%writefile {path}``) and
launches it here. :func:`torchrun` runs PyTorch's own launcher as ``python -m
torch.distributed.run`` with the kernel's interpreter, so it works where the ``torchrun``
command is not on ``PATH`` (a venv that is not activated, ``make test``). Each process writes
its results with :func:`save_rank_result`; :func:`rank_results` reads them back in rank order.

The same script runs on several machines by launching it on each one with a rendezvous
endpoint instead of ``--standalone`` (see :func:`torchrun_command`'s ``rdzv_endpoint``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULT_DIR_ENV = "DGLAB_RESULT_DIR"


class LaunchError(RuntimeError):
    """A ``torchrun`` launch failed or timed out; the message ends with its output."""


@dataclass(frozen=True)
class Launch:
    """One finished ``torchrun`` launch.

    Attributes:
        command: the command line that ran.
        seconds: wall time of the launch (process start to exit).
        output: what the processes printed (stdout and stderr together).
        result_dir: the folder the processes wrote their results to.
    """

    command: list[str]
    seconds: float
    output: str
    result_dir: Path


def torchrun_command(
    script: str | os.PathLike[str],
    *args: str,
    nproc: int = 2,
    nnodes: int = 1,
    rdzv_endpoint: str | None = None,
) -> list[str]:
    """The command line that launches ``script`` on ``nproc`` processes per machine.

    Args:
        script: the Python file each process runs.
        *args: arguments passed to the script.
        nproc: processes on this machine (one per GPU, or a few on a CPU).
        nnodes: machines taking part; above 1 a ``rdzv_endpoint`` is required.
        rdzv_endpoint: ``host:port`` of the rendezvous every machine connects to.

    Returns:
        The argument list, starting with the current interpreter.
    """
    if nproc < 1:
        raise ValueError(f"nproc must be at least 1, got {nproc}")
    command = [sys.executable, "-m", "torch.distributed.run"]
    if nnodes == 1 and rdzv_endpoint is None:
        command += ["--standalone"]
    elif rdzv_endpoint is None:
        raise ValueError(f"{nnodes} machines need a rendezvous endpoint (rdzv_endpoint='host:port')")
    else:
        command += [f"--nnodes={nnodes}", "--rdzv-backend=c10d", f"--rdzv-endpoint={rdzv_endpoint}"]
    return command + [f"--nproc-per-node={nproc}", str(script), *args]


def torchrun(
    script: str | os.PathLike[str],
    *args: str,
    nproc: int = 2,
    result_dir: str | os.PathLike[str] | None = None,
    timeout: float = 120.0,
) -> Launch:
    """Run ``script`` on ``nproc`` local processes with ``torchrun --standalone`` and wait.

    Each process finds ``result_dir`` in the ``DGLAB_RESULT_DIR`` environment variable (what
    :func:`save_rank_result` writes to). Every process gets one intra-op thread, so two
    processes do not fight over the cores.

    Args:
        script: the Python file to run.
        *args: arguments passed to the script.
        nproc: number of processes.
        result_dir: where the processes write results (default: a folder beside the script).
        timeout: seconds before the launch is stopped.

    Returns:
        The finished :class:`Launch`.

    Raises:
        FileNotFoundError: the script does not exist.
        LaunchError: a process failed or the launch ran past ``timeout``; the message holds
            the end of what the processes printed.
    """
    script = Path(script)
    if not script.is_file():
        raise FileNotFoundError(f"no script at {script}: write it first (%%writefile {{path}})")
    results = Path(result_dir) if result_dir is not None else script.with_suffix(".results")
    results.mkdir(parents=True, exist_ok=True)
    for old in results.glob("rank*.json"):
        old.unlink()
    command = torchrun_command(script, *args, nproc=nproc)
    env = {**os.environ, RESULT_DIR_ENV: str(results), "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as stopped:
        output = _text(stopped.stdout) + _text(stopped.stderr)
        raise LaunchError(f"torchrun ran past {timeout:.0f} s and was stopped.\n{_tail(output)}") from None
    seconds = time.perf_counter() - start
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise LaunchError(f"torchrun exited with status {done.returncode}.\n{_tail(output)}")
    return Launch(command=command, seconds=seconds, output=output, result_dir=results)


def save_rank_result(result: dict[str, Any], rank: int | None = None) -> Path:
    """Write one process's results (JSON-able values) for :func:`rank_results` to read.

    Args:
        result: what this process reports, e.g. its final weights as lists.
        rank: this process's rank (default: the ``RANK`` variable torchrun sets).

    Returns:
        The file written.
    """
    folder = os.environ.get(RESULT_DIR_ENV)
    if folder is None:
        raise RuntimeError(f"{RESULT_DIR_ENV} is not set: launch this script with dglab.distributed.torchrun")
    rank = int(os.environ["RANK"]) if rank is None else rank
    path = Path(folder) / f"rank{rank}.json"
    path.write_text(json.dumps(result), encoding="utf-8")
    return path


def rank_results(launch: Launch) -> list[dict[str, Any]]:
    """Read every process's results, in rank order.

    Args:
        launch: a finished launch.

    Returns:
        One dictionary per process that called :func:`save_rank_result`.
    """
    files = sorted(launch.result_dir.glob("rank*.json"), key=lambda p: int(p.stem[4:]))
    if not files:
        raise LaunchError(f"no process wrote results to {launch.result_dir} (call save_rank_result)")
    return [json.loads(p.read_text(encoding="utf-8")) for p in files]


def _text(stream: str | bytes | None) -> str:
    """A captured stream as text (TimeoutExpired may hold bytes or nothing)."""
    if stream is None:
        return ""
    return stream.decode(errors="replace") if isinstance(stream, bytes) else stream


def _tail(output: str, lines: int = 30) -> str:
    """The first traceback in a launch's output (a failing process's, printed before the
    launcher's own) and the output's last lines (the launcher's summary of which rank failed)."""
    text = output.rstrip().splitlines()
    starts = [i for i, line in enumerate(text) if line.startswith("Traceback (most recent call last)")]
    if len(starts) < 2:
        return "\n".join(text[-lines:])
    first = text[starts[0] : starts[1]][-lines:]
    return "\n".join([*first, "...", *text[-12:]])


__all__: Sequence[str] = (
    "Launch",
    "LaunchError",
    "rank_results",
    "save_rank_result",
    "torchrun",
    "torchrun_command",
)
