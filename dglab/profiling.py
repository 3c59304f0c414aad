"""Profiling that works the same on CPU and GPU: device choice, timing, memory, traces.

Every function takes the callable to measure and its arguments, so one notebook cell
measures whatever device the tensors live on. Features that only exist on CUDA raise
:class:`GPUOnlyError` with one sentence saying what to use instead.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten
from torch.utils.benchmark import Measurement, Timer


class GPUOnlyError(RuntimeError):
    """A CUDA-only feature was called on a machine without a CUDA GPU."""


def pick_device() -> torch.device:
    """Return the best available device: cuda, then mps, then cpu."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def synchronize(device: torch.device | str | None = None) -> None:
    """Wait for queued work on ``device`` (a no-op on the CPU)."""
    kind = torch.device(device).type if device is not None else pick_device().type
    if kind == "cuda":
        torch.cuda.synchronize()
    elif kind == "mps":
        torch.mps.synchronize()


def format_bytes(n: float) -> str:
    """Format a byte count for people: ``format_bytes(3 * 2**20) == '3.00 MiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def time_fn(
    fn: Callable[..., Any],
    *args: Any,
    num_threads: int = 1,
    min_run_time: float = 0.2,
    label: str = "",
    **kwargs: Any,
) -> Measurement:
    """Time ``fn(*args, **kwargs)`` with ``torch.utils.benchmark`` (accelerators synchronised).

    Args:
        fn: the function to time.
        *args: its positional arguments.
        num_threads: intra-op threads while timing; one gives stable small-op timings.
        min_run_time: seconds of repeated runs to collect.
        label: a name shown when the measurement is printed.
        **kwargs: its keyword arguments.

    Returns:
        A ``Measurement``; ``.median`` and ``.mean`` are seconds per call.
    """
    if num_threads < 1:
        raise ValueError(f"num_threads must be at least 1, got {num_threads}.")
    if min_run_time <= 0:
        raise ValueError(f"min_run_time must be positive, got {min_run_time}.")
    if not callable(fn):
        raise TypeError(f"time_fn needs a callable first, got {type(fn).__name__}.")
    call = fn
    if pick_device().type == "mps":  # Timer synchronises CUDA itself, not MPS
        def call(*a: Any, **k: Any) -> Any:
            result = fn(*a, **k)
            torch.mps.synchronize()
            return result
    timer = Timer(
        stmt="fn(*args, **kwargs)",
        globals={"fn": call, "args": args, "kwargs": kwargs},
        num_threads=num_threads,
        label=label or getattr(fn, "__name__", "fn"),
    )
    return timer.blocked_autorange(min_run_time=min_run_time)


def fastest_times(
    candidates: dict[str, Callable[[], Any]],
    rounds: int = 4,
    min_run_time: float = 0.02,
    num_threads: int = 1,
) -> dict[str, float]:
    """Time several callables fairly: interleaved rounds, keeping each one's fastest block.

    Other programs can only slow a block down, so the fastest block over rounds that alternate
    the order of the candidates is the steadiest estimate when the machine is shared.

    Args:
        candidates: name -> a callable with no arguments (use a lambda or functools.partial).
        rounds: how many times every candidate is timed; the order flips each round.
        min_run_time: seconds of repeated calls in one block.
        num_threads: intra-op threads while timing (one gives stable small-op timings).

    Returns:
        name -> seconds per call of its fastest block.
    """
    if not candidates:
        raise ValueError("fastest_times needs at least one candidate to time.")
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}.")
    best = {name: float("inf") for name in candidates}
    for r in range(rounds):
        for name in (list(candidates) if r % 2 == 0 else list(candidates)[::-1]):
            blocks = time_fn(candidates[name], min_run_time=min_run_time, num_threads=num_threads).times
            best[name] = min(best[name], min(blocks))
    return best


def one_thread() -> int:
    """Use one intra-op thread for the rest of the notebook; return the previous count.

    Tiny tensors gain nothing from a second thread, and on a busy 2-core machine two threads
    made small-op loops 10-40x slower and their timings bimodal; one thread is steady.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    return before


def _storage_keys(tensors: Iterable[torch.Tensor]) -> set[tuple[str, int]]:
    """Return (device, data pointer) keys for the storages behind ``tensors``."""
    return {(str(t.device), t.untyped_storage().data_ptr()) for t in tensors}


def _excluded(exclude: torch.nn.Module | Iterable[torch.Tensor] | None) -> set[tuple[str, int]]:
    """Storages to leave out: a module's parameters and buffers, or the given tensors."""
    if exclude is None:
        return set()
    if isinstance(exclude, torch.nn.Module):
        return _storage_keys([*exclude.parameters(), *exclude.buffers()])
    return _storage_keys(exclude)


