# Lab 04: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 04` runs each through the lab's check (tests/test_catalogue.py does too).

# %% ex1 wrong: compares values only, so outputs of different shapes crash allclose or broadcast to "equal"
def find_trace_mismatches(eager_fn, traced_fn, inputs, atol=1e-6):
    return [i for i, x in enumerate(inputs) if not torch.allclose(eager_fn(x), traced_fn(x), atol=atol)]

# %% ex1 wrong: exact equality with torch.equal, so atol is ignored
def find_trace_mismatches(eager_fn, traced_fn, inputs, atol=1e-6):
    return [i for i, x in enumerate(inputs) if not torch.equal(eager_fn(x), traced_fn(x))]

# %% ex1 wrong: hard-codes the visible answer for the gate probes
def find_trace_mismatches(eager_fn, traced_fn, inputs, atol=1e-6):
    return [1, 3, 5]

# %% ex1 wrong: counts positions from 1, not 0
def find_trace_mismatches(eager_fn, traced_fn, inputs, atol=1e-6):
    found = []
    for i, x in enumerate(inputs, start=1):
        a, b = eager_fn(x), traced_fn(x)
        if a.shape != b.shape or not torch.allclose(a, b, atol=atol):
            found.append(i)
    return found

# %% ex1 wrong: stops at the first mismatch
def find_trace_mismatches(eager_fn, traced_fn, inputs, atol=1e-6):
    for i, x in enumerate(inputs):
        a, b = eager_fn(x), traced_fn(x)
        if a.shape != b.shape or not torch.allclose(a, b, atol=atol):
            return [i]
    return []

# %% ex1 wrong: a largest-difference test that broadcasts a (1,) output against a (3,) one
def find_trace_mismatches(eager_fn, traced_fn, inputs, atol=1e-6):
    found = []
    for i, x in enumerate(inputs):
        a, b = eager_fn(x), traced_fn(x)
        try:
            if (a - b).abs().max() > atol + 1e-5 * b.abs().max():
                found.append(i)
        except RuntimeError:
            found.append(i)
    return found

# %% ex1 alternative: torch.testing.assert_close with rtol=1e-5 checks shapes and values in one call
def find_trace_mismatches(eager_fn, traced_fn, inputs, atol=1e-6):
    found = []
    for i, x in enumerate(inputs):
        try:
            torch.testing.assert_close(traced_fn(x), eager_fn(x), rtol=1e-5, atol=atol)
        except AssertionError:
            found.append(i)
    return found

# %% ex2 wrong: keeps the Python if of clip_norm, so the trace freezes one branch
def clip_norm_branch_free(x, max_norm=1.0):
    n = x.norm()
    if n > max_norm:
        return x * (max_norm / n)
    return x

# %% ex2 wrong: Python min() on a tensor is a hidden branch (TracerWarning, frozen choice)
def clip_norm_branch_free(x, max_norm=1.0):
    return x * min(1.0, max_norm / x.norm())

# %% ex2 wrong: masks by multiplying, so the zero vector gives 0 * inf = nan
def clip_norm_branch_free(x, max_norm=1.0):
    n = x.norm()
    big = (n > max_norm).to(x.dtype)
    return big * x * (max_norm / n) + (1 - big) * x

# %% ex2 wrong: hard-codes max_norm = 1, ignoring the argument
def clip_norm_branch_free(x, max_norm=1.0):
    n = x.norm()
    return torch.where(n > 1.0, x / n, x)

# %% ex2 wrong: hard-codes the clipped result of the visible long vector
def clip_norm_branch_free(x, max_norm=1.0):
    return torch.where(x.norm() > max_norm, torch.tensor([0.6, -0.8]), x)

# %% ex2 wrong: the comparison points the wrong way
def clip_norm_branch_free(x, max_norm=1.0):
    n = x.norm()
    return torch.where(n < max_norm, x * (max_norm / n), x)

# %% ex2 alternative: divide by max(norm, max_norm) with clamp: no choice at all, the factor is 1 below the threshold
def clip_norm_branch_free(x, max_norm=1.0):
    return x * (max_norm / x.norm().clamp(min=max_norm))

# %% ex3 wrong: the original without print, still .item() and a Python branch
def scale_by_max_nobreak(x):
    m = x.abs().max().item()
    return x / m if m > 0 else x

# %% ex3 wrong: a Python if on a tensor value is still a graph break
def scale_by_max_nobreak(x):
    m = x.abs().max()
    if m > 0:
        return x / m
    return x

# %% ex3 wrong: no guard for the all-zero input, which gives 0 / 0 = nan
def scale_by_max_nobreak(x):
    return x / x.abs().amax()

# %% ex3 wrong: the largest value, not the largest absolute value
def scale_by_max_nobreak(x):
    m = x.amax()
    return torch.where(m > 0, x / m, x)

# %% ex3 wrong: hard-codes the visible first input's maximum, 4
def scale_by_max_nobreak(x):
    return torch.where(x.abs().amax() > 0, x / 4.0, x)

