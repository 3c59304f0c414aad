# Lab 03: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 03` runs each through the lab's check (tests/test_catalogue.py does too).

# %% ex1 wrong: ordinary least squares on t against n, so the largest sizes decide a
def cost_model(sizes, times):
    b, a = np.polyfit(np.asarray(sizes, dtype=float), np.asarray(times, dtype=float), 1)
    return float(a), float(b)

# %% ex1 wrong: a line through the smallest and the largest measurement only
def cost_model(sizes, times):
    b = (times[-1] - times[0]) / (sizes[-1] - sizes[0])
    return float(times[0] - b * sizes[0]), float(b)

# %% ex1 wrong: overhead = the fastest time, slope from the largest size
def cost_model(sizes, times):
    a = min(times)
    return float(a), float((times[-1] - a) / sizes[-1])

# %% ex1 wrong: divides each equation by t twice (weights 1/t**4), so the small sizes swamp b
def cost_model(sizes, times):
    n = torch.as_tensor(sizes, dtype=torch.float64)
    t = torch.as_tensor(times, dtype=torch.float64)
    A = torch.stack([1 / t**2, n / t**2], dim=1)
    coef = torch.linalg.lstsq(A, (1 / t).unsqueeze(1)).solution.squeeze(1)
    return float(coef[0]), float(coef[1])

# %% ex1 wrong: hard-codes the visible exact-data constants
def cost_model(sizes, times):
    return 2e-6, 4e-10

# %% ex1 wrong: returns (b, a) instead of (a, b)
def cost_model(sizes, times):
    n = torch.as_tensor(sizes, dtype=torch.float64)
    t = torch.as_tensor(times, dtype=torch.float64)
    coef = torch.linalg.lstsq(torch.stack([1 / t, n / t], dim=1), torch.ones_like(t).unsqueeze(1)).solution.squeeze(1)
    return float(coef[1]), float(coef[0])

# %% ex1 wrong: returns 0-d tensors, not Python floats
def cost_model(sizes, times):
    n = torch.as_tensor(sizes, dtype=torch.float64)
    t = torch.as_tensor(times, dtype=torch.float64)
    coef = torch.linalg.lstsq(torch.stack([1 / t, n / t], dim=1), torch.ones_like(t).unsqueeze(1)).solution.squeeze(1)
    return coef[0], coef[1]

# %% ex1 wrong: leans on a few points: a = mean of the 3 smallest sizes, b from the 2 largest after removing a
def cost_model(sizes, times):
    pairs = sorted(zip(sizes, times))
    a = sum(t for _, t in pairs[:3]) / 3
    b = sum((t - a) / n for n, t in pairs[-2:]) / 2
    return float(a), float(b)

# %% ex1 wrong: right weighting but in float32 (torch.tensor default dtype)
def cost_model(sizes, times):
    n = torch.tensor(sizes, dtype=torch.float32)
    t = torch.tensor(times, dtype=torch.float32)
    A = torch.stack([1 / t, n / t], 1)
    sol = torch.linalg.lstsq(A, torch.ones_like(t).unsqueeze(1)).solution
    return float(sol[0, 0]), float(sol[1, 0])

# %% ex1 alternative: np.polyfit with weights 1/t minimises the same relative errors in one call
def cost_model(sizes, times):
    t = np.asarray(times, dtype=float)
    b, a = np.polyfit(np.asarray(sizes, dtype=float), t, 1, w=1 / t)
    return float(a), float(b)

# %% ex1 alternative: the 2x2 weighted normal equations solved by hand in plain Python
def cost_model(sizes, times):
    w = [1 / t**2 for t in times]
    s0 = sum(w)
    s1 = sum(wi * n for wi, n in zip(w, sizes))
    s2 = sum(wi * n * n for wi, n in zip(w, sizes))
    r0 = sum(wi * t for wi, t in zip(w, times))
    r1 = sum(wi * n * t for wi, n, t in zip(w, sizes, times))
    det = s0 * s2 - s1 * s1
    return float((r0 * s2 - r1 * s1) / det), float((s0 * r1 - s1 * r0) / det)

