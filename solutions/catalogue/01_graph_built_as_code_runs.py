# Lab 01: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 01` runs each through the lab's check (tests/test_catalogue.py does too).

# %% ex1 wrong: counts paths, not nodes: no visited set, so a node reached twice counts twice
def count_nodes(t):
    if t.grad_fn is None:
        return 0
    def go(fn):
        return 1 + sum(go(n) for n, _ in fn.next_functions if n is not None)
    return go(t.grad_fn)


def depth(t):
    if t.grad_fn is None:
        return 0
    def longest(fn):
        return 1 + max((longest(n) for n, _ in fn.next_functions if n is not None), default=0)
    return longest(t.grad_fn)

# %% ex1 wrong: hard-codes the visible answers for loss
def count_nodes(t):
    return 5 if t.grad_fn is not None else 0


def depth(t):
    return 4 if t.grad_fn is not None else 0

# %% ex1 wrong: depth follows the first link only
def count_nodes(t):
    if t.grad_fn is None:
        return 0
    seen, stack = {t.grad_fn}, [t.grad_fn]
    while stack:
        for n, _ in stack.pop().next_functions:
            if n is not None and n not in seen:
                seen.add(n)
                stack.append(n)
    return len(seen)


def depth(t):
    fn, d = t.grad_fn, 0
    while fn is not None:
        d += 1
        fn = fn.next_functions[0][0] if fn.next_functions else None
    return d

# %% ex1 alternative: breadth-first layers; depth is the number of layers until nothing is left
def count_nodes(t):
    seen, frontier = set(), [t.grad_fn] if t.grad_fn is not None else []
    while frontier:
        seen.update(frontier)
        frontier = list({n for fn in frontier for n, _ in fn.next_functions if n is not None and n not in seen})
    return len(seen)


def depth(t):
    if t.grad_fn is None:
        return 0
    order, seen = [], set()
    def visit(fn):
        if fn in seen:
            return
        seen.add(fn)
        for n, _ in fn.next_functions:
            if n is not None:
                visit(n)
        order.append(fn)
    visit(t.grad_fn)
    best = {}
    for fn in order:
        best[fn] = 1 + max((best[n] for n, _ in fn.next_functions if n is not None), default=0)
    return best[t.grad_fn]

# %% ex1 wrong: the shortcut: counts with dglab.graph.walk instead of walking next_functions
from dglab.graph import walk


def count_nodes(t):
    return len(walk(t)) if t.grad_fn is not None else 0


def depth(t):
    if t.grad_fn is None:
        return 0
    memo = {}
    def longest(fn):
        if fn not in memo:
            memo[fn] = 1 + max((longest(n) for n, _ in fn.next_functions if n is not None), default=0)
        return memo[fn]
    return longest(t.grad_fn)

# %% ex1 wrong: counts a None link (an input that needs no gradient) as a node
def count_nodes(t):
    if t.grad_fn is None:
        return 0
    seen, stack = {t.grad_fn}, [t.grad_fn]
    while stack:
        fn = stack.pop()
        for n, _ in (fn.next_functions if fn is not None else ()):
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return len(seen)


def depth(t):
    if t.grad_fn is None:
        return 0
    memo = {None: 1}
    def longest(fn):
        if fn not in memo:
            memo[fn] = 1 + max((longest(n) for n, _ in fn.next_functions), default=0)
        return memo[fn]
    return longest(t.grad_fn)

# %% ex1 wrong: leaves out the AccumulateGrad nodes, and depth counts links (edges), not nodes
def count_nodes(t):
    if t.grad_fn is None:
        return 0
    seen, stack = {t.grad_fn}, [t.grad_fn]
    while stack:
        for n, _ in stack.pop().next_functions:
            if n is not None and n not in seen and not hasattr(n, "variable"):
                seen.add(n)
                stack.append(n)
    return len(seen)


def depth(t):
    if t.grad_fn is None:
        return 0
    memo = {}
    def edges(fn):
        if fn not in memo:
            memo[fn] = max((1 + edges(n) for n, _ in fn.next_functions if n is not None), default=0)
        return memo[fn]
    return edges(t.grad_fn)

# %% ex1 wrong: depth takes the shortest path to a leaf instead of the longest
def count_nodes(t):
    if t.grad_fn is None:
        return 0
    seen, stack = {t.grad_fn}, [t.grad_fn]
    while stack:
        for n, _ in stack.pop().next_functions:
            if n is not None and n not in seen:
                seen.add(n)
                stack.append(n)
    return len(seen)


