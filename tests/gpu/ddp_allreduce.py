"""Launched by tests/test_gpu.py with torchrun: one NCCL all-reduce per GPU, results to a file."""

import json
import os
import sys

import torch
import torch.distributed as dist


def main() -> None:
    dist.init_process_group("nccl")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    value = torch.full((4,), float(rank + 1), device="cuda")
    dist.all_reduce(value)
    if rank == 0:
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            json.dump({"world": world, "sum": value.tolist(), "backend": dist.get_backend()}, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
