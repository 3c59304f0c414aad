# Lab 29: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 29` runs each through the lab's check.

# %% ex1 wrong: sums the gradients and never divides (what all_reduce with ReduceOp.SUM alone gives)
def average_gradients_(replicas):
    for same_param in zip(*[list(m.parameters()) for m in replicas]):
        grads = [p.grad for p in same_param]
        if grads[0] is None:
            continue
        total = torch.stack(grads).sum(0)
        for g in grads:
            g.copy_(total)

# %% ex1 wrong: assumes two ranks (divides the sum of the first two by 2)
def average_gradients_(replicas):
    for same_param in zip(*[list(m.parameters()) for m in replicas]):
        grads = [p.grad for p in same_param]
        if grads[0] is None:
            continue
        mean = (grads[0] + grads[-1]) / 2
        for g in grads:
            g.copy_(mean)

# %% ex1 wrong: replaces .grad with a new tensor instead of writing into the existing one
def average_gradients_(replicas):
    for same_param in zip(*[list(m.parameters()) for m in replicas]):
        if same_param[0].grad is None:
            continue
        mean = torch.stack([p.grad for p in same_param]).mean(0)
        for p in same_param:
            p.grad = mean.clone()

# %% ex1 wrong: running sum in rank 0's gradient, then copies: rank 0 is overwritten before the others read it
def average_gradients_(replicas):
    n = len(replicas)
    for same_param in zip(*[list(m.parameters()) for m in replicas]):
        grads = [p.grad for p in same_param]
        if grads[0] is None:
            continue
        total = grads[0]                                  # an alias, not a copy
        for g in grads[1:]:
            total += g
        for g in grads:
            g.copy_(total / n)

# %% ex1 wrong: forgets frozen parameters (stacks None and fails)
def average_gradients_(replicas):
    for same_param in zip(*[list(m.parameters()) for m in replicas]):
        mean = torch.stack([p.grad for p in same_param]).mean(0)
        for p in same_param:
            p.grad.copy_(mean)

# %% ex1 wrong: the library shortcut: torch.distributed.all_reduce needs a process group, and over one rank it only sums one
def average_gradients_(replicas):
    import torch.distributed as dist
    for model in replicas:
        for p in model.parameters():
            if p.grad is not None:
                dist.all_reduce(p.grad)

# %% ex1 wrong: hard-coded: touches nothing and returns a constant
def average_gradients_(replicas):
    return 0.0

# %% ex1 alternative: sums into a fresh zero tensor, then writes sum / n into every gradient with in-place ops
def average_gradients_(replicas):
    n = len(replicas)
    for same_param in zip(*[list(m.parameters()) for m in replicas]):
        if same_param[0].grad is None:
            continue
        total = torch.zeros_like(same_param[0].grad)
        for p in same_param:
            total.add_(p.grad)
        for p in same_param:
            p.grad.copy_(total).div_(n)

# %% ex1 alternative: works on the flattened gradients of each replica (like a DDP bucket), then copies back per view
def average_gradients_(replicas):
    with_grad = [[p for p in m.parameters() if p.grad is not None] for m in replicas]
    if not with_grad[0]:
        return
    buckets = torch.stack([torch.cat([p.grad.reshape(-1) for p in ps]) for ps in with_grad])
    mean = buckets.mean(0)
    for ps in with_grad:
        offset = 0
        for p in ps:
            p.grad.copy_(mean[offset:offset + p.grad.numel()].view_as(p.grad))
            offset += p.grad.numel()

# %% ex1 wrong: (probe) returns the list of means though the text says it returns nothing
def average_gradients_(replicas):
    means = []
    for params in zip(*(m.parameters() for m in replicas)):
        if params[0].grad is None:
            continue
        mean = torch.stack([p.grad for p in params]).mean(0)
        for p in params:
            p.grad.copy_(mean)
        means.append(mean)
    return means

# %% ex1 wrong: (probe) swaps the storage with .grad.data = mean: same object, but views of the old storage go stale
def average_gradients_(replicas):
    for params in zip(*(m.parameters() for m in replicas)):
        if params[0].grad is None:
            continue
        mean = torch.stack([p.grad for p in params]).mean(0)
        for p in params:
            p.grad.data = mean.clone()

