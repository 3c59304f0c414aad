# Lab 11: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 11` runs each through the lab's check.

# %% ex1 wrong: ranks by total time, which includes the time of the op's children
def self_time_shares(averages, n):
    total = sum(e.self_cpu_time_total for e in averages)
    ranked = sorted(averages, key=lambda e: e.cpu_time_total, reverse=True)
    return [(e.key, e.self_cpu_time_total / total) for e in ranked[:n]]

# %% ex1 wrong: divides by the sum of total times, which counts nested work several times
def self_time_shares(averages, n):
    total = sum(e.cpu_time_total for e in averages)
    ranked = sorted(averages, key=lambda e: e.self_cpu_time_total, reverse=True)
    return [(e.key, e.self_cpu_time_total / total) for e in ranked[:n]]

# %% ex1 wrong: shares of the top n only, not of all ops
def self_time_shares(averages, n):
    ranked = sorted(averages, key=lambda e: e.self_cpu_time_total, reverse=True)[:n]
    total = sum(e.self_cpu_time_total for e in ranked)
    return [(e.key, e.self_cpu_time_total / total) for e in ranked]

# %% ex1 wrong: ranks by self time per call (self time / count) instead of self time
def self_time_shares(averages, n):
    total = sum(e.self_cpu_time_total for e in averages)
    ranked = sorted(averages, key=lambda e: e.self_cpu_time_total / e.count, reverse=True)
    return [(e.key, e.self_cpu_time_total / total) for e in ranked[:n]]

# %% ex1 wrong: least self time first
def self_time_shares(averages, n):
    total = sum(e.self_cpu_time_total for e in averages)
    ranked = sorted(averages, key=lambda e: e.self_cpu_time_total)
    return [(e.key, e.self_cpu_time_total / total) for e in ranked[:n]]

# %% ex1 wrong: the first n rows as they come, unsorted
def self_time_shares(averages, n):
    total = sum(e.self_cpu_time_total for e in averages)
    return [(e.key, e.self_cpu_time_total / total) for e in list(averages)[:n]]

# %% ex1 wrong: hard-codes the answers of the two visible made-up profiles
def self_time_shares(averages, n):
    if n == 3:
        return [("aten::addmm", 0.6), ("aten::mm", 0.25), ("aten::add_", 0.085)]
    return [("aten::relu", 0.5), ("aten::mm", 0.3), ("aten::sum", 0.2)]

# %% ex1 wrong: the shortcut the exercise rules out (ProfileResult.top_ops does the ranking)
from pathlib import Path

from dglab.profiling import ProfileResult


def self_time_shares(averages, n):
    total = sum(e.self_cpu_time_total for e in averages)
    top = ProfileResult(table="", trace_path=Path("unused"), averages=averages).top_ops(n)
    return [(name, ms * 1000 / total) for name, ms in top]

# %% ex1 alternative: heapq.nlargest for the ranking and the EventList's own self-time total for the denominator
import heapq


def self_time_shares(averages, n):
    total = averages.self_cpu_time_total
    return [(e.key, e.self_cpu_time_total / total)
            for e in heapq.nlargest(n, averages, key=lambda e: e.self_cpu_time_total)]

# %% ex1 alternative: a name -> self time dict, sorted by negated value
def self_time_shares(averages, n):
    self_us = {e.key: e.self_cpu_time_total for e in averages}
    total = sum(self_us.values())
    ordered = sorted(self_us.items(), key=lambda item: -item[1])
    return [(name, us / total) for name, us in ordered[:n]]

# %% ex2 wrong: the redundant version itself: the mean and the centred values are computed twice
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


