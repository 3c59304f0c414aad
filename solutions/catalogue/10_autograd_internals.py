# Lab 10: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 10` runs each through the lab's check.

# %% ex1 wrong: sorts every node by decreasing sequence number, so the AccumulateGrad nodes (largest number) come first
def backward_order(loss):
    return sorted((n.fn for n in walk(loss)), key=lambda fn: -fn._sequence_nr())

# %% ex1 wrong: sorts by increasing sequence number: the forward order, not the backward one
def backward_order(loss):
    nodes = [n.fn for n in walk(loss)]
    ops = sorted((fn for fn in nodes if node_name(fn) != "AccumulateGrad"), key=lambda fn: fn._sequence_nr())
    return ops + [fn for fn in nodes if node_name(fn) == "AccumulateGrad"]

# %% ex1 wrong: operation nodes in the right order, but every AccumulateGrad node left to the very end
def backward_order(loss):
    nodes = [n.fn for n in walk(loss)]
    ops = sorted((fn for fn in nodes if node_name(fn) != "AccumulateGrad"), key=lambda fn: -fn._sequence_nr())
    return ops + [fn for fn in nodes if node_name(fn) == "AccumulateGrad"]

# %% ex1 wrong: places each AccumulateGrad right after its FIRST sender, before the leaf's gradient is complete
def backward_order(loss):
    nodes = walk(loss)
    is_acc = [node_name(n.fn) == "AccumulateGrad" for n in nodes]
    ops = sorted((i for i in range(len(nodes)) if not is_acc[i]), key=lambda i: -nodes[i].fn._sequence_nr())
    order, placed = [], set()
    for i in ops:
        order.append(nodes[i].fn)
        for j in nodes[i].inputs:
            if is_acc[j] and j not in placed:
                placed.add(j)
                order.append(nodes[j].fn)
    return order

# %% ex1 wrong: the tiny engine's way: reverse of a depth-first post-order (valid, but not torch's order)
def backward_order(loss):
    nodes = walk(loss)
    seen, post = set(), []

    def visit(i):
        if i in seen:
            return
        seen.add(i)
        for j in nodes[i].inputs:
            visit(j)
        post.append(i)

    visit(0)
    return [nodes[i].fn for i in reversed(post)]

# %% ex1 wrong: Kahn's algorithm with a first-in first-out queue: ready nodes run in arrival order, not by priority
def backward_order(loss):
    from collections import deque

    nodes = walk(loss)
    waiting = [0] * len(nodes)
    for node in nodes:
        for j in node.inputs:
            waiting[j] += 1
    ready, order = deque([0]), []
    while ready:
        i = ready.popleft()
        order.append(nodes[i].fn)
        for j in nodes[i].inputs:
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    return order

# %% ex1 wrong: Kahn's algorithm with heapq but without negating: the LOWEST sequence number runs first
def backward_order(loss):
    import heapq

    nodes = walk(loss)
    waiting = [0] * len(nodes)
    for node in nodes:
        for j in node.inputs:
            waiting[j] += 1
    ready, order = [(nodes[0].fn._sequence_nr(), 0)], []
    while ready:
        _, i = heapq.heappop(ready)
        order.append(nodes[i].fn)
        for j in nodes[i].inputs:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, (nodes[j].fn._sequence_nr(), j))
    return order

# %% ex1 wrong: the shortcut: runs backward with hooks (engine_order) instead of predicting
def backward_order(loss):
    return engine_order(loss)

# %% ex1 wrong: hard-codes the diamond's order as positions in walk's list, and returns the walk order otherwise
def backward_order(loss):
    nodes = [n.fn for n in walk(loss)]
    return [nodes[k] for k in (0, 1, 6, 2, 3, 4, 5)] if len(nodes) == 7 else nodes

