"""dglab.profiling: the memory meters agree with bytes computed by hand; timing and traces work."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
from torch.utils.checkpoint import checkpoint

from dglab import profiling

BATCH, IN, HIDDEN, OUT = 512, 64, 256, 10
FLOAT = 4


@pytest.fixture
def mlp() -> torch.nn.Sequential:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(IN, HIDDEN), torch.nn.GELU(), torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.GELU(),
        torch.nn.Linear(HIDDEN, OUT),
    )


@pytest.fixture
def x() -> torch.Tensor:
    return torch.randn(BATCH, IN)


def test_saved_bytes_match_hand_count(mlp: torch.nn.Sequential, x: torch.Tensor) -> None:
    # Linear 1 saves x; GELU saves its input; Linear 2 saves GELU's output; GELU 2 its input;
    # Linear 3 saves GELU 2's output. Weights are parameters and are excluded.
    by_hand = BATCH * IN * FLOAT + 4 * BATCH * HIDDEN * FLOAT
    assert profiling.saved_bytes(mlp, x, exclude=mlp) == by_hand


def test_saved_bytes_counts_weights_unless_excluded(mlp: torch.nn.Sequential, x: torch.Tensor) -> None:
    weights = sum(m.weight.numel() * FLOAT for m in mlp if isinstance(m, torch.nn.Linear))
    with_weights = profiling.saved_bytes(mlp, x)
    assert with_weights - profiling.saved_bytes(mlp, x, exclude=mlp) == weights - IN * HIDDEN * FLOAT
    # (the first Linear's input does not require grad, so its weight is not saved)


def test_no_grad_saves_nothing(mlp: torch.nn.Sequential, x: torch.Tensor) -> None:
    def forward() -> torch.Tensor:
        with torch.no_grad():
            return mlp(x)

    assert profiling.saved_bytes(forward, exclude=mlp) == 0


def test_checkpoint_saves_only_its_input(mlp: torch.nn.Sequential, x: torch.Tensor) -> None:
    saved = profiling.saved_bytes(lambda: checkpoint(mlp, x, use_reentrant=False), exclude=mlp)
    assert saved == BATCH * IN * FLOAT


def test_measure_memory_report(mlp: torch.nn.Sequential, x: torch.Tensor) -> None:
    report = profiling.measure_memory(lambda: mlp(x).sum(), exclude=mlp)
    assert report.saved_for_backward == BATCH * IN * FLOAT + 4 * BATCH * HIDDEN * FLOAT
    assert report.device == "cpu"
    # Activations created during the call: 2 Linear + 2 GELU outputs of (B, HIDDEN), one (B, OUT), a scalar.
    created = 4 * BATCH * HIDDEN * FLOAT + BATCH * OUT * FLOAT + FLOAT
    assert report.peak_live == created
    # The result keeps its graph alive, and with it every saved activation; the logits are
    # not saved (sum's backward needs only their shape), so they are already freed.
    assert report.live_after == 4 * BATCH * HIDDEN * FLOAT + FLOAT
    with torch.no_grad():
        assert profiling.measure_memory(lambda: mlp(x).sum()).live_after == FLOAT  # only the result
    assert "saved for backward" in str(report) and "MiB" in str(report)
    assert report.allocator is None


def test_meters_do_not_keep_graphs_alive() -> None:
    x = torch.ones(1000, requires_grad=True)

    def saves_outputs() -> torch.Tensor:
        return x.tanh().exp().sum()  # tanh and exp save their outputs

    report = profiling.measure_memory(saves_outputs)
    assert report.live_after == 2 * 4000 + FLOAT  # the two saved outputs and the result
    assert profiling.measure_memory(lambda: saves_outputs().backward()).live_after == 4000  # only x.grad
    assert profiling.measure_memory(lambda: saves_outputs() and None).live_after == 0  # graph dropped, freed
    y = profiling.saved_bytes(saves_outputs)
    assert y == 2 * 4000


def test_saved_bytes_adds_up_graphs_freed_during_the_call(mlp: torch.nn.Sequential, x: torch.Tensor) -> None:
    one = profiling.saved_bytes(lambda: mlp(x).sum(), exclude=mlp)

    def three_batches() -> None:
        for _ in range(3):
            mlp(x.clone()).sum()  # each graph dies before the next is built; addresses get reused

    assert profiling.saved_bytes(three_batches, exclude=mlp) == 3 * one


def test_peak_live_bytes_sees_frees() -> None:
    def chain() -> torch.Tensor:
        a = torch.ones(1000)  # 4000 B
        b = a * 2  # +4000 -> 8000
        del a  # -> 4000
        c = b * 3  # -> 8000
        return c

    peak, timeline = profiling.peak_live_bytes(chain)
    assert peak == 8000
    assert timeline[:4] == [4000, 8000, 4000, 8000]


def test_time_fn_measures(x: torch.Tensor) -> None:
    m = profiling.time_fn(torch.add, x, x, min_run_time=0.05)
    assert m.median > 0 and m.number_per_run >= 1
    assert m.task_spec.num_threads == 1
    with pytest.raises(ValueError, match="num_threads"):
        profiling.time_fn(torch.add, x, x, num_threads=0)
    with pytest.raises(TypeError, match="callable"):
        profiling.time_fn(3)  # type: ignore[arg-type]


def test_profile_table_trace_plot(mlp: torch.nn.Sequential, x: torch.Tensor, tmp_path) -> None:
    result = profiling.profile(mlp, x, trace_path=tmp_path / "t.json")
    assert "aten::addmm" in result.table
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    assert any(e.get("name") == "aten::addmm" for e in events)
    names = [name for name, _ in result.top_ops(20)]
    assert "aten::addmm" in names
    assert result.plot(5).get_xlabel() == "self time (ms)"


def test_device_helpers() -> None:
    assert profiling.pick_device().type in {"cuda", "mps", "cpu"}
    profiling.synchronize("cpu")
    assert profiling.format_bytes(3 * 2**20) == "3.00 MiB"
    assert profiling.format_bytes(12) == "12 B"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only message")
def test_gpu_only_feature_says_so_on_cpu() -> None:
    with pytest.raises(profiling.GPUOnlyError, match=r"needs a CUDA GPU and this machine has none; use measure_memory\(\)"):
        profiling.cuda_allocator_stats()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_allocator_stats_on_gpu() -> None:  # pragma: no cover - runs on GPU machines only
    x = torch.randn(1024, 1024, device="cuda", requires_grad=True)
    report = profiling.measure_memory(lambda: (x * 2).sum())
    assert report.allocator is not None and report.allocator["peak"] >= 1024 * 1024 * 4
    assert profiling.cuda_allocator_stats()["allocated"] > 0


def test_fastest_times_keeps_each_candidates_fastest_block() -> None:
    import time

    from dglab.profiling import fastest_times

    calls = {"fast": 0, "slow": 0}

    def fast() -> None:
        calls["fast"] += 1

    def slow() -> None:
        calls["slow"] += 1
        time.sleep(0.001)

    best = fastest_times({"fast": fast, "slow": slow}, rounds=2, min_run_time=0.01)
    assert set(best) == {"fast", "slow"} and best["slow"] > 0.001 > best["fast"] > 0
    assert calls["fast"] > 0 and calls["slow"] > 0
    with pytest.raises(ValueError, match="at least one candidate"):
        fastest_times({})


def test_one_thread_returns_the_previous_count() -> None:
    from dglab.profiling import one_thread

    before = torch.get_num_threads()
    try:
        assert one_thread() == before and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
