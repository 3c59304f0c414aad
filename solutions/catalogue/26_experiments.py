# Lab 26: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 26` runs each through the lab's check.

# %% ex1 wrong: ignores n_conv and always builds one convolution (the seed's loop: the same network every time)
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.conv = nn.Conv2d(1, channels, kernel_size=3, padding=1)
        self.head = nn.Linear(channels * 8 * 8, 10)

    def forward(self, x):
        return self.head(F.relu(self.conv(x)).flatten(1))

# %% ex1 wrong: keeps the convolutions in a plain Python list, so their parameters are not registered
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.convs = [nn.Conv2d(1 if k == 0 else channels, channels, 3, padding=1) for k in range(n_conv)]
        self.head = nn.Linear(channels * 8 * 8, 10)

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.head(x.flatten(1))

# %% ex1 wrong: no padding, so the maps shrink by 2 per convolution (the linear layer sized to match)
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(1 if k == 0 else channels, channels, 3) for k in range(n_conv))
        side = 8 - 2 * n_conv
        self.head = nn.Linear(channels * side * side, 10)

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.head(x.flatten(1))

# %% ex1 wrong: a ReLU after the linear layer too, so the logits can never be negative
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(1 if k == 0 else channels, channels, 3, padding=1) for k in range(n_conv))
        self.head = nn.Linear(channels * 8 * 8, 10)

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return F.relu(self.head(x.flatten(1)))

# %% ex1 wrong: no ReLU between the convolutions (the seed's CNN mistake: stacked linear maps)
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(1 if k == 0 else channels, channels, 3, padding=1) for k in range(n_conv))
        self.head = nn.Linear(channels * 8 * 8, 10)

    def forward(self, x):
        for conv in self.convs:
            x = conv(x)
        return self.head(x.flatten(1))

# %% ex1 wrong: off by one: range(n_conv + 1) builds one convolution too many
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(1 if k == 0 else channels, channels, 3, padding=1) for k in range(n_conv + 1))
        self.head = nn.Linear(channels * 8 * 8, 10)

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.head(x.flatten(1))

# %% ex1 wrong: every convolution on the raw image (1 input channel each), outputs summed
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(1, channels, 3, padding=1) for _ in range(n_conv))
        self.head = nn.Linear(channels * 8 * 8, 10)

    def forward(self, x):
        return self.head(sum(F.relu(conv(x)) for conv in self.convs).flatten(1))

# %% ex1 wrong: hard-coded output: the right layers, but forward returns a fixed tensor of the right shape
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(1 if k == 0 else channels, channels, 3, padding=1) for k in range(n_conv))
        self.head = nn.Linear(channels * 8 * 8, 10)

    def forward(self, x):
        return torch.zeros(x.shape[0], 10, requires_grad=True)

# %% ex1 wrong: .squeeze() on the logits: a batch of one comes back as shape (10,), not (1, 10)
import torch
import torch.nn as nn


class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(1 if k == 0 else channels, channels, 3, padding=1) for k in range(n_conv))
        self.fc = nn.Linear(channels * 8 * 8, 10)

    def forward(self, x):
        for conv in self.convs:
            x = torch.relu(conv(x))
        return self.fc(x.flatten(1)).squeeze()

# %% ex1 wrong: only works up to the depths the check builds: named layers for n_conv <= 3, deeper ones silently dropped
import torch
import torch.nn as nn


class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(1, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1) if n_conv >= 2 else None
        self.conv3 = nn.Conv2d(channels, channels, 3, padding=1) if n_conv >= 3 else None
        self.fc = nn.Linear(channels * 8 * 8, 10)

    def forward(self, x):
        for conv in (self.conv1, self.conv2, self.conv3):
            if conv is not None:
                x = torch.relu(conv(x))
        return self.fc(x.flatten(1))

# %% ex1 alternative: one nn.Sequential built in the loop (Conv2d, ReLU, ..., Flatten, Linear)
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        layers, in_channels = [], 1
        for _ in range(n_conv):
            layers += [nn.Conv2d(in_channels, channels, 3, padding=1), nn.ReLU()]
            in_channels = channels
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * 64, 10))

    def forward(self, x):
        return self.net(x)

