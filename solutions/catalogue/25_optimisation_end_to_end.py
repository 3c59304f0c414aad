# Lab 25: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 25` runs each through the lab's check.

# %% ex1 wrong: prunes each layer by the same fraction (layer by layer), not by one global ranking
def global_magnitude_prune(model, sparsity):
    masks = {}
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                flat = m.weight.abs().flatten()
                keep = torch.ones_like(flat, dtype=torch.bool)
                keep[flat.argsort()[:round(sparsity * flat.numel())]] = False
                mask = keep.view(m.weight.shape)
                m.weight.mul_(mask)
                masks[name] = mask
    return masks

# %% ex1 wrong: ranks by the signed value, so large negative weights are pruned first
def global_magnitude_prune(model, sparsity):
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    values = torch.cat([m.weight.detach().flatten() for m in layers.values()])
    keep = torch.ones(values.numel(), dtype=torch.bool)
    keep[values.argsort()[:round(sparsity * values.numel())]] = False
    masks, start = {}, 0
    with torch.no_grad():
        for name, m in layers.items():
            mask = keep[start:start + m.weight.numel()].view(m.weight.shape)
            m.weight.mul_(mask)
            masks[name] = mask
            start += m.weight.numel()
    return masks

# %% ex1 wrong: sorts the wrong way round and prunes the LARGEST weights
def global_magnitude_prune(model, sparsity):
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    magnitudes = torch.cat([m.weight.detach().abs().flatten() for m in layers.values()])
    keep = torch.ones(magnitudes.numel(), dtype=torch.bool)
    keep[magnitudes.argsort(descending=True)[:round(sparsity * magnitudes.numel())]] = False
    masks, start = {}, 0
    with torch.no_grad():
        for name, m in layers.items():
            mask = keep[start:start + m.weight.numel()].view(m.weight.shape)
            m.weight.mul_(mask)
            masks[name] = mask
            start += m.weight.numel()
    return masks

# %% ex1 wrong: int() instead of round(): one weight too few whenever sparsity * N has a fraction of .5 or more
def global_magnitude_prune(model, sparsity):
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    magnitudes = torch.cat([m.weight.detach().abs().flatten() for m in layers.values()])
    keep = torch.ones(magnitudes.numel(), dtype=torch.bool)
    keep[magnitudes.argsort()[:int(sparsity * magnitudes.numel())]] = False
    masks, start = {}, 0
    with torch.no_grad():
        for name, m in layers.items():
            mask = keep[start:start + m.weight.numel()].view(m.weight.shape)
            m.weight.mul_(mask)
            masks[name] = mask
            start += m.weight.numel()
    return masks

# %% ex1 wrong: ranks and prunes the biases together with the weights
def global_magnitude_prune(model, sparsity):
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    tensors = [(name, p) for name, m in layers.items() for p in (m.weight, m.bias)]
    magnitudes = torch.cat([p.detach().abs().flatten() for _, p in tensors])
    keep = torch.ones(magnitudes.numel(), dtype=torch.bool)
    keep[magnitudes.argsort()[:round(sparsity * magnitudes.numel())]] = False
    masks, start = {}, 0
    with torch.no_grad():
        for name, p in tensors:
            mask = keep[start:start + p.numel()].view(p.shape)
            p.mul_(mask)
            masks.setdefault(name, mask)
            start += p.numel()
    return masks

# %% ex1 wrong: the library shortcut (prune.global_unstructured, then prune.remove) the exercise forbids
def global_magnitude_prune(model, sparsity):
    from torch.nn.utils import prune
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    prune.global_unstructured([(m, "weight") for m in layers.values()], pruning_method=prune.L1Unstructured,
                              amount=sparsity)
    masks = {name: m.weight_mask.bool() for name, m in layers.items()}
    for m in layers.values():
        prune.remove(m, "weight")
    return masks

