# Lab 27: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 27` runs each through the lab's check.

# %% ex1 wrong: no dynamic_shapes: every size of the example, the batch included, is baked into the program
def export_batch_dynamic(model, example):
    was_training = model.training
    model.eval()
    try:
        return torch.export.export(model, (example,))
    finally:
        model.train(was_training)

# %% ex1 wrong: keys dynamic_shapes by the name "x": the check's models call their argument tokens and images
def export_batch_dynamic(model, example):
    was_training = model.training
    model.eval()
    try:
        if example.shape[0] < 2:
            example = example.expand(2, *example.shape[1:])
        return torch.export.export(model, (example,), dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
    finally:
        model.train(was_training)

# %% ex1 wrong: exports in whatever mode the model is in: a model caught in training mode keeps dropout in the program
def export_batch_dynamic(model, example):
    if example.shape[0] < 2:
        example = example.expand(2, *example.shape[1:])
    return torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))

# %% ex1 wrong: calls model.eval() and never puts the model back in training mode
def export_batch_dynamic(model, example):
    model.eval()
    if example.shape[0] < 2:
        example = example.expand(2, *example.shape[1:])
    return torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))

# %% ex1 wrong: restores with model.train(): a model that was in evaluation mode comes back in training mode
def export_batch_dynamic(model, example):
    model.eval()
    try:
        if example.shape[0] < 2:
            example = example.expand(2, *example.shape[1:])
        return torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    finally:
        model.train()

# %% ex1 wrong: Dim.AUTO on every dimension: the time length becomes dynamic too, so a wrong length is accepted
def export_batch_dynamic(model, example):
    was_training = model.training
    model.eval()
    try:
        if example.shape[0] < 2:
            example = example.expand(2, *example.shape[1:])
        auto = {dim: torch.export.Dim.AUTO for dim in range(example.dim())}
        return torch.export.export(model, (example,), dynamic_shapes=(auto,))
    finally:
        model.train(was_training)

# %% ex1 wrong: Dim.AUTO on the batch only: from a single-image example it silently specialises the batch to 1
def export_batch_dynamic(model, example):
    was_training = model.training
    model.eval()
    try:
        return torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim.AUTO},))
    finally:
        model.train(was_training)

# %% ex1 wrong: exports the example as given: export refuses a dynamic dimension whose example size is 1
def export_batch_dynamic(model, example):
    was_training = model.training
    model.eval()
    try:
        return torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    finally:
        model.train(was_training)

# %% ex1 wrong: hard-coded: a batch range that stops at 64, enough for the sizes one first tries
def export_batch_dynamic(model, example):
    was_training = model.training
    model.eval()
    try:
        if example.shape[0] < 2:
            example = example.expand(2, *example.shape[1:])
        return torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim("batch", max=64)},))
    finally:
        model.train(was_training)

# %% ex1 wrong: hard-coded: returns the eager model in eval mode, which runs at every batch size but is no ExportedProgram
def export_batch_dynamic(model, example):
    return model.eval()

# %% ex1 alternative: exports an eval-mode deep copy (the caller's model is never touched), Dim.DYNAMIC, a batch of 2 made with torch.cat
import copy


def export_batch_dynamic(model, example):
    frozen = copy.deepcopy(model).eval()
    if len(example) < 2:
        example = torch.cat([example, example])
    return torch.export.export(frozen, (example,), dynamic_shapes=({0: torch.export.Dim.DYNAMIC},))

# %% ex1 alternative: finds forward's argument name with inspect and uses the dict form; restores every module's flag
import inspect


def export_batch_dynamic(model, example):
    flags = {module: module.training for module in model.modules()}
    argument = next(iter(inspect.signature(model.forward).parameters))
    model.eval()
    try:
        if example.size(0) == 1:
            example = example.repeat(2, *([1] * (example.dim() - 1)))
        batch = torch.export.Dim("batch", min=1)
        return torch.export.export(model, (example,), dynamic_shapes={argument: {0: batch}})
    finally:
        for module, was_training in flags.items():
            module.training = was_training

# %% ex1 wrong: (probe) a training-mode forward "to check the shapes" before exporting: BatchNorm statistics move
def export_batch_dynamic(model, example):
    was = model.training
    with torch.no_grad():
        model(torch.cat([example, example]))
    model.eval()
    if example.shape[0] == 1:
        example = torch.cat([example, example])
    try:
        return torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    finally:
        model.train(was)

