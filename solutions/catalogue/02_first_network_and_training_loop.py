# Lab 02: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 02` runs each through the lab's check (tests/test_catalogue.py does too).

# %% ex1 wrong: no zero_grad: the step adds its gradient to whatever .grad already held
def train_step(model, optimizer, x, y):
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()

# %% ex1 wrong: returns the loss tensor (and with it the whole graph) instead of a Python float
def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss

# %% ex1 wrong: zero_grad between backward and step, so the step finds no gradients and changes nothing
def train_step(model, optimizer, x, y):
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()

# %% ex1 wrong: zero_grad after the step: right for a fresh model, wrong when .grad held something before the call
def train_step(model, optimizer, x, y):
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()

# %% ex1 wrong: returns the loss after the step (a second forward), not the loss the step was computed from
def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
    with torch.no_grad():
        return F.cross_entropy(model(x), y).item()

# %% ex1 wrong: hard-codes the loss of the first visible check (the step itself is right)
def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
    return 1.1662768125534058

# %% ex1 alternative: computes the gradients with torch.autograd.grad and hands them to the optimiser through .grad
def train_step(model, optimizer, x, y):
    params = [p for p in model.parameters() if p.requires_grad]
    loss = F.nll_loss(F.log_softmax(model(x), dim=1), y)
    for p, g in zip(params, torch.autograd.grad(loss, params)):
        p.grad = g
    optimizer.step()
    return float(loss)

# %% ex2 wrong: divides every micro-batch loss by their number: exact only when the parts have equal sizes
def accumulated_grads(model, x, y, micro_batches):
    model.zero_grad()
    for xm, ym in zip(torch.tensor_split(x, micro_batches), torch.tensor_split(y, micro_batches)):
        (F.cross_entropy(model(xm), ym) / micro_batches).backward()
    return [p.grad.clone() for p in model.parameters()]

# %% ex2 wrong: adds the micro-batch mean losses without weighting them: a sum of means, not the mean
def accumulated_grads(model, x, y, micro_batches):
    model.zero_grad()
    for xm, ym in zip(torch.tensor_split(x, micro_batches), torch.tensor_split(y, micro_batches)):
        F.cross_entropy(model(xm), ym).backward()
    return [p.grad.clone() for p in model.parameters()]

# %% ex2 wrong: does not clear .grad first, so whatever was there is added in
def accumulated_grads(model, x, y, micro_batches):
    n = len(x)
    for xm, ym in zip(torch.tensor_split(x, micro_batches), torch.tensor_split(y, micro_batches)):
        (F.cross_entropy(model(xm), ym) * len(xm) / n).backward()
    return [p.grad.clone() for p in model.parameters()]

# %% ex2 wrong: returns the .grad tensors themselves, which the next backward or zero_grad changes
def accumulated_grads(model, x, y, micro_batches):
    model.zero_grad()
    n = len(x)
    for xm, ym in zip(torch.tensor_split(x, micro_batches), torch.tensor_split(y, micro_batches)):
        (F.cross_entropy(model(xm), ym) * len(xm) / n).backward()
    return [p.grad for p in model.parameters()]

# %% ex2 wrong: hard-codes the expected values the way the check computes them: the full batch at once, no accumulation
def accumulated_grads(model, x, y, micro_batches):
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    return [p.grad.clone() for p in model.parameters()]

# %% ex2 wrong: a forward per micro-batch but one backward of the summed loss, so every part's graph is held at once
def accumulated_grads(model, x, y, micro_batches):
    model.zero_grad()
    n = len(x)
    total = sum(F.cross_entropy(model(xm), ym) * len(xm) / n
                for xm, ym in zip(torch.tensor_split(x, micro_batches), torch.tensor_split(y, micro_batches)))
    total.backward()
    return [p.grad.clone() for p in model.parameters()]

# %% ex2 alternative: summed (not mean) losses divided by the batch size, and .grad emptied by hand
def accumulated_grads(model, x, y, micro_batches):
    for p in model.parameters():
        p.grad = None
    for xm, ym in zip(torch.tensor_split(x, micro_batches), torch.tensor_split(y, micro_batches)):
        (F.cross_entropy(model(xm), ym, reduction="sum") / len(x)).backward()
    return [p.grad.detach().clone() for p in model.parameters()]

# %% ex2 alternative: slices the parts by hand with the sizes torch.tensor_split would make (the first len(x) % k parts one row longer)
def accumulated_grads(model, x, y, micro_batches):
    model.zero_grad(set_to_none=False)
    n = len(x)
    base, extra = divmod(n, micro_batches)
    start = 0
    for i in range(micro_batches):
        size = base + (1 if i < extra else 0)
        if size:
            xm, ym = x[start:start + size], y[start:start + size]
            (F.cross_entropy(model(xm), ym) * (size / n)).backward()
        start += size
    return [p.grad.clone() for p in model.parameters()]

# %% ex3 wrong: torch.no_grad() but no model.eval(): dropout stays active during the evaluation
def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()

# %% ex3 wrong: model.eval() but no torch.no_grad(): a graph is recorded for a backward that never comes
def accuracy(model, x, y):
    was_training = model.training
    model.eval()
    correct = (model(x).argmax(dim=1) == y).float().mean().item()
    model.train(was_training)
    return correct

# %% ex3 wrong: switches back with model.train() whatever mode the model was in
def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = (model(x).argmax(dim=1) == y).float().mean().item()
    model.train()
    return correct

# %% ex3 wrong: sets model.training = False on the top module only: the Dropout inside still drops
def accuracy(model, x, y):
    was_training = model.training
    model.training = False
    with torch.no_grad():
        correct = (model(x).argmax(dim=1) == y).float().mean().item()
    model.training = was_training
    return correct

# %% ex3 wrong: switches autograd off with set_grad_enabled(False) and never switches it back on
def accuracy(model, x, y):
    was_training = model.training
    model.eval()
    torch.set_grad_enabled(False)
    correct = (model(x).argmax(dim=1) == y).float().mean().item()
    model.train(was_training)
    return correct

# %% ex3 wrong: returns a tensor, not a Python float
def accuracy(model, x, y):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        correct = (model(x).argmax(dim=1) == y).float().mean()
    model.train(was_training)
    return correct

# %% ex3 wrong: hard-codes the accuracy of the first visible check
def accuracy(model, x, y):
    return 0.800000011920929

# %% ex3 alternative: torch.inference_mode, a count of correct rows divided by the number of rows, mode restored in finally
def accuracy(model, x, y):
    mode = model.training
    try:
        model.eval()
        with torch.inference_mode():
            correct = int((model(x).argmax(dim=-1) == y).sum())
    finally:
        model.train(mode)
    return correct / len(y)
