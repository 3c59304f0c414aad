# Lab 28: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 28` runs each through the lab's check.

# %% ex1 wrong: adds up the nbytes of everything packed (a storage packed twice counts twice; parameters counted)
def count_saved_bytes(fn, module):
    total = [0]

    def pack(t):
        total[0] += t.nbytes
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return total[0]

# %% ex1 wrong: deduplicates by tensor object and skips parameters by identity (views of a weight slip through)
def count_saved_bytes(fn, module):
    params = [*module.parameters(), *module.buffers()]
    seen = {}

    def pack(t):
        if not any(t is p for p in params):
            seen[id(t)] = t.nbytes
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(seen.values())

# %% ex1 wrong: deduplicates by storage but forgets to leave the parameters and buffers out
def count_saved_bytes(fn, module):
    sizes = {}

    def pack(t):
        sizes[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(sizes.values())

# %% ex1 wrong: leaves the parameters out but not the buffers (BatchNorm's running statistics)
def count_saved_bytes(fn, module):
    skip = {p.untyped_storage().data_ptr() for p in module.parameters()}
    sizes = {}

    def pack(t):
        if t.untyped_storage().data_ptr() not in skip:
            sizes[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(sizes.values())

# %% ex1 wrong: counts the saved tensor's own elements, not its whole storage (a saved slice counts too little)
def count_saved_bytes(fn, module):
    skip = {t.untyped_storage().data_ptr() for t in [*module.parameters(), *module.buffers()]}
    sizes = {}

    def pack(t):
        if t.untyped_storage().data_ptr() not in skip:
            sizes[t.untyped_storage().data_ptr()] = t.nbytes
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(sizes.values())

# %% ex1 wrong: hard-codes the byte counts of the visible fixed cases, keyed by the module's parameter count
def count_saved_bytes(fn, module):
    known = {6792: 10240, 16: 1024, 4: 512, 510: 3552}
    return known.get(sum(p.numel() for p in module.parameters()), 0)

# %% ex1 wrong: calls dglab's meter, the shortcut the exercise forbids
def count_saved_bytes(fn, module):
    from dglab.profiling import saved_bytes
    return saved_bytes(fn, exclude=module)

# %% ex1 wrong: reads the count from measure_memory, also forbidden
def count_saved_bytes(fn, module):
    import dglab.profiling
    return dglab.profiling.measure_memory(fn, exclude=module).saved_for_backward

# %% ex1 wrong: dedups by tensor object id instead of storage: two view objects over one storage count twice
import torch


def count_saved_bytes(fn, module):
    skip = {p.untyped_storage().data_ptr() for p in [*module.parameters(), *module.buffers()]}
    seen, keep = {}, []

    def pack(t):
        keep.append(t)
        if t.untyped_storage().data_ptr() not in skip:
            seen[id(t)] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(seen.values())

# %% ex1 wrong: keys by the tensor's data_ptr(), not its storage's: two offset views of one storage count twice
import torch


def count_saved_bytes(fn, module):
    skip = {p.data_ptr() for p in [*module.parameters(), *module.buffers()]}
    seen = {}

    def pack(t):
        if t.data_ptr() not in skip:
            seen[t.data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(seen.values())

# %% ex1 wrong: a private dglab helper as a shortcut (the text asks for it by hand with saved_tensors_hooks)
import torch
from dglab.profiling import _SavedCounter


def count_saved_bytes(fn, module):
    counter = _SavedCounter(module)
    with torch.autograd.graph.saved_tensors_hooks(counter.pack, lambda t: t):
        fn()
    return counter.total

# %% ex1 wrong: calls fn() twice (a "warm-up" run first), against "call fn() once"; counts the second run
import torch


def count_saved_bytes(fn, module):
    fn()
    skip = {p.untyped_storage().data_ptr() for p in [*module.parameters(), *module.buffers()]}
    seen = {}

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in skip:
            seen[ptr] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(seen.values())

# %% ex1 alternative: no hooks: build the graph, walk it from the output and read every node's _saved_* tensors
def count_saved_bytes(fn, module):
    out = fn()
    skip = {t.untyped_storage().data_ptr() for t in [*module.parameters(), *module.buffers()]}
    seen, stack, sizes = set(), [out.grad_fn], {}
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        for name in dir(node):
            if name.startswith("_saved_"):
                value = getattr(node, name)
                for t in (value if isinstance(value, (tuple, list)) else [value]):
                    if isinstance(t, torch.Tensor) and t.untyped_storage().data_ptr() not in skip:
                        sizes[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        stack.extend(child for child, _ in node.next_functions)
    return sum(sizes.values())

# %% ex1 alternative: keeps the saved storages in a list and deduplicates them at the end by comparing data pointers, no dict
def count_saved_bytes(fn, module):
    storages = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: storages.append(t.untyped_storage()) or t, lambda t: t):
        fn()
    owned = [t.untyped_storage() for t in [*module.parameters(), *module.buffers()]]
    total, counted = 0, []
    for s in storages:
        if any(s.data_ptr() == o.data_ptr() for o in owned + counted):
            continue
        counted.append(s)
        total += s.nbytes()
    return total

# %% ex2 wrong: the plain loop, nothing checkpointed
def checkpointed_forward(blocks, x):
    for block in blocks:
        x = block(x)
    return x

# %% ex2 wrong: use_reentrant=True: when x does not require grad, the parameters get no gradient
def checkpointed_forward(blocks, x):
    for block in blocks:
        x = checkpoint(block, x, use_reentrant=True)
    return x

# %% ex2 wrong: checkpoint_sequential with one segment per block leaves the last block uncheckpointed
def checkpointed_forward(blocks, x):
    return checkpoint_sequential(nn.Sequential(*blocks), len(blocks), x, use_reentrant=False)

# %% ex2 wrong: preserve_rng_state=False: the recomputation draws a different dropout mask
def checkpointed_forward(blocks, x):
    for block in blocks:
        x = checkpoint(block, x, use_reentrant=False, preserve_rng_state=False)
    return x

# %% ex2 wrong: detaches each block's input, so no gradient flows back to the earlier blocks or to x
def checkpointed_forward(blocks, x):
    for block in blocks:
        x = checkpoint(block, x.detach(), use_reentrant=False)
    return x

# %% ex2 wrong: checkpoints every other block only
def checkpointed_forward(blocks, x):
    for k, block in enumerate(blocks):
        x = checkpoint(block, x, use_reentrant=False) if k % 2 == 0 else block(x)
    return x

# %% ex2 wrong: fakes the memory: computes the output without a graph and hands back a fresh leaf (the right values, nothing saved)
def checkpointed_forward(blocks, x):
    with torch.no_grad():
        for block in blocks:
            x = block(x)
    return x.requires_grad_()

# %% ex2 wrong: one checkpoint around the whole stack, not around every block
from torch.utils.checkpoint import checkpoint


def checkpointed_forward(blocks, x):
    def run_all(h):
        for block in blocks:
            h = block(h)
        return h
    return checkpoint(run_all, x, use_reentrant=False)

# %% ex2 wrong: reentrant checkpoint made to work by switching on requires_grad of the caller's x (mutates the input)
from torch.utils.checkpoint import checkpoint


def checkpointed_forward(blocks, x):
    x.requires_grad_(True)
    for block in blocks:
        x = checkpoint(block, x, use_reentrant=True)
    return x

# %% ex2 alternative: checkpoint_sequential with an nn.Identity appended as the (uncheckpointed) last segment
def checkpointed_forward(blocks, x):
    return checkpoint_sequential(nn.Sequential(*blocks, nn.Identity()), len(blocks) + 1, x, use_reentrant=False)

# %% ex2 alternative: the reentrant variant made correct with an empty dummy input that requires grad (caller's x untouched)
import torch
from torch.utils.checkpoint import checkpoint


def checkpointed_forward(blocks, x):
    dummy = torch.empty(0, requires_grad=True)      # 0 bytes: the graph keeps only the block inputs
    for block in blocks:
        x = checkpoint(lambda d, h, b=block: b(h), dummy, x, use_reentrant=True)
    return x

# %% ex3 wrong: the leaky loop unchanged (tensors with graphs in both lists)
def train_and_validate(model, optimiser, batches, val_x, val_y):
    train_losses, val_losses = [], []
    for x, y in batches:
        optimiser.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        train_losses.append(loss)
        val_losses.append(F.mse_loss(model(val_x), val_y))
    return train_losses, val_losses

# %% ex3 wrong: fixes the training losses only; the validation losses stay tensors with their graphs
def train_and_validate(model, optimiser, batches, val_x, val_y):
    train_losses, val_losses = [], []
    for x, y in batches:
        optimiser.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        train_losses.append(loss.item())
        val_losses.append(F.mse_loss(model(val_x), val_y))
    return train_losses, val_losses

# %% ex3 wrong: floats everywhere, but validation still runs in grad mode and records a graph each step
def train_and_validate(model, optimiser, batches, val_x, val_y):
    train_losses, val_losses = [], []
    for x, y in batches:
        optimiser.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        train_losses.append(loss.item())
        val_losses.append(F.mse_loss(model(val_x), val_y).item())
    return train_losses, val_losses

# %% ex3 wrong: model.eval() instead of no_grad: eval changes layers like dropout, not grad mode
def train_and_validate(model, optimiser, batches, val_x, val_y):
    train_losses, val_losses = [], []
    for x, y in batches:
        model.train()
        optimiser.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        train_losses.append(loss.item())
        model.eval()
        val_losses.append(F.mse_loss(model(val_x), val_y).item())
    return train_losses, val_losses

# %% ex3 wrong: keeps the training losses as detached tensors and converts them at the end: the peak grows with the steps
def train_and_validate(model, optimiser, batches, val_x, val_y):
    train_losses, val_losses = [], []
    for x, y in batches:
        optimiser.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        train_losses.append(loss.detach())
        with torch.no_grad():
            val_losses.append(F.mse_loss(model(val_x), val_y).item())
    return [t.item() for t in train_losses], val_losses

# %% ex3 wrong: validates before the optimiser step (the losses are of the old model)
def train_and_validate(model, optimiser, batches, val_x, val_y):
    train_losses, val_losses = [], []
    for x, y in batches:
        optimiser.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        with torch.no_grad():
            val_losses.append(F.mse_loss(model(val_x), val_y).item())
        optimiser.step()
        train_losses.append(loss.item())
    return train_losses, val_losses

# %% ex3 wrong: forgets zero_grad, so the gradients accumulate over the steps
def train_and_validate(model, optimiser, batches, val_x, val_y):
    train_losses, val_losses = [], []
    for x, y in batches:
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        train_losses.append(loss.item())
        with torch.no_grad():
            val_losses.append(F.mse_loss(model(val_x), val_y).item())
    return train_losses, val_losses

# %% ex3 wrong: the whole loop under no_grad: nothing to backpropagate
def train_and_validate(model, optimiser, batches, val_x, val_y):
    train_losses, val_losses = [], []
    with torch.no_grad():
        for x, y in batches:
            optimiser.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            optimiser.step()
            train_losses.append(loss.item())
            val_losses.append(F.mse_loss(model(val_x), val_y).item())
    return train_losses, val_losses

# %% ex3 wrong: hard-codes the losses of the visible fixed 5-batch case (padded with zeros otherwise)
def train_and_validate(model, optimiser, batches, val_x, val_y):
    train = [0.4357258975505829, 0.2638796865940094, 0.34748733043670654, 0.26213377714157104, 0.2881394028663635]
    val = [0.40549540519714355, 0.35831665992736816, 0.31128737330436707, 0.2638450264930725, 0.21946601569652557]
    return train[:len(batches)] + [0.0] * (len(batches) - 5), val[:len(batches)] + [0.0] * (len(batches) - 5)

# %% ex3 alternative: a validation helper decorated with @torch.no_grad() and float() instead of .item()
def train_and_validate(model, optimiser, batches, val_x, val_y):
    @torch.no_grad()
    def validate():
        return float(F.mse_loss(model(val_x), val_y))

    train_losses, val_losses = [], []
    for x, y in batches:
        optimiser.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        train_losses.append(float(loss))
        val_losses.append(validate())
    return train_losses, val_losses