def depth(t):
    if t.grad_fn is None:
        return 0
    memo = {}
    def shortest(fn):
        if fn not in memo:
            memo[fn] = 1 + min((shortest(n) for n, _ in fn.next_functions if n is not None), default=0)
        return memo[fn]
    return shortest(t.grad_fn)

# %% ex1 alternative: recursion with a dict memo for both; the dict's keys are the distinct nodes
def _depths(t):
    memo = {}
    def visit(fn):
        if fn not in memo:
            memo[fn] = 1 + max((visit(n) for n, _ in fn.next_functions if n is not None), default=0)
        return memo[fn]
    if t.grad_fn is not None:
        visit(t.grad_fn)
    return memo


def count_nodes(t):
    return len(_depths(t))


def depth(t):
    return _depths(t).get(t.grad_fn, 0) if t.grad_fn is not None else 0

# %% ex2 wrong: every tensor that requires grad gets a .grad (forgets that intermediate results drop theirs)
def gets_grad(t):
    return t.requires_grad

# %% ex2 wrong: only leaves that require grad (forgets retain_grad)
def gets_grad(t):
    return t.is_leaf and t.requires_grad

# %% ex2 wrong: every leaf (forgets that a leaf must also require grad)
def gets_grad(t):
    return t.is_leaf

# %% ex2 wrong: hard-codes the zoo's answers in the order the check asks for them
import itertools

_zoo_answers = itertools.cycle([True, False, True, False, True, False, False])


def gets_grad(t):
    return next(_zoo_answers)

# %% ex2 wrong: the shortcut: runs a backward pass of its own and looks at .grad
def gets_grad(t):
    try:
        t.sum().backward(retain_graph=True)
    except RuntimeError:                      # a tensor that does not require grad
        return False
    return t.grad is not None

# %% ex2 alternative: reads grad_fn instead of is_leaf (for a tensor that requires grad, a leaf is one without grad_fn)
def gets_grad(t):
    if not t.requires_grad:
        return False
    return t.grad_fn is None or t.retains_grad

# %% ex3 wrong: does the update on Python numbers, so y is a new tensor not connected to a
def newton_sqrt(a, tol=1e-6, max_steps=50):
    y, steps = a, 0
    while steps < max_steps and abs((y * y - a).item()) > tol * a.item():
        y = torch.tensor(0.5 * (y.item() + a.item() / y.item()))
        steps += 1
    return y, steps

# %% ex3 wrong: starts from the constant 1: the same updates from the first one on, but at a = 1 y is not connected to a
def newton_sqrt(a, tol=1e-6, max_steps=50):
    y, steps = torch.ones_like(a), 0
    while steps < max_steps and abs((y * y - a).item()) > tol * a.item():
        y = 0.5 * (y + a / y)
        steps += 1
    return y, steps

# %% ex3 wrong: an absolute tolerance (|y*y - a| > tol): large a never gets there in float32 and runs to max_steps
def newton_sqrt(a, tol=1e-6, max_steps=50):
    y, steps = a, 0
    while steps < max_steps and abs((y * y - a).item()) > tol:
        y = 0.5 * (y + a / y)
        steps += 1
    return y, steps

# %% ex3 wrong: updates before testing (a do-while), so a = 1 gets one update and every count is one too many
def newton_sqrt(a, tol=1e-6, max_steps=50):
    y, steps = a, 0
    while True:
        y = 0.5 * (y + a / y)
        steps += 1
        if steps >= max_steps or abs((y * y - a).item()) <= tol * a.item():
            return y, steps

# %% ex3 wrong: ignores max_steps
def newton_sqrt(a, tol=1e-6, max_steps=50):
    y, steps = a, 0
    while abs((y * y - a).item()) > tol * a.item():
        y = 0.5 * (y + a / y)
        steps += 1
    return y, steps

# %% ex3 wrong: hard-codes the answer for a = 2 (value and 4 steps), kept connected to a
def newton_sqrt(a, tol=1e-6, max_steps=50):
    return a * 0 + 1.4142135, 4

# %% ex3 wrong: the shortcut: torch.sqrt for the value, a loop on Python floats for the count
def newton_sqrt(a, tol=1e-6, max_steps=50):
    v, y, steps = a.item(), a.item(), 0
    while steps < max_steps and abs(y * y - v) > tol * v:
        y = 0.5 * (y + v / y)
        steps += 1
    return torch.sqrt(a), steps