# %% ex1 wrong: hard-codes the count but not the choice: zeros the first round(sparsity * N) weights in storage order
def global_magnitude_prune(model, sparsity):
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    total = sum(m.weight.numel() for m in layers.values())
    keep = torch.ones(total, dtype=torch.bool)
    keep[:round(sparsity * total)] = False
    masks, start = {}, 0
    with torch.no_grad():
        for name, m in layers.items():
            mask = keep[start:start + m.weight.numel()].view(m.weight.shape)
            m.weight.mul_(mask)
            masks[name] = mask
            start += m.weight.numel()
    return masks

# %% ex1 wrong: computes the right masks but never zeros the weights (not in place)
def global_magnitude_prune(model, sparsity):
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    magnitudes = torch.cat([m.weight.detach().abs().flatten() for m in layers.values()])
    keep = torch.ones(magnitudes.numel(), dtype=torch.bool)
    keep[magnitudes.argsort()[:round(sparsity * magnitudes.numel())]] = False
    masks, start = {}, 0
    for name, m in layers.items():
        masks[name] = keep[start:start + m.weight.numel()].view(m.weight.shape)
        start += m.weight.numel()
    return masks

# %% ex1 wrong: returns the masks the other way round (True where the weight was pruned)
def global_magnitude_prune(model, sparsity):
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    magnitudes = torch.cat([m.weight.detach().abs().flatten() for m in layers.values()])
    keep = torch.ones(magnitudes.numel(), dtype=torch.bool)
    keep[magnitudes.argsort()[:round(sparsity * magnitudes.numel())]] = False
    masks, start = {}, 0
    with torch.no_grad():
        for name, m in layers.items():
            mask = keep[start:start + m.weight.numel()].view(m.weight.shape)
            m.weight.mul_(mask)
            masks[name] = ~mask
            start += m.weight.numel()
    return masks

# %% ex1 wrong: replaces each weight with a new Parameter instead of zeroing in place (an optimizer holding the old one is cut off)
import torch
import torch.nn as nn


