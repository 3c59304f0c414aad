# Lab 21: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 21` runs each through the lab's check.

# %% ex1 wrong: inverted convention (True at real tokens, as in scaled_dot_product_attention's attn_mask)
def key_padding_mask(lengths, max_len):
    if bool((lengths > max_len).any()):
        raise ValueError("a length exceeds max_len")
    return torch.arange(max_len) < lengths.unsqueeze(1)

# %% ex1 wrong: off by one (> instead of >=): the last real token is kept and the first pad is not masked
def key_padding_mask(lengths, max_len):
    if bool((lengths > max_len).any()):
        raise ValueError("a length exceeds max_len")
    return torch.arange(max_len) > lengths.unsqueeze(1)

# %% ex1 wrong: pads to the longest sequence instead of max_len
def key_padding_mask(lengths, max_len):
    if bool((lengths > max_len).any()):
        raise ValueError("a length exceeds max_len")
    return torch.arange(int(lengths.max())) >= lengths.unsqueeze(1)

# %% ex1 wrong: a float 0/1 mask (a float key_padding_mask is ADDED to the scores: 1.0 barely changes them)
def key_padding_mask(lengths, max_len):
    if bool((lengths > max_len).any()):
        raise ValueError("a length exceeds max_len")
    return (torch.arange(max_len) >= lengths.unsqueeze(1)).float()

# %% ex1 wrong: no ValueError, so a too-long sequence is silently cut short
def key_padding_mask(lengths, max_len):
    return torch.arange(max_len) >= lengths.unsqueeze(1)

# %% ex1 wrong: hard-codes the mask of the first visible case for each max_len
def key_padding_mask(lengths, max_len):
    if bool((lengths > max_len).any()):
        raise ValueError("a length exceeds max_len")
    known = {5: [[0, 0, 0, 1, 1], [0, 1, 1, 1, 1], [0, 0, 0, 0, 1]],
             6: [[1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]],
             7: [[0, 0, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1]]}
    return torch.tensor(known[max_len], dtype=torch.bool)

# %% ex1 wrong: validates the total length instead of each length
import torch
def key_padding_mask(lengths, max_len):
    if int(lengths.sum()) > max_len * len(lengths):
        raise ValueError("too long")
    return torch.arange(max_len) >= lengths[:, None]

# %% ex1 alternative: a running count of positions (1..max_len) compared with each length
def key_padding_mask(lengths, max_len):
    if lengths.numel() and int(lengths.max()) > max_len:
        raise ValueError(f"lengths must be at most max_len={max_len}")
    counts = torch.ones(len(lengths), max_len, dtype=torch.long).cumsum(dim=1)
    return counts > lengths[:, None]

# %% ex1 alternative: one row at a time, False for the real tokens then True for the rest
def key_padding_mask(lengths, max_len):
    rows = []
    for n in lengths.tolist():
        if n > max_len:
            raise ValueError(f"length {n} exceeds max_len={max_len}")
        rows.append(torch.cat([torch.zeros(n, dtype=torch.bool), torch.ones(max_len - n, dtype=torch.bool)]))
    return torch.stack(rows)

# %% ex2 wrong: a plain mean over all positions, pads included
def masked_mean(h, pad_mask):
    return h.mean(dim=1)

# %% ex2 wrong: multiplies by a 0/1 mask (0 * inf and 0 * nan are nan, in the value and in the gradient)
def masked_mean(h, pad_mask):
    keep = (~pad_mask).unsqueeze(-1).to(h.dtype)
    return (h * keep).sum(dim=1) / keep.sum(dim=1)

# %% ex2 wrong: zeroes the pads but divides by the padded length T
def masked_mean(h, pad_mask):
    return h.masked_fill(pad_mask.unsqueeze(-1), 0.0).sum(dim=1) / h.shape[1]

# %% ex2 wrong: zeroes the pads but divides by the longest real length in the batch
def masked_mean(h, pad_mask):
    return h.masked_fill(pad_mask.unsqueeze(-1), 0.0).sum(dim=1) / (~pad_mask).sum(dim=1).max()

# %% ex2 wrong: inverted mask: averages the padding
def masked_mean(h, pad_mask):
    keep = pad_mask.unsqueeze(-1)
    return torch.where(keep, h, torch.zeros(())).sum(dim=1) / keep.sum(dim=1).clamp(min=1)

# %% ex2 wrong: boolean indexing flattens the batch: one mean over every real token of every row
def masked_mean(h, pad_mask):
    return h[~pad_mask].mean(dim=0)