# %% ex1 wrong: (probe) restores only the top-level flag with train(was): a frozen submodule would be unfrozen
def export_batch_dynamic(model, example):
    was = model.training
    model.eval()
    if example.shape[0] == 1:
        example = torch.cat([example, example])
    program = torch.export.export(model, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    model.train(was)
    return program

# %% ex2 wrong: looks at the first input only: a candidate wrong at another batch size passes
def worst_difference(reference, candidate, inputs):
    with torch.inference_mode():
        want, got = reference(inputs[0]), candidate(inputs[0])
        if want.shape != got.shape:
            raise ValueError("output shapes differ")
        if want.isnan().any() or got.isnan().any():
            return math.inf
        return (got - want).abs().max().item()

# %% ex2 wrong: the mean absolute difference, not the largest: a single wrong class is averaged away
def worst_difference(reference, candidate, inputs):
    worst = 0.0
    with torch.inference_mode():
        for x in inputs:
            want, got = reference(x), candidate(x)
            if want.shape != got.shape:
                raise ValueError("output shapes differ")
            if want.isnan().any() or got.isnan().any():
                return math.inf
            worst = max(worst, (got - want).abs().mean().item())
    return worst

# %% ex2 wrong: never compares shapes: a (1, 3) output broadcasts against (3, 3) and gives a number
def worst_difference(reference, candidate, inputs):
    worst = 0.0
    with torch.inference_mode():
        for x in inputs:
            want, got = reference(x), candidate(x)
            if want.isnan().any() or got.isnan().any():
                return math.inf
            worst = max(worst, (got - want).abs().max().item())
    return worst

# %% ex2 wrong: no NaN test: Python's max() keeps the old value when the new one is NaN, so NaN hides
def worst_difference(reference, candidate, inputs):
    worst = 0.0
    with torch.inference_mode():
        for x in inputs:
            want, got = reference(x), candidate(x)
            if want.shape != got.shape:
                raise ValueError("output shapes differ")
            worst = max(worst, (got - want).abs().max().item())
    return worst

# %% ex2 wrong: tests the candidate's output for NaN but not the reference's
def worst_difference(reference, candidate, inputs):
    worst = 0.0
    with torch.inference_mode():
        for x in inputs:
            want, got = reference(x), candidate(x)
            if want.shape != got.shape:
                raise ValueError("output shapes differ")
            if got.isnan().any():
                return math.inf
            worst = max(worst, (got - want).abs().max().item())
    return worst

# %% ex2 wrong: stacks the per-input maxima and takes torch.max: a NaN gives nan, not math.inf
def worst_difference(reference, candidate, inputs):
    with torch.inference_mode():
        maxima = []
        for x in inputs:
            want, got = reference(x), candidate(x)
            if want.shape != got.shape:
                raise ValueError("output shapes differ")
            maxima.append((got - want).abs().max())
        return torch.stack(maxima).max().item()

# %% ex2 wrong: checks the shapes with assert: a mismatch raises AssertionError, not ValueError
def worst_difference(reference, candidate, inputs):
    worst = 0.0
    with torch.inference_mode():
        for x in inputs:
            want, got = reference(x), candidate(x)
            assert want.shape == got.shape, "output shapes differ"
            if want.isnan().any() or got.isnan().any():
                return math.inf
            worst = max(worst, (got - want).abs().max().item())
    return worst

# %% ex2 wrong: returns a 0-d tensor instead of a Python float
def worst_difference(reference, candidate, inputs):
    worst = torch.tensor(0.0)
    with torch.inference_mode():
        for x in inputs:
            want, got = reference(x), candidate(x)
            if want.shape != got.shape:
                raise ValueError("output shapes differ")
            if want.isnan().any() or got.isnan().any():
                return math.inf
            worst = torch.maximum(worst, (got - want).abs().max())
    return worst

# %% ex2 wrong: torch.no_grad() instead of torch.inference_mode()
def worst_difference(reference, candidate, inputs):
    worst = 0.0
    with torch.no_grad():
        for x in inputs:
            want, got = reference(x), candidate(x)
            if want.shape != got.shape:
                raise ValueError("output shapes differ")
            if want.isnan().any() or got.isnan().any():
                return math.inf
            worst = max(worst, (got - want).abs().max().item())
    return worst

# %% ex2 wrong: the largest relative difference instead of the absolute one
def worst_difference(reference, candidate, inputs):
    worst = 0.0
    with torch.inference_mode():
        for x in inputs:
            want, got = reference(x), candidate(x)
            if want.shape != got.shape:
                raise ValueError("output shapes differ")
            if want.isnan().any() or got.isnan().any():
                return math.inf
            worst = max(worst, ((got - want).abs() / want.abs().clamp_min(1e-12)).max().item())
    return worst

# %% ex2 wrong: hard-coded: returns the broken export's offset without running anything
def worst_difference(reference, candidate, inputs):
    return 0.25

# %% ex2 alternative: all absolute differences in one flat tensor; NaN turned into +inf with nan_to_num, then one max
def worst_difference(reference, candidate, inputs):
    with torch.inference_mode():
        pairs = [(reference(x), candidate(x)) for x in inputs]
    for want, got in pairs:
        if tuple(want.shape) != tuple(got.shape):
            raise ValueError(f"shape {tuple(got.shape)} is not {tuple(want.shape)}")
    differences = torch.cat([(got - want).abs().flatten() for want, got in pairs])
    return float(torch.nan_to_num(differences, nan=math.inf, posinf=math.inf).max())

# %% ex2 alternative: inference_mode as a decorator on a per-input helper; math.isnan on each maximum
@torch.inference_mode()
def _largest_gap(reference, candidate, x):
    want, got = reference(x), candidate(x)
    if want.shape != got.shape:
        raise ValueError("the outputs have different shapes")
    return (got - want).abs().max().item()


def worst_difference(reference, candidate, inputs):
    gaps = [_largest_gap(reference, candidate, x) for x in inputs]
    return math.inf if any(math.isnan(gap) for gap in gaps) else max(gaps)

# %% ex2 wrong: signed difference, no abs: a candidate that is too LOW reads as perfect
def worst_difference(reference, candidate, inputs):
    worst = 0.0
    with torch.inference_mode():
        for x in inputs:
            a, b = reference(x), candidate(x)
            if a.shape != b.shape:
                raise ValueError(f"shapes {tuple(a.shape)} and {tuple(b.shape)} differ")
            if torch.isnan(a).any() or torch.isnan(b).any():
                return math.inf
            worst = max(worst, (b - a).max().item())
    return worst

# %% ex2 wrong: compares element counts, not shapes, and flattens: a (7, 3) vs (21,) or transposed output passes
def worst_difference(reference, candidate, inputs):
    worst = 0.0
    with torch.inference_mode():
        for x in inputs:
            a, b = reference(x), candidate(x)
            if a.numel() != b.numel():
                raise ValueError(f"{a.numel()} and {b.numel()} elements")
            d = (a.reshape(-1) - b.reshape(-1)).abs()
            if torch.isnan(d).any():
                return math.inf
            worst = max(worst, d.max().item())
    return worst

# %% ex2 alternative: (probe) shapes first, then the differences: each callable runs twice per input
def worst_difference(reference, candidate, inputs):
    with torch.inference_mode():
        for x in inputs:
            if reference(x).shape != candidate(x).shape:
                raise ValueError("output shapes differ")
        worst = 0.0
        for x in inputs:
            d = (reference(x) - candidate(x)).abs()
            if d.isnan().any():
                return math.inf
            worst = max(worst, float(d.max()))
    return worst

# %% ex3 wrong: keeps every call_function node: operator.getitem shows up as an "operator"
def op_counts(program):
    counts = {}
    for node in program.graph.nodes:
        if node.op == "call_function":
            counts[str(node.target)] = counts.get(str(node.target), 0) + 1
    return counts

# %% ex3 wrong: counts nodes by their names (linear, linear_1, ...) instead of by the operator they call
def op_counts(program):
    counts = {}
    for node in program.graph.nodes:
        if node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload):
            counts[node.name] = counts.get(node.name, 0) + 1
    return counts

