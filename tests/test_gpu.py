"""The GPU tier: every CUDA path of dglab and the course, run for real on a CUDA machine.

`make test-gpu` runs these with `--fail-on-skip` (a skip is a failure there) together with nbval
over every notebook, whose GPU-only cells then run instead of explaining themselves. On a CPU
machine every test here skips, and `make test-gpu` says it needs a GPU.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch

from dglab import profiling
from dglab.distributed import torchrun_command

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (make test-gpu on a GPU machine)"),
]
HERE = Path(__file__).resolve().parent


def test_pick_device_and_timing_synchronise_cuda() -> None:
    assert profiling.pick_device().type == "cuda"
    small = torch.randn(256, 256, device="cuda")
    large = torch.randn(4096, 4096, device="cuda")
    t_small = profiling.time_fn(torch.matmul, small, small, min_run_time=0.05).median
    t_large = profiling.time_fn(torch.matmul, large, large, min_run_time=0.05).median
    # Without synchronisation both would measure only the kernel launch (a few µs each).
    assert t_large > 20 * t_small


def test_measure_memory_adds_allocator_statistics() -> None:
    layer = torch.nn.Linear(1024, 1024).cuda()
    x = torch.randn(512, 1024, device="cuda")
    report = profiling.measure_memory(lambda: torch.relu(layer(x)).sum(), exclude=layer)
    assert report.device == "cuda" and report.allocator is not None
    assert report.allocator["peak"] >= 512 * 1024 * 4
    assert report.saved_for_backward >= 512 * 1024 * 4


def test_allocator_statistics_show_empty_cache() -> None:
    torch.cuda.empty_cache()
    before = profiling.cuda_allocator_stats()
    block = torch.empty(64 * 2**20, dtype=torch.uint8, device="cuda")
    held = profiling.cuda_allocator_stats()
    assert held["allocated"] - before["allocated"] >= 64 * 2**20
    del block
    cached = profiling.cuda_allocator_stats()
    assert cached["allocated"] <= before["allocated"] and cached["reserved"] >= held["reserved"]
    torch.cuda.empty_cache()
    assert profiling.cuda_allocator_stats()["reserved"] < cached["reserved"]


def test_fp16_autocast_and_grad_scaler_skip_an_overflowing_step() -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 1).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cuda", init_scale=2.0**16)
    x, y = torch.randn(16, 8, device="cuda"), torch.randn(16, 1, device="cuda")
    with torch.autocast("cuda", dtype=torch.float16):
        out = model(x)
        assert out.dtype == torch.float16
        loss = torch.nn.functional.mse_loss(out.float(), y)
    scaler.scale(loss).backward()
    model.weight.grad[0, 0] = float("inf")   # force one overflow
    before = model.weight.detach().clone()
    scale = scaler.get_scale()
    scaler.step(opt)
    scaler.update()
    assert torch.equal(model.weight, before), "the overflowing step must be skipped"
    assert scaler.get_scale() == scale / 2, "the scale must be halved after an overflow"


def test_profiler_records_cuda_kernels(tmp_path: Path) -> None:
    x = torch.randn(1024, 1024, device="cuda")
    result = profiling.profile(lambda: (x @ x).relu().sum(), trace_path=tmp_path / "trace.json")
    assert result.trace_path.exists()
    assert any(getattr(e, "self_device_time_total", 0) > 0 for e in result.averages)


def test_nccl_all_reduce_with_torchrun(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    gpus = torch.cuda.device_count()
    cmd = torchrun_command(HERE / "gpu" / "ddp_allreduce.py", str(out), nproc=gpus)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["backend"] == "nccl" and result["world"] == gpus
    assert result["sum"] == [float(gpus * (gpus + 1) // 2)] * 4
