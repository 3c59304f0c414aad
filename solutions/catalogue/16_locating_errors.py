# Lab 16: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 16` runs each through the lab's check.

# %% ex1 wrong: the in-place function unchanged: backward fails on the version counter
def residual_gate(x, w1, w2):
    h = torch.relu(x @ w1)
    h += x
    g = torch.sigmoid(h @ w2)
    g *= 2
    return g

# %% ex1 wrong: fixes the residual add but keeps g *= 2, so sigmoid's saved output still changes
def residual_gate(x, w1, w2):
    h = torch.relu(x @ w1) + x
    g = torch.sigmoid(h @ w2)
    g *= 2
    return g

# %% ex1 wrong: fixes the rescale but keeps h += x, so relu's saved output still changes
def residual_gate(x, w1, w2):
    h = torch.relu(x @ w1)
    h += x
    return torch.sigmoid(h @ w2) * 2

# %% ex1 wrong: detaches before the in-place op: backward runs, but no gradient reaches x, w1, w2
def residual_gate(x, w1, w2):
    h = torch.relu(x @ w1).detach()
    h += x.detach()
    g = torch.sigmoid(h @ w2).detach()
    g *= 2
    return g

# %% ex1 wrong: hard-coded values: the in-place function's result under no_grad (right numbers, no graph)
def residual_gate(x, w1, w2):
    with torch.no_grad():
        return residual_gate_inplace(x, w1, w2)

# %% ex1 wrong: adds the relu output into x in place: same values, but the caller's x is changed
def residual_gate(x, w1, w2):
    h = torch.relu(x @ w1)
    if not x.requires_grad:
        x += h
        h = x
    else:
        h = h + x
    return torch.sigmoid(h @ w2) * 2

# %% ex1 wrong: forgets the rescale by 2
def residual_gate(x, w1, w2):
    return torch.sigmoid((torch.relu(x @ w1) + x) @ w2)

# %% ex1 alternative: keeps the in-place ops but applies them to clones, so the saved tensors stay untouched
def residual_gate(x, w1, w2):
    h = torch.relu(x @ w1).clone()
    h += x
    g = torch.sigmoid(h @ w2).clone()
    g *= 2
    return g

# %% ex1 alternative: functional out-of-place calls (F.relu, torch.add, torch.mul) and a matmul written with torch.mm
def residual_gate(x, w1, w2):
    h = torch.add(F.relu(torch.mm(x, w1)), x)
    return torch.mul(torch.sigmoid(torch.mm(h, w2)), 2.0)

# %% ex2 wrong: keeps overwriting the name, so it returns the LAST non-finite module
def first_nonfinite_module(model, x):
    found = []
    handles = [m.register_forward_hook(lambda mod, i, o, name=name: found.append(name) if not torch.isfinite(o).all() else None)
               for name, m in model.named_modules() if name]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    return found[-1] if found else None

# %% ex2 wrong: checks only for NaN, so an infinity before the NaN is missed
def first_nonfinite_module(model, x):
    found = []
    handles = [m.register_forward_hook(lambda mod, i, o, name=name: found.append(name) if o.isnan().any() else None)
               for name, m in model.named_modules() if name]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    return found[0] if found else None

# %% ex2 wrong: returns the module object, not its name
def first_nonfinite_module(model, x):
    found = []
    handles = [m.register_forward_hook(lambda mod, i, o: found.append(mod) if not torch.isfinite(o).all() else None)
               for name, m in model.named_modules() if name]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    return found[0] if found else None

# %% ex2 wrong: never removes its hooks
def first_nonfinite_module(model, x):
    found = []
    for name, m in model.named_modules():
        if name:
            m.register_forward_hook(lambda mod, i, o, name=name: found.append(name) if not torch.isfinite(o).all() else None)
    model(x)
    return found[0] if found else None

# %% ex2 wrong: clears every module's _forward_hooks dict, removing hooks someone else registered
def first_nonfinite_module(model, x):
    found = []
    for name, m in model.named_modules():
        if name:
            m.register_forward_hook(lambda mod, i, o, name=name: found.append(name) if not torch.isfinite(o).all() else None)
    try:
        model(x)
    finally:
        for m in model.modules():
            m._forward_hooks.clear()
    return found[0] if found else None

# %% ex2 wrong: removes its hooks only when the forward succeeds (no try/finally)
def first_nonfinite_module(model, x):
    found = []
    handles = [m.register_forward_hook(lambda mod, i, o, name=name: found.append(name) if not torch.isfinite(o).all() else None)
               for name, m in model.named_modules() if name]
    model(x)
    for h in handles:
        h.remove()
    return found[0] if found else None

# %% ex2 wrong: records every output, then picks the first non-finite in named_modules (registration) order
def first_nonfinite_module(model, x):
    finite = {}
    handles = [m.register_forward_hook(lambda mod, i, o, name=name: finite.__setitem__(name, bool(torch.isfinite(o).all())))
               for name, m in model.named_modules() if name]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    for name, _ in model.named_modules():
        if name in finite and not finite[name]:
            return name
    return None

# %% ex2 wrong: checks the INPUT with forward pre-hooks: names the module after the source
def first_nonfinite_module(model, x):
    found = []
    handles = [m.register_forward_pre_hook(lambda mod, inp, name=name: found.append(name) if not torch.isfinite(inp[0]).all() else None)
               for name, m in model.named_modules() if name]
    try:
        model(x)
    finally:
        for h in handles:
            h.remove()
    return found[0] if found else None

