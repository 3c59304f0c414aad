# Lab 09: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 09` runs each through the lab's check.

# %% ex1 wrong: softmax over the queries (dim=-2) instead of over the keys
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return scores.softmax(dim=-2) @ v

# %% ex1 wrong: forgets the 1/sqrt(d) scaling
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return scores.softmax(dim=-1) @ v

# %% ex1 wrong: scales by the size of the values, sqrt(d_v), instead of the size of the keys
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return scores.softmax(dim=-1) @ v

# %% ex1 wrong: uses key_padding_mask's convention, blocking the keys marked True
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    return scores.softmax(dim=-1) @ v

# %% ex1 wrong: adds the boolean mask to the scores (True becomes +1) instead of blocking keys
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    return scores.softmax(dim=-1) @ v

# %% ex1 wrong: zeroes the blocked scores instead of their weights (exp(0) = 1 still attends)
def attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores * mask
    return scores.softmax(dim=-1) @ v

# %% ex1 wrong: the shortcut: calls F.scaled_dot_product_attention, which the exercise asks to write
def attention(q, k, v, mask=None):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)

# %% ex1 wrong: k.T reverses every dimension, not just the last two (only right for 2-D inputs)
def attention(q, k, v, mask=None):
    scores = q @ k.T / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return scores.softmax(dim=-1) @ v

# %% ex1 wrong: right values, but detached scores cut the graph: no gradient reaches q and k
def attention(q, k, v, mask=None):
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).detach()
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return scores.softmax(dim=-1) @ v

# %% ex1 wrong: hard-codes the visible case: rebuilds the check's seed-1 inputs and returns their result for any input of that shape
_g = torch.Generator().manual_seed(1)
_q, _k, _v = torch.randn(2, 3, 5, 8, generator=_g), torch.randn(2, 3, 7, 8, generator=_g), torch.randn(2, 3, 7, 4, generator=_g)
_plain = (_q @ _k.transpose(-2, -1) / math.sqrt(8)).softmax(-1) @ _v


def attention(q, k, v, mask=None):
    if mask is None and q.shape == (2, 3, 5, 8):
        return _plain.clone()
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return scores.softmax(dim=-1) @ v

# %% ex1 alternative: einsum for both products and torch.where for the mask, mT for the transpose
def attention(q, k, v, mask=None):
    scores = torch.einsum("...ld,...sd->...ls", q, k) * q.shape[-1] ** -0.5
    if mask is not None:
        scores = torch.where(mask, scores, torch.tensor(float("-inf")))
    return torch.einsum("...ls,...sd->...ld", scores.softmax(dim=-1), v)

# %% ex1 alternative: a stable softmax written out: exp(scores - max), blocked keys zeroed, then renormalised
def attention(q, k, v, mask=None):
    scores = q @ k.mT / math.sqrt(q.shape[-1])
    weights = (scores - scores.amax(dim=-1, keepdim=True).detach()).exp()
    if mask is not None:
        weights = weights * mask
    return weights / weights.sum(dim=-1, keepdim=True) @ v

# %% ex2 wrong: no detach: D's backward runs into G, fills G's .grad and frees the graph of fake
def discriminator_step(D, opt_d, real, fake):
    opt_d.zero_grad()
    loss = bce(D(real), torch.ones_like(real)) + bce(D(fake), torch.zeros_like(fake))
    loss.backward()
    opt_d.step()
    return loss.item()

# %% ex2 wrong: forgets zero_grad, so the stale gradients are added to the new ones
def discriminator_step(D, opt_d, real, fake):
    fake = fake.detach()
    loss = bce(D(real), torch.ones_like(real)) + bce(D(fake), torch.zeros_like(fake))
    loss.backward()
    opt_d.step()
    return loss.item()

# %% ex2 wrong: keeps the graph with retain_graph=True instead of detaching: G's .grad still gets D's gradients
def discriminator_step(D, opt_d, real, fake):
    opt_d.zero_grad()
    loss = bce(D(real), torch.ones_like(real)) + bce(D(fake), torch.zeros_like(fake))
    loss.backward(retain_graph=True)
    opt_d.step()
    return loss.item()

# %% ex2 wrong: returns the loss tensor instead of a Python float
def discriminator_step(D, opt_d, real, fake):
    opt_d.zero_grad()
    fake = fake.detach()
    loss = bce(D(real), torch.ones_like(real)) + bce(D(fake), torch.zeros_like(fake))
    loss.backward()
    opt_d.step()
    return loss

# %% ex2 wrong: swaps the labels (real labelled 0, fake labelled 1)
def discriminator_step(D, opt_d, real, fake):
    opt_d.zero_grad()
    fake = fake.detach()
    loss = bce(D(real), torch.zeros_like(real)) + bce(D(fake), torch.ones_like(fake))
    loss.backward()
    opt_d.step()
    return loss.item()

