# Lab 08: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 08` runs each through the lab's check (the test suite does too).

# %% ex1 wrong: measures in bits (log base 2), not nats
def unigram_loss(ids, vocab_size):
    p = torch.bincount(ids, minlength=vocab_size).double()
    p = p[p > 0] / len(ids)
    return float(-(p * p.log2()).sum())

# %% ex1 wrong: the loss of all-equal logits over the vocabulary, log V, ignoring the counts
def unigram_loss(ids, vocab_size):
    return math.log(vocab_size)

# %% ex1 wrong: all-equal probabilities over the symbols that occur, not their frequencies
def unigram_loss(ids, vocab_size):
    return math.log(len(torch.unique(ids)))

# %% ex1 wrong: 0 * log 0 left in: a vocabulary symbol that never occurs turns the sum into nan
def unigram_loss(ids, vocab_size):
    p = torch.bincount(ids, minlength=vocab_size).double() / len(ids)
    return float(-(p * p.log()).sum())

# %% ex1 wrong: add-one smoothing: a good estimate for new text, but not the best loss on ids itself
def unigram_loss(ids, vocab_size):
    counts = torch.bincount(ids, minlength=vocab_size).double() + 1
    p = counts / counts.sum()
    return float(-p.log()[ids].mean())

# %% ex1 wrong: trains a bias with Adam, as the notebook did: close to the limit, not the limit
def unigram_loss(ids, vocab_size):
    bias = torch.zeros(vocab_size, requires_grad=True)
    opt = torch.optim.Adam([bias], lr=0.2)
    for _ in range(100):
        loss = F.cross_entropy(bias.expand(len(ids), vocab_size), ids)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return F.cross_entropy(bias.detach().expand(len(ids), vocab_size), ids).item()

# %% ex1 wrong: hard-codes the first visible answers (0 for one symbol, log 2 otherwise)
def unigram_loss(ids, vocab_size):
    return 0.0 if len(set(ids.tolist())) == 1 else math.log(2)

# %% ex1 wrong: returns a tensor, not a Python float
def unigram_loss(ids, vocab_size):
    counts = torch.bincount(ids, minlength=vocab_size).double()
    p = counts[counts > 0] / len(ids)
    return -(p * p.log()).sum()

# %% ex1 alternative: plain Python: Counter and math.log, no tensors
def unigram_loss(ids, vocab_size):
    from collections import Counter
    n = len(ids)
    return -sum(c / n * math.log(c / n) for c in Counter(ids.tolist()).values())

# %% ex1 alternative: the best bias in closed form (log frequencies) scored with cross_entropy itself
def unigram_loss(ids, vocab_size):
    counts = torch.bincount(ids, minlength=vocab_size).double()
    logits = (counts / len(ids)).log()                      # -inf for symbols that never occur: never a target
    return F.cross_entropy(logits.expand(len(ids), vocab_size), ids).item()

# %% ex1 alternative: the entropy of the empirical distribution, from torch.distributions
def unigram_loss(ids, vocab_size):
    counts = torch.bincount(ids, minlength=vocab_size).double()
    return torch.distributions.Categorical(probs=counts / counts.sum()).entropy().item()

# %% ex2 wrong: the upper triangle: every query sees the future and not the past
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).triu()

# %% ex2 wrong: the strict lower triangle: a query may not attend to its own position
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).tril(diagonal=-1)

# %% ex2 wrong: the opposite convention (True = masked out), as some libraries use
def causal_mask(T):
    return torch.ones(T, T, dtype=torch.bool).triu(diagonal=1)

# %% ex2 wrong: an additive float mask (0 and -inf) instead of a boolean one
def causal_mask(T):
    return torch.zeros(T, T).masked_fill(torch.ones(T, T, dtype=torch.bool).triu(diagonal=1), float("-inf"))

# %% ex2 wrong: the right pattern of ones and zeros, as floats
def causal_mask(T):
    return torch.ones(T, T).tril()

