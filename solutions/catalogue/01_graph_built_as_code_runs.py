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