# %% ex2 wrong: no no_sync at all: DDP all-reduces after every micro-batch
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    k = len(micro_batches)
    total = 0.0
    for x, y in micro_batches:
        loss = loss_fn(ddp_model(x), y) / k
        loss.backward()
        total += loss.item()
    return total

# %% ex2 wrong: no_sync only around backward: DDP decided in forward, so every backward still syncs
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    k = len(micro_batches)
    total = 0.0
    for i, (x, y) in enumerate(micro_batches):
        loss = loss_fn(ddp_model(x), y) / k
        if i < k - 1:
            with ddp_model.no_sync():
                loss.backward()
        else:
            loss.backward()
        total += loss.item()
    return total

# %% ex2 wrong: every micro-batch inside no_sync, the last too: the gradients are never all-reduced
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    k = len(micro_batches)
    total = 0.0
    with ddp_model.no_sync():
        for x, y in micro_batches:
            loss = loss_fn(ddp_model(x), y) / k
            loss.backward()
            total += loss.item()
    return total

# %% ex2 wrong: syncs on the first micro-batch and skips the sync on the others (the later gradients never reach the other ranks)
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    k = len(micro_batches)
    total = 0.0
    for i, (x, y) in enumerate(micro_batches):
        if i == 0:
            loss = loss_fn(ddp_model(x), y) / k
            loss.backward()
        else:
            with ddp_model.no_sync():
                loss = loss_fn(ddp_model(x), y) / k
                loss.backward()
        total += loss.item()
    return total

# %% ex2 wrong: forgets to divide by the number of micro-batches (gradients k times too large)
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    k = len(micro_batches)
    total = 0.0
    for i, (x, y) in enumerate(micro_batches):
        if i < k - 1:
            with ddp_model.no_sync():
                loss = loss_fn(ddp_model(x), y)
                loss.backward()
        else:
            loss = loss_fn(ddp_model(x), y)
            loss.backward()
        total += loss.item() / k
    return total

# %% ex2 wrong: one backward on the summed losses: right gradients and one sync, but every micro-batch's graph stays alive
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    k = len(micro_batches)
    total = sum(loss_fn(ddp_model(x), y) for x, y in micro_batches) / k
    total.backward()
    return total.item()

# %% ex2 wrong: returns the last micro-batch's loss instead of the mean
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    k = len(micro_batches)
    for i, (x, y) in enumerate(micro_batches):
        if i < k - 1:
            with ddp_model.no_sync():
                loss = loss_fn(ddp_model(x), y)
                (loss / k).backward()
        else:
            loss = loss_fn(ddp_model(x), y)
            (loss / k).backward()
    return loss.item()

# %% ex2 wrong: hard-coded: returns a constant and trains nothing
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    return 1.0

# %% ex2 alternative: one loop, the context chosen per micro-batch (no_sync or contextlib.nullcontext)
import contextlib


def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    losses = []
    for i, (x, y) in enumerate(micro_batches):
        last = i == len(micro_batches) - 1
        with contextlib.nullcontext() if last else ddp_model.no_sync():
            loss = loss_fn(ddp_model(x), y)
            (loss / len(micro_batches)).backward()
        losses.append(loss.item())
    return sum(losses) / len(losses)

# %% ex2 alternative: one no_sync block around all micro-batches but the last, then the last one outside
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    *first, (x_last, y_last) = micro_batches
    k = len(micro_batches)
    total = 0.0
    with ddp_model.no_sync():
        for x, y in first:
            loss = loss_fn(ddp_model(x), y) / k
            loss.backward()
            total += loss.item()
    loss = loss_fn(ddp_model(x_last), y_last) / k
    loss.backward()
    return total + loss.item()

# %% ex2 wrong: (probe) zeroes the gradients first, which the text leaves to the caller
def accumulate_gradients(ddp_model, micro_batches, loss_fn):
    ddp_model.zero_grad()
    k = len(micro_batches)
    total = 0.0
    for i, (x, y) in enumerate(micro_batches):
        if i < k - 1:
            with ddp_model.no_sync():
                loss = loss_fn(ddp_model(x), y) / k
                loss.backward()
        else:
            loss = loss_fn(ddp_model(x), y) / k
            loss.backward()
        total += loss.item()
    return total

# %% ex3 wrong: no detach: the "received" tensor is stage 1's output itself, so nothing is cut
def split_step(model, cut, x, y, loss_fn):
    if not 1 <= cut < len(model):
        raise ValueError("cut out of range")
    received = model[:cut](x)
    loss = loss_fn(model[cut:](received), y)
    loss.backward()
    return loss.item(), received

