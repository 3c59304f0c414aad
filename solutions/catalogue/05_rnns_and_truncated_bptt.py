# Lab 05: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 05` runs each through the lab's check (tests/test_catalogue.py does too).

# %% ex1 wrong: counts only full chunks (range(T // chunk)), so a short last chunk is dropped
def graph_sizes(model, xs, chunk, detach):
    sizes, h = [], None
    for k in range(xs.shape[1] // chunk):
        logits, h = model(xs[:, k * chunk:(k + 1) * chunk], h)
        sizes.append(len(walk(logits)))
        if detach:
            h = h.detach()
    return sizes

# %% ex1 wrong: runs the chunks but returns the hard-coded counts of 60 steps in chunks of 10
def graph_sizes(model, xs, chunk, detach):
    h = None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h)
        if detach:
            h = h.detach()
    return [59] * 6 if detach else [59 + 47 * k for k in range(6)]

# %% ex1 wrong: ignores the detach flag and always detaches, so the graph never grows
def graph_sizes(model, xs, chunk, detach):
    sizes, h = [], None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h)
        sizes.append(len(walk(logits)))
        h = h.detach()
    return sizes

# %% ex1 wrong: does not carry the state: every chunk starts from h=None
def graph_sizes(model, xs, chunk, detach):
    sizes = []
    for start in range(0, xs.shape[1], chunk):
        logits, _ = model(xs[:, start:start + chunk])
        sizes.append(len(walk(logits)))
    return sizes

# %% ex1 wrong: counts the graph behind the returned state h, not behind the logits
def graph_sizes(model, xs, chunk, detach):
    sizes, h = [], None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h)
        sizes.append(len(walk(h)))
        if detach:
            h = h.detach()
    return sizes

# %% ex1 wrong: trains while it counts (backward with retain_graph), which the text says not to do
def graph_sizes(model, xs, chunk, detach):
    sizes, h = [], None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h)
        sizes.append(len(walk(logits)))
        logits.sum().backward(retain_graph=True)
        if detach:
            h = h.detach()
    return sizes

# %% ex1 wrong: chunks the batch dimension (dim 0) instead of time
def graph_sizes(model, xs, chunk, detach):
    sizes, h = [], None
    for start in range(0, xs.shape[0], chunk):
        logits, h = model(xs[start:start + chunk], h)
        sizes.append(len(walk(logits)))
        if detach:
            h = h.detach()
    return sizes

# %% ex1 alternative: torch.split for the chunks, detach at the start of a chunk, own counter (Lab 01's count_nodes)
def graph_sizes(model, xs, chunk, detach):
    def count_nodes(t):
        seen, stack = {t.grad_fn}, [t.grad_fn]
        while stack:
            for n, _ in stack.pop().next_functions:
                if n is not None and n not in seen:
                    seen.add(n)
                    stack.append(n)
        return len(seen)

    sizes, h = [], None
    for x in torch.split(xs, chunk, dim=1):
        if detach and h is not None:
            h = h.detach()
        logits, h = model(x, h)
        sizes.append(count_nodes(logits))
    return sizes

# %% ex2 wrong: no detach: the second chunk's backward runs into the first chunk's freed graph
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    losses, h = [], None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h if carry else None)
        loss = chunk_loss(logits, ys[:, start:start + chunk])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses

# %% ex2 wrong: retain_graph=True instead of detach: the weights changed in place, so backward fails
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    losses, h = [], None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h if carry else None)
        loss = chunk_loss(logits, ys[:, start:start + chunk])
        optimizer.zero_grad()
        loss.backward(retain_graph=True)
        optimizer.step()
        losses.append(loss.item())
    return losses

# %% ex2 wrong: never zeroes the gradients, so every step adds up the gradients of all chunks so far
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    losses, h = [], None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h if carry else None)
        loss = chunk_loss(logits, ys[:, start:start + chunk])
        loss.backward()
        optimizer.step()
        h = h.detach()
        losses.append(loss.item())
    return losses

# %% ex2 wrong: zeroes the gradients between backward and step, so no update ever happens
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    losses, h = [], None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h if carry else None)
        loss = chunk_loss(logits, ys[:, start:start + chunk])
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        h = h.detach()
        losses.append(loss.item())
    return losses

# %% ex2 wrong: drops the short last chunk (range(T // chunk))
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    losses, h = [], None
    for k in range(xs.shape[1] // chunk):
        x, y = xs[:, k * chunk:(k + 1) * chunk], ys[:, k * chunk:(k + 1) * chunk]
        logits, h = model(x, h if carry else None)
        loss = chunk_loss(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        h = h.detach()
        losses.append(loss.item())
    return losses

# %% ex2 wrong: ignores carry=False and always carries the state
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    losses, h = [], None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h)
        loss = chunk_loss(logits, ys[:, start:start + chunk])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        h = h.detach()
        losses.append(loss.item())
    return losses

# %% ex2 wrong: one backward and one step for the sum of all chunk losses (no update per chunk)
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    losses, h, total = [], None, 0
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h if carry else None)
        loss = chunk_loss(logits, ys[:, start:start + chunk])
        total = total + loss
        h = h.detach()
        losses.append(loss.item())
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    return losses