# %% ex2 wrong: hard-codes the 4 x 4 and 7 x 7 masks the check uses
def causal_mask(T):
    if T == 4:
        return torch.tensor([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool)
    return torch.ones(7, 7, dtype=torch.bool).tril()

# %% ex2 alternative: compare positions: key j is allowed when j <= i
def causal_mask(T):
    positions = torch.arange(T)
    return positions[:, None] >= positions[None, :]

# %% ex2 alternative: a Python list of rows, turned into a tensor
def causal_mask(T):
    return torch.tensor([[j <= i for j in range(T)] for i in range(T)])

# %% ex3 wrong: never crops the context, so the input outgrows the model's window
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    idx = encode(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(idx[None])[0, -1]
            nxt = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator)
            idx = torch.cat([idx, nxt])
    return decode(idx.tolist())

# %% ex3 wrong: crops to the first block_size characters instead of the last
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    idx = encode(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(idx[:model.block_size][None])[0, -1]
            nxt = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator)
            idx = torch.cat([idx, nxt])
    return decode(idx.tolist())

# %% ex3 wrong: reads the logits at the first position of the window, not the last
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    idx = encode(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(idx[-model.block_size:][None])[0, 0]
            nxt = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator)
            idx = torch.cat([idx, nxt])
    return decode(idx.tolist())

# %% ex3 wrong: feeds a 1-D tensor of shape (T,), not a batch of one
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    idx = encode(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(idx[-model.block_size:])[-1]
            nxt = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator)
            idx = torch.cat([idx, nxt])
    return decode(idx.tolist())

# %% ex3 wrong: forgets model.eval(): dropout would stay on while generating
def sample(model, prompt, n, temperature=1.0, generator=None):
    idx = encode(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(idx[-model.block_size:][None])[0, -1]
            nxt = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator)
            idx = torch.cat([idx, nxt])
    return decode(idx.tolist())

# %% ex3 wrong: no torch.no_grad(): every step records a graph nobody will use
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    idx = encode(prompt)
    for _ in range(n):
        logits = model(idx[-model.block_size:][None])[0, -1]
        nxt = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator)
        idx = torch.cat([idx, nxt])
    return decode(idx.tolist())

# %% ex3 wrong: ignores the generator (draws from the global random state)
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    idx = encode(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(idx[-model.block_size:][None])[0, -1]
            nxt = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1)
            idx = torch.cat([idx, nxt])
    return decode(idx.tolist())

