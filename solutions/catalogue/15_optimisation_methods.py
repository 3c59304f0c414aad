# Lab 15: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 15` runs each through the lab's check.

# %% ex1 wrong: forgets autocast: every module reports float32
def autocast_dtypes(model, x):
    found, handles = {}, []
    for name, module in model.named_modules():
        if name:
            handles.append(module.register_forward_hook(
                lambda mod, inputs, output, name=name: found.__setitem__(name, output.dtype)))
    model(x)
    for handle in handles:
        handle.remove()
    return found

# %% ex1 wrong: reports each module's input dtype instead of its output dtype
def autocast_dtypes(model, x):
    found, handles = {}, []
    for name, module in model.named_modules():
        if name:
            handles.append(module.register_forward_hook(
                lambda mod, inputs, output, name=name: found.__setitem__(name, inputs[0].dtype)))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        model(x)
    for handle in handles:
        handle.remove()
    return found

# %% ex1 wrong: autocast for device_type="cuda": the CPU ops are not autocast, everything stays float32
def autocast_dtypes(model, x):
    found, handles = {}, []
    for name, module in model.named_modules():
        if name:
            handles.append(module.register_forward_hook(
                lambda mod, inputs, output, name=name: found.__setitem__(name, output.dtype)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autocast("cuda", dtype=torch.bfloat16):
            model(x)
    for handle in handles:
        handle.remove()
    return found

# %% ex1 wrong: float16 instead of bfloat16 on the CPU
def autocast_dtypes(model, x):
    found, handles = {}, []
    for name, module in model.named_modules():
        if name:
            handles.append(module.register_forward_hook(
                lambda mod, inputs, output, name=name: found.__setitem__(name, output.dtype)))
    with torch.autocast("cpu", dtype=torch.float16):
        model(x)
    for handle in handles:
        handle.remove()
    return found

# %% ex1 wrong: casts the model and the input to bf16 instead of autocasting (the loss stays bf16, the weights change)
def autocast_dtypes(model, x):
    found, handles = {}, []
    for name, module in model.named_modules():
        if name:
            handles.append(module.register_forward_hook(
                lambda mod, inputs, output, name=name: found.__setitem__(name, output.dtype)))
    model.to(torch.bfloat16)(x.to(torch.bfloat16))
    for handle in handles:
        handle.remove()
    return found

# %% ex1 wrong: leaves its hooks on the model
def autocast_dtypes(model, x):
    found = {}
    for name, module in model.named_modules():
        if name:
            module.register_forward_hook(lambda mod, inputs, output, name=name: found.__setitem__(name, output.dtype))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        model(x)
    return found

# %% ex1 wrong: only the leaf modules (no children): the containers' names are missing
def autocast_dtypes(model, x):
    found, handles = {}, []
    for name, module in model.named_modules():
        if name and not list(module.children()):
            handles.append(module.register_forward_hook(
                lambda mod, inputs, output, name=name: found.__setitem__(name, output.dtype)))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        model(x)
    for handle in handles:
        handle.remove()
    return found

# %% ex1 wrong: hard-coded dtypes of the first visible model
def autocast_dtypes(model, x):
    bf16, fp32 = torch.bfloat16, torch.float32
    return {"conv": bf16, "act": bf16, "flat": bf16, "block": bf16, "block.lin": bf16, "block.norm": bf16,
            "head": bf16, "loss": fp32}

# %% ex1 alternative: wraps each submodule's forward for the duration of the call instead of using hooks
def autocast_dtypes(model, x):
    found, wrapped = {}, []
    for name, module in model.named_modules():
        if name:
            def recording(*args, _forward=module.forward, _name=name, **kwargs):
                out = _forward(*args, **kwargs)
                found[_name] = out.dtype
                return out
            module.forward = recording
            wrapped.append(module)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            model(x)
    finally:
        for module in wrapped:
            del module.forward            # back to the class's forward
    return found

# %% ex1 alternative: hooks built in comprehensions, results re-keyed in named_modules order (same dict, different route)
def autocast_dtypes(model, x):
    modules = {name: m for name, m in model.named_modules() if name}
    found = {}
    handles = [m.register_forward_hook(lambda mod, i, o, n=n: found.update({n: o.dtype})) for n, m in modules.items()]
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=True):
        model(x)
    [h.remove() for h in handles]
    return {name: found[name] for name in modules}

# %% ex2 wrong: counts fp32 bytes (4 per element), as without autocast
def predict_linear_saved(batch, in_features, out_features, input_requires_grad, weight_requires_grad):
    total = 0
    if weight_requires_grad:
        total += 4 * batch * in_features
    if input_requires_grad:
        total += 4 * in_features * out_features
    return total

# %% ex2 wrong: forgets the bf16 copy of the weight (a parameter, so "excluded")
def predict_linear_saved(batch, in_features, out_features, input_requires_grad, weight_requires_grad):
    return 2 * batch * in_features if weight_requires_grad else 0

# %% ex2 wrong: always counts both the input copy and the weight copy
def predict_linear_saved(batch, in_features, out_features, input_requires_grad, weight_requires_grad):
    if not (input_requires_grad or weight_requires_grad):
        return 0
    return 2 * batch * in_features + 2 * in_features * out_features

# %% ex2 wrong: swaps which gradient needs which tensor
def predict_linear_saved(batch, in_features, out_features, input_requires_grad, weight_requires_grad):
    total = 0
    if input_requires_grad:
        total += 2 * batch * in_features
    if weight_requires_grad:
        total += 2 * in_features * out_features
    return total

# %% ex2 wrong: counts the output instead of the input
def predict_linear_saved(batch, in_features, out_features, input_requires_grad, weight_requires_grad):
    total = 0
    if weight_requires_grad:
        total += 2 * batch * out_features
    if input_requires_grad:
        total += 2 * in_features * out_features
    return total

# %% ex2 wrong: returns a float (bytes are a whole number)
def predict_linear_saved(batch, in_features, out_features, input_requires_grad, weight_requires_grad):
    return (2 * batch * in_features * weight_requires_grad + 2 * in_features * out_features * input_requires_grad) / 1.0

# %% ex2 wrong: hard-coded byte counts of the visible cases
def predict_linear_saved(batch, in_features, out_features, input_requires_grad, weight_requires_grad):
    return {(8, 16, 4): 384, (32, 24, 48): 3840, (6, 10, 3): 120, (5, 12, 7): 168, (9, 4, 4): 0}.get(
        (batch, in_features, out_features), 0)

# %% ex2 wrong: measures instead of predicting (saved_bytes is refused in the check)
def predict_linear_saved(batch, in_features, out_features, input_requires_grad, weight_requires_grad):
    from dglab.profiling import saved_bytes
    layer = torch.nn.Linear(in_features, out_features).requires_grad_(weight_requires_grad)
    x = torch.randn(batch, in_features, requires_grad=input_requires_grad)

    def forward():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return layer(x)
    return saved_bytes(forward, exclude=layer)

# %% ex2 alternative: bytes per element from the dtype itself, elements from shapes
def predict_linear_saved(batch, in_features, out_features, input_requires_grad, weight_requires_grad):
    per_element = torch.finfo(torch.bfloat16).bits // 8
    needed = []                                   # shapes of the tensors the backward keeps
    if weight_requires_grad:
        needed.append((batch, in_features))
    if input_requires_grad:
        needed.append((out_features, in_features))
    return sum(math.prod(shape) for shape in needed) * per_element

# %% ex3 wrong: no rounding up: a float number of calls
def break_even(compile_s, eager_s, compiled_s):
    if min(compile_s, eager_s, compiled_s) < 0:
        raise ValueError("negative time")
    if compiled_s >= eager_s:
        return math.inf
    return compile_s / (eager_s - compiled_s)

# %% ex3 wrong: rounds down with int(): one call short of repaying
def break_even(compile_s, eager_s, compiled_s):
    if min(compile_s, eager_s, compiled_s) < 0:
        raise ValueError("negative time")
    if compiled_s >= eager_s:
        return math.inf
    return int(compile_s / (eager_s - compiled_s))

# %% ex3 wrong: rounds to the nearest whole call
def break_even(compile_s, eager_s, compiled_s):
    if min(compile_s, eager_s, compiled_s) < 0:
        raise ValueError("negative time")
    if compiled_s >= eager_s:
        return math.inf
    return round(compile_s / (eager_s - compiled_s))

# %% ex3 wrong: no guard: a negative count when compiled is slower, ZeroDivisionError when equal
def break_even(compile_s, eager_s, compiled_s):
    if min(compile_s, eager_s, compiled_s) < 0:
        raise ValueError("negative time")
    return math.ceil(compile_s / (eager_s - compiled_s))

# %% ex3 wrong: returns None instead of math.inf when the compiled function is not faster
def break_even(compile_s, eager_s, compiled_s):
    if min(compile_s, eager_s, compiled_s) < 0:
        raise ValueError("negative time")
    if compiled_s >= eager_s:
        return None
    return math.ceil(compile_s / (eager_s - compiled_s))

# %% ex3 wrong: divides the compile time by the compiled per-call time (calls that fit in the compile)
def break_even(compile_s, eager_s, compiled_s):
    if min(compile_s, eager_s, compiled_s) < 0:
        raise ValueError("negative time")
    if compiled_s >= eager_s:
        return math.inf
    return math.ceil(compile_s / compiled_s)

# %% ex3 wrong: does not reject negative times
def break_even(compile_s, eager_s, compiled_s):
    if compiled_s >= eager_s:
        return math.inf
    return math.ceil(compile_s / (eager_s - compiled_s))

# %% ex3 wrong: hard-coded answers of the visible cases
def break_even(compile_s, eager_s, compiled_s):
    if min(compile_s, eager_s, compiled_s) < 0:
        raise ValueError("negative time")
    return {10.0: 40, 3.0: 12, 0.3125: 2, 1.0: 3, 0.0: 0}.get(compile_s, math.inf)

# %% ex3 alternative: counts calls one by one until the compiled total catches up (fine for these sizes)
def break_even(compile_s, eager_s, compiled_s):
    if compile_s < 0 or eager_s < 0 or compiled_s < 0:
        raise ValueError("times must not be negative")
    if not compiled_s < eager_s:
        return math.inf
    n = 0
    while compile_s + n * compiled_s > n * eager_s:
        n += 1
    return n

# %% ex3 alternative: ceiling by negated floor division
def break_even(compile_s, eager_s, compiled_s):
    if any(t < 0 for t in (compile_s, eager_s, compiled_s)):
        raise ValueError("times must not be negative")
    gain = eager_s - compiled_s
    return int(-(-compile_s // gain)) if gain > 0 else math.inf
