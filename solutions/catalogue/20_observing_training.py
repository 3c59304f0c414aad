# Lab 20: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 20` runs each through the lab's check.

# %% ex1 wrong: logs the parameters' values instead of their gradients
def log_gradients(writer, model, step, every):
    if step % every != 0:
        return
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        writer.add_scalar(f"grad_norm/{name}", p.detach().norm().item(), step)
        writer.add_histogram(f"grad/{name}", p.detach(), step)

# %% ex1 wrong: ignores `every` and logs at every step
def log_gradients(writer, model, step, every):
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        writer.add_scalar(f"grad_norm/{name}", p.grad.norm().item(), step)
        writer.add_histogram(f"grad/{name}", p.grad, step)

# %% ex1 wrong: does not skip parameters without a gradient (add_histogram of None raises)
def log_gradients(writer, model, step, every):
    if step % every != 0:
        return
    for name, p in model.named_parameters():
        norm = p.grad.norm().item() if p.grad is not None else 0.0
        writer.add_scalar(f"grad_norm/{name}", norm, step)
        writer.add_histogram(f"grad/{name}", p.grad, step)

# %% ex1 wrong: logs zeros for parameters without a gradient (tags for frozen and unused parameters)
def log_gradients(writer, model, step, every):
    if step % every != 0:
        return
    for name, p in model.named_parameters():
        grad = p.grad if p.grad is not None else torch.zeros_like(p)
        writer.add_scalar(f"grad_norm/{name}", grad.norm().item(), step)
        writer.add_histogram(f"grad/{name}", grad, step)

# %% ex1 wrong: skips by requires_grad, so the unused parameter (requires grad, .grad None) crashes add_histogram
def log_gradients(writer, model, step, every):
    if step % every != 0:
        return
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        norm = 0.0 if p.grad is None else p.grad.norm().item()
        writer.add_scalar(f"grad_norm/{name}", norm, step)
        writer.add_histogram(f"grad/{name}", p.grad, step)

# %% ex1 wrong: writes at step + 1 (counting steps from 1)
def log_gradients(writer, model, step, every):
    if step % every != 0:
        return
    for name, p in model.named_parameters():
        if p.grad is not None:
            writer.add_scalar(f"grad_norm/{name}", p.grad.norm().item(), step + 1)
            writer.add_histogram(f"grad/{name}", p.grad, step + 1)

# %% ex1 wrong: logs the squared norm (sum of squares) instead of the L2 norm
def log_gradients(writer, model, step, every):
    if step % every != 0:
        return
    for name, p in model.named_parameters():
        if p.grad is not None:
            writer.add_scalar(f"grad_norm/{name}", p.grad.pow(2).sum().item(), step)
            writer.add_histogram(f"grad/{name}", p.grad, step)

# %% ex1 wrong: logs only the norms, no histograms
def log_gradients(writer, model, step, every):
    if step % every != 0:
        return
    for name, p in model.named_parameters():
        if p.grad is not None:
            writer.add_scalar(f"grad_norm/{name}", p.grad.norm().item(), step)

# %% ex1 wrong: tags without the parameter name's dots (grad_norm/0_weight)
def log_gradients(writer, model, step, every):
    if step % every != 0:
        return
    for name, p in model.named_parameters():
        if p.grad is not None:
            writer.add_scalar(f"grad_norm/{name.replace('.', '_')}", p.grad.norm().item(), step)
            writer.add_histogram(f"grad/{name.replace('.', '_')}", p.grad, step)

# %% ex1 wrong: hard-codes the tags and steps of the first visible case, with made-up values
def log_gradients(writer, model, step, every):
    if step in (0, 3, 6):
        for name in ("0.weight", "2.weight", "2.bias"):
            writer.add_scalar(f"grad_norm/{name}", 0.1, step)
            writer.add_histogram(f"grad/{name}", torch.full((3,), 0.1), step)

# %% ex1 alternative: numpy histogram input, norm with torch.linalg.vector_norm, numpy's "auto" buckets
def log_gradients(writer, model, step, every):
    if step % every:
        return
    with_grad = [(name, p.grad.detach()) for name, p in model.named_parameters() if p.grad is not None]
    for name, grad in with_grad:
        writer.add_scalar("grad_norm/" + name, torch.linalg.vector_norm(grad), global_step=step)
        writer.add_histogram("grad/" + name, grad.cpu().numpy(), global_step=step, bins="auto")