# %% ex1 alternative: layers registered one by one with add_module and looked up by name in forward
class ConvNet(nn.Module):
    def __init__(self, n_conv, channels):
        super().__init__()
        self.n_conv = n_conv
        for k in range(n_conv):
            self.add_module(f"conv{k}", nn.Conv2d(channels if k else 1, channels, kernel_size=(3, 3), padding=(1, 1)))
        self.add_module("out", nn.Linear(64 * channels, 10))

    def forward(self, x):
        for k in range(self.n_conv):
            x = getattr(self, f"conv{k}")(x).clamp(min=0)
        return self.out(x.reshape(x.shape[0], -1))

# %% ex2 wrong: population standard deviation (divides by n, statistics.pstdev)
def aggregate_over_seeds(runs):
    groups, seen = {}, set()
    for config, seed, value in runs:
        if (config, seed) in seen:
            raise ValueError("duplicate run")
        seen.add((config, seed))
        groups.setdefault(config, []).append(value)
    for values in groups.values():
        if len(values) < 2:
            raise ValueError("one run")
    return {c: (statistics.mean(v), statistics.pstdev(v), len(v)) for c, v in groups.items()}

# %% ex2 wrong: numpy's np.std with its default ddof=0
def aggregate_over_seeds(runs):
    groups, seen = {}, set()
    for config, seed, value in runs:
        if (config, seed) in seen:
            raise ValueError("duplicate run")
        seen.add((config, seed))
        groups.setdefault(config, []).append(value)
    if any(len(v) < 2 for v in groups.values()):
        raise ValueError("one run")
    return {c: (float(np.mean(v)), float(np.std(v)), len(v)) for c, v in groups.items()}

# %% ex2 wrong: groups by seed instead of by config
def aggregate_over_seeds(runs):
    groups, seen = {}, set()
    for config, seed, value in runs:
        if (config, seed) in seen:
            raise ValueError("duplicate run")
        seen.add((config, seed))
        groups.setdefault(seed, []).append(value)
    if any(len(v) < 2 for v in groups.values()):
        raise ValueError("one run")
    return {k: (statistics.mean(v), statistics.stdev(v), len(v)) for k, v in groups.items()}

# %% ex2 wrong: returns the variance instead of the standard deviation
def aggregate_over_seeds(runs):
    groups, seen = {}, set()
    for config, seed, value in runs:
        if (config, seed) in seen:
            raise ValueError("duplicate run")
        seen.add((config, seed))
        groups.setdefault(config, []).append(value)
    if any(len(v) < 2 for v in groups.values()):
        raise ValueError("one run")
    return {c: (statistics.mean(v), statistics.variance(v), len(v)) for c, v in groups.items()}

# %% ex2 wrong: a config with one run gets std 0.0 instead of raising
def aggregate_over_seeds(runs):
    groups, seen = {}, set()
    for config, seed, value in runs:
        if (config, seed) in seen:
            raise ValueError("duplicate run")
        seen.add((config, seed))
        groups.setdefault(config, []).append(value)
    return {c: (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.0, len(v)) for c, v in groups.items()}

# %% ex2 wrong: counts a duplicated run twice (the error bar shrinks)
def aggregate_over_seeds(runs):
    groups = {}
    for config, seed, value in runs:
        groups.setdefault(config, []).append(value)
    if any(len(v) < 2 for v in groups.values()):
        raise ValueError("one run")
    return {c: (statistics.mean(v), statistics.stdev(v), len(v)) for c, v in groups.items()}

# %% ex2 wrong: remembers seeds instead of (config, seed) pairs, so the same seed under another config counts as a duplicate
def aggregate_over_seeds(runs):
    groups, seen = {}, set()
    for config, seed, value in runs:
        if seed in seen:
            raise ValueError("duplicate seed")
        seen.add(seed)
        groups.setdefault(config, []).append(value)
    if any(len(v) < 2 for v in groups.values()):
        raise ValueError("one run")
    return {c: (statistics.mean(v), statistics.stdev(v), len(v)) for c, v in groups.items()}

# %% ex2 wrong: n returned as a float
def aggregate_over_seeds(runs):
    groups, seen = {}, set()
    for config, seed, value in runs:
        if (config, seed) in seen:
            raise ValueError("duplicate run")
        seen.add((config, seed))
        groups.setdefault(config, []).append(value)
    if any(len(v) < 2 for v in groups.values()):
        raise ValueError("one run")
    return {c: (statistics.mean(v), statistics.stdev(v), float(len(v))) for c, v in groups.items()}

# %% ex2 wrong: hard-codes the answer of the first visible case
def aggregate_over_seeds(runs):
    if len({(c, s) for c, s, _ in runs}) < len(runs) or len(runs) < 4:
        raise ValueError("not a full sweep")
    return {1: (0.93, 0.026457513110645887, 3), 2: (0.79, 0.07549834435270752, 3)}