class _SavedCounter:
    """Pack hook that adds up the bytes of each saved storage once, skipping excluded ones."""

    def __init__(self, exclude: torch.nn.Module | Iterable[torch.Tensor] | None) -> None:
        self.skip = _excluded(exclude)
        self.total = 0
        self._alive: dict[tuple[str, int], weakref.ref] = {}

    def pack(self, tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        key = (str(tensor.device), storage.data_ptr())
        ref = self._alive.get(key)
        # Same address and still alive means the same storage; once it is freed, the
        # allocator may hand the address to a new storage, which must count again.
        if key not in self.skip and (ref is None or ref() is None):
            self._alive[key] = weakref.ref(storage)
            self.total += storage.nbytes()
        # A detached alias, not the tensor itself: a saved output holding its own grad_fn
        # would make a reference cycle and keep the graph alive after the call.
        return tensor.detach()


def saved_bytes(
    fn: Callable[..., Any],
    *args: Any,
    exclude: torch.nn.Module | Iterable[torch.Tensor] | None = None,
    **kwargs: Any,
) -> int:
    """Return the bytes autograd saves for backward while running ``fn(*args, **kwargs)``.

    Each storage is counted once and whole (a view of a saved tensor adds nothing; a saved
    slice counts its whole storage, which is what stays alive); a call that frees one graph
    and builds another (a loop over batches) adds up what each graph saved. The storages of
    ``exclude`` (a module's parameters and buffers, typically) are left out,
    because they exist whether or not a graph is recorded. Works on every device.

    Args:
        fn: the forward computation.
        *args: its positional arguments.
        exclude: a module, or tensors, whose storages are not counted.
        **kwargs: its keyword arguments.

    Returns:
        The number of bytes held by the graph for backward.
    """
    counter = _SavedCounter(exclude)
    with torch.autograd.graph.saved_tensors_hooks(counter.pack, lambda tensor: tensor):
        fn(*args, **kwargs)
    return counter.total


class _LiveTensorBytes(TorchDispatchMode):
    """Dispatch mode counting the bytes of storages created under it while they live."""

    def __init__(self) -> None:
        super().__init__()
        self.live = 0
        self.peak = 0
        self.timeline: list[int] = []
        self._refs: dict[int, weakref.ref] = {}

    def _free(self, key: int, nbytes: int) -> None:
        self._refs.pop(key, None)
        self.live -= nbytes
        self.timeline.append(self.live)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        out = func(*args, **(kwargs or {}))
        inputs = {
            t.untyped_storage().data_ptr()
            for t in tree_flatten((args, kwargs))[0]
            if isinstance(t, torch.Tensor)
        }
        for item in tree_flatten(out)[0]:
            if not isinstance(item, torch.Tensor):
                continue
            storage = item.untyped_storage()
            if storage.data_ptr() in inputs and storage.nbytes() > 0:
                continue  # a view of, or in-place result on, an input: no new memory
            key = id(storage)
            ref = self._refs.get(key)
            if ref is not None and ref() is storage:
                continue  # a storage already counted
            nbytes = storage.nbytes()
            self._refs[key] = weakref.ref(storage, lambda _r, key=key, n=nbytes: self._free(key, n))
            self.live += nbytes
            self.peak = max(self.peak, self.live)
            self.timeline.append(self.live)
        return out


@dataclass(frozen=True)
class MemoryReport:
    """What :func:`measure_memory` saw; all sizes in bytes."""

    device: str
    saved_for_backward: int
    peak_live: int
    live_after: int
    timeline: tuple[int, ...]
    allocator: dict[str, int] | None = None

    def __str__(self) -> str:
        lines = [
            f"device:              {self.device}",
            f"saved for backward:  {format_bytes(self.saved_for_backward)}",
            f"peak live tensors:   {format_bytes(self.peak_live)}",
            f"still live after:    {format_bytes(self.live_after)}",
        ]
        for name, value in (self.allocator or {}).items():
            lines.append(f"cuda {name + ':':15s} {format_bytes(value)}")
        return "\n".join(lines)


def peak_live_bytes(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, list[int]]:
    """Return the peak bytes of tensors created during ``fn(*args, **kwargs)`` and the timeline."""
    mode = _LiveTensorBytes()
    with mode:
        fn(*args, **kwargs)
    return mode.peak, list(mode.timeline)


def measure_memory(
    fn: Callable[..., Any],
    *args: Any,
    exclude: torch.nn.Module | Iterable[torch.Tensor] | None = None,
    **kwargs: Any,
) -> MemoryReport:
    """Measure the memory of one call of ``fn`` on any device.

    Counts bytes saved for backward (see :func:`saved_bytes`) and the live bytes of the
    tensors the call creates (peak, and what is still alive when it returns, e.g. the
    graph). On CUDA the caching allocator's statistics are added. ``fn`` runs once.

    Args:
        fn: the computation to measure.
        *args: its positional arguments.
        exclude: a module, or tensors, whose storages are not counted as saved.
        **kwargs: its keyword arguments.

    Returns:
        A :class:`MemoryReport`; printing it gives a short table.
    """
    counter = _SavedCounter(exclude)
    device = pick_device()
    on_cuda = device.type == "cuda"
    if on_cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
    mode = _LiveTensorBytes()
    with torch.autograd.graph.saved_tensors_hooks(counter.pack, lambda tensor: tensor), mode:
        result = fn(*args, **kwargs)
    allocator = None
    if on_cuda:
        torch.cuda.synchronize()
        allocator = {
            "allocated": torch.cuda.memory_allocated() - before,
            "peak": torch.cuda.max_memory_allocated() - before,
            "reserved": torch.cuda.memory_reserved(),
        }
    live_after = mode.live  # the result and the graph behind it
    del result
    return MemoryReport(str(device), counter.total, mode.peak, live_after, tuple(mode.timeline), allocator)


def cuda_allocator_stats() -> dict[str, int]:
    """Return the CUDA caching allocator's main counters (bytes); CUDA only."""
    if not torch.cuda.is_available():
        raise GPUOnlyError(
            "cuda_allocator_stats() needs a CUDA GPU and this machine has none; "
            "use measure_memory(), which counts tensor bytes on every device."
        )
    stats = torch.cuda.memory_stats()
    return {
        "allocated": stats.get("allocated_bytes.all.current", 0),
        "peak allocated": stats.get("allocated_bytes.all.peak", 0),
        "reserved": stats.get("reserved_bytes.all.current", 0),
        "allocations": stats.get("allocation.all.allocated", 0),
        "frees": stats.get("allocation.all.freed", 0),
    }


@dataclass
class ProfileResult:
    """A profiler run: the printed table, the Chrome trace's path and the raw averages."""

    table: str
    trace_path: Path
    averages: Any

    def top_ops(self, n: int = 10) -> list[tuple[str, float]]:
        """Return the ``n`` ops with the most self time as (name, milliseconds)."""
        rows = [(e.key, _self_time_us(e) / 1000.0) for e in self.averages]
        return sorted(rows, key=lambda row: row[1], reverse=True)[:n]

    def plot(self, n: int = 10, ax: Any = None) -> Any:
        """Draw a horizontal bar chart of the ops with the most self time; return the axes."""
        import matplotlib.pyplot as plt

        rows = self.top_ops(n)[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.35 * len(rows) + 1))
        ax.barh([name for name, _ in rows], [ms for _, ms in rows])
        ax.set_xlabel("self time (ms)")
        ax.set_title("where the time went")
        return ax


