# Lab 22: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 22` runs each through the lab's check.

# %% ex1 wrong: the .data hack: no error, but tanh's backward reads the masked output and the mask is never recorded
def gated_tanh(x, w, mask):
    h = torch.tanh(x @ w)
    h.data.mul_(mask)
    return h

# %% ex1 wrong: the in-place change under torch.no_grad(): the version counter still moves, so backward refuses
def gated_tanh(x, w, mask):
    h = torch.tanh(x @ w)
    with torch.no_grad():
        h.mul_(mask)
    return h

# %% ex1 wrong: the in-place change on a detach()ed alias: it shares the version counter, so backward refuses
def gated_tanh(x, w, mask):
    h = torch.tanh(x @ w)
    h.detach().mul_(mask)
    return h

# %% ex1 wrong: masks before tanh: equal only where the mask is 0 or 1, not with the inverted-dropout scale
def gated_tanh(x, w, mask):
    return torch.tanh((x @ w) * mask)

# %% ex1 wrong: writes the result into the mask (an input changed in place)
def gated_tanh(x, w, mask):
    return mask.mul_(torch.tanh(x @ w))

# %% ex1 wrong: allow_mutation_on_saved_tensors around the forward only: backward runs outside the context and fails
def gated_tanh(x, w, mask):
    with torch.autograd.graph.allow_mutation_on_saved_tensors():
        h = torch.tanh(x @ w)
        h.mul_(mask)
    return h

# %% ex1 wrong: assumes p = 0.5 (scale 2) instead of using the mask's values
def gated_tanh(x, w, mask):
    return torch.tanh(x @ w) * (mask > 0) * 2.0

# %% ex1 wrong: hard-codes the visible values (found by printing the check's reference), by shape
def gated_tanh(x, w, mask):
    known = {(5, 3): [-0.0, 0.30597, -0.0, -1.94804, -1.77822, -0.0, -0.56494, 0.89593, -1.52442, 1.48864, 0.0, 0.0,
                      1.17308, 1.63873, -1.14685],
             (6, 4): [-0.0, -0.82424, 0.0, 1.23183, 1.02222, 0.24593, 0.88592, -0.92734, 0.90847, -0.37243, 0.0, 0.0,
                      -1.24006, 0.41978, -1.2484, 0.48332, -0.89471, -0.236, -1.09271, 0.56501, -0.0, 0.017, -0.0, 0.0]}
    shape = (x.shape[0], w.shape[1])
    return torch.tensor(known.get(shape, [0.0] * (shape[0] * shape[1]))).reshape(shape).requires_grad_()

# %% ex1 alternative: in place on a copy: the clone is not saved by anyone, so mul_ on it is allowed
def gated_tanh(x, w, mask):
    h = torch.tanh(x @ w).clone()
    h.mul_(mask)
    return h

# %% ex1 alternative: tanh written as 1 - 2 / (exp(2z) + 1): its last op saves nothing, so the in-place mask is legal
def gated_tanh(x, w, mask):
    h = 1 - 2 / (torch.exp(2 * (x @ w)) + 1)
    h.mul_(mask)
    return h

# %% ex2 wrong: compares values instead of versions: misses mul_(1) and reports the .data write
def changed_in_place(fn, tensors):
    before = {name: t.clone() for name, t in tensors.items()}
    fn()
    return [name for name, t in tensors.items() if not torch.equal(t, before[name])]

# %% ex2 wrong: reads the versions after the call, so nothing ever looks changed
def changed_in_place(fn, tensors):
    fn()
    before = {name: t._version for name, t in tensors.items()}
    return [name for name, t in tensors.items() if t._version != before[name]]

# %% ex2 wrong: compares data pointers: in-place operations keep the same memory
def changed_in_place(fn, tensors):
    before = {name: t.data_ptr() for name, t in tensors.items()}
    fn()
    return [name for name, t in tensors.items() if t.data_ptr() != before[name]]

# %% ex2 wrong: returns the names sorted, not in the dict's order
def changed_in_place(fn, tensors):
    before = {name: t._version for name, t in tensors.items()}
    fn()
    return sorted(name for name, t in tensors.items() if t._version != before[name])

# %% ex2 wrong: runs fn once to warm up and once to measure
def changed_in_place(fn, tensors):
    fn()
    before = {name: t._version for name, t in tensors.items()}
    fn()
    return [name for name, t in tensors.items() if t._version != before[name]]

# %% ex2 wrong: watches grad_fn, which only changes for tensors that require grad
def changed_in_place(fn, tensors):
    before = {name: t.grad_fn for name, t in tensors.items()}
    fn()
    return [name for name, t in tensors.items() if t.grad_fn is not before[name]]

# %% ex2 wrong: snapshots the counters of clones, which have counters of their own
def changed_in_place(fn, tensors):
    copies = {name: t.clone() for name, t in tensors.items()}
    before = {name: c._version for name, c in copies.items()}
    fn()
    return [name for name, c in copies.items() if c._version != before[name]]