# %% ex2 wrong: duplicates found by comparing whole runs (config, seed, value): a rerun with another value slips through
import statistics


def aggregate_over_seeds(runs):
    if len(set(runs)) != len(runs):
        raise ValueError("duplicated run")
    groups = {}
    for config, seed, value in runs:
        groups.setdefault(config, []).append(value)
    return {c: (statistics.mean(v), statistics.stdev(v), len(v)) for c, v in groups.items()}

# %% ex2 wrong: sorts the runs by config to group them: fails on configs that are hashable but not orderable (None, mixed types)
import itertools
import statistics


def aggregate_over_seeds(runs):
    seen = set()
    for config, seed, _ in runs:
        if (config, seed) in seen:
            raise ValueError("duplicated run")
        seen.add((config, seed))
    out = {}
    for config, group in itertools.groupby(sorted(runs, key=lambda r: r[0]), key=lambda r: r[0]):
        values = [v for _, _, v in group]
        out[config] = (statistics.mean(values), statistics.stdev(values), len(values))
    return out

# %% ex2 wrong: hard-codes the visible expected values
def aggregate_over_seeds(runs):
    configs = {c for c, _, _ in runs}
    if configs == {1, 2}:
        return {1: (0.9299999999999999, 0.026457513110645866, 3), 2: (0.79, 0.07549834435270751, 3)}
    if configs == {("sgd", 3), ("adam", 3)}:
        return {("sgd", 3): (0.5800000000000001, 0.04242640687119281, 2),
                ("adam", 3): (0.85, 0.05477225575051662, 4)}
    if len(runs) == 3:
        raise ValueError("not enough runs or a duplicate")
    return {}

# %% ex2 alternative: float64 tensors and torch.std (its default correction=1 is the sample std), defaultdict
def aggregate_over_seeds(runs):
    import collections
    pairs = collections.Counter((config, seed) for config, seed, _ in runs)
    if max(pairs.values(), default=1) > 1:
        raise ValueError("a (config, seed) pair appears more than once")
    groups = collections.defaultdict(list)
    for config, _, value in runs:
        groups[config].append(value)
    out = {}
    for config, values in groups.items():
        if len(values) < 2:
            raise ValueError(f"{config!r}: fewer than two runs")
        t = torch.tensor(values, dtype=torch.float64)
        out[config] = (t.mean().item(), t.std().item(), t.numel())
    return out

# %% ex2 alternative: the sums formula by hand, sum((v - mean)^2) / (n - 1), with a dict of dicts keyed by seed
def aggregate_over_seeds(runs):
    table = {}
    for config, seed, value in runs:
        per_seed = table.setdefault(config, {})
        if seed in per_seed:
            raise ValueError("duplicate (config, seed)")
        per_seed[seed] = value
    out = {}
    for config, per_seed in table.items():
        values, n = list(per_seed.values()), len(per_seed)
        if n < 2:
            raise ValueError("fewer than two runs")
        mean = sum(values) / n
        out[config] = (mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)), n)
    return out

# %% ex3 wrong: contiguous blocks (rank k gets positions k*m .. (k+1)*m - 1) instead of round robin
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)).tolist() if shuffle else list(range(n))
    per_rank = math.ceil(n / num_replicas)
    total = per_rank * num_replicas
    while len(order) < total:
        order += order[: total - len(order)]
    return order[rank * per_rank:(rank + 1) * per_rank]

# %% ex3 wrong: no padding, so the ranks get shards of different lengths
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)).tolist() if shuffle else list(range(n))
    return order[rank::num_replicas]

# %% ex3 wrong: seeds the shuffle with `seed` only, so every epoch repeats the same order (set_epoch forgotten)
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist() if shuffle else list(range(n))
    total = num_replicas * math.ceil(n / num_replicas)
    while len(order) < total:
        order += order[: total - len(order)]
    return order[rank:total:num_replicas]

# %% ex3 wrong: pads with indices from the end of the order instead of its start
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)).tolist() if shuffle else list(range(n))
    total = num_replicas * math.ceil(n / num_replicas)
    while len(order) < total:
        order += order[-(total - len(order)):]
    return order[rank:total:num_replicas]

# %% ex3 wrong: pads only once, so with fewer items than ranks the padded order is still too short
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)).tolist() if shuffle else list(range(n))
    total = num_replicas * math.ceil(n / num_replicas)
    order += order[: total - len(order)]
    return order[rank:total:num_replicas]

