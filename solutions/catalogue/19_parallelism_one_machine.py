# Lab 19: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 19` runs each through the lab's check.

# %% ex1 wrong: takes the first entry of the dict as the baseline (keys need not start at 1)
def speedup_table(times):
    if 1 not in times:
        raise ValueError("no 1-thread time")
    baseline = next(iter(times.values()))
    return {n: (baseline / t, baseline / t / n) for n, t in times.items()}

# %% ex1 wrong: takes the slowest time as the baseline (wrong when more threads are slower, on a busy machine)
def speedup_table(times):
    if 1 not in times:
        raise ValueError("no 1-thread time")
    baseline = max(times.values())
    return {n: (baseline / t, baseline / t / n) for n, t in times.items()}

# %% ex1 wrong: takes the fastest time as the baseline
def speedup_table(times):
    if 1 not in times:
        raise ValueError("no 1-thread time")
    baseline = min(times.values())
    return {n: (baseline / t, baseline / t / n) for n, t in times.items()}

# %% ex1 wrong: efficiency multiplies by the thread count instead of dividing
def speedup_table(times):
    if 1 not in times:
        raise ValueError("no 1-thread time")
    return {n: (times[1] / t, times[1] / t * n) for n, t in times.items()}

# %% ex1 wrong: speed-up upside down (time at n over time at 1)
def speedup_table(times):
    if 1 not in times:
        raise ValueError("no 1-thread time")
    return {n: (t / times[1], t / times[1] / n) for n, t in times.items()}

# %% ex1 wrong: no check for the baseline: a missing 1-thread time gives a KeyError, not a ValueError
def speedup_table(times):
    return {n: (times[1] / t, times[1] / t / n) for n, t in times.items()}

# %% ex1 wrong: speed-up and efficiency as 0-d tensors instead of Python floats
def speedup_table(times):
    if 1 not in times:
        raise ValueError("no 1-thread time")
    t = torch.tensor([times[n] for n in times], dtype=torch.float64)
    speedups = times[1] / t
    return {n: (speedups[k], speedups[k] / n) for k, n in enumerate(times)}

# %% ex1 wrong: hard-codes the visible cases' answers, keyed by the thread counts
def speedup_table(times):
    if 1 not in times:
        raise ValueError("no 1-thread time")
    known = {(1, 2, 4): {1: (1.0, 1.0), 2: (1.6, 0.8), 4: (2.6666666666666665, 0.6666666666666666)},
             (1, 2): {1: (1.0, 1.0), 2: (0.7142857142857143, 0.35714285714285715)},
             (1, 2, 4, 8): {1: (1.0, 1.0), 2: (1.6666666666666667, 0.8333333333333334),
                            4: (2.857142857142857, 0.7142857142857143), 8: (4.0, 0.5)}}
    return dict(known[tuple(sorted(times))])

# %% ex1 wrong: overwrites the caller's measured times with the results (the text says not to modify `times`)
def speedup_table(times):
    if 1 not in times:
        raise ValueError("no 1-thread time")
    base = times[1]
    for n in list(times):
        times[n] = (base / times[n], base / times[n] / n)
    return times

# %% ex1 alternative: one comprehension, efficiency written as t1 / (n * tn)
def speedup_table(times):
    baseline = times.get(1)
    if baseline is None:
        raise ValueError(f"need a 1-thread time as the baseline; got thread counts {sorted(times)}")
    return {n: (float(baseline / t), float(baseline / (n * t))) for n, t in times.items()}

# %% ex1 alternative: walks the thread counts in sorted order and builds the dict with dict(zip(...))
def speedup_table(times):
    counts = sorted(times)
    if not counts or counts[0] != 1:
        raise ValueError("speedup_table: the 1-thread time is missing")
    speedups = [times[1] / times[n] for n in counts]
    return dict(zip(counts, [(s, s / n) for s, n in zip(speedups, counts)]))

# %% ex2 wrong: does nothing, so every worker's copy of gen starts from the same state
def seed_worker(worker_id):
    pass

# %% ex2 wrong: seeds torch's global generator, which the DataLoader already seeds; dataset.gen is untouched
def seed_worker(worker_id):
    torch.manual_seed(get_worker_info().seed)

# %% ex2 wrong: seeds gen with the worker id only: workers differ, but every epoch repeats the same numbers
def seed_worker(worker_id):
    get_worker_info().dataset.gen.manual_seed(worker_id)

# %% ex2 wrong: seeds gen from the process id: workers and epochs differ, but runs are not reproducible
def seed_worker(worker_id):
    import os
    get_worker_info().dataset.gen.manual_seed(os.getpid())

# %% ex2 wrong: seeds a new generator that the dataset never uses
def seed_worker(worker_id):
    gen = torch.Generator()
    gen.manual_seed(get_worker_info().seed)

# %% ex2 wrong: reseeds a global dataset object of the notebook, not the worker's copy of the loader's dataset
def seed_worker(worker_id):
    jitter_loader.dataset.gen.manual_seed(get_worker_info().seed)

# %% ex2 wrong: hard-codes one seed per worker (workers differ, epochs and loader seeds do not)
def seed_worker(worker_id):
    get_worker_info().dataset.gen.manual_seed([1234, 5678][worker_id])

