"""Launched by tests/test_distributed.py: one gloo all-reduce on the CPU, each rank reports it."""

import torch
import torch.distributed as dist

from dglab.distributed import save_rank_result


def main() -> None:
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    value = torch.full((3,), float(rank + 1))
    dist.all_reduce(value)
    save_rank_result({"rank": rank, "world": world, "sum": value.tolist()})
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