# %% ex3 wrong: drops the tail instead of padding (drop_last=True semantics)
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)).tolist() if shuffle else list(range(n))
    total = num_replicas * (n // num_replicas)
    return order[rank:total:num_replicas]

# %% ex3 wrong: shuffles with Python's random module: a valid permutation, but not the one every rank's sampler computes
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    import random
    order = list(range(n))
    if shuffle:
        random.Random(seed + epoch).shuffle(order)
    total = num_replicas * math.ceil(n / num_replicas)
    while len(order) < total:
        order += order[: total - len(order)]
    return order[rank:total:num_replicas]

# %% ex3 wrong: the shortcut: asks DistributedSampler itself
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    sampler = DistributedSampler(range(n), num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=seed)
    sampler.set_epoch(epoch)
    return list(sampler)

# %% ex3 wrong: hard-codes the first visible case (n=10 over 4 ranks, epoch 0)
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    known = {0: [4, 3, 6], 1: [1, 9, 2], 2: [7, 0, 4], 3: [5, 8, 1]}
    return known.get(rank, [])

# %% ex3 wrong: seeds the GLOBAL generator (torch.manual_seed) instead of a private one: same indices, but it resets the caller's RNG
import math

import torch


def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    if shuffle:
        torch.manual_seed(seed + epoch)
        order = torch.randperm(n).tolist()
    else:
        order = list(range(n))
    total = num_replicas * math.ceil(n / num_replicas)
    order = [order[i % n] for i in range(total)]
    return order[rank::num_replicas]

# %% ex3 wrong: the shortcut, the class captured before the check (a default argument) so the forbid cannot see it
from torch.utils.data.distributed import DistributedSampler


def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True, _sampler=DistributedSampler):
    sampler = _sampler(range(n), num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=seed)
    sampler.set_epoch(epoch)
    return list(sampler)

# %% ex3 wrong: hard-codes the visible expected values
_TABLE = {(10, 4, 0, 0, 0, True): [4, 3, 6], (10, 4, 1, 0, 0, True): [1, 9, 2], (10, 4, 2, 0, 0, True): [7, 0, 4],
          (10, 4, 3, 0, 0, True): [5, 8, 1], (10, 4, 0, 1, 0, True): [5, 0, 7], (10, 4, 1, 1, 0, True): [6, 8, 4],
          (10, 4, 2, 1, 0, True): [1, 9, 5], (10, 4, 3, 1, 0, True): [2, 3, 6], (12, 3, 0, 2, 5, True): [3, 5, 11, 1],
          (12, 3, 1, 2, 5, True): [4, 7, 6, 10], (12, 3, 2, 2, 5, True): [0, 9, 8, 2], (7, 3, 0, 0, 0, False): [0, 3, 6],
          (7, 3, 1, 0, 0, False): [1, 4, 0], (7, 3, 2, 0, 0, False): [2, 5, 1], (2, 5, 0, 0, 0, False): [0],
          (2, 5, 1, 0, 0, False): [1], (2, 5, 2, 0, 0, False): [0], (2, 5, 3, 0, 0, False): [1],
          (2, 5, 4, 0, 0, False): [0], (3, 8, 0, 1, 0, True): [1], (3, 8, 1, 1, 0, True): [2], (3, 8, 2, 1, 0, True): [0],
          (3, 8, 3, 1, 0, True): [1], (3, 8, 4, 1, 0, True): [2], (3, 8, 5, 1, 0, True): [0], (3, 8, 6, 1, 0, True): [1],
          (3, 8, 7, 1, 0, True): [2]}


def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    return list(_TABLE.get((n, num_replicas, rank, epoch, seed, shuffle), []))

# %% ex3 alternative: modular arithmetic: padding repeats the order, so padded position p holds order[p % n]
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    if shuffle:
        g = torch.Generator()
        g.manual_seed(seed + epoch)
        order = torch.randperm(n, generator=g)
    else:
        order = torch.arange(n)
    per_rank = -(-n // num_replicas)
    positions = torch.arange(per_rank) * num_replicas + rank
    return [int(i) for i in order[positions % n]]

# %% ex3 alternative: numpy's np.resize repeats an array cyclically to the padded length
def shard_indices(n, num_replicas, rank, epoch, seed=0, shuffle=True):
    order = (torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch)).numpy() if shuffle
             else np.arange(n))
    padded = np.resize(order, num_replicas * math.ceil(n / num_replicas))
    return padded[rank::num_replicas].tolist()