# %% ex2 wrong: seed = info.seed * worker_id: worker 0 always gets seed 0, so its numbers repeat every epoch and for every loader seed
from torch.utils.data import get_worker_info
def seed_worker(worker_id):
    info = get_worker_info()
    info.dataset.gen.manual_seed(info.seed * worker_id)

# %% ex2 wrong: reseeds only worker 1 (an `if worker_id:` guard); worker 0 repeats every epoch
from torch.utils.data import get_worker_info
def seed_worker(worker_id):
    info = get_worker_info()
    if worker_id:
        info.dataset.gen.manual_seed(info.seed)

# %% ex2 alternative: torch.initial_seed() in a worker is the seed the DataLoader gave it (base_seed + worker_id)
def seed_worker(worker_id):
    get_worker_info().dataset.gen.manual_seed(torch.initial_seed())

# %% ex2 alternative: replaces the worker's generator with a new one seeded from Python's random, which the DataLoader seeds per worker
def seed_worker(worker_id):
    import random
    get_worker_info().dataset.gen = torch.Generator().manual_seed(random.getrandbits(63))

# %% ex3 wrong: floor division drops the remainder, so the last items are never read
def shard_range(start, end, worker_id, num_workers):
    if num_workers < 1 or not 0 <= worker_id < num_workers:
        raise ValueError("bad worker_id or num_workers")
    size = (end - start) // num_workers
    return start + worker_id * size, start + (worker_id + 1) * size

# %% ex3 wrong: ceiling division clamped at end: parts of 3, 3, 3, 1 are not balanced
def shard_range(start, end, worker_id, num_workers):
    if num_workers < 1 or not 0 <= worker_id < num_workers:
        raise ValueError("bad worker_id or num_workers")
    size = -(-(end - start) // num_workers)
    lo = min(end, start + worker_id * size)
    return lo, min(end, lo + size)

# %% ex3 wrong: the last worker takes the whole remainder (2, 2, 2, 4 is not balanced)
def shard_range(start, end, worker_id, num_workers):
    if num_workers < 1 or not 0 <= worker_id < num_workers:
        raise ValueError("bad worker_id or num_workers")
    size = (end - start) // num_workers
    lo = start + worker_id * size
    return lo, end if worker_id == num_workers - 1 else lo + size

# %% ex3 wrong: forgets the start offset (splits range(0, end - start))
def shard_range(start, end, worker_id, num_workers):
    if num_workers < 1 or not 0 <= worker_id < num_workers:
        raise ValueError("bad worker_id or num_workers")
    size, extra = divmod(end - start, num_workers)
    lo = worker_id * size + min(worker_id, extra)
    return lo, lo + size + (1 if worker_id < extra else 0)

# %% ex3 wrong: no argument checks (worker_id == num_workers returns a part past the end instead of raising)
def shard_range(start, end, worker_id, num_workers):
    size, extra = divmod(end - start, num_workers)
    lo = start + worker_id * size + min(worker_id, extra)
    return lo, lo + size + (1 if worker_id < extra else 0)

# %% ex3 wrong: returns a range object instead of the tuple (lo, hi)
def shard_range(start, end, worker_id, num_workers):
    if num_workers < 1 or not 0 <= worker_id < num_workers:
        raise ValueError("bad worker_id or num_workers")
    size, extra = divmod(end - start, num_workers)
    lo = start + worker_id * size + min(worker_id, extra)
    return range(lo, lo + size + (1 if worker_id < extra else 0))

# %% ex3 wrong: hard-codes the visible cases' parts
def shard_range(start, end, worker_id, num_workers):
    if num_workers < 1 or not 0 <= worker_id < num_workers:
        raise ValueError("bad worker_id or num_workers")
    known = {(0, 10, 4): [(0, 3), (3, 6), (6, 8), (8, 10)], (5, 12, 3): [(5, 8), (8, 10), (10, 12)],
             (3, 5, 4): [(3, 4), (4, 5), (5, 5), (5, 5)], (2, 9, 1): [(2, 9)], (0, 0, 2): [(0, 0), (0, 0)],
             (1, 12, 2): [(1, 7), (7, 12)]}
    return known[(start, end, num_workers)][worker_id]

# %% ex3 alternative: proportional boundaries start + n*k//w (the longer parts fall where the rounding puts them)
def shard_range(start, end, worker_id, num_workers):
    if num_workers < 1:
        raise ValueError("num_workers must be >= 1")
    if worker_id not in range(num_workers):
        raise ValueError("worker_id out of range")
    n = end - start
    return start + n * worker_id // num_workers, start + n * (worker_id + 1) // num_workers

# %% ex3 alternative: the last `extra` workers take one more item instead of the first ones
def shard_range(start, end, worker_id, num_workers):
    if num_workers < 1 or not 0 <= worker_id < num_workers:
        raise ValueError("bad worker_id or num_workers")
    size, extra = divmod(end - start, num_workers)
    short = num_workers - extra                       # workers 0..short-1 get `size` items
    lo = start + worker_id * size + max(0, worker_id - short)
    return lo, lo + size + (1 if worker_id >= short else 0)
