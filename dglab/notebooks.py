"""Execute notebooks: kernels over private Unix sockets, replies read as soon as they come (even
while ipywidgets talk to the kernel), cell time limits that name the cell, and per-cell timings
(``dglab times``, ``dglab catalogue``, the grader, the course's pytest plugin).

What a check cell said is read by :func:`dglab.catalogue.outcome_of`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from traitlets import DottedObjectName, Type


class RearmedShellChannel(AsyncZMQSocketChannel):
    """An asyncio shell channel that looks for replies again after every message it sends.

    jupyter_client sends through a blocking twin of the asyncio socket, behind pyzmq's back.
    A zmq socket tells the event loop about new messages through an edge-triggered file
    descriptor, and a send can use up the signal of a reply that arrived just before it: the
    reply then sits unread until the poll waiting for it times out. nbclient sends on this
    channel while it waits for a cell's reply each time an ipywidgets ``Output`` widget (every
    ``interact``) shows something, so such a cell took the whole cell limit before its reply
    was read. Reading ``EVENTS`` through the asyncio socket after the send makes pyzmq look at
    the socket again (zmq documents ``ZMQ_FD`` so: the descriptor does not tell whether a
    message is waiting, ``ZMQ_EVENTS`` does).
    """

    def send(self, msg: dict[str, Any]) -> None:
        super().send(msg)
        assert self.socket is not None
        self.socket.get(zmq.EVENTS)


class RearmedKernelClient(AsyncKernelClient):
    """An asyncio kernel client whose shell channel is a :class:`RearmedShellChannel`."""

    shell_channel_class = Type(RearmedShellChannel)


class _PrivateSockets:
    """Kernel-manager mixin: Unix sockets in a folder of its own, removed at shutdown.

    Over TCP the client picks free ports and the kernel binds them later, so two kernels
    started at once can race for a port; Unix sockets in a private folder cannot collide,
    and nothing listens on the network.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.socket_folder = tempfile.mkdtemp(prefix="dglab-kernel-")  # short: a socket path has ~100 bytes
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", str(Path(self.socket_folder) / "kernel"))
        super().__init__(**kwargs)


class IPCKernelManager(_PrivateSockets, KernelManager):
    """A blocking kernel manager over private Unix sockets (what nbval drives)."""

    def cleanup_resources(self, restart: bool = False) -> None:
        super().cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self.socket_folder, ignore_errors=True)


class AsyncIPCKernelManager(_PrivateSockets, AsyncKernelManager):
    """An asyncio kernel manager over private Unix sockets (what nbclient drives).

    nbclient needs an async manager: with a blocking one its output reader blocks the event
    loop, and a cell's time limit never fires. Its clients are :class:`RearmedKernelClient`.
    """

    client_class = DottedObjectName("dglab.notebooks.RearmedKernelClient")
    client_factory = Type(default_value=RearmedKernelClient, klass=AsyncKernelClient)

    async def cleanup_resources(self, restart: bool = False) -> None:
        await super().cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self.socket_folder, ignore_errors=True)


@contextmanager
def ipc_kernel_manager(kernel_name: str = "python3") -> Iterator[AsyncIPCKernelManager]:
    """Yield an :class:`AsyncIPCKernelManager` for one notebook run; kernel and folder go afterwards.

    :func:`running_client` has nbclient shut the kernel down; this is the fallback for a run
    that failed before nbclient took charge of the kernel.
    """
    km = AsyncIPCKernelManager(kernel_name=kernel_name)
    try:
        yield km
    finally:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
        shutil.rmtree(km.socket_folder, ignore_errors=True)


@contextmanager
def running_client(nb: nbformat.NotebookNode, cwd: Path, cell_timeout: int = 120, kernel_name: str = "python3") -> Iterator[NotebookClient]:
    """Yield an nbclient client that runs ``nb`` in ``cwd``, its kernel started; all of it goes afterwards.

    The kernel runs over private Unix sockets (:class:`AsyncIPCKernelManager`). On the way out
    the client's channels are closed, the kernel is shut down and its socket folder removed:
    nbclient closes the channels only of clients whose manager it made itself, and a client left
    open keeps a zmq context, its threads and sockets that retry the dead kernel's endpoints for
    as long as the process lives.
    """
    with ipc_kernel_manager(kernel_name) as km:
        client = NotebookClient(nb, km=km, timeout=cell_timeout, shutdown_kernel="immediate", resources={"metadata": {"path": str(cwd)}})
        with client.setup_kernel(cleanup_kc=True):
            yield client


class CellTimeout(RuntimeError):
    """A cell ran over its time limit; the message names the notebook and the cell."""


def execute(
    nb: nbformat.NotebookNode,
    cwd: Path,
    cell_timeout: int = 120,
    kernel_name: str = "python3",
) -> float:
    """Run every cell of ``nb`` in place in a fresh kernel; return the wall time in seconds.

    Cells tagged ``raises-exception`` may fail; any other failing cell raises
    ``nbclient.exceptions.CellExecutionError``; a cell over ``cell_timeout`` raises
    :class:`CellTimeout` naming the cell.
    """
    from nbclient.exceptions import CellTimeoutError

    running = {"index": -1}

    def on_cell_execute(cell: nbformat.NotebookNode, cell_index: int) -> None:
        running["index"] = cell_index

    start = time.perf_counter()  # the kernel's start counts, as for a student who opens the lab
    with running_client(nb, cwd, cell_timeout, kernel_name) as client:
        client.on_cell_execute = on_cell_execute
        try:
            client.execute()
        except CellTimeoutError:
            index = running["index"]
            first = nb.cells[index].source.strip().splitlines()[:1] if index >= 0 else []
            raise CellTimeout(f"cell {index} ran over the {cell_timeout} s cell limit: {first[0] if first else ''}") from None
        return time.perf_counter() - start


@dataclass(frozen=True)
class Timing:
    """How long one notebook took, and its slowest cell."""

    notebook: str
    seconds: float
    slowest_cell: int | None = None  # None when only the notebook's total is known
    slowest_seconds: float = 0.0


def timings_table(rows: list[Timing], budget: float | None = None) -> str:
    """Format notebook timings as a Markdown table, slowest first, with a total line."""
    lines = ["| notebook | seconds | slowest cell |", "|---|---:|---|"]
    for row in sorted(rows, key=lambda r: -r.seconds):
        over = " **over budget**" if budget is not None and row.seconds > budget else ""
        slowest = "" if row.slowest_cell is None else f"cell {row.slowest_cell}: {row.slowest_seconds:.1f} s"
        lines.append(f"| {row.notebook} | {row.seconds:.1f}{over} | {slowest} |")
    total = sum(r.seconds for r in rows)
    lines.append(f"| **total, {len(rows)} notebooks** | {total:.1f} | |")
    return "\n".join(lines)


def cell_seconds(nb: nbformat.NotebookNode) -> list[tuple[int, float]]:
    """Return (cell index, seconds) for each executed code cell, from nbclient's timing metadata."""
    out = []
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            out.append((index, seconds))
    return out