# %% ex3 wrong: detach without requires_grad_: stage 2's backward never reaches the boundary, stage 1 gets no gradient
def split_step(model, cut, x, y, loss_fn):
    if not 1 <= cut < len(model):
        raise ValueError("cut out of range")
    sent = model[:cut](x)
    received = sent.detach()
    loss = loss_fn(model[cut:](received), y)
    loss.backward()
    return loss.item(), received

# %% ex3 wrong: finishes stage 1's backward with ones instead of the received gradient
def split_step(model, cut, x, y, loss_fn):
    if not 1 <= cut < len(model):
        raise ValueError("cut out of range")
    sent = model[:cut](x)
    received = sent.detach().requires_grad_()
    loss = loss_fn(model[cut:](received), y)
    loss.backward()
    sent.backward(torch.ones_like(sent))
    return loss.item(), received

# %% ex3 wrong: off by one at the cut (stage 1 takes one layer too many)
def split_step(model, cut, x, y, loss_fn):
    if not 1 <= cut < len(model):
        raise ValueError("cut out of range")
    sent = model[:cut + 1](x)
    received = sent.detach().requires_grad_()
    loss = loss_fn(model[cut + 1:](received), y)
    loss.backward()
    sent.backward(received.grad)
    return loss.item(), received

# %% ex3 wrong: the shortcut: backward through the whole model, then the boundary's gradient from torch.autograd.grad
def split_step(model, cut, x, y, loss_fn):
    if not 1 <= cut < len(model):
        raise ValueError("cut out of range")
    sent = model[:cut](x)
    loss = loss_fn(model[cut:](sent), y)
    (grad,) = torch.autograd.grad(loss, sent, retain_graph=True)
    loss.backward()
    received = sent.detach().requires_grad_()
    received.grad = grad
    return loss.item(), received

# %% ex3 wrong: the whole model in one backward, then stage 1 run again to make a boundary (stage 1 runs twice, no gradient at the cut)
def split_step(model, cut, x, y, loss_fn):
    if not 1 <= cut < len(model):
        raise ValueError("cut out of range")
    loss = loss_fn(model(x), y)
    loss.backward()
    received = model[:cut](x).detach().requires_grad_()
    return loss.item(), received

# %% ex3 wrong: no check of cut (cut=0 runs stage 1 as an empty Sequential and fails deep inside backward)
def split_step(model, cut, x, y, loss_fn):
    sent = model[:cut](x)
    received = sent.detach().requires_grad_()
    loss = loss_fn(model[cut:](received), y)
    loss.backward()
    if sent.requires_grad:
        sent.backward(received.grad)
    return loss.item(), received

# %% ex3 wrong: hard-coded: a constant loss and a zero boundary, no backward
def split_step(model, cut, x, y, loss_fn):
    if not 1 <= cut < len(model):
        raise ValueError("cut out of range")
    return 0.5, torch.zeros(len(x), 6, requires_grad=True)

# %% ex3 alternative: stages rebuilt as new Sequentials from the layer list; torch.autograd.backward with grad_tensors
def split_step(model, cut, x, y, loss_fn):
    layers = list(model)
    if cut < 1 or cut >= len(layers):
        raise ValueError(f"cut={cut} leaves a stage without layers")
    stage1, stage2 = nn.Sequential(*layers[:cut]), nn.Sequential(*layers[cut:])
    sent = stage1(x)
    received = sent.detach().clone().requires_grad_(True)
    loss = loss_fn(stage2(received), y)
    torch.autograd.backward(loss)
    torch.autograd.backward(sent, grad_tensors=received.grad)
    return float(loss), received

# %% ex3 alternative: a "send" buffer and a "recv" buffer like dist.send/recv: values copied into a fresh tensor
def split_step(model, cut, x, y, loss_fn):
    if not (1 <= cut <= len(model) - 1):
        raise ValueError("each stage needs at least one layer")
    sent = model[:cut](x)
    received = torch.empty_like(sent).copy_(sent.detach())      # what dist.recv fills in
    received.requires_grad_()
    loss = loss_fn(model[cut:](received), y)
    loss.backward()
    grad_back = torch.empty_like(received.grad).copy_(received.grad)
    sent.backward(grad_back)
    return loss.item(), received
