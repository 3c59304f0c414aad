# Lab 30: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 30` runs each through the lab's check.

# %% ex1 wrong: adds zero_grad, but the optimiser still holds another model's parameters
def fit(model, x, y, steps=STEPS, lr=LR):
    optimiser = torch.optim.SGD(make_model().parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses

# %% ex1 wrong: optimiser over the right parameters, but no zero_grad: the gradients add up and the loss explodes
def fit(model, x, y, steps=STEPS, lr=LR):
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses

# %% ex1 wrong: trains correctly but keeps the loss tensors (and their graphs) in the history
def fit(model, x, y, steps=STEPS, lr=LR):
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss)
    return losses

# %% ex1 wrong: keeps no zero_grad and tames the explosion by lowering the learning rate, ignoring its argument
def fit(model, x, y, steps=STEPS, lr=LR):
    optimiser = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses

# %% ex1 wrong: zero_grad between backward and step, so every step uses a zero gradient
def fit(model, x, y, steps=STEPS, lr=LR):
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.zero_grad()
        optimiser.step()
        losses.append(loss.item())
    return losses

# %% ex1 wrong: trains a copy of the model, so the model it was given never changes
def fit(model, x, y, steps=STEPS, lr=LR):
    model = copy.deepcopy(model)
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses

# %% ex1 wrong: hard-codes a history that looks like the healthy run's, without training
def fit(model, x, y, steps=STEPS, lr=LR):
    return [6.507] + [0.019] * (steps - 1)

# %% ex1 wrong: switches to Adam (lr 0.05): the loss falls, but not along the SGD-with-momentum path the exercise asks for
def fit(model, x, y, steps=STEPS, lr=LR):
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses

# %% ex1 alternative: the same SGD with momentum written by hand (buffer = 0.9 buffer + grad), gradients set to None
def fit(model, x, y, steps=STEPS, lr=LR):
    params = list(model.parameters())
    buffers = [None] * len(params)
    losses = []
    for _ in range(steps):
        for p in params:
            p.grad = None
        loss = F.mse_loss(model(x), y)
        loss.backward()
        with torch.no_grad():
            for k, p in enumerate(params):
                buffers[k] = p.grad.clone() if buffers[k] is None else buffers[k].mul_(0.9).add_(p.grad)
                p -= lr * buffers[k]
        losses.append(float(loss))
    return losses

# %% ex1 alternative: model.zero_grad(set_to_none=True) after each step instead of before backward
def fit(model, x, y, steps=STEPS, lr=LR):
    optimiser = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.zero_grad(set_to_none=True)
    losses = []
    for _ in range(steps):
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        model.zero_grad(set_to_none=True)
        losses.append(loss.detach().item())
    return losses

# %% ex2 wrong: nan_to_num on the loss: the loss reads 0.0, the gradients are still NaN
def train_logistic(x, y, steps, lr):
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        p = torch.sigmoid(x @ w + b)
        loss = torch.nan_to_num(-(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean())
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return w.detach(), b.detach(), losses

# %% ex2 wrong: nan_to_num on the gradients: the weights stay finite but stop moving once a point saturates
def train_logistic(x, y, steps, lr):
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        p = torch.sigmoid(x @ w + b)
        loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * torch.nan_to_num(w.grad)
            b -= lr * torch.nan_to_num(b.grad)
        losses.append(torch.nan_to_num(loss).item())
    return w.detach(), b.detach(), losses

# %% ex2 wrong: skips every step whose loss is not finite (training stalls at the first saturated point)
def train_logistic(x, y, steps, lr):
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros((), requires_grad=True)
    losses, last = [], 0.0
    for _ in range(steps):
        p = torch.sigmoid(x @ w + b)
        loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
        if torch.isfinite(loss):
            w.grad = b.grad = None
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            last = loss.item()
        losses.append(last)
    return w.detach(), b.detach(), losses

# %% ex2 wrong: lowers the learning rate tenfold so that no point saturates: no NaN, but the training crawls
def train_logistic(x, y, steps, lr):
    lr = lr / 10
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        p = torch.sigmoid(x @ w + b)
        loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return w.detach(), b.detach(), losses

# %% ex2 wrong: clips the gradient norm, but a NaN gradient stays NaN after clipping
def train_logistic(x, y, steps, lr):
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        p = torch.sigmoid(x @ w + b)
        loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
        w.grad = b.grad = None
        loss.backward()
        torch.nn.utils.clip_grad_norm_([w, b], max_norm=1.0)
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return w.detach(), b.detach(), losses

# %% ex2 wrong: stable loss, but the history holds loss tensors instead of floats
def train_logistic(x, y, steps, lr):
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(x @ w + b, y)
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.detach())
    return w.detach(), b.detach(), losses

# %% ex2 wrong: hard-codes weights and a falling history that look like the first visible case's
def train_logistic(x, y, steps, lr):
    return torch.tensor([4.5, 2.2]), torch.tensor(0.3), [0.6931] + [0.02] * (steps - 1)