def global_magnitude_prune(model, sparsity):
    layers = {n: m for n, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    flat = torch.cat([m.weight.detach().abs().flatten() for m in layers.values()])
    k = round(sparsity * flat.numel())
    keep = torch.ones_like(flat, dtype=torch.bool)
    keep[flat.argsort()[:k]] = False
    masks, start = {}, 0
    for n, m in layers.items():
        masks[n] = keep[start:start + m.weight.numel()].view(m.weight.shape)
        start += m.weight.numel()
        m.weight = nn.Parameter(m.weight.detach() * masks[n])
    return masks

# %% ex1 wrong: torch.quantile as the threshold (interpolates: not exactly round(sparsity * N) weights)
import torch
import torch.nn as nn


def global_magnitude_prune(model, sparsity):
    layers = {n: m for n, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    flat = torch.cat([m.weight.detach().abs().flatten() for m in layers.values()])
    threshold = torch.quantile(flat, sparsity)
    masks = {}
    for n, m in layers.items():
        masks[n] = m.weight.detach().abs() > threshold if sparsity > 0 else torch.ones_like(m.weight, dtype=torch.bool)
        with torch.no_grad():
            m.weight.mul_(masks[n])
    return masks

# %% ex1 alternative: a magnitude threshold from torch.kthvalue, then one mask per layer by comparison
def global_magnitude_prune(model, sparsity):
    layers = {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    magnitudes = torch.cat([m.weight.detach().abs().flatten() for m in layers.values()])
    k = round(sparsity * magnitudes.numel())
    threshold = torch.kthvalue(magnitudes, k).values if k > 0 else -1.0
    masks = {}
    with torch.no_grad():
        for name, m in layers.items():
            masks[name] = m.weight.abs() > threshold
            m.weight.mul_(masks[name])
    return masks

# %% ex1 alternative: keeps the N - k largest with torch.topk and scatters them into one flat mask
def global_magnitude_prune(model, sparsity):
    layers = [(name, m) for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    magnitudes = torch.cat([m.weight.detach().abs().reshape(-1) for _, m in layers])
    n_keep = magnitudes.numel() - round(sparsity * magnitudes.numel())
    flat_mask = torch.zeros(magnitudes.numel(), dtype=torch.bool)
    flat_mask[torch.topk(magnitudes, n_keep).indices] = True
    masks = {}
    for (name, m), mask in zip(layers, flat_mask.split([m.weight.numel() for _, m in layers])):
        masks[name] = mask.reshape(m.weight.shape)
        with torch.no_grad():
            m.weight[~masks[name]] = 0.0
    return masks

# %% ex2 wrong: walks named_parameters(): with masks attached the parameter is weight_orig, and the keys are parameter names
def measure_sparsity(model):
    result, zeros, total = {}, 0, 0
    for name, p in model.named_parameters():
        if name.endswith(".weight") and p.dim() > 1:
            n_zero = int((p == 0).sum())
            result[name[: -len(".weight")]] = n_zero / p.numel()
            zeros += n_zero
            total += p.numel()
    result["global"] = zeros / total
    return result

# %% ex2 wrong: "global" is the mean of the per-layer fractions, so a small layer weighs as much as a big one
def measure_sparsity(model):
    result = {}
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            result[name] = float((module.weight == 0).float().mean())
    result["global"] = sum(result.values()) / len(result)
    return result

# %% ex2 wrong: counts the zeros of the biases too
def measure_sparsity(model):
    result, zeros, total = {}, 0, 0
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            n_zero = int((module.weight == 0).sum()) + int((module.bias == 0).sum())
            n_all = module.weight.numel() + module.bias.numel()
            result[name] = n_zero / n_all
            zeros += n_zero
            total += n_all
    result["global"] = zeros / total
    return result

# %% ex2 wrong: counts every module with a weight, batch norm included
def measure_sparsity(model):
    result, zeros, total = {}, 0, 0
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, torch.Tensor):
            n_zero = int((weight == 0).sum())
            result[name] = n_zero / weight.numel()
            zeros += n_zero
            total += weight.numel()
    result["global"] = zeros / total
    return result

# %% ex2 wrong: reads the prune mask when there is one, and reports 0 otherwise (wrong after prune.remove)
def measure_sparsity(model):
    result, zeros, total = {}, 0, 0
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            mask = getattr(module, "weight_mask", None)
            n_zero = int((mask == 0).sum()) if mask is not None else 0
            result[name] = n_zero / module.weight.numel()
            zeros += n_zero
            total += module.weight.numel()
    result["global"] = zeros / total
    return result

# %% ex2 wrong: returns 0-dimensional tensors instead of Python floats
def measure_sparsity(model):
    result, zeros, total = {}, 0, 0
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            result[name] = (module.weight == 0).float().mean()
            zeros += (module.weight == 0).sum()
            total += module.weight.numel()
    result["global"] = zeros / total
    return result

# %% ex2 wrong: hard-codes the answer of the visible unpruned model (no zeros anywhere)
def measure_sparsity(model):
    return {"conv": 0.0, "block.0": 0.0, "block.2": 0.0, "global": 0.0}

# %% ex2 wrong: reads the pruning mask when one is attached (misses zeros already in weight_orig, e.g. from an earlier prune.remove)
import torch.nn as nn


def measure_sparsity(model):
    out, zeros, total = {}, 0, 0
    for n, m in model.named_modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            source = m.weight_mask if hasattr(m, "weight_mask") else m.weight
            z = int((source == 0).sum())
            out[n] = z / source.numel()
            zeros += z
            total += source.numel()
    out["global"] = zeros / total
    return out

# %% ex2 alternative: torch.count_nonzero per layer, and one concatenated tensor for the global figure
def measure_sparsity(model):
    weights = {name: m.weight.detach() for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}
    result = {name: 1.0 - torch.count_nonzero(w).item() / w.numel() for name, w in weights.items()}
    every = torch.cat([w.flatten() for w in weights.values()])
    result["global"] = 1.0 - torch.count_nonzero(every).item() / every.numel()
    return result

# %% ex3 wrong: casts the model to the low precision dtype: the master weights are no longer float32
def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    model.to(dtype)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x.to(dtype)).float(), y)
    loss.backward()
    optimizer.step()
    return loss.item()

# %% ex3 wrong: no autocast at all: a plain float32 step
def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()

# %% ex3 wrong: always autocasts to bfloat16, whatever dtype says
def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    optimizer.zero_grad()
    with torch.autocast(x.device.type, dtype=torch.bfloat16):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()

# %% ex3 wrong: never clears the old gradients, so they pile up
def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    with torch.autocast(x.device.type, dtype=dtype):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()

# %% ex3 wrong: clears the gradients after backward, so the step uses zero gradients
def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    with torch.autocast(x.device.type, dtype=dtype):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()

# %% ex3 wrong: autocast for "cuda" hard-coded: on a CPU tensor it only warns and does nothing
def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    import warnings
    optimizer.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autocast("cuda", dtype=dtype):
            loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()

# %% ex3 wrong: returns the loss tensor instead of a Python float
def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    optimizer.zero_grad()
    with torch.autocast(x.device.type, dtype=dtype):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss

# %% ex3 wrong: hard-codes a loss value instead of returning the real one
def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    optimizer.zero_grad()
    with torch.autocast(x.device.type, dtype=dtype):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return 1.6

# %% ex3 wrong: autocast("cpu") hard-coded: right here, but not "for x's device type" (a CUDA batch runs in float32)
import torch
import torch.nn.functional as F


def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=dtype):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()