# %% ex2 wrong: hard-codes the visible pooled vectors by shape (no graph, no gradient)
def masked_mean(h, pad_mask):
    known = {
        (3, 7, 4): [[0.015048, -0.574562, -0.072203, -0.746988], [0.327206, 0.964997, -0.13283, -0.337657],
                    [-0.446217, 0.744021, 1.52098, 3.410503]],
        (4, 8, 3): [[-1.56754, -0.425199, -0.631585], [-0.2486, -0.025658, -0.21862], [0.184838, 0.784283, 0.000141],
                    [-0.43904, -0.421453, -0.276906]],
        (3, 6, 5): [[-0.219307, -0.47076, -0.218496, -0.9046, -0.142988],
                    [0.315232, 1.752777, -0.764964, 1.829885, -0.278401],
                    [-0.950055, 0.084285, 0.37505, -0.661937, 1.118773]],
    }
    return torch.tensor(known[tuple(h.shape)])

# %% ex2 wrong: assumes right padding: averages the first `count` positions, whatever the mask says
import torch
def masked_mean(h, pad_mask):
    counts = (~pad_mask).sum(1).tolist()
    return torch.stack([h[b, :n].mean(0) for b, n in enumerate(counts)])

# %% ex2 alternative: one row at a time, keeping only the real positions (indexing never touches the pads)
def masked_mean(h, pad_mask):
    return torch.stack([row[~mask].mean(dim=0) for row, mask in zip(h, pad_mask)])

# %% ex2 alternative: nan_to_num first (its gradient is 0 where it replaced a value), then weights 1/length
def masked_mean(h, pad_mask):
    clean = h.nan_to_num(nan=0.0, posinf=0.0, neginf=0.0)
    weights = (~pad_mask).to(h.dtype)
    weights = weights / weights.sum(dim=1, keepdim=True)
    return torch.einsum("bt,btd->bd", weights, clean)

# %% ex2 alternative: masked_fill with nan, then nanmean (nan positions are left out of sum and count)
def masked_mean(h, pad_mask):
    return h.masked_fill(pad_mask.unsqueeze(-1), float("nan")).nanmean(dim=1)

# %% ex3 wrong: forgets eval(): dropout changes the logits on every call
def padding_gap(model, ids, extra_pads, pad_id):
    with torch.no_grad():
        def logits(k):
            padded = torch.cat([ids, ids.new_full((k,), pad_id)]).unsqueeze(0)
            return model(padded, (torch.arange(len(ids) + k) >= len(ids)).unsqueeze(0))
        base = logits(0)
        return max((logits(k) - base).abs().max().item() for k in extra_pads)

# %% ex3 wrong: switches to eval but leaves the model there (the caller's training mode is lost)
def padding_gap(model, ids, extra_pads, pad_id):
    model.eval()
    with torch.no_grad():
        def logits(k):
            padded = torch.cat([ids, ids.new_full((k,), pad_id)]).unsqueeze(0)
            return model(padded, (torch.arange(len(ids) + k) >= len(ids)).unsqueeze(0))
        base = logits(0)
        return max((logits(k) - base).abs().max().item() for k in extra_pads)

# %% ex3 wrong: restores with model.train() whatever the mode was (a model handed over in eval mode comes back training)
def padding_gap(model, ids, extra_pads, pad_id):
    model.eval()
    with torch.no_grad():
        def logits(k):
            padded = torch.cat([ids, ids.new_full((k,), pad_id)]).unsqueeze(0)
            return model(padded, (torch.arange(len(ids) + k) >= len(ids)).unsqueeze(0))
        base = logits(0)
        gap = max((logits(k) - base).abs().max().item() for k in extra_pads)
    model.train()
    return gap

# %% ex3 wrong: autograd left on (every call records a graph)
def padding_gap(model, ids, extra_pads, pad_id):
    was_training = model.training
    model.eval()
    def logits(k):
        padded = torch.cat([ids, ids.new_full((k,), pad_id)]).unsqueeze(0)
        return model(padded, (torch.arange(len(ids) + k) >= len(ids)).unsqueeze(0))
    base = logits(0)
    gap = max((logits(k) - base).abs().max().item() for k in extra_pads)
    model.train(was_training)
    return gap

# %% ex3 wrong: passes no padding (an all-False mask), so the model attends to and averages the pads
def padding_gap(model, ids, extra_pads, pad_id):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        def logits(k):
            padded = torch.cat([ids, ids.new_full((k,), pad_id)]).unsqueeze(0)
            return model(padded, torch.zeros_like(padded, dtype=torch.bool))
        base = logits(0)
        gap = max((logits(k) - base).abs().max().item() for k in extra_pads)
    model.train(was_training)
    return gap

# %% ex3 wrong: pads with token 0 whatever pad_id says
def padding_gap(model, ids, extra_pads, pad_id):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        def logits(k):
            padded = torch.cat([ids, torch.zeros(k, dtype=ids.dtype)]).unsqueeze(0)
            return model(padded, (torch.arange(len(ids) + k) >= len(ids)).unsqueeze(0))
        base = logits(0)
        gap = max((logits(k) - base).abs().max().item() for k in extra_pads)
    model.train(was_training)
    return gap