# %% ex1 wrong: dependencies counted per edge but released once per distinct child: x * x never gets ready
import heapq
def backward_order(loss):
    nodes = [n.fn for n in walk(loss)]
    deps = {id(fn): 0 for fn in nodes}
    for fn in nodes:
        for child, _ in fn.next_functions:
            if child is not None:
                deps[id(child)] += 1
    heap, order, tick = [(-loss.grad_fn._sequence_nr(), 0, loss.grad_fn)], [], 1
    while heap:
        _, _, fn = heapq.heappop(heap)
        order.append(fn)
        children = {id(c): c for c, _ in fn.next_functions if c is not None}
        for child in children.values():
            deps[id(child)] -= 1
            if deps[id(child)] == 0:
                heapq.heappush(heap, (-child._sequence_nr(), tick, child)); tick += 1
    return order

# %% ex1 wrong: runs backward anyway through the engine's private entry point, then wipes the leaves' .grad
def backward_order(loss):
    order, nodes = [], [n.fn for n in walk(loss)]
    handles = [fn.register_prehook(lambda g, fn=fn: order.append(fn)) for fn in nodes]
    try:
        torch.autograd.Variable._execution_engine.run_backward(
            (loss,), (torch.ones_like(loss),), True, False, (), True, True)
    finally:
        for h in handles:
            h.remove()
    for fn in nodes:
        leaf = getattr(fn, "variable", None)
        if leaf is not None:
            leaf.grad = None
    return order

# %% ex1 alternative: what torch's engine does: dependency counts and a priority queue of ready nodes (heapq on minus the sequence number)
def backward_order(loss):
    import heapq

    nodes = walk(loss)
    waiting = [0] * len(nodes)
    for node in nodes:
        for j in node.inputs:
            waiting[j] += 1
    ready, order, pushed = [(-nodes[0].fn._sequence_nr(), 0, 0)], [], 1
    while ready:
        _, _, i = heapq.heappop(ready)
        order.append(nodes[i].fn)
        for j in nodes[i].inputs:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, (-nodes[j].fn._sequence_nr(), pushed, j))
                pushed += 1
    return order

# %% ex1 alternative: straight from next_functions (no walk): decreasing sequence number, each leaf's node after its last sender
def backward_order(loss):
    found, stack = {}, [loss.grad_fn]
    while stack:
        fn = stack.pop()
        if id(fn) not in found:
            found[id(fn)] = fn
            stack.extend(child for child, _ in fn.next_functions if child is not None)
    ops = sorted((fn for fn in found.values() if not hasattr(fn, "variable")), key=lambda fn: fn._sequence_nr(), reverse=True)
    senders = {}
    for fn in ops:
        for child, _ in fn.next_functions:
            if child is not None and hasattr(child, "variable"):
                senders.setdefault(id(child), []).append(fn)
    order = []
    for fn in ops:
        order.append(fn)
        order.extend(found[key] for key, who in senders.items() if who[-1] is fn)
    return order

# %% ex2 wrong: the naive formula log(1 + exp(x)) in forward: exp overflows for x > 88 in float32
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.log(1 + torch.exp(x))

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)

# %% ex2 wrong: backward forgets to multiply by grad_out
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return torch.sigmoid(x)

# %% ex2 wrong: backward written as exp(x) / (1 + exp(x)): inf / inf = nan for large x
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.exp(x) / (1 + torch.exp(x))

# %% ex2 wrong: the derivative of softplus(-x): sigmoid(-x), the sign slipped
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(-x)

# %% ex2 wrong: keeps x as an attribute of ctx instead of ctx.save_for_backward
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out * torch.sigmoid(ctx.x)

# %% ex2 wrong: the shortcut: forward calls F.softplus instead of a stable formula of one's own
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return F.softplus(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)

# %% ex2 wrong: patches the probe points it saw fail (+-50, +-1000) and keeps the naive formula elsewhere
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        naive = torch.log(1 + torch.exp(x.clamp(max=50)))
        return torch.where(x == 1000, x, torch.where(x == 50, x, naive))

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)

# %% ex2 wrong: the built-in op under another name (torch.ops.aten.softplus)
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.ops.aten.softplus(x, 1, 20)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)

# %% ex2 wrong: logaddexp(x, 0) rebuilt from torch.logsumexp (the refused function by another route)
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.logsumexp(torch.stack([x, torch.zeros_like(x)]), 0)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)