# %% ex3 alternative: only the model runs under autocast; the loss is computed outside on logits cast to float32
def amp_train_step(model, optimizer, x, y, dtype=torch.bfloat16):
    for p in model.parameters():
        p.grad = None
    with torch.autocast(device_type=x.device.type, dtype=dtype):
        logits = model(x)
    loss = F.cross_entropy(logits.float(), y)
    loss.backward()
    optimizer.step()
    return float(loss)

# %% ex4 wrong: keeps the units with the SMALLEST row norms
def shrink_hidden(fc1, fc2, n_keep):
    keep = torch.linalg.vector_norm(fc1.weight.detach(), dim=1).argsort()[:n_keep]
    small_fc1, small_fc2 = nn.Linear(fc1.in_features, n_keep), nn.Linear(n_keep, fc2.out_features)
    with torch.no_grad():
        small_fc1.weight.copy_(fc1.weight[keep])
        small_fc1.bias.copy_(fc1.bias[keep])
        small_fc2.weight.copy_(fc2.weight[:, keep])
        small_fc2.bias.copy_(fc2.bias)
    return small_fc1, small_fc2

# %% ex4 wrong: ranks the rows by their L1 norm instead of L2
def shrink_hidden(fc1, fc2, n_keep):
    keep = fc1.weight.detach().abs().sum(1).argsort(descending=True)[:n_keep]
    small_fc1, small_fc2 = nn.Linear(fc1.in_features, n_keep), nn.Linear(n_keep, fc2.out_features)
    with torch.no_grad():
        small_fc1.weight.copy_(fc1.weight[keep])
        small_fc1.bias.copy_(fc1.bias[keep])
        small_fc2.weight.copy_(fc2.weight[:, keep])
        small_fc2.bias.copy_(fc2.bias)
    return small_fc1, small_fc2

# %% ex4 wrong: copies the weights but leaves the new fc1's bias at its random initial values
def shrink_hidden(fc1, fc2, n_keep):
    keep = torch.linalg.vector_norm(fc1.weight.detach(), dim=1).argsort(descending=True)[:n_keep]
    small_fc1, small_fc2 = nn.Linear(fc1.in_features, n_keep), nn.Linear(n_keep, fc2.out_features)
    with torch.no_grad():
        small_fc1.weight.copy_(fc1.weight[keep])
        small_fc2.weight.copy_(fc2.weight[:, keep])
        small_fc2.bias.copy_(fc2.bias)
    return small_fc1, small_fc2