# %% ex3 wrong: the mean of the gaps over k instead of the largest
def padding_gap(model, ids, extra_pads, pad_id):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        def logits(k):
            padded = torch.cat([ids, ids.new_full((k,), pad_id)]).unsqueeze(0)
            return model(padded, (torch.arange(len(ids) + k) >= len(ids)).unsqueeze(0))
        base = logits(0)
        gaps = [(logits(k) - base).abs().max().item() for k in extra_pads]
    model.train(was_training)
    return sum(gaps) / len(gaps)

# %% ex3 wrong: compares each padding with the previous one instead of with the unpadded sequence
def padding_gap(model, ids, extra_pads, pad_id):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        def logits(k):
            padded = torch.cat([ids, ids.new_full((k,), pad_id)]).unsqueeze(0)
            return model(padded, (torch.arange(len(ids) + k) >= len(ids)).unsqueeze(0))
        previous, gap = logits(0), 0.0
        for k in extra_pads:
            current = logits(k)
            gap = max(gap, (current - previous).abs().max().item())
            previous = current
    model.train(was_training)
    return gap

# %% ex3 wrong: returns the gap as a tensor, not a Python float
def padding_gap(model, ids, extra_pads, pad_id):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        def logits(k):
            padded = torch.cat([ids, ids.new_full((k,), pad_id)]).unsqueeze(0)
            return model(padded, (torch.arange(len(ids) + k) >= len(ids)).unsqueeze(0))
        base = logits(0)
        gap = torch.stack([(logits(k) - base).abs().max() for k in extra_pads]).max()
    model.train(was_training)
    return gap

# %% ex3 wrong: hard-codes "no gap" (the answer a padding-invariant model should give)
def padding_gap(model, ids, extra_pads, pad_id):
    return 0.0

# %% ex3 wrong: eval() but restores with the flag only (model.training = was): the Dropout submodules stay in eval mode
import torch
def padding_gap(model, ids, extra_pads, pad_id):
    was = model.training
    model.eval()
    with torch.no_grad():
        base = model(ids[None], torch.zeros(1, len(ids), dtype=torch.bool))
        gaps = []
        for k in extra_pads:
            padded = torch.cat([ids, ids.new_full((k,), pad_id)])[None]
            mask = (torch.arange(len(ids) + k) >= len(ids))[None]
            gaps.append((model(padded, mask) - base).abs().max().item())
    model.training = was
    return float(max(gaps))

# %% ex3 wrong: tests only the largest k (assumes the gap grows with the padding)
import torch
def padding_gap(model, ids, extra_pads, pad_id):
    was = model.training
    model.eval()
    k = max(extra_pads)
    with torch.no_grad():
        base = model(ids[None], torch.zeros(1, len(ids), dtype=torch.bool))
        padded = torch.cat([ids, ids.new_full((k,), pad_id)])[None]
        mask = (torch.arange(len(ids) + k) >= len(ids))[None]
        gap = (model(padded, mask) - base).abs().max().item()
    model.train(was)
    return float(gap)

# %% ex3 wrong: builds the mask as ids == pad_id (wrong as soon as a real token equals pad_id)
import torch
def padding_gap(model, ids, extra_pads, pad_id):
    was = model.training
    model.eval()
    with torch.no_grad():
        base = model(ids[None], (ids == pad_id)[None])
        gaps = []
        for k in extra_pads:
            padded = torch.cat([ids, ids.new_full((k,), pad_id)])[None]
            gaps.append((model(padded, padded == pad_id) - base).abs().max().item())
    model.train(was)
    return float(max(gaps))

# %% ex3 alternative: a deep copy in eval mode (the caller's model is never touched), inference_mode, F.pad
import copy

def padding_gap(model, ids, extra_pads, pad_id):
    probe = copy.deepcopy(model).eval()
    with torch.inference_mode():
        base = probe(ids[None], torch.zeros(1, len(ids), dtype=torch.bool))
        gaps = []
        for k in extra_pads:
            padded = F.pad(ids, (0, k), value=pad_id)[None]
            mask = torch.cat([torch.zeros(len(ids), dtype=torch.bool), torch.ones(k, dtype=torch.bool)])[None]
            gaps.append(float((probe(padded, mask) - base).abs().max()))
    return max(gaps)

# %% ex3 alternative: restores the mode with try/finally and torch.no_grad as a decorator
def padding_gap(model, ids, extra_pads, pad_id):
    @torch.no_grad()
    def logits(k):
        padded = torch.cat([ids, torch.full((k,), pad_id, dtype=ids.dtype)])
        mask = torch.arange(len(padded)) >= len(ids)
        return model(padded.unsqueeze(0), mask.unsqueeze(0))

    mode = model.training
    try:
        model.train(False)
        base = logits(0)
        return max(float((logits(k) - base).abs().max()) for k in extra_pads)
    finally:
        model.train(mode)