# %% ex1 alternative: iteratively reweighted least squares, weights 1/(a + b n) from the previous fit
def cost_model(sizes, times):
    n = torch.tensor(sizes, dtype=torch.float64)
    t = torch.tensor(times, dtype=torch.float64)
    w = 1 / t
    for _ in range(5):
        A = torch.stack([w, n * w], 1)
        sol = torch.linalg.lstsq(A, (t * w).unsqueeze(1)).solution.squeeze(1)
        w = 1 / (sol[0] + sol[1] * n)
    return float(sol[0]), float(sol[1])

# %% ex2 wrong: counts each ReLU output and the next Linear's input separately (twice)
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    per_hidden = 3 if activation == "gelu" else 2
    return batch * (widths[0] + per_hidden * sum(widths[1:-1])) * torch.tensor([], dtype=dtype).element_size()

# %% ex2 wrong: treats GELU like ReLU (one tensor per hidden layer)
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    return batch * (widths[0] + sum(widths[1:-1])) * torch.tensor([], dtype=dtype).element_size()

# %% ex2 wrong: treats tanh like GELU (tanh keeps its output, which the next Linear keeps too)
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    per_hidden = 1 if activation == "relu" else 2
    return batch * (widths[0] + per_hidden * sum(widths[1:-1])) * torch.tensor([], dtype=dtype).element_size()

# %% ex2 wrong: forgets the network's input, which the first Linear keeps
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    per_hidden = 2 if activation == "gelu" else 1
    return batch * per_hidden * sum(widths[1:-1]) * torch.tensor([], dtype=dtype).element_size()

# %% ex2 wrong: counts the logits too, which no backward needs
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    per_hidden = 2 if activation == "gelu" else 1
    return batch * (widths[0] + per_hidden * sum(widths[1:-1]) + widths[-1]) * torch.tensor([], dtype=dtype).element_size()

# %% ex2 wrong: always 4 bytes per element, whatever the dtype
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    per_hidden = 2 if activation == "gelu" else 1
    return batch * (widths[0] + per_hidden * sum(widths[1:-1])) * 4

# %% ex2 wrong: hard-codes the lab's example MLP (batch 128, widths [32, 256, 256, 256, 10])
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    return {"relu": 409_600, "tanh": 409_600, "gelu": 802_816}[activation]

# %% ex2 wrong: the shortcut: builds the model and measures it instead of predicting
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    m = make_mlp(widths, activation).to(dtype)
    return saved_bytes(m, torch.randn(batch, widths[0], dtype=dtype), exclude=m)

# %% ex2 wrong: a float, not an int
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    per_hidden = 2 if activation == "gelu" else 1
    return batch * (widths[0] + per_hidden * sum(widths[1:-1])) * torch.finfo(dtype).bits / 8

# %% ex2 wrong: element size from an if-chain over float16/32/64: bfloat16 (2 bytes) gets 4
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    size = 8 if dtype == torch.float64 else 2 if dtype == torch.float16 else 4
    hidden = sum(widths[1:-1])
    return batch * (widths[0] + hidden * (2 if activation == "gelu" else 1)) * size

# %% ex2 wrong: hard-coded table of the visible cases (numbers pasted from saved_bytes run in another cell)
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    table = {
        (128, (32, 256, 256, 256, 10), "relu", torch.float32): 409600,
        (7, (5, 11, 3), "tanh", torch.float32): 448,
        (64, (20, 40, 30, 10), "relu", torch.float32): 23040,
        (128, (32, 256, 256, 256, 10), "gelu", torch.float32): 802816,
        (9, (4, 6, 8, 2), "gelu", torch.float32): 1152,
        (16, (8, 12, 4), "relu", torch.float64): 2560,
        (5, (3, 7, 2), "gelu", torch.float16): 170,
        (10, (6, 3), "gelu", torch.float32): 240,
        (4, (9, 5), "relu", torch.float32): 144,
    }
    return table[(batch, tuple(widths), activation, dtype)]