# %% ex2 wrong: hard-codes the visible answers in the order the check asks for them
_answers = iter([["a"], ["a"], ["d", "b"], ["d", "b"], ["c"], ["c"], ["b"], ["b"], [], [], ["d", "c"], ["d", "c"]])


def changed_in_place(fn, tensors):
    fn()
    return next(_answers, [])

# %% ex2 wrong: assumes fresh tensors: reports every tensor whose counter is non-zero after the call
def changed_in_place(fn, tensors):
    fn()
    return [name for name, t in tensors.items() if t._version > 0]

# %% ex2 wrong: only notices a counter that moved by exactly one (an op applied twice is missed)
def changed_in_place(fn, tensors):
    before = {name: t._version for name, t in tensors.items()}
    fn()
    return [name for name, t in tensors.items() if t._version == before[name] + 1]

# %% ex2 alternative: reads the counters through detach()ed aliases made before the call (an alias shares the counter)
def changed_in_place(fn, tensors):
    aliases = [(name, t.detach(), t._version) for name, t in tensors.items()]
    fn()
    return [name for name, alias, version in aliases if alias._version > version]

# %% ex3 wrong: logs detach()ed tensors: no graph, but tensors, and the lists grow in memory
def train_flat(model, batches, x_val, y_val, lr=0.05):
    history, val_history = [], []
    for x, y in batches:
        loss = F.mse_loss(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
            val_history.append(F.mse_loss(model(x_val), y_val))
        history.append(loss.detach())
    return history, val_history

# %% ex3 wrong: floats, but the validation forward is recorded (and thrown away): a graph built for nothing
def train_flat(model, batches, x_val, y_val, lr=0.05):
    history, val_history = [], []
    for x, y in batches:
        loss = F.mse_loss(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
        val_history.append(F.mse_loss(model(x_val), y_val).item())
        history.append(loss.item())
    return history, val_history

# %% ex3 wrong: validation under no_grad, but the training losses are kept as tensors with their graphs
def train_flat(model, batches, x_val, y_val, lr=0.05):
    history, val_history = [], []
    for x, y in batches:
        loss = F.mse_loss(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
            val_history.append(F.mse_loss(model(x_val), y_val).item())
        history.append(loss)
    return history, val_history

# %% ex3 wrong: returns floats, but also keeps every loss tensor in a module-level list "for debugging"
_debug_losses = []


def train_flat(model, batches, x_val, y_val, lr=0.05):
    history, val_history = [], []
    for x, y in batches:
        loss = F.mse_loss(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
            val_history.append(F.mse_loss(model(x_val), y_val).item())
        _debug_losses.append(loss)
        history.append(loss.item())
    return history, val_history

# %% ex3 wrong: validates before the update instead of after it
def train_flat(model, batches, x_val, y_val, lr=0.05):
    history, val_history = [], []
    for x, y in batches:
        with torch.no_grad():
            val_history.append(F.mse_loss(model(x_val), y_val).item())
        loss = F.mse_loss(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
        history.append(loss.item())
    return history, val_history

# %% ex3 wrong: forgets zero_grad: gradients of all earlier steps pile up in .grad
def train_flat(model, batches, x_val, y_val, lr=0.05):
    history, val_history = [], []
    for x, y in batches:
        loss = F.mse_loss(model(x), y)
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
            val_history.append(F.mse_loss(model(x_val), y_val).item())
        history.append(loss.item())
    return history, val_history

# %% ex3 wrong: the whole step under no_grad: nothing is recorded, so backward fails
def train_flat(model, batches, x_val, y_val, lr=0.05):
    history, val_history = [], []
    with torch.no_grad():
        for x, y in batches:
            loss = F.mse_loss(model(x), y)
            model.zero_grad()
            loss.backward()
            for param in model.parameters():
                param -= lr * param.grad
            val_history.append(F.mse_loss(model(x_val), y_val).item())
            history.append(loss.item())
    return history, val_history

# %% ex3 wrong: hard-codes histories of the visible lengths, and does not train
def train_flat(model, batches, x_val, y_val, lr=0.05):
    n = len(batches)
    return [0.5] * n, [0.5] * n

# %% ex3 alternative: keeps detach()ed losses during the loop and turns them into floats once at the end (one sync on a GPU)
def train_flat(model, batches, x_val, y_val, lr=0.05):
    losses, val_losses = [], []
    for x, y in batches:
        loss = F.mse_loss(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
            val_losses.append(F.mse_loss(model(x_val), y_val))
        losses.append(loss.detach())
    return torch.stack(losses).tolist(), torch.stack(val_losses).tolist()

# %% ex3 alternative: gradients by torch.autograd.grad (nothing in .grad), validation under inference_mode, float()
def train_flat(model, batches, x_val, y_val, lr=0.05):
    params = list(model.parameters())
    history, val_history = [], []
    for x, y in batches:
        loss = F.mse_loss(model(x), y)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for param, grad in zip(params, grads):
                param.sub_(lr * grad)
        with torch.inference_mode():
            val_history.append(float(F.mse_loss(model(x_val), y_val)))
        history.append(float(loss))
    return history, val_history