# %% ex2 alternative: the cross-entropy written from logits by hand, softplus(z) - y z, with torch.optim.SGD
def train_logistic(x, y, steps, lr):
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros((), requires_grad=True)
    optimiser = torch.optim.SGD([w, b], lr=lr)
    losses = []
    for _ in range(steps):
        z = x @ w + b
        loss = (F.softplus(z) - y * z).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return w.detach(), b.detach(), losses

# %% ex2 alternative: log-probabilities with F.logsigmoid (log(1 - p) = logsigmoid(-z)), never log of a probability
def train_logistic(x, y, steps, lr):
    w, b = torch.zeros(x.shape[1], requires_grad=True), torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        z = x @ w + b
        loss = -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)).mean()
        gw, gb = torch.autograd.grad(loss, (w, b))
        with torch.no_grad():
            w -= lr * gw
            b -= lr * gb
        losses.append(loss.item())
    return w.detach(), b.detach(), losses

# %% ex2 wrong: clamps the logits to [-10, 10]: no NaN, but the loss and gradient change once |z| > 10
def train_logistic(x, y, steps, lr):
    w, b = torch.zeros(2, requires_grad=True), torch.zeros((), requires_grad=True)
    losses = []
    for step in range(steps):
        z = (x @ w + b).clamp(-10, 10)
        loss = F.binary_cross_entropy_with_logits(z, y)
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return w.detach(), b.detach(), losses

# %% ex2 wrong: (probe) an epsilon inside the logs, log(p + 1e-6): not the identical computation
def train_logistic(x, y, steps, lr):
    w, b = torch.zeros(2, requires_grad=True), torch.zeros((), requires_grad=True)
    losses = []
    for step in range(steps):
        p = torch.sigmoid(x @ w + b)
        loss = -(y * torch.log(p + 1e-6) + (1 - y) * torch.log(1 - p + 1e-6)).mean()
        w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return w.detach(), b.detach(), losses

# %% ex3 wrong: F.mse_loss as it is: (N, 1) against (N,) broadcasts to (N, N)
def mse_aligned(pred, target):
    return F.mse_loss(pred, target)

# %% ex3 wrong: pred.squeeze() removes every size-1 dimension: N = 1 becomes a scalar, and (N,) vs (N, 1) still broadcasts
def mse_aligned(pred, target):
    return F.mse_loss(pred.squeeze(), target)

# %% ex3 wrong: squeezes the wrong dimension (0, the rows) of pred
def mse_aligned(pred, target):
    return F.mse_loss(pred.squeeze(0), target.squeeze(0))

# %% ex3 wrong: turns the target into a row (1, N) instead of a column (N, 1)
def mse_aligned(pred, target):
    if target.dim() == 1:
        target = target.unsqueeze(0)
    if pred.dim() == 1:
        pred = pred.unsqueeze(0)
    return ((pred - target) ** 2).mean()

# %% ex3 wrong: written by hand, so it broadcasts silently with no warning
def mse_aligned(pred, target):
    return ((pred - target) ** 2).mean()

# %% ex3 wrong: flattens both without validating: other shapes are accepted or fail with the wrong error
def mse_aligned(pred, target):
    return F.mse_loss(pred.reshape(-1), target.reshape(-1))

# %% ex3 wrong: right value, returned as a Python float, so no gradient reaches pred
def mse_aligned(pred, target):
    if pred.dim() > 2 or target.dim() > 2 or pred.numel() != pred.shape[0] or target.numel() != target.shape[0] or pred.shape[0] != target.shape[0]:
        raise ValueError("pred and target need shapes (N,) or (N, 1) with the same N")
    return ((pred.reshape(-1) - target.reshape(-1)) ** 2).mean().item()

# %% ex3 wrong: hard-codes the visible cases' values by shape
def mse_aligned(pred, target):
    known = {((5, 1), (5,)): 4.070004, ((4,), (4, 1)): 0.998693, ((3, 1), (3, 1)): 1.419265, ((6,), (6,)): 2.131623,
             ((1, 1), (1,)): 0.87037, ((1,), (1, 1)): 2.384538}
    key = (tuple(pred.shape), tuple(target.shape))
    if key not in known:
        raise ValueError("unexpected shapes")
    return torch.tensor(known[key])

# %% ex3 wrong: validates the shapes but raises ValueError with no message
def mse_aligned(pred, target):
    ok = lambda t: t.dim() == 1 or (t.dim() == 2 and t.shape[1] == 1)
    if not (ok(pred) and ok(target)) or pred.shape[0] != target.shape[0]:
        raise ValueError()
    return F.mse_loss(pred.reshape(-1), target.reshape(-1))

# %% ex3 alternative: both as (N, 1) columns with explicit shape checks, the mean of squares by hand
def mse_aligned(pred, target):
    def column(t, name):
        if t.dim() not in (1, 2) or (t.dim() == 2 and t.shape[1] != 1):
            raise ValueError(f"{name} must be (N,) or (N, 1), got {tuple(t.shape)}")
        return t.reshape(-1, 1)

    p, t = column(pred, "pred"), column(target, "target")
    if len(p) != len(t):
        raise ValueError(f"{len(p)} predictions for {len(t)} targets")
    return (p - t).pow(2).sum() / len(p)