# %% ex2 wrong: returns the loss tensors, not Python floats
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    losses, h = [], None
    for start in range(0, xs.shape[1], chunk):
        logits, h = model(xs[:, start:start + chunk], h if carry else None)
        loss = chunk_loss(logits, ys[:, start:start + chunk])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        h = h.detach()
        losses.append(loss.detach())
    return losses

# %% ex2 wrong: hard-codes a list of plausible losses, one per chunk, and trains nothing
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    return [0.69] * -(-xs.shape[1] // chunk)

# %% ex2 alternative: detach the incoming state at the start of a chunk, torch.split for the slices, zero_grad after the step
def tbptt_train(model, optimizer, xs, ys, chunk, carry=True):
    losses, h = [], None
    for x, y in zip(torch.split(xs, chunk, dim=1), torch.split(ys, chunk, dim=1)):
        state = h.detach() if (carry and h is not None) else None
        logits, h = model(x, state)
        loss = chunk_loss(logits, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss))
    return losses

# %% ex3 wrong: reads h_n[0], the first layer's final state: right for one layer, wrong for two
def final_hidden_packed(rnn, seqs):
    lengths = torch.tensor([len(s) for s in seqs])
    packed = pack_padded_sequence(pad_sequence(seqs, batch_first=True), lengths, batch_first=True, enforce_sorted=False)
    _, h_n = rnn(packed)
    return h_n[0]

# %% ex3 wrong: no packing: runs the padded batch, so short sequences step over their padding
def final_hidden_packed(rnn, seqs):
    _, h_n = rnn(pad_sequence(seqs, batch_first=True))
    return h_n[-1]

# %% ex3 wrong: sorts by length for enforce_sorted=True and returns the states in sorted order
def final_hidden_packed(rnn, seqs):
    ordered = sorted(seqs, key=len, reverse=True)
    lengths = torch.tensor([len(s) for s in ordered])
    packed = pack_padded_sequence(pad_sequence(ordered, batch_first=True), lengths, batch_first=True)
    _, h_n = rnn(packed)
    return h_n[-1]

# %% ex3 wrong: the shortcut: runs each sequence alone (many calls, no packing)
def final_hidden_packed(rnn, seqs):
    return torch.stack([rnn(s.unsqueeze(0))[1][-1, 0] for s in seqs])

# %% ex3 wrong: packs, but reads the padded output at the last padded position (zeros for short sequences)
def final_hidden_packed(rnn, seqs):
    from torch.nn.utils.rnn import pad_packed_sequence
    lengths = torch.tensor([len(s) for s in seqs])
    packed = pack_padded_sequence(pad_sequence(seqs, batch_first=True), lengths, batch_first=True, enforce_sorted=False)
    out, _ = rnn(packed)
    return pad_packed_sequence(out, batch_first=True)[0][:, -1]

# %% ex3 wrong: hard-codes a tensor of the right shape (zeros) without running the RNN
def final_hidden_packed(rnn, seqs):
    return torch.zeros(len(seqs), rnn.hidden_size)

# %% ex3 alternative: pack_sequence pads and packs in one call; the same single RNN call
def final_hidden_packed(rnn, seqs):
    from torch.nn.utils.rnn import pack_sequence
    _, h_n = rnn(pack_sequence(seqs, enforce_sorted=False))
    return h_n[-1]

# %% ex3 alternative: the last layer's output at each sequence's own last step, read from the unpacked outputs
def final_hidden_packed(rnn, seqs):
    from torch.nn.utils.rnn import pad_packed_sequence
    lengths = torch.tensor([len(s) for s in seqs])
    packed = pack_padded_sequence(pad_sequence(seqs, batch_first=True), lengths, batch_first=True, enforce_sorted=False)
    out, _ = rnn(packed)
    padded_out, _ = pad_packed_sequence(out, batch_first=True)
    return padded_out[torch.arange(len(seqs)), lengths - 1]

# %% ex3 alternative: sorts by length by hand for enforce_sorted=True, then undoes the sort with the inverse permutation
def final_hidden_packed(rnn, seqs):
    lengths = torch.tensor([len(s) for s in seqs])
    order = torch.argsort(lengths, descending=True, stable=True)
    padded = pad_sequence([seqs[i] for i in order.tolist()], batch_first=True)
    _, h_n = rnn(pack_padded_sequence(padded, lengths[order], batch_first=True))
    result = torch.empty_like(h_n[-1])
    result[order] = h_n[-1]
    return result