# %% ex2 wrong: the hook returns the finiteness flag, which replaces the module's output
def first_nonfinite_module(model, x):
    found = {}
    handles = [m.register_forward_hook(lambda mod, i, o, name=name: found.setdefault(name, not torch.isfinite(o).all()))
               for name, m in model.named_modules() if name]
    try:
        model(x)
    except Exception:
        pass
    finally:
        for h in handles:
            h.remove()
    bad = [name for name, flag in found.items() if flag is True]
    return bad[0] if bad else None

# %% ex2 wrong: hard-coded name of the first visible case
def first_nonfinite_module(model, x):
    return "body.1"

# %% ex2 alternative: one global forward hook (torch.nn.modules.module.register_module_forward_hook) and an id -> name table
def first_nonfinite_module(model, x):
    names = {id(m): name for name, m in model.named_modules() if name}
    found = []

    def hook(module, inputs, output):
        if id(module) in names and not found and (~torch.isfinite(output)).any():
            found.append(names[id(module)])

    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        model(x)
    finally:
        handle.remove()
    return found[0] if found else None

# %% ex2 alternative: contextlib.ExitStack removes the handles; isnan | isinf instead of isfinite
import contextlib


def first_nonfinite_module(model, x):
    order = []
    with contextlib.ExitStack() as stack:
        for name, m in model.named_modules():
            if name:
                h = m.register_forward_hook(lambda mod, i, o, name=name: order.append((name, bool((o.isnan() | o.isinf()).any()))))
                stack.callback(h.remove)
        model(x)
    return next((name for name, bad in order if bad), None)

# %% ex3 wrong: hard-coded: looks up the exact messages shown in the lab's text
def explain_error(exc):
    known = {
        "mat1 and mat2 shapes cannot be multiplied (2x5 and 4x3)": "shape",
        "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0": "shape",
        "expected target dtype to be Long or Byte, but got Float": "dtype",
        "mat1 and mat2 must have the same dtype, but got Long and Float": "dtype",
        "Tensor on device meta is not on the expected device cpu!": "device",
        "Torch not compiled with CUDA enabled": "device",
    }
    return known.get(str(exc), "inplace" if "inplace" in str(exc) else "other")

# %% ex3 wrong: judges by the exception's type only
def explain_error(exc):
    if isinstance(exc, AssertionError):
        return "device"
    if isinstance(exc, ValueError):
        return "shape"
    if isinstance(exc, RuntimeError):
        return "shape"
    return "other"

# %% ex3 wrong: checks shape words before dtype words, so "mat1 and mat2 must have the same dtype" is a shape error
def explain_error(exc):
    m = str(exc).lower()
    if "inplace" in m or "in-place" in m:
        return "inplace"
    if "device" in m or "cuda" in m:
        return "device"
    if "mat1" in m or "size" in m or "shape" in m or "dimension" in m or "channels" in m:
        return "shape"
    if "dtype" in m or "scalar type" in m or "cast" in m:
        return "dtype"
    return "other"

# %% ex3 wrong: takes "view" as a sign of an in-place error, so "view size is not compatible" is misread
def explain_error(exc):
    m = str(exc).lower()
    if "inplace" in m or "in-place" in m or "view" in m:
        return "inplace"
    if "device" in m or "cuda" in m:
        return "device"
    if "dtype" in m or "scalar type" in m or "cast" in m:
        return "dtype"
    if "size" in m or "shape" in m or "dimension" in m or "channels" in m or "multiplied" in m:
        return "shape"
    return "other"

# %% ex3 wrong: knows only the word "device", so "Torch not compiled with CUDA enabled" is missed
def explain_error(exc):
    m = str(exc).lower()
    if "inplace" in m or "in-place" in m:
        return "inplace"
    if "device" in m:
        return "device"
    if "dtype" in m or "scalar type" in m or "cast" in m:
        return "dtype"
    if "size" in m or "shape" in m or "dimension" in m or "channels" in m or "multiplied" in m:
        return "shape"
    return "other"

# %% ex3 wrong: knows only "inplace", so "a leaf Variable ... in an in-place operation" is missed
def explain_error(exc):
    m = str(exc).lower()
    if "inplace" in m:
        return "inplace"
    if "device" in m or "cuda" in m:
        return "device"
    if "dtype" in m or "scalar type" in m or "cast" in m:
        return "dtype"
    if "size" in m or "shape" in m or "dimension" in m or "channels" in m or "multiplied" in m:
        return "shape"
    return "other"

# %% ex3 wrong: returns None instead of "other" when nothing fits
def explain_error(exc):
    m = str(exc).lower()
    if "inplace" in m or "in-place" in m:
        return "inplace"
    if "device" in m or "cuda" in m:
        return "device"
    if "dtype" in m or "scalar type" in m or "cast" in m:
        return "dtype"
    if "size" in m or "shape" in m or "dimension" in m or "channels" in m or "multiplied" in m:
        return "shape"
    return None

# %% ex3 alternative: an ordered table of regular expressions, first match wins
import re


def explain_error(exc):
    rules = [
        ("inplace", r"in-?place"),
        ("device", r"device|cuda|not compiled with"),
        ("dtype", r"dtype|scalar type|can't be cast"),
        ("shape", r"size|shape|dimension|channels|multiplied"),
    ]
    for family, pattern in rules:
        if re.search(pattern, str(exc), flags=re.IGNORECASE):
            return family
    return "other"