# %% ex2 wrong: log instead of log1p: softplus(-50) comes out 0 instead of 2e-22 (all digits lost)
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0) + torch.log(1 + torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)

# %% ex2 wrong: the built-in op's overload, torch.ops.aten.softplus.default
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.ops.aten.softplus.default(x, 1, 20)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)

# %% ex2 alternative: torch.where picks x + log1p(exp(-x)) or log1p(exp(x)) by sign (the unused branch may overflow harmlessly)
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x > 0, x + torch.log1p(torch.exp(-x)), torch.log1p(torch.exp(x)))

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)

# %% ex2 alternative: saves the OUTPUT y, like ExpBackward0, and uses sigmoid(x) = 1 - exp(-y) = -expm1(-y)
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return grad_out * -torch.expm1(-y)

# %% ex2 alternative: torch.where on the sign, sigmoid by hand from e = exp(-|x|)
class StableSoftplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        e = torch.exp(-x.abs())
        ctx.save_for_backward(x, e)
        return torch.where(x > 0, x, torch.zeros_like(x)) + torch.log1p(e)

    @staticmethod
    def backward(ctx, grad_out):
        x, e = ctx.saved_tensors
        return grad_out * torch.where(x >= 0, 1 / (1 + e), e / (1 + e))

# %% ex3 wrong: the textbook formula 1 / (1 + exp(-x)): math.exp(800) raises OverflowError
def tiny_sigmoid(v):
    s = 1.0 / (1.0 + math.exp(-v.data))
    return Value.make(s, (v,), (s * (1.0 - s),), "sigmoid")

# %% ex3 wrong: builds sigmoid from tiny operations: several nodes, not one
def tiny_sigmoid(v):
    return 1 / (1 + (-v).exp())

# %% ex3 wrong: local gradient s instead of s * (1 - s)
def tiny_sigmoid(v):
    e = math.exp(-abs(v.data))
    s = 1.0 / (1.0 + e) if v.data >= 0 else e / (1.0 + e)
    return Value.make(s, (v,), (s,), "sigmoid")

# %% ex3 wrong: stable value, but the local gradient written as exp(-x) / (1 + exp(-x))**2 overflows
def tiny_sigmoid(v):
    e = math.exp(-abs(v.data))
    s = 1.0 / (1.0 + e) if v.data >= 0 else e / (1.0 + e)
    return Value.make(s, (v,), (math.exp(-v.data) / (1.0 + math.exp(-v.data)) ** 2,), "sigmoid")

# %% ex3 wrong: clamps the input to [-30, 30] to dodge the overflow: tiny results lose all their digits
def tiny_sigmoid(v):
    x = min(max(v.data, -30.0), 30.0)
    s = 1.0 / (1.0 + math.exp(-x))
    return Value.make(s, (v,), (s * (1.0 - s),), "sigmoid")

# %% ex3 wrong: the tanh identity 0.5 * (1 + tanh(x / 2)): no overflow, but 1 + tanh cancels to 0 for large negative x
def tiny_sigmoid(v):
    s = 0.5 * (1.0 + math.tanh(v.data / 2))
    return Value.make(s, (v,), (s * (1.0 - s),), "sigmoid")

# %% ex3 wrong: hard-codes sigmoid(0.3) and its slope, the first visible probe
def tiny_sigmoid(v):
    return Value.make(0.574442516811659, (v,), (0.24445831169074586,), "sigmoid")

# %% ex3 wrong: value and slope taken from torch.sigmoid itself (not the tiny engine's own rule)
def tiny_sigmoid(v):
    s = torch.sigmoid(torch.tensor(v.data, dtype=torch.float64)).item()
    return Value.make(s, (v,), (s * (1 - s),), "sigmoid")

# %% ex3 alternative: no branch: exp(min(x, 0)) / (exp(min(x, 0)) + exp(min(-x, 0))), slope from the two exponentials
def tiny_sigmoid(v):
    p, q = math.exp(min(v.data, 0.0)), math.exp(min(-v.data, 0.0))
    s = p / (p + q)
    return Value.make(s, (v,), (p * q / (p + q) ** 2,), "sigmoid")