# %% ex3 wrong: the shortcut again, with ** 0.5: its graph has two nodes, whatever the count says
def newton_sqrt(a, tol=1e-6, max_steps=50):
    v, y, steps = a.item(), a.item(), 0
    while steps < max_steps and abs(y * y - v) > tol * v:
        y = 0.5 * (y + v / y)
        steps += 1
    return a ** 0.5, steps

# %% ex3 wrong: counts the updates in a tensor, so steps is not a Python int
def newton_sqrt(a, tol=1e-6, max_steps=50):
    y, steps = a, torch.tensor(0)
    while steps < max_steps and abs((y * y - a).item()) > tol * a.item():
        y = 0.5 * (y + a / y)
        steps += 1
    return y, steps

# %% ex3 alternative: a for loop with break, the update written as y - f(y)/f'(y), the test in Python floats
def newton_sqrt(a, tol=1e-6, max_steps=50):
    y, steps = a, 0
    for _ in range(max_steps):
        if abs(y.item() ** 2 - a.item()) <= tol * a.item():
            break
        y = y - (y * y - a) / (2 * y)
        steps += 1
    return y, steps

# %% ex4 wrong: runs the forward twice, once per loss (each backward then has a graph of its own)
def two_gradients(x):
    grad_a, = torch.autograd.grad(features(x).sum(), x)
    grad_b, = torch.autograd.grad(features(x).square().mean(), x)
    return grad_a, grad_b

# %% ex4 wrong: the first backward frees the graph (no retain_graph), so the second one fails
def two_gradients(x):
    f = features(x)
    grad_a, = torch.autograd.grad(f.sum(), x)
    grad_b, = torch.autograd.grad(f.square().mean(), x)
    return grad_a, grad_b

# %% ex4 wrong: two backward() calls and reads x.grad after each: the second holds the sum of both gradients
def two_gradients(x):
    f = features(x)
    x.grad = None
    f.sum().backward(retain_graph=True)
    grad_a = x.grad.clone()
    f.square().mean().backward()
    return grad_a, x.grad.clone()

# %% ex4 wrong: backward() and a difference, but forgets that x.grad may already hold something
def two_gradients(x):
    f = features(x)
    f.sum().backward(retain_graph=True)
    grad_a = x.grad.clone()
    f.square().mean().backward()
    return grad_a, x.grad - grad_a

# %% ex4 wrong: one autograd.grad call for both losses returns the gradient of their sum
def two_gradients(x):
    f = features(x)
    both, = torch.autograd.grad([f.sum(), f.square().mean()], x)
    return both, both

# %% ex4 wrong: hard-codes the gradients for the visible 5x3 input
def two_gradients(x):
    features(x)
    if tuple(x.shape) == (5, 3):
        return (torch.tensor([[0.11794163286685944, 0.20308011770248413, -0.205834299325943], [-1.9896240234375, 2.5004329681396484, 1.7743515968322754], [1.5802807807922363, 2.4567677974700928, -1.0422905683517456], [0.036629144102334976, 1.5728012323379517, -0.2017681896686554], [-0.7552348375320435, 3.8535819053649902, 0.553465723991394]]),
                torch.tensor([[-0.007497316692024469, -0.013061024248600006, 0.020589284598827362], [0.13726456463336945, 0.003898778697475791, -0.020715786144137383], [-0.020446037873625755, -0.04047698900103569, 0.13608039915561676], [-0.0024879444390535355, 0.09492186456918716, 0.03144467994570732], [0.12997081875801086, -0.020524049177765846, -0.20100149512290955]]))
    return torch.zeros_like(x), torch.zeros_like(x)

# %% ex4 alternative: backward() twice, emptying x.grad before each pass and copying it after (and putting back what was there)
def two_gradients(x):
    before = x.grad
    f = features(x)
    x.grad = None
    f.sum().backward(retain_graph=True)
    grad_a = x.grad.clone()
    x.grad = None
    f.square().mean().backward()
    grad_b = x.grad.clone()
    x.grad = before
    return grad_a, grad_b

# %% ex4 alternative: backpropagate from f itself, with each loss's gradient with respect to f as grad_outputs
def two_gradients(x):
    f = features(x)
    grad_a, = torch.autograd.grad(f, x, grad_outputs=torch.ones_like(f), retain_graph=True)
    grad_b, = torch.autograd.grad(f, x, grad_outputs=2 * f.detach() / f.numel())
    return grad_a, grad_b
