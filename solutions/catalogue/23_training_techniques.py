# Lab 23: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 23` runs each through the lab's check.

# %% ex1 wrong: uses the biased variance for running_var too
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    if training:
        mean, var = x.mean(0), x.var(0, correction=0)
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var)
    else:
        mean, var = running_mean, running_var
    return (x - mean) / torch.sqrt(var + eps) * weight + bias

# %% ex1 wrong: normalises with the unbiased variance (x.var(0) defaults to correction=1)
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    if training:
        mean, var = x.mean(0), x.var(0)
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var)
    else:
        mean, var = running_mean, running_var
    return (x - mean) / torch.sqrt(var + eps) * weight + bias

# %% ex1 wrong: momentum as the weight of the old value (the optimiser's convention, not BatchNorm's)
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean, var = x.mean(0), x.var(0, correction=0)
        with torch.no_grad():
            running_mean.mul_(momentum).add_((1 - momentum) * mean)
            running_var.mul_(momentum).add_((1 - momentum) * var * n / (n - 1))
    else:
        mean, var = running_mean, running_var
    return (x - mean) / torch.sqrt(var + eps) * weight + bias

# %% ex1 wrong: uses the batch statistics in eval mode too (the forgotten eval(), by hand)
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    mean, var = x.mean(0), x.var(0, correction=0)
    if training:
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))
    return (x - mean) / torch.sqrt(var + eps) * weight + bias

# %% ex1 wrong: updates the running statistics in eval mode as well
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    n = x.shape[0]
    mean, var = x.mean(0), x.var(0, correction=0)
    with torch.no_grad():
        running_mean.mul_(1 - momentum).add_(momentum * mean)
        running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))
    if not training:
        mean, var = running_mean, running_var
    return (x - mean) / torch.sqrt(var + eps) * weight + bias

# %% ex1 wrong: rebinds the names instead of updating the buffers in place, so the caller's buffers never change
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean, var = x.mean(0), x.var(0, correction=0)
        running_mean = (1 - momentum) * running_mean + momentum * mean.detach()
        running_var = (1 - momentum) * running_var + momentum * var.detach() * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    return (x - mean) / torch.sqrt(var + eps) * weight + bias

# %% ex1 wrong: updates the buffers with values that carry the graph (running_mean ends up requiring grad)
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean, var = x.mean(0), x.var(0, correction=0)
        running_mean.mul_(1 - momentum).add_(momentum * mean)
        running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))
    else:
        mean, var = running_mean, running_var
    return (x - mean) / torch.sqrt(var + eps) * weight + bias

# %% ex1 wrong: detaches the batch statistics, so the gradient with respect to x misses their terms
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean, var = x.mean(0).detach(), x.var(0, correction=0).detach()
        running_mean.mul_(1 - momentum).add_(momentum * mean)
        running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))
    else:
        mean, var = running_mean, running_var
    return (x - mean) / torch.sqrt(var + eps) * weight + bias

# %% ex1 wrong: eps outside the square root
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean, var = x.mean(0), x.var(0, correction=0)
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))
    else:
        mean, var = running_mean, running_var
    return (x - mean) / (torch.sqrt(var) + eps) * weight + bias

# %% ex1 wrong: the shortcut: calls F.batch_norm, which the exercise asks to write without
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    return F.batch_norm(x, running_mean, running_var, weight, bias, training=training, momentum=momentum, eps=eps)

# %% ex1 wrong: the shortcut through a module: copies everything into nn.BatchNorm1d and calls it
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    layer = nn.BatchNorm1d(x.shape[1], momentum=momentum, eps=eps, affine=False)
    layer.running_mean, layer.running_var = running_mean, running_var
    layer.train(training)
    return layer(x) * weight + bias

# %% ex1 wrong: hard-codes the output of the first visible case by shape, touches no buffer
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    known = {(6, 3): torch.tensor([[-0.39, 1.12, 0.23], [1.32, -0.71, 0.05], [0.42, 0.31, -1.64],
                                   [-1.52, 0.94, 1.30], [0.27, -1.46, 0.49], [-0.10, -0.20, -0.43]])}
    return known.get(tuple(x.shape), torch.zeros_like(x)) * weight + bias

# %% ex1 alternative: mean of squared deviations for the variance, torch.lerp_ for the buffer update, rsqrt
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mean = x.sum(0) / n
        centred = x - mean
        var = (centred * centred).sum(0) / n
        running_mean.lerp_(mean.detach(), momentum)
        running_var.lerp_(var.detach() * n / (n - 1), momentum)
        return centred * torch.rsqrt(var + eps) * weight + bias
    return (x - running_mean) * torch.rsqrt(running_var + eps) * weight + bias

