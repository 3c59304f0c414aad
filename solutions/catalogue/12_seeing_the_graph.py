# Lab 12: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 12` runs each through the lab's check.

# %% ex1 wrong: recursion without a visited set: a node reached along two paths is counted twice
def count_ops(tensor):
    counts = {}

    def visit(fn):
        counts[type(fn).__name__] = counts.get(type(fn).__name__, 0) + 1
        for child, _ in fn.next_functions:
            if child is not None:
                visit(child)

    if tensor.grad_fn is not None:
        visit(tensor.grad_fn)
    return counts

# %% ex1 wrong: does not skip the (None, 0) entries of next_functions (AttributeError on None)
def count_ops(tensor):
    counts, seen = {}, set()
    stack = [tensor.grad_fn] if tensor.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        counts[type(fn).__name__] = counts.get(type(fn).__name__, 0) + 1
        stack.extend(child for child, _ in fn.next_functions)
    return counts

# %% ex1 wrong: names nodes with fn.name(), which calls AccumulateGrad "torch::autograd::AccumulateGrad"
def count_ops(tensor):
    counts, seen = {}, set()
    stack = [tensor.grad_fn] if tensor.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        counts[fn.name()] = counts.get(fn.name(), 0) + 1
        stack.extend(child for child, _ in fn.next_functions if child is not None)
    return counts

# %% ex1 wrong: starts from the root's inputs, so the root node itself is never counted
def count_ops(tensor):
    counts, seen = {}, set()
    stack = [c for c, _ in tensor.grad_fn.next_functions if c is not None] if tensor.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        counts[type(fn).__name__] = counts.get(type(fn).__name__, 0) + 1
        stack.extend(child for child, _ in fn.next_functions if child is not None)
    return counts

# %% ex1 wrong: leaves out the AccumulateGrad nodes (counts only nodes that compute something)
def count_ops(tensor):
    counts, seen = {}, set()
    stack = [tensor.grad_fn] if tensor.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if fn in seen:
            continue
        seen.add(fn)
        if not hasattr(fn, "variable"):
            counts[type(fn).__name__] = counts.get(type(fn).__name__, 0) + 1
        stack.extend(child for child, _ in fn.next_functions if child is not None)
    return counts

# %% ex1 wrong: de-duplicates by class name instead of by node, so every type counts once
def count_ops(tensor):
    counts = {}
    stack = [tensor.grad_fn] if tensor.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if type(fn).__name__ in counts:
            continue
        counts[type(fn).__name__] = 1
        stack.extend(child for child, _ in fn.next_functions if child is not None)
    return counts

# %% ex1 wrong: hard-codes the diamond's counts
def count_ops(tensor):
    return {"SumBackward0": 1, "MulBackward0": 2, "ExpBackward0": 1, "SinBackward0": 1, "AccumulateGrad": 2}

# %% ex1 wrong: the shortcut the exercise forbids: dglab.graph.walk does the walk
def count_ops(tensor):
    if tensor.grad_fn is None:
        return {}
    counts = {}
    for node in walk(tensor):
        counts[type(node.fn).__name__] = counts.get(type(node.fn).__name__, 0) + 1
    return counts

# %% ex1 alternative: breadth-first with a queue and a Counter, visited nodes kept by id()
def count_ops(tensor):
    from collections import Counter, deque

    if tensor.grad_fn is None:
        return {}
    seen = {id(tensor.grad_fn)}
    queue = deque([tensor.grad_fn])
    counts = Counter()
    while queue:
        fn = queue.popleft()
        counts[type(fn).__name__] += 1
        for child, _ in fn.next_functions:
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                queue.append(child)
    return dict(counts)

# %% ex1 alternative: recursive depth-first search with a visited set
def count_ops(tensor):
    seen = set()

    def visit(fn):
        if fn is None or fn in seen:
            return
        seen.add(fn)
        for child, _ in fn.next_functions:
            visit(child)

    visit(tensor.grad_fn)
    counts = {}
    for fn in seen:
        counts[type(fn).__name__] = counts.get(type(fn).__name__, 0) + 1
    return counts

# %% ex2 wrong: records grad_input (the gradient at the layer's input), not grad_output
def output_grad_norms(model, compute_loss):
    norms, handles = {}, []

    def recorder(name):
        def hook(module, grad_input, grad_output):
            g = grad_input[0] if grad_input[0] is not None else grad_output[0]
            norms[name] = g.norm().item()
        return hook

    try:
        for name, module in model.named_modules():
            if isinstance(module, nn.Linear):
                handles.append(module.register_full_backward_hook(recorder(name)))
        compute_loss().backward()
    finally:
        for handle in handles:
            handle.remove()
    return norms