# %% ex4 wrong: ranks the columns of fc1.weight (norm over dim 0) instead of its rows
def shrink_hidden(fc1, fc2, n_keep):
    col_norms = torch.linalg.vector_norm(fc1.weight.detach(), dim=0)
    keep = col_norms.argsort(descending=True)[:n_keep] % fc1.out_features
    small_fc1, small_fc2 = nn.Linear(fc1.in_features, n_keep), nn.Linear(n_keep, fc2.out_features)
    with torch.no_grad():
        small_fc1.weight.copy_(fc1.weight[keep])
        small_fc1.bias.copy_(fc1.bias[keep])
        small_fc2.weight.copy_(fc2.weight[:, keep])
        small_fc2.bias.copy_(fc2.bias)
    return small_fc1, small_fc2

# %% ex4 wrong: keeps the first n_keep units whatever their norms (a fixed choice)
def shrink_hidden(fc1, fc2, n_keep):
    small_fc1, small_fc2 = nn.Linear(fc1.in_features, n_keep), nn.Linear(n_keep, fc2.out_features)
    with torch.no_grad():
        small_fc1.weight.copy_(fc1.weight[:n_keep])
        small_fc1.bias.copy_(fc1.bias[:n_keep])
        small_fc2.weight.copy_(fc2.weight[:, :n_keep])
        small_fc2.bias.copy_(fc2.bias)
    return small_fc1, small_fc2

# %% ex4 wrong: zeros the dropped units inside the original layers and returns them: nothing gets smaller
def shrink_hidden(fc1, fc2, n_keep):
    drop = torch.linalg.vector_norm(fc1.weight.detach(), dim=1).argsort()[: fc1.out_features - n_keep]
    with torch.no_grad():
        fc1.weight[drop] = 0.0
        fc1.bias[drop] = 0.0
    return fc1, fc2

# %% ex4 wrong: takes fc2's rows (its outputs) instead of its columns
def shrink_hidden(fc1, fc2, n_keep):
    keep = torch.linalg.vector_norm(fc1.weight.detach(), dim=1).argsort(descending=True)[:n_keep]
    small_fc1 = nn.Linear(fc1.in_features, n_keep)
    with torch.no_grad():
        small_fc1.weight.copy_(fc1.weight[keep])
        small_fc1.bias.copy_(fc1.bias[keep])
    rows = fc2.weight.detach()[keep[keep < fc2.out_features]]
    small_fc2 = nn.Linear(n_keep, fc2.out_features)
    with torch.no_grad():
        small_fc2.weight.zero_()
        small_fc2.weight[: rows.shape[0], : min(n_keep, rows.shape[1])] = rows[:, :n_keep]
        small_fc2.bias.copy_(fc2.bias)
    return small_fc1, small_fc2

# %% ex4 wrong: ranks by the norm of the row with its bias appended
import torch
import torch.nn as nn


def shrink_hidden(fc1, fc2, n_keep):
    rows = torch.cat([fc1.weight.detach(), fc1.bias.detach()[:, None]], dim=1)
    idx = torch.linalg.vector_norm(rows, dim=1).topk(n_keep).indices
    small1, small2 = nn.Linear(fc1.in_features, n_keep), nn.Linear(n_keep, fc2.out_features)
    with torch.no_grad():
        small1.weight.copy_(fc1.weight[idx]); small1.bias.copy_(fc1.bias[idx])
        small2.weight.copy_(fc2.weight[:, idx]); small2.bias.copy_(fc2.bias)
    return small1, small2

# %% ex4 alternative: torch.topk picks the units; the layers are built from the sliced tensors as new Parameters
def shrink_hidden(fc1, fc2, n_keep):
    keep = fc1.weight.detach().norm(dim=1).topk(n_keep).indices
    small_fc1, small_fc2 = nn.Linear(fc1.in_features, n_keep), nn.Linear(n_keep, fc2.out_features)
    small_fc1.weight = nn.Parameter(fc1.weight.detach()[keep].clone())
    small_fc1.bias = nn.Parameter(fc1.bias.detach()[keep].clone())
    small_fc2.weight = nn.Parameter(fc2.weight.detach()[:, keep].clone())
    small_fc2.bias = nn.Parameter(fc2.bias.detach().clone())
    return small_fc1, small_fc2
