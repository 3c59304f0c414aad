# Lab 18: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 18` runs each through the lab's check.

# %% ex1 wrong: dynamic=False counts every call as a compile, even a length seen before
def predict_compiles(lengths, dynamic):
    if dynamic is True:
        return [1] * len(lengths)
    if dynamic is None:
        return [min(len(set(lengths[: i + 1])), 2) for i in range(len(lengths))]
    return [min(i + 1, 8) for i in range(len(lengths))]

# %% ex1 wrong: forgets the recompile limit: dynamic=False compiles every new length forever
def predict_compiles(lengths, dynamic):
    most = {True: 1, None: 2, False: float("inf")}[dynamic]
    seen, counts = set(), []
    for n in lengths:
        seen.add(n)
        counts.append(min(len(seen), most))
    return counts

# %% ex1 wrong: the default (dynamic=None) treated like dynamic=True: misses the recompile with a symbolic size
def predict_compiles(lengths, dynamic):
    most = {True: 1, None: 1, False: 8}[dynamic]
    seen, counts = set(), []
    for n in lengths:
        seen.add(n)
        counts.append(min(len(seen), most))
    return counts

# %% ex1 wrong: the default (dynamic=None) treated like dynamic=False: one static graph per length
def predict_compiles(lengths, dynamic):
    most = {True: 1, None: 8, False: 8}[dynamic]
    seen, counts = set(), []
    for n in lengths:
        seen.add(n)
        counts.append(min(len(seen), most))
    return counts

# %% ex1 wrong: off by one at the limit: allows 9 graphs before falling back to eager
def predict_compiles(lengths, dynamic):
    most = {True: 1, None: 2, False: 9}[dynamic]
    seen, counts = set(), []
    for n in lengths:
        seen.add(n)
        counts.append(min(len(seen), most))
    return counts

# %% ex1 wrong: returns the final total for every call instead of the count after each call
def predict_compiles(lengths, dynamic):
    most = {True: 1, None: 2, False: 8}[dynamic]
    return [min(len(set(lengths)), most)] * len(lengths)

# %% ex1 wrong: hard-codes the counts of the first visible sequence for each mode
def predict_compiles(lengths, dynamic):
    known = {False: [1, 2, 3, 3, 4], None: [1, 2, 2, 2, 2], True: [1, 1, 1, 1, 1]}[dynamic]
    return (known + [known[-1]] * len(lengths))[: len(lengths)]

# %% ex1 wrong: hard-codes the visible expected values
_SEEN = {((4, 6, 8, 6, 10), False): [1, 2, 3, 3, 4], ((4, 6, 8, 6, 10), None): [1, 2, 2, 2, 2],
         ((4, 6, 8, 6, 10), True): [1, 1, 1, 1, 1], ((5, 5, 5), None): [1, 1, 1],
         ((7, 7, 3, 7, 3, 9), None): [1, 1, 2, 2, 2, 2],
         ((3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 3, 13), False): [1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8]}


def predict_compiles(lengths, dynamic):
    return list(_SEEN.get((tuple(lengths), dynamic), [1] * len(lengths)))

# %% ex1 alternative: simulates Dynamo's cache: a list of graphs, each a fixed length or "any length"
def predict_compiles(lengths, dynamic):
    graphs, counts, first = [], [], None
    for n in lengths:
        if not any(g == "any" or g == n for g in graphs):
            if dynamic is True:
                graphs.append("any")
            elif dynamic is None:
                graphs.append(n if first is None else "any")
            elif len(graphs) < 8:
                graphs.append(n)
        first = n if first is None else first
        counts.append(len(graphs))
    return counts

# %% ex1 alternative: itertools.accumulate over "is this length new?", capped per mode
import itertools

def predict_compiles(lengths, dynamic):
    cap = 1 if dynamic is True else 2 if dynamic is None else 8
    new = [int(n not in lengths[:i]) for i, n in enumerate(lengths)]
    return [min(c, cap) for c in itertools.accumulate(new)]