# %% ex3 wrong: multiplies the logits by the temperature instead of dividing
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    idx = encode(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(idx[-model.block_size:][None])[0, -1]
            nxt = torch.multinomial(F.softmax(logits * temperature, dim=-1), 1, generator=generator)
            idx = torch.cat([idx, nxt])
    return decode(idx.tolist())

# %% ex3 wrong: greedy: always the most likely character, no draw at all
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    idx = encode(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(idx[-model.block_size:][None])[0, -1]
            idx = torch.cat([idx, logits.argmax()[None]])
    return decode(idx.tolist())

# %% ex3 wrong: returns only the generated characters, without the prompt
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    idx = encode(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(idx[-model.block_size:][None])[0, -1]
            nxt = torch.multinomial(F.softmax(logits / temperature, dim=-1), 1, generator=generator)
            idx = torch.cat([idx, nxt])
    return decode(idx[len(prompt):].tolist())

# %% ex3 wrong: hard-codes text of the right length without asking the model
def sample(model, prompt, n, temperature=1.0, generator=None):
    return prompt + "a" * n

# %% ex3 alternative: torch.inference_mode() and a Python list of ids; the temperature applied as probs ** (1 / tau)
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    out = encode(prompt).tolist()
    with torch.inference_mode():
        for _ in range(n):
            context = torch.tensor(out[-model.block_size:]).unsqueeze(0)
            probs = F.softmax(model(context)[0, -1].double(), dim=-1) ** (1.0 / temperature)
            out.append(torch.multinomial(probs / probs.sum(), 1, generator=generator).item())
    return decode(out)

# %% ex3 alternative: as a decorated no_grad function, appending decoded characters to a string
@torch.no_grad()
def sample(model, prompt, n, temperature=1.0, generator=None):
    model.eval()
    text_so_far = prompt
    for _ in range(n):
        logits = model(encode(text_so_far[-model.block_size:]).unsqueeze(0))[:, -1, :]
        probs = torch.softmax(logits / temperature, dim=-1)
        text_so_far += decode(torch.multinomial(probs, 1, generator=generator)[0].tolist())
    return text_so_far

# %% ex4 wrong: full windows only (like val_loss): the predictions in the short last chunk are dropped
def perplexity(model, ids):
    model.eval()
    B = model.block_size
    n = (len(ids) - 1) // B
    with torch.no_grad():
        x = ids[:n * B].view(n, B)
        y = ids[1:n * B + 1].view(n, B)
        return math.exp(F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item())

# %% ex4 wrong: the mean of each chunk's mean, so the short last chunk's predictions weigh more
def perplexity(model, ids):
    model.eval()
    means = []
    with torch.no_grad():
        for s in range(0, len(ids) - 1, model.block_size):
            x = ids[s:s + model.block_size]
            y = ids[s + 1:s + 1 + len(x)]
            x = x[:len(y)]
            means.append(F.cross_entropy(model(x[None])[0], y).item())
    return math.exp(sum(means) / len(means))

# %% ex4 wrong: sliding windows of stride 1: the same position is predicted up to block_size times
def perplexity(model, ids):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for s in range(0, len(ids) - 1):
            x = ids[s:s + model.block_size]
            y = ids[s + 1:s + 1 + len(x)]
            x = x[:len(y)]
            total += F.cross_entropy(model(x[None])[0], y, reduction="sum").item()
            count += len(y)
    return math.exp(total / count)

# %% ex4 wrong: chunks of half the window: every prediction counted once, but with less context than the model can use
def perplexity(model, ids):
    model.eval()
    total, count, step = 0.0, 0, max(1, model.block_size // 2)
    with torch.no_grad():
        for s in range(0, len(ids) - 1, step):
            x = ids[s:s + step]
            y = ids[s + 1:s + 1 + len(x)]
            x = x[:len(y)]
            total += F.cross_entropy(model(x[None])[0], y, reduction="sum").item()
            count += len(y)
    return math.exp(total / count)

# %% ex4 wrong: the targets are the inputs themselves (no shift by one)
def perplexity(model, ids):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for s in range(0, len(ids), model.block_size):
            x = ids[s:s + model.block_size]
            total += F.cross_entropy(model(x[None])[0], x, reduction="sum").item()
            count += len(x)
    return math.exp(total / count)

# %% ex4 wrong: exp of the summed cross-entropy, not the mean
def perplexity(model, ids):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for s in range(0, len(ids) - 1, model.block_size):
            x = ids[s:s + model.block_size]
            y = ids[s + 1:s + 1 + len(x)]
            x = x[:len(y)]
            total += F.cross_entropy(model(x[None])[0], y, reduction="sum").item()
    return math.exp(total)

# %% ex4 wrong: no torch.no_grad(): each chunk records a graph that is never used
def perplexity(model, ids):
    model.eval()
    total, count = 0.0, 0
    for s in range(0, len(ids) - 1, model.block_size):
        x = ids[s:s + model.block_size]
        y = ids[s + 1:s + 1 + len(x)]
        x = x[:len(y)]
        total += F.cross_entropy(model(x[None])[0], y, reduction="sum").item()
        count += len(y)
    return math.exp(total / count)

# %% ex4 wrong: returns a tensor, not a Python float
def perplexity(model, ids):
    model.eval()
    losses = []
    with torch.no_grad():
        for s in range(0, len(ids) - 1, model.block_size):
            x = ids[s:s + model.block_size]
            y = ids[s + 1:s + 1 + len(x)]
            losses.append(F.cross_entropy(model(x[:len(y)][None])[0], y, reduction="none"))
    return torch.cat(losses).mean().exp()

# %% ex4 wrong: hard-codes the visible answers: V for all-equal logits, 1 otherwise
def perplexity(model, ids):
    with torch.no_grad():
        logits = model(ids[:1][None])
    return float(logits.shape[-1]) if bool((logits == 0).all()) else 1.0

# %% ex4 alternative: one batched call for the full chunks, one for the rest; per-token losses concatenated
def perplexity(model, ids):
    model.eval()
    B = model.block_size
    x_all, y_all = ids[:-1], ids[1:]
    n = len(x_all) // B
    losses = []
    with torch.inference_mode():
        if n:
            losses.append(F.cross_entropy(model(x_all[:n * B].view(n, B)).flatten(0, 1), y_all[:n * B], reduction="none"))
        if len(x_all) > n * B:
            losses.append(F.cross_entropy(model(x_all[n * B:][None])[0], y_all[n * B:], reduction="none"))
    return torch.cat(losses).mean().exp().item()

# %% ex4 alternative: torch.split into chunks of the inputs and of the targets, as a decorated no_grad function
@torch.no_grad()
def perplexity(model, ids):
    model.eval()
    nll, count = 0.0, 0
    for x, y in zip(ids[:-1].split(model.block_size), ids[1:].split(model.block_size)):
        log_p = F.log_softmax(model(x.unsqueeze(0))[0], dim=-1)
        nll -= log_p.gather(-1, y[:, None]).sum().item()
        count += len(y)
    return math.exp(nll / count)
