# Lab 06: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 06` runs each through the lab's check (tests/test_catalogue.py does too).

# %% ex1 wrong: compares the count with growth_interval before adding this step, so the scale grows one step late
def update_scale(scale, growth_tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
    if found_inf:
        return scale * backoff_factor, 0
    if growth_tracker == growth_interval:
        return scale * growth_factor, 0
    return scale, growth_tracker + 1

# %% ex1 wrong: an overflow backs off but keeps the count of clean steps
def update_scale(scale, growth_tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
    if found_inf:
        return scale * backoff_factor, growth_tracker
    growth_tracker += 1
    if growth_tracker == growth_interval:
        return scale * growth_factor, 0
    return scale, growth_tracker

# %% ex1 wrong: uses the default factors 2.0 and 0.5 whatever the arguments say
def update_scale(scale, growth_tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
    if found_inf:
        return scale * 0.5, 0
    growth_tracker += 1
    if growth_tracker == growth_interval:
        return scale * 2.0, 0
    return scale, growth_tracker

# %% ex1 wrong: never restarts the count after growing, so the scale grows only once
def update_scale(scale, growth_tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
    if found_inf:
        return scale * backoff_factor, 0
    growth_tracker += 1
    if growth_tracker == growth_interval:
        return scale * growth_factor, growth_tracker
    return scale, growth_tracker

# %% ex1 wrong: hard-codes the visible overflow answer (512.0, 0)
def update_scale(scale, growth_tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
    if found_inf:
        return 512.0, 0
    growth_tracker += 1
    if growth_tracker == growth_interval:
        return scale * growth_factor, 0
    return scale, growth_tracker

# %% ex1 wrong: grows the scale on an overflow and backs off on a clean streak (factors swapped)
def update_scale(scale, growth_tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
    if found_inf:
        return scale * growth_factor, 0
    growth_tracker += 1
    if growth_tracker == growth_interval:
        return scale * backoff_factor, 0
    return scale, growth_tracker

# %% ex1 alternative: the count wraps around with a modulo; growth happens when it wraps to zero
def update_scale(scale, growth_tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
    if found_inf:
        return (scale * backoff_factor, 0)
    tracker = (growth_tracker + 1) % growth_interval
    return (scale * growth_factor if tracker == 0 else scale, tracker)

# %% ex1 wrong: the shortcut: torch's own fused kernel (what GradScaler.update() calls) instead of the rule written out
def update_scale(scale, growth_tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
    scale_t = torch.tensor([scale], dtype=torch.float32)   # GradScaler keeps its scale in float32
    tracker_t = torch.tensor([growth_tracker], dtype=torch.int32)
    inf_t = torch.tensor([1.0 if found_inf else 0.0])
    torch._amp_update_scale_(scale_t, tracker_t, inf_t, growth_factor, backoff_factor, growth_interval)
    return scale_t.item(), int(tracker_t.item())

# %% ex2 wrong: forgets to add up beta's gradient: shape of x (autograd would sum it quietly, gradcheck passes)
class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return x * torch.sigmoid(beta * x)

    @staticmethod
    def backward(ctx, grad_out):
        x, beta = ctx.saved_tensors
        s = torch.sigmoid(beta * x)
        ds = s * (1 - s)
        return grad_out * (s + beta * x * ds), grad_out * x * x * ds

# %% ex2 wrong: beta's gradient summed to shape (1,) instead of 0-dimensional
class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return x * torch.sigmoid(beta * x)

    @staticmethod
    def backward(ctx, grad_out):
        x, beta = ctx.saved_tensors
        s = torch.sigmoid(beta * x)
        ds = s * (1 - s)
        return grad_out * (s + beta * x * ds), (grad_out * x * x * ds).sum().reshape(1)

# %% ex2 wrong: drops the chain rule's factor beta in the gradient with respect to x
class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return x * torch.sigmoid(beta * x)

    @staticmethod
    def backward(ctx, grad_out):
        x, beta = ctx.saved_tensors
        s = torch.sigmoid(beta * x)
        ds = s * (1 - s)
        return grad_out * (s + x * ds), (grad_out * x * x * ds).sum()

# %% ex2 wrong: beta's gradient ignores grad_out (right only when grad_out is all ones)
class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return x * torch.sigmoid(beta * x)

    @staticmethod
    def backward(ctx, grad_out):
        x, beta = ctx.saved_tensors
        s = torch.sigmoid(beta * x)
        ds = s * (1 - s)
        return grad_out * (s + beta * x * ds), (x * x * ds).sum()

# %% ex2 wrong: treats the sigmoid as a constant: grad_out * sigmoid for x, and nothing for beta
class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return x * torch.sigmoid(beta * x)

    @staticmethod
    def backward(ctx, grad_out):
        x, beta = ctx.saved_tensors
        return grad_out * torch.sigmoid(beta * x), torch.zeros_like(beta)

# %% ex2 wrong: the shortcut: asks autograd for the gradients inside backward instead of working them out
class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return x * torch.sigmoid(beta * x)

    @staticmethod
    def backward(ctx, grad_out):
        x, beta = ctx.saved_tensors
        with torch.enable_grad():
            xd, bd = x.detach().requires_grad_(), beta.detach().requires_grad_()
            return torch.autograd.grad(xd * torch.sigmoid(bd * xd), (xd, bd), grad_out)

# %% ex2 alternative: sigmoid written out with exp, sigma' as e^-u / (1 + e^-u)^2, beta's gradient reshaped to beta's shape
class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return x * torch.sigmoid(beta * x)

    @staticmethod
    def backward(ctx, grad_out):
        x, beta = ctx.saved_tensors
        e = torch.exp(-beta * x)
        s = 1 / (1 + e)
        ds = e / (1 + e) ** 2
        grad_x = grad_out * s + grad_out * x * beta * ds
        grad_beta = torch.sum(grad_out * ds * x ** 2).reshape(beta.shape)
        return grad_x, grad_beta

# %% ex2 alternative: uses ctx.needs_input_grad to skip a gradient nobody asked for (returns None for it)
class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x, beta)
        return x * torch.sigmoid(beta * x)

    @staticmethod
    def backward(ctx, grad_out):
        x, beta = ctx.saved_tensors
        s = torch.sigmoid(beta * x)
        common = grad_out * s * (1 - s)
        grad_x = grad_out * s + common * beta * x if ctx.needs_input_grad[0] else None
        grad_beta = (common * x * x).sum() if ctx.needs_input_grad[1] else None
        return grad_x, grad_beta

# %% ex3 wrong: clips each gradient to max_norm on its own instead of all of them together
def clip_by_total_norm(params, max_norm):
    params = list(params)
    total = math.sqrt(sum((p.grad.double() ** 2).sum().item() for p in params if p.grad is not None))
    for p in params:
        if p.grad is not None:
            n = p.grad.norm().item()
            if n > max_norm:
                p.grad.mul_(max_norm / (n + 1e-6))
    return total

# %% ex3 wrong: reads the generator twice: the second pass, which should scale, sees no parameters
def clip_by_total_norm(params, max_norm):
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params if p.grad is not None)).item()
    if total > max_norm:
        for p in params:
            if p.grad is not None:
                p.grad.mul_(max_norm / (total + 1e-6))
    return total

# %% ex3 wrong: always scales, so gradients below the threshold are scaled up
def clip_by_total_norm(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.sqrt(sum((g ** 2).sum() for g in grads)).item()
    for g in grads:
        g.mul_(max_norm / (total + 1e-6))
    return total

# %% ex3 wrong: the shortcut: calls clip_grad_norm_ itself
def clip_by_total_norm(params, max_norm):
    return torch.nn.utils.clip_grad_norm_(params, max_norm).item()

# %% ex3 wrong: does not skip parameters without a gradient (crashes on .grad = None)
def clip_by_total_norm(params, max_norm):
    grads = [p.grad for p in params]
    total = torch.sqrt(sum((g ** 2).sum() for g in grads)).item()
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
    return total

# %% ex3 wrong: not in place: gives each parameter a new .grad tensor
def clip_by_total_norm(params, max_norm):
    params = [p for p in params if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params)).item()
    if total > max_norm:
        for p in params:
            p.grad = p.grad * (max_norm / (total + 1e-6))
    return total

# %% ex3 wrong: the total norm is the sum of the per-tensor norms, not the norm of all elements
def clip_by_total_norm(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    total = sum(g.norm().item() for g in grads)
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
    return total

# %% ex3 wrong: clips correctly but returns a hard-coded norm
def clip_by_total_norm(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.sqrt(sum((g ** 2).sum() for g in grads)).item()
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
    return 42.0

# %% ex3 wrong: returns the norm after clipping, as a tensor
def clip_by_total_norm(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.sqrt(sum((g ** 2).sum() for g in grads))
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
    return torch.sqrt(sum((g ** 2).sum() for g in grads))

# %% ex3 alternative: clip_grad_norm_'s own formulation: norm of the per-tensor norms, coefficient clamped at 1, foreach multiply
def clip_by_total_norm(params, max_norm):
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    torch._foreach_mul_(grads, coef.item())
    return total.item()

# %% ex3 alternative: one flat vector of all gradients for the norm, then an in-place scale of each .grad
def clip_by_total_norm(params, max_norm):
    grads = [p.grad for p in list(params) if p.grad is not None]
    total = float(torch.cat([g.reshape(-1) for g in grads]).norm()) if grads else 0.0
    if total > max_norm:
        factor = max_norm / (total + 1e-6)
        for g in grads:
            g *= factor
    return total