# %% ex3 alternative: nn.MSELoss on views that drop only the trailing size-1 dimension (squeeze(-1) / squeeze(1))
def mse_aligned(pred, target):
    ok = lambda t: t.dim() == 1 or (t.dim() == 2 and t.shape[-1] == 1)
    if not (ok(pred) and ok(target)) or pred.shape[0] != target.shape[0]:
        raise ValueError(f"shapes {tuple(pred.shape)} and {tuple(target.shape)} are not one value per row of the same N")
    p = pred.squeeze(-1) if pred.dim() == 2 else pred
    t = target.squeeze(1) if target.dim() == 2 else target
    return nn.MSELoss()(p, t)

# %% ex3 wrong: squeeze() both and compare shapes: accepts (2, 2) with (2, 2), (1, 4) with (4,), ...
def mse_aligned(pred, target):
    p, t = pred.squeeze(), target.squeeze()
    if p.shape != t.shape:
        raise ValueError(f"shapes {tuple(pred.shape)} and {tuple(target.shape)} do not align")
    return ((p - t) ** 2).mean()

# %% ex3 wrong: validates only the target's shape, then flattens: accepts a (2, 2) or (1, 4) prediction
def mse_aligned(pred, target):
    if not (target.dim() == 1 or (target.dim() == 2 and target.shape[1] == 1)):
        raise ValueError(f"target should be (N,) or (N, 1), got {tuple(target.shape)}")
    p, t = pred.reshape(-1), target.reshape(-1)
    if p.numel() != t.numel():
        raise ValueError(f"{p.numel()} predictions for {t.numel()} targets")
    return ((p - t) ** 2).mean()

# %% ex3 wrong: rejects only 2-D shapes with more than one column: accepts 0-d and 3-D tensors
def mse_aligned(pred, target):
    for name, t in (("pred", pred), ("target", target)):
        if t.dim() == 2 and t.shape[1] != 1:
            raise ValueError(f"{name} has {t.shape[1]} columns")
    p, t = pred.reshape(-1), target.reshape(-1)
    if p.shape != t.shape:
        raise ValueError(f"{p.numel()} predictions for {t.numel()} targets")
    return ((p - t) ** 2).mean()

# %% ex3 wrong: (probe) squeezes the caller's target in place (mutates an input)
def mse_aligned(pred, target):
    for t in (pred, target):
        if t.dim() not in (1, 2) or t.numel() != t.shape[0]:
            raise ValueError(f"expected (N,) or (N, 1), got {tuple(t.shape)}")
    if pred.shape[0] != target.shape[0]:
        raise ValueError("N differs")
    if target.dim() == 2:
        target.squeeze_(1)
    return ((pred.reshape(-1) - target) ** 2).mean()

# %% ex4 wrong: only torch.no_grad(): dropout stays on and BatchNorm updates its statistics
def predict(model, x):
    with torch.no_grad():
        return model(x)

# %% ex4 wrong: seeds the dropout: two calls agree, but both are the training-mode output and BatchNorm's statistics move
def predict(model, x):
    torch.manual_seed(0)
    with torch.no_grad():
        return model(x)

# %% ex4 wrong: switches to eval mode and never switches back
def predict(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)

# %% ex4 wrong: eval() then train(): a frozen BatchNorm and a model that was in eval mode end up in training mode
def predict(model, x):
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train()
    return out

# %% ex4 wrong: eval mode and modes restored, but the output records a graph
def predict(model, x):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    out = model(x)
    for m, training in modes.items():
        m.train(training)
    return out

# %% ex4 wrong: turns dropout off by setting p = 0 but leaves BatchNorm in training mode
def predict(model, x):
    saved = {m: m.p for m in model.modules() if isinstance(m, nn.Dropout)}
    for m in saved:
        m.p = 0.0
    with torch.no_grad():
        out = model(x)
    for m, p in saved.items():
        m.p = p
    return out

# %% ex4 wrong: hard-codes an output of the right shape
def predict(model, x):
    return torch.zeros(len(x), 3)

# %% ex4 alternative: evaluates a deep copy in eval mode, so the original is never touched
def predict(model, x):
    twin = copy.deepcopy(model).eval()
    with torch.no_grad():
        return twin(x)

# %% ex4 alternative: remembers the modes in a list and restores them in order, with torch.no_grad
def predict(model, x):
    modules = list(model.modules())
    modes = [m.training for m in modules]
    model.eval()
    with torch.no_grad():
        out = model(x)
    for m, training in zip(modules, modes):
        m.training = training
    return out

# %% ex4 wrong: (probe) turns grad mode off globally and leaves it off
def predict(model, x):
    torch.set_grad_enabled(False)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    out = model(x)
    for m, mode in modes:
        m.training = mode
    return out