# %% ex2 wrong: pads every input to the largest bucket (one shape, but not the smallest bucket that fits)
def run_bucketed(fn, x, buckets):
    length = x.shape[-1]
    if length > buckets[-1]:
        raise ValueError(f"length {length} is longer than the largest bucket {buckets[-1]}")
    return fn(torch.nn.functional.pad(x, (0, buckets[-1] - length)))[..., :length]

# %% ex2 wrong: pads on the left, so the causal function sees zeros before the data
def run_bucketed(fn, x, buckets):
    length = x.shape[-1]
    bucket = next((b for b in buckets if b >= length), None)
    if bucket is None:
        raise ValueError(f"length {length} is longer than the largest bucket")
    return fn(torch.nn.functional.pad(x, (bucket - length, 0)))[..., -length:]

# %% ex2 wrong: looks for a bucket strictly longer than the length, so a length equal to a bucket goes one up
def run_bucketed(fn, x, buckets):
    length = x.shape[-1]
    bucket = next((b for b in buckets if b > length), None)
    if bucket is None:
        raise ValueError(f"length {length} is longer than the largest bucket")
    return fn(torch.nn.functional.pad(x, (0, bucket - length)))[..., :length]

# %% ex2 wrong: forgets to cut the output back to the input's length
def run_bucketed(fn, x, buckets):
    length = x.shape[-1]
    bucket = next((b for b in buckets if b >= length), None)
    if bucket is None:
        raise ValueError(f"length {length} is longer than the largest bucket")
    return fn(torch.nn.functional.pad(x, (0, bucket - length)))

# %% ex2 wrong: pads with the last value (replicate) instead of zeros
def run_bucketed(fn, x, buckets):
    length = x.shape[-1]
    bucket = next((b for b in buckets if b >= length), None)
    if bucket is None:
        raise ValueError(f"length {length} is longer than the largest bucket")
    padded = torch.cat([x, x[:, -1:].expand(-1, bucket - length)], dim=-1)
    return fn(padded)[..., :length]

# %% ex2 wrong: a length longer than every bucket is run unpadded instead of raising ValueError
def run_bucketed(fn, x, buckets):
    length = x.shape[-1]
    bucket = next((b for b in buckets if b >= length), length)
    return fn(torch.nn.functional.pad(x, (0, bucket - length)))[..., :length]

# %% ex2 wrong: the shortcut: calls fn on x as it is, so the compiled function sees every length
def run_bucketed(fn, x, buckets):
    if x.shape[-1] > max(buckets):
        raise ValueError("too long for every bucket")
    return fn(x)

# %% ex2 wrong: hard-codes the bucket of each length of the first visible case
def run_bucketed(fn, x, buckets):
    length = x.shape[-1]
    bucket = {3: 8, 5: 8, 8: 8, 9: 16, 16: 16, 12: 16}.get(length, buckets[0])
    if length > max(buckets):
        raise ValueError("too long for every bucket")
    return fn(torch.nn.functional.pad(x, (0, max(bucket, length) - length)))[..., :length]

# %% ex2 wrong: pads with float64 zeros: the padded input, and so the output, change dtype
import torch


def run_bucketed(fn, x, buckets):
    n = x.shape[-1]
    for b in buckets:
        if b >= n:
            padded = torch.cat([x.double(), torch.zeros(x.shape[0], b - n, dtype=torch.float64)], dim=-1)
            return fn(padded)[..., :n]
    raise ValueError(f"length {n} exceeds every bucket")

# %% ex2 alternative: bisect finds the bucket; the zeros are concatenated with new_zeros
import bisect