# %% ex2 wrong: reports the norm of each weight's gradient instead of the output's gradient
def output_grad_norms(model, compute_loss):
    compute_loss().backward()
    return {name: m.weight.grad.norm().item() for name, m in model.named_modules() if isinstance(m, nn.Linear)}

# %% ex2 wrong: never removes its hooks
def output_grad_norms(model, compute_loss):
    norms = {}

    def recorder(name):
        def hook(module, grad_input, grad_output):
            norms[name] = grad_output[0].norm().item()
        return hook

    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            module.register_full_backward_hook(recorder(name))
    compute_loss().backward()
    return norms

# %% ex2 wrong: removes the hooks only on success (no finally), so a failing loss leaves them behind
def output_grad_norms(model, compute_loss):
    norms, handles = {}, []

    def recorder(name):
        def hook(module, grad_input, grad_output):
            norms[name] = grad_output[0].norm().item()
        return hook

    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            handles.append(module.register_full_backward_hook(recorder(name)))
    compute_loss().backward()
    for handle in handles:
        handle.remove()
    return norms

# %% ex2 wrong: swallows the exception of compute_loss() instead of letting it reach the caller
def output_grad_norms(model, compute_loss):
    norms, handles = {}, []

    def recorder(name):
        def hook(module, grad_input, grad_output):
            norms[name] = grad_output[0].norm().item()
        return hook

    try:
        for name, module in model.named_modules():
            if isinstance(module, nn.Linear):
                handles.append(module.register_full_backward_hook(recorder(name)))
        compute_loss().backward()
    except Exception:
        pass
    finally:
        for handle in handles:
            handle.remove()
    return norms

# %% ex2 wrong: hooks every module that has parameters (LayerNorm too), not only the Linear layers
def output_grad_norms(model, compute_loss):
    norms, handles = {}, []

    def recorder(name):
        def hook(module, grad_input, grad_output):
            norms[name] = grad_output[0].norm().item()
        return hook

    try:
        for name, module in model.named_modules():
            if name and any(True for _ in module.parameters(recurse=False)):
                handles.append(module.register_full_backward_hook(recorder(name)))
        compute_loss().backward()
    finally:
        for handle in handles:
            handle.remove()
    return norms

# %% ex2 wrong: only the top level (named_children), so nested Linear layers are missed or misnamed
def output_grad_norms(model, compute_loss):
    norms, handles = {}, []

    def recorder(name):
        def hook(module, grad_input, grad_output):
            norms[name] = grad_output[0].norm().item()
        return hook

    try:
        for name, module in model.named_children():
            if isinstance(module, nn.Linear):
                handles.append(module.register_full_backward_hook(recorder(name)))
        compute_loss().backward()
    finally:
        for handle in handles:
            handle.remove()
    return norms

# %% ex2 wrong: runs backward twice (retain_graph), so the parameters' .grad are doubled
def output_grad_norms(model, compute_loss):
    norms, handles = {}, []

    def recorder(name):
        def hook(module, grad_input, grad_output):
            norms[name] = grad_output[0].norm().item()
        return hook

    try:
        for name, module in model.named_modules():
            if isinstance(module, nn.Linear):
                handles.append(module.register_full_backward_hook(recorder(name)))
        loss = compute_loss()
        loss.backward(retain_graph=True)
        loss.backward()
    finally:
        for handle in handles:
            handle.remove()
    return norms

# %% ex2 wrong: keeps the norms as 0-dim tensors instead of Python floats
def output_grad_norms(model, compute_loss):
    norms, handles = {}, []

    def recorder(name):
        def hook(module, grad_input, grad_output):
            norms[name] = grad_output[0].norm()
        return hook

    try:
        for name, module in model.named_modules():
            if isinstance(module, nn.Linear):
                handles.append(module.register_full_backward_hook(recorder(name)))
        compute_loss().backward()
    finally:
        for handle in handles:
            handle.remove()
    return norms

# %% ex2 wrong: hard-codes the flat model's keys with made-up values
def output_grad_norms(model, compute_loss):
    compute_loss().backward()
    return {"0": 0.5, "2": 0.3, "4": 0.2}