# %% ex1 alternative: torch.var_mean, and the buffers updated with copy_ of a detached value
def batch_norm_forward(x, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-5):
    if not training:
        scale = weight / (running_var + eps).sqrt()
        return x * scale + (bias - running_mean * scale)          # the folded affine map used for inference
    var, mean = torch.var_mean(x, dim=0, correction=0)
    unbiased = torch.var(x.detach(), dim=0, correction=1)
    running_mean.copy_((1 - momentum) * running_mean + momentum * mean.detach())
    running_var.copy_((1 - momentum) * running_var + momentum * unbiased)
    return (x - mean) / (var + eps).sqrt() * weight + bias

# %% ex2 wrong: one offset for the whole batch
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    top, left = torch.randint(0, 2 * pad + 1, (2,), generator=generator).tolist()
    shifted = padded[:, :, top:top + h, left:left + w]
    return shifted + noise_std * torch.randn(shifted.shape, generator=generator), labels.clone()

# %% ex2 wrong: torch.roll wraps the pixels around instead of shifting zeros in
def augment(images, labels, generator, pad=1, noise_std=0.05):
    shifts = torch.randint(-pad, pad + 1, (len(images), 2), generator=generator).tolist()
    shifted = torch.stack([img.roll((dy, dx), dims=(-2, -1)) for img, (dy, dx) in zip(images, shifts)])
    return shifted + noise_std * torch.randn(shifted.shape, generator=generator), labels.clone()

# %% ex2 wrong: draws with the global RNG (torch.randint without generator=): not reproducible from the generator
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    top = torch.randint(0, 2 * pad + 1, (n,)).tolist()
    left = torch.randint(0, 2 * pad + 1, (n,)).tolist()
    shifted = torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(top, left))])
    return shifted + noise_std * torch.randn(shifted.shape), labels.clone()

# %% ex2 wrong: adds a random horizontal flip, as CIFAR pipelines do (a mirrored digit is not the digit)
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    top = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    left = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    shifted = torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(top, left))])
    flip = torch.rand(n, generator=generator) < 0.5
    shifted = torch.where(flip[:, None, None, None], shifted.flip(-1), shifted)
    return shifted + noise_std * torch.randn(shifted.shape, generator=generator), labels.clone()

# %% ex2 wrong: crops at 0..pad only, so the image can only move one way
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    top = torch.randint(0, pad + 1, (n,), generator=generator).tolist()
    left = torch.randint(0, pad + 1, (n,), generator=generator).tolist()
    shifted = torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(top, left))])
    return shifted + noise_std * torch.randn(shifted.shape, generator=generator), labels.clone()

# %% ex2 wrong: one noise image shared by the whole batch
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    top = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    left = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    shifted = torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(top, left))])
    return shifted + noise_std * torch.randn(shifted.shape[1:], generator=generator), labels.clone()

# %% ex2 wrong: a separate offset for each channel of an image
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, c, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    top = torch.randint(0, 2 * pad + 1, (n, c), generator=generator).tolist()
    left = torch.randint(0, 2 * pad + 1, (n, c), generator=generator).tolist()
    shifted = torch.stack([torch.stack([padded[i, k, top[i][k]:top[i][k] + h, left[i][k]:left[i][k] + w]
                                        for k in range(c)]) for i in range(n)])
    return shifted + noise_std * torch.randn(shifted.shape, generator=generator), labels.clone()

# %% ex2 wrong: adds the noise in place, which also changes the caller's images
def augment(images, labels, generator, pad=1, noise_std=0.05):
    images += noise_std * torch.randn(images.shape, generator=generator)
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    top = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    left = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    return torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(top, left))]), labels

# %% ex2 wrong: hard-coded: returns the batch unchanged (what the visible shape and label checks expect)
def augment(images, labels, generator, pad=1, noise_std=0.05):
    return images.clone(), labels.clone()

# %% ex2 wrong: uniform noise scaled to the right std (the text asks for Gaussian noise)
import torch
import torch.nn.functional as F
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    tops = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    lefts = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    out = torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
    uniform = (torch.rand(images.shape, generator=generator) - 0.5) * 12 ** 0.5
    return out + noise_std * uniform, labels.clone()

# %% ex2 wrong: noise added BEFORE the shift: the shifted-in zeros get no noise
import torch
import torch.nn.functional as F
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, _, h, w = images.shape
    noisy = images + noise_std * torch.randn(images.shape, generator=generator)
    padded = F.pad(noisy, (pad, pad, pad, pad))
    tops = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    lefts = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    out = torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
    return out, labels.clone()

# %% ex2 wrong: draws from a private copy seeded with generator.initial_seed(): the generator never advances, so every call (every batch of an epoch) gets the same offsets and noise
import torch
import torch.nn.functional as F
def augment(images, labels, generator, pad=1, noise_std=0.05):
    g = torch.Generator().manual_seed(generator.initial_seed())
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    tops = torch.randint(0, 2 * pad + 1, (n,), generator=g).tolist()
    lefts = torch.randint(0, 2 * pad + 1, (n,), generator=g).tolist()
    out = torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
    return out + noise_std * torch.randn(images.shape, generator=g), labels.clone()