# %% ex3 wrong: keeps the debugging print, a graph break
def scale_by_max_nobreak(x):
    m = x.abs().amax()
    print("scaling by", m)
    return torch.where(m > 0, x / m, x)

# %% ex3 wrong: hides the function from the compiler instead of fixing it (no graph at all)
@torch.compiler.disable
def scale_by_max_nobreak(x):
    m = x.abs().max().item()
    return x / m if m > 0 else x

# %% ex3 alternative: divide, then turn the all-zero case's nan back into 0 with nan_to_num
def scale_by_max_nobreak(x):
    return torch.nan_to_num(x / x.abs().amax(), nan=0.0)

# %% ex3 alternative: divide by a denominator that is 1 when the maximum is 0
def scale_by_max_nobreak(x):
    m = x.abs().amax()
    return x / torch.where(m > 0, m, torch.ones_like(m))

# %% ex4 wrong: the true branch returns its operand itself (aliasing, rejected while autograd records)
class EarlyExit(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)

    def reference(self, x):
        h = torch.tanh(self.first(x))
        if h.abs().mean() > 0.5:
            return h
        return h + self.second(h)

    def forward(self, x):
        h = torch.tanh(self.first(x))
        return torch.cond(h.abs().mean() > 0.5, lambda h: h, lambda h: h + self.second(h), (h,))

# %% ex4 wrong: keeps the Python if, right in eager mode but not exportable
class EarlyExit(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)

    def reference(self, x):
        h = torch.tanh(self.first(x))
        if h.abs().mean() > 0.5:
            return h
        return h + self.second(h)

    def forward(self, x):
        return self.reference(x)

# %% ex4 wrong: torch.where computes both branches and exports, but the exercise asks for torch.cond
class EarlyExit(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)

    def reference(self, x):
        h = torch.tanh(self.first(x))
        if h.abs().mean() > 0.5:
            return h
        return h + self.second(h)

    def forward(self, x):
        h = torch.tanh(self.first(x))
        return torch.where(h.abs().mean() > 0.5, h, h + self.second(h))

# %% ex4 wrong: decides on the input x instead of the activations h
class EarlyExit(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)

    def reference(self, x):
        h = torch.tanh(self.first(x))
        if h.abs().mean() > 0.5:
            return h
        return h + self.second(h)

    def forward(self, x):
        h = torch.tanh(self.first(x))
        return torch.cond(x.abs().mean() > 0.5, lambda h: h.clone(), lambda h: h + self.second(h), (h,))

# %% ex4 wrong: forgets abs(), so confident negative activations are refined
class EarlyExit(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)

    def reference(self, x):
        h = torch.tanh(self.first(x))
        if h.abs().mean() > 0.5:
            return h
        return h + self.second(h)

    def forward(self, x):
        h = torch.tanh(self.first(x))
        return torch.cond(h.mean() > 0.5, lambda h: h.clone(), lambda h: h + self.second(h), (h,))

# %% ex4 wrong: a Python bool as the predicate, decided while exporting
class EarlyExit(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)

    def reference(self, x):
        h = torch.tanh(self.first(x))
        if h.abs().mean() > 0.5:
            return h
        return h + self.second(h)

    def forward(self, x):
        h = torch.tanh(self.first(x))
        return torch.cond(bool(h.abs().mean() > 0.5), lambda h: h.clone(), lambda h: h + self.second(h), (h,))

# %% ex4 wrong: the branches swapped (refines the confident inputs)
class EarlyExit(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)

    def reference(self, x):
        h = torch.tanh(self.first(x))
        if h.abs().mean() > 0.5:
            return h
        return h + self.second(h)

    def forward(self, x):
        h = torch.tanh(self.first(x))
        return torch.cond(h.abs().mean() > 0.5, lambda h: h + self.second(h), lambda h: h.clone(), (h,))

# %% ex4 alternative: only the refinement is conditional (zeros or second(h)), added to h outside torch.cond
class EarlyExit(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)

    def reference(self, x):
        h = torch.tanh(self.first(x))
        if h.abs().mean() > 0.5:
            return h
        return h + self.second(h)

    def forward(self, x):
        h = torch.tanh(self.first(x))
        refinement = torch.cond(h.abs().mean() > 0.5, lambda h: torch.zeros_like(h), self.second, (h,))
        return h + refinement

# %% ex4 alternative: the branches take x and each computes h itself, so neither returns an operand
class EarlyExit(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)

    def reference(self, x):
        h = torch.tanh(self.first(x))
        if h.abs().mean() > 0.5:
            return h
        return h + self.second(h)

    def exit_early(self, x):
        return torch.tanh(self.first(x))

    def refine(self, x):
        h = torch.tanh(self.first(x))
        return h + self.second(h)

    def forward(self, x):
        confident = torch.tanh(self.first(x)).abs().mean() > 0.5
        return torch.cond(confident, self.exit_early, self.refine, (x,))