# %% ex2 alternative: forward hooks attach a tensor hook to each Linear's output; both kinds removed in finally
def output_grad_norms(model, compute_loss):
    norms, handles = {}, []

    def watcher(name):
        def forward_hook(module, inputs, output):
            handles.append(output.register_hook(lambda grad: norms.__setitem__(name, grad.norm().item())))
        return forward_hook

    try:
        for name, module in model.named_modules():
            if isinstance(module, nn.Linear):
                handles.append(module.register_forward_hook(watcher(name)))
        compute_loss().backward()
    finally:
        for handle in handles:
            handle.remove()
    return norms

# %% ex3 wrong: tests only for NaN (torch.isnan), so an earlier infinity is missed
def first_nonfinite(model, x):
    bad, handles = [], []

    def watcher(name):
        def hook(module, inputs, output):
            if not bad and torch.isnan(output).any():
                bad.append(name)
        return hook

    try:
        for name, module in model.named_modules():
            if name:
                handles.append(module.register_forward_hook(watcher(name)))
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return bad[0] if bad else None

# %% ex3 wrong: flags modules while the hooks fire, then answers in named_modules() (registration) order
def first_nonfinite(model, x):
    flagged, handles = set(), []

    def watcher(name):
        def hook(module, inputs, output):
            if not torch.isfinite(output).all():
                flagged.add(name)
        return hook

    try:
        for name, module in model.named_modules():
            if name:
                handles.append(module.register_forward_hook(watcher(name)))
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return next((name for name, _ in model.named_modules() if name in flagged), None)

# %% ex3 wrong: hooks only the top-level children, so it names the container instead of the layer inside it
def first_nonfinite(model, x):
    bad, handles = [], []

    def watcher(name):
        def hook(module, inputs, output):
            if not bad and not torch.isfinite(output).all():
                bad.append(name)
        return hook

    try:
        for name, module in model.named_children():
            handles.append(module.register_forward_hook(watcher(name)))
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return bad[0] if bad else None

# %% ex3 wrong: tests each module's input instead of its output (one layer late)
def first_nonfinite(model, x):
    bad, handles = [], []

    def watcher(name):
        def hook(module, inputs):
            if not bad and not torch.isfinite(inputs[0]).all():
                bad.append(name)
        return hook

    try:
        for name, module in model.named_modules():
            if name:
                handles.append(module.register_forward_pre_hook(watcher(name)))
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return bad[0] if bad else None

# %% ex3 wrong: keeps the LAST module with a non-finite output, not the first
def first_nonfinite(model, x):
    bad, handles = [], []

    def watcher(name):
        def hook(module, inputs, output):
            if not torch.isfinite(output).all():
                bad.append(name)
        return hook

    try:
        for name, module in model.named_modules():
            if name:
                handles.append(module.register_forward_hook(watcher(name)))
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return bad[-1] if bad else None

# %% ex3 wrong: never removes its hooks
def first_nonfinite(model, x):
    bad = []

    def watcher(name):
        def hook(module, inputs, output):
            if not bad and not torch.isfinite(output).all():
                bad.append(name)
        return hook

    for name, module in model.named_modules():
        if name:
            module.register_forward_hook(watcher(name))
    model(x)
    return bad[0] if bad else None

# %% ex3 wrong: hard-codes the first visible case's answer
def first_nonfinite(model, x):
    return "2"

# %% ex3 alternative: stops the forward at the first bad output by raising from the hook; hooks removed in finally
def first_nonfinite(model, x):
    class Found(Exception):
        pass

    handles = []

    def watcher(name):
        def hook(module, inputs, output):
            if not torch.isfinite(output).all():
                raise Found(name)
        return hook

    try:
        for name, module in model.named_modules():
            if name:
                handles.append(module.register_forward_hook(watcher(name)))
        model(x)
    except Found as found:
        return found.args[0]
    finally:
        for handle in handles:
            handle.remove()
    return None

# %% ex3 wrong: also hooks the model itself (name ""), so a NaN made by the model's own forward is reported
def first_nonfinite(model, x):
    bad, handles = [], []

    def watcher(name):
        def hook(module, inputs, output):
            if not bad and not torch.isfinite(output).all():
                bad.append(name)
        return hook

    try:
        for name, module in model.named_modules():
            handles.append(module.register_forward_hook(watcher(name)))
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return bad[0] if bad else None