def run_bucketed(fn, x, buckets):
    length = x.shape[-1]
    i = bisect.bisect_left(buckets, length)
    if i == len(buckets):
        raise ValueError(f"no bucket holds length {length}; the largest is {buckets[-1]}")
    padded = torch.cat([x, x.new_zeros(*x.shape[:-1], buckets[i] - length)], dim=-1)
    return fn(padded).narrow(-1, 0, length)

# %% ex2 alternative: copies x into a zero tensor of the bucket's length
def run_bucketed(fn, x, buckets):
    length = x.shape[-1]
    fitting = [b for b in buckets if b >= length]
    if not fitting:
        raise ValueError(f"length {length} exceeds every bucket {tuple(buckets)}")
    padded = torch.zeros(*x.shape[:-1], min(fitting), dtype=x.dtype)
    padded[..., :length] = x
    return fn(padded)[..., :length]

# %% ex3 wrong: counts every node, placeholders and the output node included
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        self.ops_per_graph.append(len(gm.graph.nodes))
        return gm.forward

# %% ex3 wrong: counts only call_function nodes, missing tensor methods such as x.sin()
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        self.ops_per_graph.append(sum(node.op == "call_function" for node in gm.graph.nodes))
        return gm.forward

# %% ex3 wrong: appends a running total over all graphs instead of each graph's own count
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []
        self.total = 0

    def __call__(self, gm, example_inputs):
        self.total += sum(node.op.startswith("call") for node in gm.graph.nodes)
        self.ops_per_graph.append(self.total)
        return gm.forward

# %% ex3 wrong: keeps only the last graph's count (overwrites instead of appending)
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        self.ops_per_graph = [sum(node.op.startswith("call") for node in gm.graph.nodes)]
        return gm.forward

# %% ex3 wrong: returns a callable that does not run the graph (hands back the first input)
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        self.ops_per_graph.append(sum(node.op.startswith("call") for node in gm.graph.nodes))
        return lambda *args: args[0]

# %% ex3 wrong: hard-codes the visible counts by the shape of the first example input
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        known = {(5,): 4, (3, 4): 2, (2, 6): 2}
        shape = tuple(example_inputs[0].shape) if example_inputs else ()
        self.ops_per_graph.append(known.get(shape, 3))
        return gm.forward

# %% ex3 wrong: forgets call_module (counts call_function and call_method only)
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        self.ops_per_graph.append(sum(node.op in ("call_function", "call_method") for node in gm.graph.nodes))
        return gm.forward

# %% ex3 wrong: counts everything but placeholders and the output (attribute reads, get_attr, counted as ops)
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        self.ops_per_graph.append(sum(node.op not in ("placeholder", "output") for node in gm.graph.nodes))
        return gm.forward

# %% ex3 wrong: nodes minus the inputs and one output, inputs counted from example_inputs
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        self.ops_per_graph.append(len(list(gm.graph.nodes)) - len(example_inputs) - 1)
        return gm.forward

# %% ex3 alternative: the three op kinds are exactly the node kinds named call_*; a wrapper function runs the graph
class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        n = len([node for node in gm.graph.nodes if node.op.startswith("call_")])
        self.ops_per_graph.append(n)

        def run(*args):
            return gm(*args)

        return run

# %% ex3 alternative: returns the GraphModule itself (it is callable) and counts node kinds with a Counter
import collections

class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []

    def __call__(self, gm, example_inputs):
        kinds = collections.Counter(node.op for node in gm.graph.nodes)
        self.ops_per_graph.append(kinds["call_function"] + kinds["call_method"] + kinds["call_module"])
        return gm

# %% ex3 alternative: wraps torch._dynamo's CompileCounter and records the growth of its op_count
from torch._dynamo.testing import CompileCounter

class OpCountingBackend:
    def __init__(self):
        self.ops_per_graph = []
        self.counter = CompileCounter()

    def __call__(self, gm, example_inputs):
        before = self.counter.op_count
        compiled_graph = self.counter(gm, example_inputs)
        self.ops_per_graph.append(self.counter.op_count - before)
        return compiled_graph