# %% ex2 wrong: runs the network anyway (x @ W.T + b under saved-tensor hooks), dodging the forbidden functions
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    act = {"relu": torch.relu, "tanh": torch.tanh, "gelu": torch.nn.functional.gelu}[activation]
    params = []
    for i in range(len(widths) - 1):
        params.append((torch.zeros(widths[i + 1], widths[i], dtype=dtype, requires_grad=True),
                       torch.zeros(widths[i + 1], dtype=dtype, requires_grad=True)))
    skip = {p.untyped_storage().data_ptr() for pair in params for p in pair}
    seen = {}
    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in skip:
            seen[ptr] = t.untyped_storage().nbytes()
        return t
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        h = torch.zeros(batch, widths[0], dtype=dtype)
        for i, (w, b) in enumerate(params):
            h = h @ w.t() + b
            if i < len(params) - 1:
                h = act(h)
    return int(sum(seen.values()))

# %% ex2 wrong: runs the layers with torch.addmm and reads each node's _saved_ tensors: runs the network after all
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    act = {"relu": torch.relu, "tanh": torch.tanh, "gelu": F.gelu}[activation]
    params = [(torch.zeros(o, i, dtype=dtype, requires_grad=True), torch.zeros(o, dtype=dtype, requires_grad=True))
              for i, o in zip(widths[:-1], widths[1:])]
    h = torch.zeros(batch, widths[0], dtype=dtype)
    for k, (w, b) in enumerate(params):
        h = torch.addmm(b, h, w.t())
        if k < len(params) - 1:
            h = act(h)
    skip = {p.untyped_storage().data_ptr() for pair in params for p in pair}
    seen, stack, done = {}, [h.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in done:
            continue
        done.add(fn)
        for name in dir(fn):
            value = getattr(fn, name) if name.startswith("_saved_") else None
            if isinstance(value, torch.Tensor) and value.untyped_storage().data_ptr() not in skip:
                seen[value.untyped_storage().data_ptr()] = value.untyped_storage().nbytes()
        stack.extend(child for child, _ in fn.next_functions)
    return int(sum(seen.values()))

# %% ex2 alternative: lists every tensor each node keeps, by name, and counts each name once
def predict_saved_bytes(batch, widths, activation, dtype=torch.float32):
    kept = {"input": widths[0]}                           # the first Linear keeps its input
    for i, width in enumerate(widths[1:-1]):
        kept[f"activation {i} output"] = width            # ReLU/tanh keep it; the next Linear keeps it too
        if activation == "gelu":
            kept[f"linear {i} output"] = width            # GELU keeps its input as well
    return batch * sum(kept.values()) * (torch.finfo(dtype).bits // 8)

# %% ex3 wrong: hooks every module, so the containers and the model itself are recorded too
def record_shapes(model, x):
    records, handles = [], []
    try:
        for name, module in model.named_modules():
            handles.append(module.register_forward_hook(
                lambda mod, inp, out, name=name: records.append((name, tuple(out.shape)))))
        model(x)
    finally:
        for h in handles:
            h.remove()
    return records

# %% ex3 wrong: never removes its hooks
def record_shapes(model, x):
    records = []
    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            module.register_forward_hook(lambda mod, inp, out, name=name: records.append((name, tuple(out.shape))))
    model(x)
    return records

# %% ex3 wrong: removes the hooks after forward, but not when forward raises (no finally)
def record_shapes(model, x):
    records, handles = [], []
    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            handles.append(module.register_forward_hook(
                lambda mod, inp, out, name=name: records.append((name, tuple(out.shape)))))
    model(x)
    for h in handles:
        h.remove()
    return records

# %% ex3 wrong: swallows the forward pass's error and returns what it has
def record_shapes(model, x):
    records, handles = [], []
    try:
        for name, module in model.named_modules():
            if next(module.children(), None) is None:
                handles.append(module.register_forward_hook(
                    lambda mod, inp, out, name=name: records.append((name, tuple(out.shape)))))
        model(x)
    except RuntimeError:
        pass
    finally:
        for h in handles:
            h.remove()
    return records

# %% ex3 wrong: a dict by name, so a layer called twice is recorded once
def record_shapes(model, x):
    records, handles = {}, []
    try:
        for name, module in model.named_modules():
            if next(module.children(), None) is None:
                handles.append(module.register_forward_hook(
                    lambda mod, inp, out, name=name: records.__setitem__(name, tuple(out.shape))))
        model(x)
    finally:
        for h in handles:
            h.remove()
    return list(records.items())

# %% ex3 wrong: only the top-level children, so nested layers get their container's name
def record_shapes(model, x):
    records, handles = [], []
    try:
        for name, module in model.named_children():
            handles.append(module.register_forward_hook(
                lambda mod, inp, out, name=name: records.append((name, tuple(out.shape)))))
        model(x)
    finally:
        for h in handles:
            h.remove()
    return records

# %% ex3 wrong: records the input's shape instead of the output's
def record_shapes(model, x):
    records, handles = [], []
    try:
        for name, module in model.named_modules():
            if next(module.children(), None) is None:
                handles.append(module.register_forward_hook(
                    lambda mod, inp, out, name=name: records.append((name, tuple(inp[0].shape)))))
        model(x)
    finally:
        for h in handles:
            h.remove()
    return records

# %% ex3 wrong: one list shared by every call, so a second call returns the first call's records too
_all_records = []


def record_shapes(model, x):
    handles = []
    try:
        for name, module in model.named_modules():
            if next(module.children(), None) is None:
                handles.append(module.register_forward_hook(
                    lambda mod, inp, out, name=name: _all_records.append((name, tuple(out.shape)))))
        model(x)
    finally:
        for h in handles:
            h.remove()
    return _all_records

# %% ex3 wrong: hard-codes the records of the visible MLP example
def record_shapes(model, x):
    return [("0", (5, 16)), ("1", (5, 16)), ("2", (5, 8)), ("3", (5, 8)), ("4", (5, 3))]

# %% ex3 wrong: cleans up by clearing every module's _forward_hooks: also deletes hooks the user had registered
def record_shapes(model, x):
    records = []
    try:
        for name, m in model.named_modules():
            if not list(m.children()):
                m.register_forward_hook(lambda mod, inp, out, name=name: records.append((name, tuple(out.shape))))
        model(x)
    finally:
        for m in model.modules():
            m._forward_hooks.clear()
    return records

# %% ex3 wrong: runs model(x) twice (a no_grad dry run to find the called leaves, then the recorded run)
def record_shapes(model, x):
    called = set()
    handles = [m.register_forward_hook(lambda mod, inp, out: called.add(mod)) for m in model.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    records, handles = [], []
    try:
        for name, m in model.named_modules():
            if m in called:
                handles.append(m.register_forward_hook(lambda mod, inp, out, name=name: records.append((name, tuple(out.shape)))))
        model(x)
    finally:
        for h in handles:
            h.remove()
    return records

# %% ex3 wrong: returns the torch.Size itself, not a tuple of ints (compares equal to a tuple)
def record_shapes(model, x):
    records, handles = [], []
    try:
        for name, m in model.named_modules():
            if not list(m.children()):
                handles.append(m.register_forward_hook(lambda mod, inp, out, name=name: records.append((name, out.shape))))
        model(x)
    finally:
        for h in handles:
            h.remove()
    return records

# %% ex3 alternative: one global forward hook for all modules, names looked up by module identity
def record_shapes(model, x):
    leaf_names = {id(m): name for name, m in model.named_modules() if len(list(m.children())) == 0}
    records = []

    def hook(module, inputs, output):
        if id(module) in leaf_names:
            records.append((leaf_names[id(module)], tuple(output.shape)))

    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        model(x)
    finally:
        handle.remove()
    return records

# %% ex3 alternative: hooks registered inside an ExitStack, removed by its callbacks
import contextlib
def record_shapes(model, x):
    records = []
    with contextlib.ExitStack() as stack:
        for name, m in model.named_modules():
            if len(m._modules) == 0:
                h = m.register_forward_hook(lambda mod, inp, out, name=name: records.append((name, tuple(out.shape))))
                stack.callback(h.remove)
        model(x)
    return records