# %% ex1 alternative: the norm as a Python float by hand, parameters found through the modules
def log_gradients(writer, model, step, every):
    if step % every != 0:
        return
    for module_name, module in model.named_modules():
        for param_name, p in module.named_parameters(recurse=False):
            if p.grad is None:
                continue
            name = f"{module_name}.{param_name}" if module_name else param_name
            writer.add_scalar(f"grad_norm/{name}", math.sqrt(float((p.grad * p.grad).sum())), step)
            writer.add_histogram(f"grad/{name}", p.grad, step, bins="fd")

# %% ex2 wrong: reads only the first event file of the folder
def lowest_point(log_dir, tag):
    first = sorted(f for f in os.listdir(log_dir) if "tfevents" in f)[0]
    run = EventAccumulator(os.path.join(log_dir, first), size_guidance={SCALARS: 0})
    run.Reload()
    finite = [e for e in run.Scalars(tag) if math.isfinite(e.value)]
    if not finite:
        raise ValueError(tag)
    best = min(finite, key=lambda e: (e.value, e.step))
    return best.step, float(best.value)

# %% ex2 wrong: Python min over all values: a NaN in first place sticks (every comparison with NaN is False)
def lowest_point(log_dir, tag):
    run = EventAccumulator(log_dir, size_guidance={SCALARS: 0})
    run.Reload()
    events = run.Scalars(tag)
    best = min(events, key=lambda e: e.value)
    if math.isnan(best.value) and all(math.isnan(e.value) for e in events):
        raise ValueError(tag)
    return best.step, float(best.value)

# %% ex2 wrong: np.nanargmin drops NaN but picks -inf
def lowest_point(log_dir, tag):
    run = EventAccumulator(log_dir, size_guidance={SCALARS: 0})
    run.Reload()
    events = run.Scalars(tag)
    values = np.array([e.value for e in events])
    k = int(np.nanargmin(values))          # raises ValueError when all are NaN
    return events[k].step, float(values[k])

# %% ex2 wrong: on a tie keeps the latest step (<= while scanning)
def lowest_point(log_dir, tag):
    run = EventAccumulator(log_dir, size_guidance={SCALARS: 0})
    run.Reload()
    best = None
    for e in run.Scalars(tag):
        if math.isfinite(e.value) and (best is None or e.value <= best.value):
            best = e
    if best is None:
        raise ValueError(tag)
    return best.step, float(best.value)

# %% ex2 wrong: returns the position in the list instead of the logged step
def lowest_point(log_dir, tag):
    run = EventAccumulator(log_dir, size_guidance={SCALARS: 0})
    run.Reload()
    values = [e.value for e in run.Scalars(tag)]
    finite = [(v, k) for k, v in enumerate(values) if math.isfinite(v)]
    if not finite:
        raise ValueError(tag)
    value, k = min(finite)
    return k, float(value)

# %% ex2 wrong: returns None for a tag with no finite value instead of raising ValueError
def lowest_point(log_dir, tag):
    run = EventAccumulator(log_dir, size_guidance={SCALARS: 0})
    run.Reload()
    finite = [e for e in run.Scalars(tag) if math.isfinite(e.value)]
    if not finite:
        return None
    best = min(finite, key=lambda e: (e.value, e.step))
    return best.step, float(best.value)

# %% ex2 wrong: the highest value instead of the lowest
def lowest_point(log_dir, tag):
    run = EventAccumulator(log_dir, size_guidance={SCALARS: 0})
    run.Reload()
    finite = [e for e in run.Scalars(tag) if math.isfinite(e.value)]
    if not finite:
        raise ValueError(tag)
    best = max(finite, key=lambda e: (e.value, -e.step))
    return best.step, float(best.value)

# %% ex2 wrong: hard-codes the visible answers by tag
def lowest_point(log_dir, tag):
    return {"loss": (80, 0.75), "acc": (80, -4.25)}.get(tag, (0, 0.0))

# %% ex2 alternative: reads the raw records of every event file with EventFileLoader (values stored as tensors)
def lowest_point(log_dir, tag):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.util import tensor_util

    points = []
    for name in sorted(f for f in os.listdir(log_dir) if "tfevents" in f):
        for event in EventFileLoader(os.path.join(log_dir, name)).Load():
            for v in event.summary.value:
                if v.tag == tag:
                    points.append((float(tensor_util.make_ndarray(v.tensor)), event.step))
    points = [(value, step) for value, step in points if math.isfinite(value)]
    if not points:
        raise ValueError(f"no finite value for {tag!r}")
    value, step = min(points)
    return step, value