def _self_time_us(event: Any) -> float:
    """Self time of a profiler average on the device that did the work, in µs."""
    device_time = getattr(event, "self_device_time_total", 0.0) or 0.0
    return float(device_time or event.self_cpu_time_total)


def profile(
    fn: Callable[..., Any],
    *args: Any,
    trace_path: str | os.PathLike[str] = "trace.json",
    row_limit: int = 12,
    record_shapes: bool = False,
    **kwargs: Any,
) -> ProfileResult:
    """Run ``fn(*args, **kwargs)`` under ``torch.profiler`` (CPU, plus CUDA when present).

    Args:
        fn: the computation to profile.
        *args: its positional arguments.
        trace_path: where to write the Chrome trace (open it in chrome://tracing or Perfetto).
        row_limit: rows in the table.
        record_shapes: also group the table by input shapes.
        **kwargs: its keyword arguments.

    Returns:
        A :class:`ProfileResult` with ``.table``, ``.trace_path`` and ``.plot()``.
    """
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    activities = [ProfilerActivity.CPU]
    if torch.cuda.is_available():
        activities.append(ProfilerActivity.CUDA)
    with torch_profile(activities=activities, record_shapes=record_shapes) as prof:
        fn(*args, **kwargs)
        synchronize()
    path = Path(trace_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prof.export_chrome_trace(str(path))
    averages = prof.key_averages(group_by_input_shape=record_shapes)
    sort_by = "self_cuda_time_total" if torch.cuda.is_available() else "self_cpu_time_total"
    return ProfileResult(averages.table(sort_by=sort_by, row_limit=row_limit), path, averages)