# %% ex2 wrong: fake.detach_() detaches the caller's tensor in place, so the G step gets no gradient
def discriminator_step(D, opt_d, real, fake):
    opt_d.zero_grad()
    fake.detach_()
    loss = bce(D(real), torch.ones_like(real)) + bce(D(fake), torch.zeros_like(fake))
    loss.backward()
    opt_d.step()
    return loss.item()

# %% ex2 wrong: runs D on the fakes under no_grad, so D learns nothing from the fake term
def discriminator_step(D, opt_d, real, fake):
    opt_d.zero_grad()
    with torch.no_grad():
        d_fake = D(fake)
    loss = bce(D(real), torch.ones_like(real)) + bce(d_fake, torch.zeros_like(d_fake))
    loss.backward()
    opt_d.step()
    return loss.item()

# %% ex2 wrong: zero_grad after backward wipes the new gradients, so the step changes nothing
def discriminator_step(D, opt_d, real, fake):
    fake = fake.detach()
    loss = bce(D(real), torch.ones_like(real)) + bce(D(fake), torch.zeros_like(fake))
    loss.backward()
    opt_d.zero_grad()
    opt_d.step()
    return loss.item()

# %% ex2 wrong: hard-codes the returned loss at D's "cannot tell" point, 2 ln 2, though the step itself is right
def discriminator_step(D, opt_d, real, fake):
    opt_d.zero_grad()
    fake = fake.detach()
    loss = bce(D(real), torch.ones_like(real)) + bce(D(fake), torch.zeros_like(fake))
    loss.backward()
    opt_d.step()
    return 2 * math.log(2)

# %% ex2 alternative: one forward of D on real and detached fakes together, logits split afterwards
def discriminator_step(D, opt_d, real, fake):
    for p in D.parameters():
        p.grad = None
    logits = D(torch.cat([real, fake.detach()]))
    d_real, d_fake = logits[: len(real)], logits[len(real):]
    loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
    loss.backward()
    opt_d.step()
    return float(loss)

# %% ex2 alternative: gradients with torch.autograd.grad with respect to D's parameters only, written into .grad
def discriminator_step(D, opt_d, real, fake):
    params = list(D.parameters())
    loss = bce(D(real), torch.ones_like(real)) + bce(D(fake), torch.zeros_like(fake))
    grads = torch.autograd.grad(loss, params)   # only what leads to D's parameters runs: G's nodes never do
    for p, grad in zip(params, grads):
        p.grad = grad
    opt_d.step()
    return loss.item()

# %% ex3 wrong: sums the messages instead of averaging them
def mean_aggregate(x, edge_index):
    src, dst = edge_index
    return torch.zeros_like(x).index_add_(0, dst, x[src])

# %% ex3 wrong: divides by each node's out-degree (counts senders) instead of its in-degree
def mean_aggregate(x, edge_index):
    src, dst = edge_index
    total = torch.zeros_like(x).index_add_(0, dst, x[src])
    count = torch.zeros(x.shape[0]).index_add_(0, src, torch.ones(src.shape[0]))
    return total / count.clamp(min=1)[:, None]

# %% ex3 wrong: aggregates along the edges' wrong direction (messages from receivers to senders)
def mean_aggregate(x, edge_index):
    dst, src = edge_index
    total = torch.zeros_like(x).index_add_(0, dst, x[src])
    count = torch.zeros(x.shape[0]).index_add_(0, dst, torch.ones(dst.shape[0]))
    return total / count.clamp(min=1)[:, None]

# %% ex3 wrong: removes duplicate edges first, though an edge listed twice must count twice
def mean_aggregate(x, edge_index):
    src, dst = edge_index.unique(dim=1)
    total = torch.zeros_like(x).index_add_(0, dst, x[src])
    count = torch.zeros(x.shape[0]).index_add_(0, dst, torch.ones(dst.shape[0]))
    return total / count.clamp(min=1)[:, None]

# %% ex3 wrong: no guard for nodes without messages: 0 / 0 gives nan
def mean_aggregate(x, edge_index):
    src, dst = edge_index
    total = torch.zeros_like(x).index_add_(0, dst, x[src])
    count = torch.zeros(x.shape[0]).index_add_(0, dst, torch.ones(dst.shape[0]))
    return total / count[:, None]

# %% ex3 wrong: scatters into x itself, modifying the caller's features
def mean_aggregate(x, edge_index):
    src, dst = edge_index
    messages = x[src]
    x.zero_()
    x.index_add_(0, dst, messages)
    count = torch.zeros(x.shape[0]).index_add_(0, dst, torch.ones(dst.shape[0]))
    return x / count.clamp(min=1)[:, None]