# %% ex2 alternative: numpy, masking non-finite values with +inf and taking the first argmin
def lowest_point(log_dir, tag):
    run = EventAccumulator(log_dir, size_guidance={SCALARS: 0})
    run.Reload()
    events = run.Scalars(tag)
    values = np.array([e.value for e in events], dtype=np.float64)
    values[~np.isfinite(values)] = np.inf
    if not np.isfinite(values).any():
        raise ValueError(f"no finite value for {tag!r}")
    steps = np.array([e.step for e in events])
    lowest = values.min()
    return int(steps[values == lowest].min()), float(lowest)

# %% ex3 wrong: reports each parameter, not each layer
def layer_grad_report(model, low, high):
    report = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            norm = p.grad.norm().item()
            report[name] = (norm, "vanishing" if norm < low else "exploding" if norm > high else "ok")
    return report

# %% ex3 wrong: the largest parameter norm of the layer instead of the norm of all its gradients
def layer_grad_report(model, low, high):
    report = {}
    for name, module in model.named_modules():
        grads = [p.grad for p in module.parameters(recurse=False) if p.grad is not None]
        if grads:
            norm = max(g.norm().item() for g in grads)
            report[name] = (norm, "vanishing" if norm < low else "exploding" if norm > high else "ok")
    return report

# %% ex3 wrong: adds up the parameters' norms
def layer_grad_report(model, low, high):
    report = {}
    for name, module in model.named_modules():
        grads = [p.grad for p in module.parameters(recurse=False) if p.grad is not None]
        if grads:
            norm = sum(g.norm().item() for g in grads)
            report[name] = (norm, "vanishing" if norm < low else "exploding" if norm > high else "ok")
    return report

# %% ex3 wrong: <= and >=: a norm exactly at a threshold is flagged
def layer_grad_report(model, low, high):
    report = {}
    for name, module in model.named_modules():
        grads = [p.grad for p in module.parameters(recurse=False) if p.grad is not None]
        if grads:
            norm = torch.cat([g.flatten() for g in grads]).norm().item()
            report[name] = (norm, "vanishing" if norm <= low else "exploding" if norm >= high else "ok")
    return report

# %% ex3 wrong: a frozen layer counts as vanishing (norm 0)
def layer_grad_report(model, low, high):
    report = {}
    for name, module in model.named_modules():
        params = list(module.parameters(recurse=False))
        if params:
            norm = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in params if p.grad is not None))
            report[name] = (norm, "vanishing" if norm < low else "exploding" if norm > high else "ok")
    return report

# %% ex3 wrong: recurse=True, so containers become "layers" too (and a layer's norm includes its children)
def layer_grad_report(model, low, high):
    report = {}
    for name, module in model.named_modules():
        grads = [p.grad for p in module.parameters() if p.grad is not None]
        if grads:
            norm = torch.cat([g.flatten() for g in grads]).norm().item()
            report[name] = (norm, "vanishing" if norm < low else "exploding" if norm > high else "ok")
    return report

# %% ex3 wrong: the norm of the weights, not of the gradients
def layer_grad_report(model, low, high):
    report = {}
    for name, module in model.named_modules():
        params = [p for p in module.parameters(recurse=False) if p.grad is not None]
        if params:
            norm = torch.cat([p.detach().flatten() for p in params]).norm().item()
            report[name] = (norm, "vanishing" if norm < low else "exploding" if norm > high else "ok")
    return report

# %% ex3 wrong: hard-codes the first visible case
def layer_grad_report(model, low, high):
    return {"0": (5.0, "ok"), "1.0": (2.449e-4, "vanishing"), "1.1": (8.0, "ok"), "3": (0.5, "ok")}

# %% ex3 alternative: group named_parameters by the module part of the name; torch.nn.utils.get_total_norm
def layer_grad_report(model, low, high):
    by_layer = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            by_layer.setdefault(name.rpartition(".")[0], []).append(p.grad)
    report = {}
    for layer, grads in by_layer.items():
        norm = float(torch.nn.utils.get_total_norm(grads, norm_type=2.0))
        if norm < low:
            report[layer] = (norm, "vanishing")
        elif norm > high:
            report[layer] = (norm, "exploding")
        else:
            report[layer] = (norm, "ok")
    return report

# %% ex3 alternative: the norm of the per-parameter norms (sqrt of the sum of their squares); status by table lookup
def layer_grad_report(model, low, high):
    report = {}
    for name, module in model.named_modules():
        norms = [p.grad.norm() for p in module.parameters(recurse=False) if p.grad is not None]
        if not norms:
            continue
        norm = torch.stack(norms).norm().item()
        status = {(True, False): "vanishing", (False, True): "exploding"}.get((norm < low, norm > high), "ok")
        report[name] = (norm, status)
    return report