def standardise(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()

# %% ex2 wrong: the mean is computed once, but x - mean is still computed twice
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


def standardise(x):
    mean = x.mean(-1, keepdim=True)
    return (x - mean) / ((x - mean) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()

# %% ex2 wrong: torch's default variance is the unbiased one (divides by n - 1), not the mean squared deviation
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


def standardise(x):
    centred = x - x.mean(-1, keepdim=True)
    return centred / (x.var(-1, keepdim=True) + 1e-5).sqrt()

# %% ex2 wrong: adds the 1e-5 after the square root instead of before
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


def standardise(x):
    centred = x - x.mean(-1, keepdim=True)
    return centred / ((centred * centred).mean(-1, keepdim=True).sqrt() + 1e-5)

# %% ex2 wrong: detaches the mean to "save work", so the gradient misses the path through it
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


def standardise(x):
    centred = x - x.mean(-1, keepdim=True).detach()
    return centred / (centred * centred).mean(-1, keepdim=True).add(1e-5).sqrt()

# %% ex2 wrong: standardises along the first dimension instead of the rows
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


def standardise(x):
    centred = x - x.mean(0, keepdim=True)
    return centred / (centred * centred).mean(0, keepdim=True).add(1e-5).sqrt()

# %% ex2 wrong: the shortcut the exercise rules out: torch.compile removes the repeats, not the student
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


standardise = torch.compile(standardise_twice)

# %% ex2 wrong: hard-codes the values for the visible inputs (recomputed from the check's seeds), no graph behind them
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


_answers = {}
for _shape, _seed in (((4, 6), 0), ((2, 3, 5), 1)):
    _spread = torch.logspace(-2.5, 0.5, _shape[-2], dtype=torch.float64).unsqueeze(-1)
    _x = torch.randn(*_shape, generator=torch.Generator().manual_seed(_seed), dtype=torch.float64) * _spread + 2
    _answers[_shape] = standardise_twice(_x)


def standardise(x):
    return _answers[tuple(x.shape)]

# %% ex2 alternative: torch.var_mean gives the biased variance and the mean in one op
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


def standardise(x):
    var, mean = torch.var_mean(x, -1, correction=0, keepdim=True)
    return (x - mean) / (var + 1e-5).sqrt()

# %% ex2 alternative: the library's fused op: layer_norm without weight or bias is exactly this
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


def standardise(x):
    return F.layer_norm(x, x.shape[-1:], eps=1e-5)

# %% ex2 alternative: multiplies by rsqrt and squares with pow, names reused throughout
def standardise_twice(x):
    return (x - x.mean(-1, keepdim=True)) / ((x - x.mean(-1, keepdim=True)) ** 2).mean(-1, keepdim=True).add(1e-5).sqrt()


def standardise(x):
    centred = x - x.mean(dim=-1, keepdim=True)
    return centred * torch.rsqrt(centred.pow(2).mean(dim=-1, keepdim=True) + 1e-5)

# %% ex3 wrong: reads the loss with .item() every step: one sync per step
def train_losses(model, opt, batches):
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses

# %% ex3 wrong: float(loss) every step is the same sync as .item()
def train_losses(model, opt, batches):
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return losses

# %% ex3 wrong: keeps the losses on the device, then reads them one by one at the end
def train_losses(model, opt, batches):
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return [v.item() for v in torch.stack(losses)]

# %% ex3 wrong: torch.tensor of a list of tensors reads every element into Python
def train_losses(model, opt, batches):
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return torch.tensor(losses).tolist()

# %% ex3 wrong: returns a tensor, not a list of Python floats
def train_losses(model, opt, batches):
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return torch.stack(losses)

# %% ex3 wrong: forgets zero_grad, so gradients pile up from step to step
def train_losses(model, opt, batches):
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return torch.stack(losses).tolist()

# %% ex3 wrong: computes all the losses first and trains afterwards, so each loss comes from the untrained model
def train_losses(model, opt, batches):
    losses = [F.cross_entropy(model(x), y) for x, y in batches]
    for loss in losses:
        opt.zero_grad()
        loss.backward()
        opt.step()
    return torch.stack([loss.detach() for loss in losses]).tolist()

# %% ex3 wrong: hard-codes a list of losses and trains nothing
def train_losses(model, opt, batches):
    return [1.1, 1.05, 1.0, 0.95, 0.9][:len(batches)]

# %% ex3 wrong: copies each loss to the host with .to("cpu") inside the loop: a sync per step on a GPU
def train_losses(model, opt, batches):
    losses = []
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.detach().to("cpu"))
    return torch.stack(losses).tolist()

# %% ex3 alternative: writes each loss into a preallocated tensor on the batches' device; one .tolist() at the end
def train_losses(model, opt, batches):
    buffer = torch.empty(len(batches), device=batches[0][0].device)
    for step, (x, y) in enumerate(batches):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        buffer[step] = loss.detach()
    return buffer.tolist()

# %% ex3 alternative: zero_grad(set_to_none) first in the step, losses gathered with torch.cat of 1-element views
def train_losses(model, opt, batches):
    kept = []
    for x, y in batches:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        kept.append(loss.detach().reshape(1))
    return torch.cat(kept).tolist()