# %% ex3 wrong: builds the dense N x N adjacency matrix the exercise rules out
def mean_aggregate(x, edge_index):
    n = x.shape[0]
    adj = torch.zeros(n, n).index_put_((edge_index[1], edge_index[0]), torch.ones(edge_index.shape[1]), accumulate=True)
    return adj @ x / adj.sum(1, keepdim=True).clamp(min=1)

# %% ex3 wrong: goes through numpy, so the values are right but the result has no graph back to x
def mean_aggregate(x, edge_index):
    import numpy as np
    src, dst = edge_index.numpy()
    total = np.zeros(tuple(x.shape), dtype=np.float32)
    np.add.at(total, dst, x.detach().numpy()[src])
    count = np.bincount(dst, minlength=x.shape[0]).clip(min=1)
    return torch.from_numpy(total / count[:, None])

# %% ex3 wrong: hard-codes the toy graph's answer and sums elsewhere
_toy = torch.tensor([[8.0, 9.0, 10.0], [3.0, 4.0, 5.0], [1.5, 2.5, 3.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


def mean_aggregate(x, edge_index):
    if x.shape == (5, 3):
        return _toy.clone()
    src, dst = edge_index
    return torch.zeros_like(x).index_add_(0, dst, x[src])

# %% ex3 alternative: scatter_reduce_ with reduce="mean" (include_self=False), which leaves silent nodes at 0
def mean_aggregate(x, edge_index):
    src, dst = edge_index
    index = dst[:, None].expand(-1, x.shape[1])
    return torch.zeros_like(x).scatter_reduce(0, index, x[src], reduce="mean", include_self=False)

# %% ex3 alternative: in-degrees from torch.bincount, sum by index_add (out of place)
def mean_aggregate(x, edge_index):
    src, dst = edge_index
    degree = torch.bincount(dst, minlength=x.shape[0]).clamp(min=1).to(x.dtype)
    return torch.zeros_like(x).index_add(0, dst, x[src]) / degree[:, None]

# %% ex4 wrong: runs forwards, G_t = r_t + gamma * G_{t-1}, accumulating the past instead of the future
def discounted_returns(rewards, gamma):
    out, running = [], 0.0
    for r in rewards:
        running = r + gamma * running
        out.append(running)
    return torch.tensor(out, dtype=torch.float32)

# %% ex4 wrong: discounts from the start of the episode, gamma**(t+k), instead of from step t
def discounted_returns(rewards, gamma):
    n = len(rewards)
    return torch.tensor([sum(gamma ** k * rewards[k] for k in range(t, n)) for t in range(n)], dtype=torch.float32)

# %% ex4 wrong: off by one: G_t leaves out r_t itself
def discounted_returns(rewards, gamma):
    out, running = [], 0.0
    for r in reversed(rewards):
        out.append(running)
        running = r + gamma * running
    return torch.tensor(out[::-1], dtype=torch.float32)

# %% ex4 wrong: returns a float64 tensor where float32 is asked for
def discounted_returns(rewards, gamma):
    out, running = [], 0.0
    for r in reversed(rewards):
        running = r + gamma * running
        out.append(running)
    return torch.tensor(out[::-1], dtype=torch.float64)

# %% ex4 wrong: rescales a cumulative sum by gamma**t, which divides 0 by 0 when gamma = 0
def discounted_returns(rewards, gamma):
    r = torch.tensor(rewards, dtype=torch.float32)
    powers = gamma ** torch.arange(len(rewards), dtype=torch.float32)
    return (r * powers).flip(0).cumsum(0).flip(0) / powers

# %% ex4 wrong: hard-codes the visible rewards' answers and falls back to the undiscounted reward to go
_answers = {0.0: [0.5, -1.0, 0.0, 2.0, -0.05, 1.0], 1.0: [2.45, 1.95, 2.95, 2.95, 0.95, 1.0]}


def discounted_returns(rewards, gamma):
    if len(rewards) == 6 and gamma in _answers:
        return torch.tensor(_answers[gamma])
    return torch.tensor(rewards, dtype=torch.float32).flip(0).cumsum(0).flip(0)

# %% ex4 alternative: one matrix of powers gamma**(j - t) above the diagonal, times the rewards
def discounted_returns(rewards, gamma):
    r = torch.tensor(rewards, dtype=torch.float64)
    t = torch.arange(len(rewards))
    lag = t[None, :] - t[:, None]
    weights = torch.where(lag >= 0, torch.tensor(gamma, dtype=torch.float64) ** lag.clamp(min=0), torch.tensor(0.0, dtype=torch.float64))
    return (weights @ r).float()

# %% ex4 alternative: recursion from the end, written with a preallocated tensor and an index
def discounted_returns(rewards, gamma):
    out = torch.empty(len(rewards), dtype=torch.float32)
    running = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        out[t] = running
    return out