# %% ex3 alternative: e = exp(-|x|) once; the value by the sign of x and the slope e / (1 + e)**2, symmetric in x
def tiny_sigmoid(v):
    e = math.exp(-abs(v.data))
    s = 1.0 / (1.0 + e) if v.data >= 0 else e / (1.0 + e)
    return Value.make(s, (v,), (e / (1.0 + e) ** 2,), "sigmoid")

# %% ex3 alternative: the textbook formula with OverflowError caught as 0 (torch.sigmoid also gives 0 below about -709.8)
def tiny_sigmoid(v):
    try:
        s = 1.0 / (1.0 + math.exp(-v.data))
    except OverflowError:
        s = 0.0
    return Value.make(s, (v,), (s * (1 - s),), "sigmoid")

# %% ex4 wrong: a >= b sends the whole gradient to a at a tie
def tiny_maximum(a, b):
    local = (1.0, 0.0) if a.data >= b.data else (0.0, 1.0)
    return Value.make(max(a.data, b.data), (a, b), local, "max")

# %% ex4 wrong: a > b sends the whole gradient to b at a tie
def tiny_maximum(a, b):
    local = (1.0, 0.0) if a.data > b.data else (0.0, 1.0)
    return Value.make(max(a.data, b.data), (a, b), local, "max")

# %% ex4 wrong: at a tie both inputs get the full gradient
def tiny_maximum(a, b):
    if a.data == b.data:
        local = (1.0, 1.0)
    else:
        local = (1.0, 0.0) if a.data > b.data else (0.0, 1.0)
    return Value.make(max(a.data, b.data), (a, b), local, "max")

# %% ex4 wrong: the gradient goes to the smaller input
def tiny_maximum(a, b):
    if a.data == b.data:
        local = (0.5, 0.5)
    else:
        local = (0.0, 1.0) if a.data > b.data else (1.0, 0.0)
    return Value.make(max(a.data, b.data), (a, b), local, "max")

# %% ex4 wrong: builds maximum from tiny operations, relu(a - b) + b: several nodes, and relu's own tie convention
def tiny_maximum(a, b):
    return (a - b).relu() + b

# %% ex4 wrong: hard-codes the first visible probe, maximum(1, 2)
def tiny_maximum(a, b):
    return Value.make(2.0, (a, b), (0.0, 1.0), "max")

# %% ex4 wrong: a tie "up to rounding" (|a - b| < 1e-6): near-ties split the gradient
def tiny_maximum(a, b):
    if abs(a.data - b.data) < 1e-6:
        return Value.make(max(a.data, b.data), (a, b), (0.5, 0.5), "max")
    if a.data > b.data:
        return Value.make(a.data, (a, b), (1.0, 0.0), "max")
    return Value.make(b.data, (a, b), (0.0, 1.0), "max")

# %% ex4 wrong: local gradients read off torch.maximum's own backward (the tiny rule not written at all)
def tiny_maximum(a, b):
    ta = torch.tensor(a.data, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b.data, dtype=torch.float64, requires_grad=True)
    out = torch.maximum(ta, tb)
    ga, gb = torch.autograd.grad(out, (ta, tb))
    return Value.make(out.item(), (a, b), (ga.item(), gb.item()), "max")

# %% ex4 alternative: one formula for all three cases: (1 + sign(a - b)) / 2 and (1 - sign(a - b)) / 2
def tiny_maximum(a, b):
    sign = (a.data > b.data) - (a.data < b.data)
    return Value.make(max(a.data, b.data), (a, b), ((1 + sign) / 2, (1 - sign) / 2), "max")

# %% ex4 alternative: a lookup table keyed by the comparison's outcome
def tiny_maximum(a, b):
    outcome = (a.data > b.data, a.data < b.data)
    local = {(True, False): (1.0, 0.0), (False, True): (0.0, 1.0), (False, False): (0.5, 0.5)}[outcome]
    return Value.make(max(a.data, b.data), (a, b), local, "max")