# %% ex2 alternative: vectorised gather with advanced indexing into the padded batch (no Python loop)
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, c, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    offsets = torch.randint(0, 2 * pad + 1, (n, 2), generator=generator)
    rows = (offsets[:, :1] + torch.arange(h))[:, None, :, None]
    cols = (offsets[:, 1:] + torch.arange(w))[:, None, None, :]
    shifted = padded[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None], rows, cols]
    noise = torch.empty_like(shifted).normal_(0.0, 1.0, generator=generator)
    return shifted + noise_std * noise, labels.clone()

# %% ex2 alternative: shift by writing into a zero canvas (signed offsets), noise per image in the loop
def augment(images, labels, generator, pad=1, noise_std=0.05):
    n, _, h, w = images.shape
    out = torch.zeros_like(images)
    for i in range(n):
        dy, dx = (torch.randint(-pad, pad + 1, (2,), generator=generator)).tolist()
        src_y, dst_y = slice(max(0, -dy), h - max(0, dy)), slice(max(0, dy), h - max(0, -dy))
        src_x, dst_x = slice(max(0, -dx), w - max(0, dx)), slice(max(0, dx), w - max(0, -dx))
        out[i, :, dst_y, dst_x] = images[i, :, src_y, src_x]
        out[i] += noise_std * torch.randn(out[i].shape, generator=generator)
    return out, labels.clone()

# %% ex3 wrong: T_max counts all the steps, ignoring the warmup, so the LR never reaches min_lr
def make_warmup_cosine(optimizer, warmup_steps, total_steps, start_factor=0.1, min_lr=0.0):
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=start_factor, total_iters=warmup_steps)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps, eta_min=min_lr)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[warmup_steps])

# %% ex3 wrong: the warmup reaches base_lr one step early (total_iters=warmup_steps - 1)
def make_warmup_cosine(optimizer, warmup_steps, total_steps, start_factor=0.1, min_lr=0.0):
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=start_factor, total_iters=warmup_steps - 1)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps - warmup_steps, eta_min=min_lr)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[warmup_steps])

# %% ex3 wrong: forgets eta_min, so the cosine ends at 0 instead of min_lr
def make_warmup_cosine(optimizer, warmup_steps, total_steps, start_factor=0.1, min_lr=0.0):
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=start_factor, total_iters=warmup_steps)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps - warmup_steps)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[warmup_steps])

# %% ex3 wrong: no warmup at all, a plain cosine over all the steps
def make_warmup_cosine(optimizer, warmup_steps, total_steps, start_factor=0.1, min_lr=0.0):
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps, eta_min=min_lr)

# %% ex3 wrong: LambdaLR treats min_lr as a factor of base_lr (right only when base_lr is 1)
def make_warmup_cosine(optimizer, warmup_steps, total_steps, start_factor=0.1, min_lr=0.0):
    def factor(t):
        if t <= warmup_steps:
            return start_factor + (1 - start_factor) * t / warmup_steps
        progress = (t - warmup_steps) / (total_steps - warmup_steps)
        return min_lr + (1 - min_lr) * (1 + math.cos(math.pi * progress)) / 2
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)

# %% ex3 wrong: hard-codes the first visible case's factors in a LambdaLR
def make_warmup_cosine(optimizer, warmup_steps, total_steps, start_factor=0.1, min_lr=0.0):
    table = [0.1, 0.28, 0.46, 0.64, 0.82, 1.0] + [0.5 * (1 + math.cos(math.pi * k / 35)) for k in range(1, 36)]
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: table[min(t, len(table) - 1)])

# %% ex3 alternative: LambdaLR with one closed-form factor per param group (min_lr is absolute, so per group)
def make_warmup_cosine(optimizer, warmup_steps, total_steps, start_factor=0.1, min_lr=0.0):
    def factor_for(base_lr):
        def factor(t):
            if t <= warmup_steps:
                return start_factor + (1 - start_factor) * t / warmup_steps
            cosine = (1 + math.cos(math.pi * (t - warmup_steps) / (total_steps - warmup_steps))) / 2
            return (min_lr + (base_lr - min_lr) * cosine) / base_lr
        return factor
    return torch.optim.lr_scheduler.LambdaLR(optimizer, [factor_for(g["lr"]) for g in optimizer.param_groups])

# %% ex3 alternative: a small LRScheduler subclass whose get_lr is the closed form, reading self.base_lrs
def make_warmup_cosine(optimizer, warmup_steps, total_steps, start_factor=0.1, min_lr=0.0):
    class WarmupCosine(torch.optim.lr_scheduler.LRScheduler):
        def get_lr(self):
            t = self.last_epoch
            if t <= warmup_steps:
                return [b * (start_factor + (1 - start_factor) * t / warmup_steps) for b in self.base_lrs]
            cosine = (1 + math.cos(math.pi * (t - warmup_steps) / (total_steps - warmup_steps))) / 2
            return [min_lr + (b - min_lr) * cosine for b in self.base_lrs]
    return WarmupCosine(optimizer)