# %% ex3 wrong: a set of operator names turned into a dict: every count is 1
def op_counts(program):
    names = {str(node.target) for node in program.graph.nodes
             if node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload)}
    return {name: 1 for name in names}

# %% ex3 wrong: counts every node's target, placeholders and the output included
def op_counts(program):
    counts = {}
    for node in program.graph.nodes:
        if node.op != "call_function" or isinstance(node.target, torch._ops.OpOverload):
            counts[str(node.target)] = counts.get(str(node.target), 0) + 1
    return counts

# %% ex3 wrong: names operators with the schema name ("aten::linear"), which drops the overload
def op_counts(program):
    counts = {}
    for node in program.graph.nodes:
        if node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload):
            name = node.target.name()
            counts[name] = counts.get(name, 0) + 1
    return counts

# %% ex3 wrong: parses the generated Python code with a regex: names without namespace and overload
import re


def op_counts(program):
    counts = {}
    for name in re.findall(r"torch\.ops\.aten\.(\w+)", program.graph_module.code):
        counts[name] = counts.get(name, 0) + 1
    return counts

# %% ex3 wrong: returns the list of operator names in graph order instead of a dict of counts
def op_counts(program):
    return [str(node.target) for node in program.graph.nodes
            if node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload)]

# %% ex3 wrong: hard-coded: the first visible answer (the MLP's counts) whatever the program
def op_counts(program):
    return {"aten.linear.default": 3, "aten.relu.default": 2}

# %% ex3 alternative: collections.Counter (a dict subclass) over a generator of the OpOverload targets' names
import collections


def op_counts(program):
    return collections.Counter(str(node.target) for node in program.graph.nodes
                               if node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload))

# %% ex3 alternative: recognises an ATen operator by its schema and namespace; walks graph_module.graph, the same graph
def op_counts(program):
    counts = {}
    for node in program.graph_module.graph.nodes:
        target = node.target
        if node.op == "call_function" and hasattr(target, "_schema") and getattr(target, "namespace", "") == "aten":
            counts[str(target)] = counts.get(str(target), 0) + 1
    return dict(sorted(counts.items()))

# %% ex3 wrong: (probe) excludes operator.getitem by name only: other builtins (operator.mul on sizes, ...) still count
def op_counts(program):
    counts = {}
    for node in program.graph.nodes:
        if node.op == "call_function" and "getitem" not in str(node.target):
            counts[str(node.target)] = counts.get(str(node.target), 0) + 1
    return counts
