# Lab 14: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 14` runs each through the lab's check (tests/test_catalogue.py does too).

# %% ex1 wrong: softmax then log: the target's probability underflows to 0 in float32, the loss is inf
class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(reduction)
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        p_t = logits.softmax(-1).gather(-1, target.unsqueeze(-1)).squeeze(-1)
        loss = -(1 - p_t) ** self.gamma * p_t.log()
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.mean()

# %% ex1 wrong: detaches the modulating factor (a "weight"), so the gradient misses its term
class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(reduction)
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        logp_t = logits.log_softmax(-1).gather(-1, target.unsqueeze(-1)).squeeze(-1)
        loss = -(1 - logp_t.exp().detach()) ** self.gamma * logp_t
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.mean()

# %% ex1 wrong: plain cross-entropy: forgets the (1 - p_t)**gamma factor
class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        return F.cross_entropy(logits, target, reduction=self.reduction)

# %% ex1 wrong: weights by p_t**gamma instead of (1 - p_t)**gamma (up-weights the easy examples)
class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(reduction)
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        logp_t = logits.log_softmax(-1).gather(-1, target.unsqueeze(-1)).squeeze(-1)
        loss = -logp_t.exp() ** self.gamma * logp_t
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.mean()

# %% ex1 wrong: ignores reduction and always averages
class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(reduction)
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        logp_t = logits.log_softmax(-1).gather(-1, target.unsqueeze(-1)).squeeze(-1)
        return (-(1 - logp_t.exp()) ** self.gamma * logp_t).mean()

# %% ex1 wrong: 'mean' averages over every class entry (one-hot form), dividing by N * C instead of N
class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(reduction)
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        logp = logits.log_softmax(-1)
        terms = -F.one_hot(target, logits.shape[-1]) * (1 - logp.exp()) ** self.gamma * logp
        if self.reduction == "none":
            return terms.sum(-1)
        return terms.sum() if self.reduction == "sum" else terms.mean()

# %% ex1 wrong: an unknown reduction silently falls back to 'mean'
class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        logp_t = logits.log_softmax(-1).gather(-1, target.unsqueeze(-1)).squeeze(-1)
        loss = -(1 - logp_t.exp()) ** self.gamma * logp_t
        if self.reduction == "none":
            return loss
        return loss.sum() if self.reduction == "sum" else loss.mean()

# %% ex1 wrong: hard-coded: returns a fixed number that does not depend on the logits
class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(reduction)
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        return (logits * 0).sum() + 0.5

# %% ex1 alternative: torch's nll_loss on the modulated log-probabilities does the gathering and the reduction (and rejects a bad reduction itself)
class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        logp = logits.log_softmax(-1)
        return F.nll_loss((1 - logp.exp()) ** self.gamma * logp, target, reduction=self.reduction)

# %% ex1 alternative: one-hot mask instead of gather, reduction by a dict of functions
class FocalLoss(nn.Module):
    REDUCE = {"none": lambda t: t, "sum": torch.sum, "mean": torch.mean}

    def __init__(self, gamma: float = 2.0, reduction: str = "mean"):
        super().__init__()
        if reduction not in self.REDUCE:
            raise ValueError(f"unknown reduction {reduction!r}")
        self.gamma, self.reduction = gamma, reduction

    def forward(self, logits, target):
        logp = F.log_softmax(logits, dim=-1)
        mask = F.one_hot(target, logits.shape[-1]).to(logp.dtype)
        per_sample = -(mask * (1 - logp.exp()).pow(self.gamma) * logp).sum(-1)
        return self.REDUCE[self.reduction](per_sample)

# %% ex2 wrong: cls(**data): unknown keys give the dataclass's TypeError, lists stay lists
def config_from_dict(cls, data):
    return cls(**data)

# %% ex2 wrong: drops unknown keys silently (a typo in a config file goes unnoticed)
def config_from_dict(cls, data):
    from dataclasses import MISSING
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in fields(cls):
        if f.name not in data and f.default is MISSING and f.default_factory is MISSING:
            raise ValueError(f"missing required field {f.name}")
        if f.name in data:
            value = data[f.name]
            if isinstance(value, list) and typing.get_origin(hints[f.name]) is tuple:
                value = tuple(value)
            kwargs[f.name] = value
    return cls(**kwargs)

# %% ex2 wrong: turns every list into a tuple, list-typed fields included
def config_from_dict(cls, data):
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"unknown keys: {unknown}")
    try:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
    except TypeError as err:
        raise ValueError(str(err)) from None

# %% ex2 wrong: converts a list only where the default is a tuple, so a required tuple field stays a list
def config_from_dict(cls, data):
    from dataclasses import MISSING
    unknown = sorted(set(data) - {f.name for f in fields(cls)})
    if unknown:
        raise ValueError(f"unknown keys: {unknown}")
    kwargs = {}
    for f in fields(cls):
        if f.name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ValueError(f"missing {f.name}")
            continue
        value = data[f.name]
        kwargs[f.name] = tuple(value) if isinstance(f.default, tuple) and isinstance(value, list) else value
    return cls(**kwargs)

# %% ex2 wrong: a missing required field surfaces as the dataclass's TypeError, not a ValueError naming it
def config_from_dict(cls, data):
    unknown = sorted(set(data) - {f.name for f in fields(cls)})
    if unknown:
        raise ValueError(f"unknown keys: {unknown}")
    hints = typing.get_type_hints(cls)
    return cls(**{k: tuple(v) if isinstance(v, list) and typing.get_origin(hints[k]) is tuple else v for k, v in data.items()})

# %% ex2 wrong: the ValueError for unknown keys does not say which keys
def config_from_dict(cls, data):
    from dataclasses import MISSING
    if set(data) - {f.name for f in fields(cls)}:
        raise ValueError("the dict has keys that are not fields")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in fields(cls):
        if f.name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ValueError(f"missing {f.name}")
            continue
        value = data[f.name]
        kwargs[f.name] = tuple(value) if isinstance(value, list) and typing.get_origin(hints[f.name]) is tuple else value
    return cls(**kwargs)

# %% ex2 wrong: hard-coded: knows LayerSpec's tuple fields by name (kernel, strides) instead of reading the annotations
def config_from_dict(cls, data):
    from dataclasses import MISSING
    unknown = sorted(set(data) - {f.name for f in fields(cls)})
    if unknown:
        raise ValueError(f"unknown keys: {unknown}")
    for f in fields(cls):
        if f.name not in data and f.default is MISSING and f.default_factory is MISSING:
            raise ValueError(f"missing {f.name}")
    return cls(**{k: tuple(v) if k in ("kernel", "strides") else v for k, v in data.items()})

# %% ex2 wrong: pops the known keys out of the caller's dict while building (modifies data)
def config_from_dict(cls, data):
    from dataclasses import MISSING
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in fields(cls):
        if f.name in data:
            value = data.pop(f.name)
            kwargs[f.name] = tuple(value) if isinstance(value, list) and typing.get_origin(hints[f.name]) is tuple else value
        elif f.default is MISSING and f.default_factory is MISSING:
            raise ValueError(f"missing {f.name}")
    if data:
        raise ValueError(f"unknown keys: {sorted(data)}")
    return cls(**kwargs)

# %% ex2 alternative: f.type read directly (no string annotations here), defaults left to the dataclass, errors collected first
def config_from_dict(cls, data):
    import dataclasses
    by_name = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in by_name]
    missing = [n for n, f in by_name.items() if n not in data
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if unknown or missing:
        raise ValueError(f"unknown keys {unknown}; missing required fields {missing}")

    def is_tuple_type(t):
        return t is tuple or getattr(t, "__origin__", None) is tuple

    return cls(**{k: tuple(v) if is_tuple_type(by_name[k].type) and isinstance(v, list) else v for k, v in data.items()})

# %% ex3 wrong: saves the model only: the optimiser's momentum / Adam moments start again from zero
def save_checkpoint(path, model, optimizer, scheduler, step):
    torch.save({"step": step, "model": model.state_dict()}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    return state["step"]

# %% ex3 wrong: forgets the scheduler: its step count restarts, so the learning rate decays at the wrong steps
def save_checkpoint(path, model, optimizer, scheduler, step):
    name, keys, pos, has_gauss, cached = np.random.get_state()
    torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "torch": torch.get_rng_state(), "python": random.getstate(),
                "numpy": (name, keys.tolist(), pos, has_gauss, cached)}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=True)
    model.load_state_dict(s["model"])
    optimizer.load_state_dict(s["optimizer"])
    torch.set_rng_state(s["torch"])
    random.setstate(s["python"])
    name, keys, pos, has_gauss, cached = s["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    return s["step"]

# %% ex3 wrong: forgets torch's RNG: dropout draws other masks after resuming
def save_checkpoint(path, model, optimizer, scheduler, step):
    name, keys, pos, has_gauss, cached = np.random.get_state()
    torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "python": random.getstate(),
                "numpy": (name, keys.tolist(), pos, has_gauss, cached)}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=True)
    model.load_state_dict(s["model"])
    optimizer.load_state_dict(s["optimizer"])
    scheduler.load_state_dict(s["scheduler"])
    random.setstate(s["python"])
    name, keys, pos, has_gauss, cached = s["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    return s["step"]

# %% ex3 wrong: forgets Python's random: other batches after resuming
def save_checkpoint(path, model, optimizer, scheduler, step):
    name, keys, pos, has_gauss, cached = np.random.get_state()
    torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "torch": torch.get_rng_state(),
                "numpy": (name, keys.tolist(), pos, has_gauss, cached)}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=True)
    model.load_state_dict(s["model"])
    optimizer.load_state_dict(s["optimizer"])
    scheduler.load_state_dict(s["scheduler"])
    torch.set_rng_state(s["torch"])
    name, keys, pos, has_gauss, cached = s["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    return s["step"]

# %% ex3 wrong: forgets numpy's generator: other input noise after resuming
def save_checkpoint(path, model, optimizer, scheduler, step):
    torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "torch": torch.get_rng_state(), "python": random.getstate()}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=True)
    model.load_state_dict(s["model"])
    optimizer.load_state_dict(s["optimizer"])
    scheduler.load_state_dict(s["scheduler"])
    torch.set_rng_state(s["torch"])
    random.setstate(s["python"])
    return s["step"]

# %% ex3 wrong: saves numpy's state as it is (an ndarray inside): the file needs weights_only=False
def save_checkpoint(path, model, optimizer, scheduler, step):
    torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "torch": torch.get_rng_state(), "python": random.getstate(),
                "numpy": np.random.get_state()}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=False)
    model.load_state_dict(s["model"])
    optimizer.load_state_dict(s["optimizer"])
    scheduler.load_state_dict(s["scheduler"])
    torch.set_rng_state(s["torch"])
    random.setstate(s["python"])
    np.random.set_state(s["numpy"])
    return s["step"]

# %% ex3 wrong: saves the model, optimiser and scheduler objects instead of their state dicts (needs weights_only=False)
def save_checkpoint(path, model, optimizer, scheduler, step):
    torch.save({"step": step, "model": model, "optimizer": optimizer, "scheduler": scheduler}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=False)
    model.load_state_dict(s["model"].state_dict())
    optimizer.load_state_dict(s["optimizer"].state_dict())
    scheduler.load_state_dict(s["scheduler"].state_dict())
    return s["step"]

# %% ex3 wrong: a safe file, but loaded with weights_only=False anyway
def save_checkpoint(path, model, optimizer, scheduler, step):
    name, keys, pos, has_gauss, cached = np.random.get_state()
    torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "torch": torch.get_rng_state(), "python": random.getstate(),
                "numpy": (name, keys.tolist(), pos, has_gauss, cached)}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=False)
    model.load_state_dict(s["model"])
    optimizer.load_state_dict(s["optimizer"])
    scheduler.load_state_dict(s["scheduler"])
    torch.set_rng_state(s["torch"])
    random.setstate(s["python"])
    name, keys, pos, has_gauss, cached = s["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    return s["step"]

# %% ex3 wrong: re-seeds every generator with the step instead of restoring their states
def save_checkpoint(path, model, optimizer, scheduler, step):
    torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict()}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=True)
    model.load_state_dict(s["model"])
    optimizer.load_state_dict(s["optimizer"])
    scheduler.load_state_dict(s["scheduler"])
    random.seed(s["step"])
    np.random.seed(s["step"])
    torch.manual_seed(s["step"])
    return s["step"]

# %% ex3 wrong: keeps the training state in memory (a global) and only the step in the file
_saved_in_memory = {}


def save_checkpoint(path, model, optimizer, scheduler, step):
    import copy
    _saved_in_memory[str(path)] = (copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict()),
                                   scheduler.state_dict(), torch.get_rng_state(), random.getstate(), np.random.get_state())
    torch.save({"step": step}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    state = _saved_in_memory.get(str(path))
    if state is not None:
        m, o, s, t, p, n = state
        model.load_state_dict(m)
        optimizer.load_state_dict(o)
        scheduler.load_state_dict(s)
        torch.set_rng_state(t)
        random.setstate(p)
        np.random.set_state(n)
    return torch.load(path, weights_only=True)["step"]

# %% ex3 wrong: hard-coded: load_checkpoint returns the first visible step (5) and restores nothing
def save_checkpoint(path, model, optimizer, scheduler, step):
    torch.save({"model": model.state_dict()}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    return 5

# %% ex3 wrong: restores everything but returns the next step (step + 1) instead of the saved one
def save_checkpoint(path, model, optimizer, scheduler, step):
    name, keys, pos, has_gauss, cached = np.random.get_state()
    torch.save({"step": step, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "torch": torch.get_rng_state(), "python": random.getstate(),
                "numpy": (name, keys.tolist(), pos, has_gauss, cached)}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=True)
    model.load_state_dict(s["model"])
    optimizer.load_state_dict(s["optimizer"])
    scheduler.load_state_dict(s["scheduler"])
    torch.set_rng_state(s["torch"])
    random.setstate(s["python"])
    name, keys, pos, has_gauss, cached = s["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    return s["step"] + 1

# %% ex3 alternative: numpy's state as plain Python values, all generators under one key, torch.random's spelling
def save_checkpoint(path, model, optimizer, scheduler, step):
    name, keys, pos, has_gauss, cached = np.random.get_state()
    torch.save({
        "step": step,
        "state_dicts": {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
        "generators": {"torch": torch.random.get_rng_state(), "python": random.getstate(),
                       "numpy": {"name": name, "keys": keys.tolist(), "pos": int(pos), "has_gauss": int(has_gauss),
                                 "cached": float(cached)}},
    }, path)


def load_checkpoint(path, model, optimizer, scheduler):
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    for obj, key in ((model, "model"), (optimizer, "optimizer"), (scheduler, "scheduler")):
        obj.load_state_dict(ckpt["state_dicts"][key])
    g = ckpt["generators"]
    torch.random.set_rng_state(g["torch"])
    random.setstate(g["python"])
    n = g["numpy"]
    np.random.set_state((n["name"], np.array(n["keys"], dtype=np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    return ckpt["step"]

# %% ex3 alternative: flat keys, the step stored as a 0-d tensor, numpy's keys as an int64 tensor and the rest as a tuple
def save_checkpoint(path, model, optimizer, scheduler, step):
    np_state = np.random.get_state()
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "step": torch.tensor(step), "rng_torch": torch.get_rng_state(), "rng_python": random.getstate(),
                "rng_numpy_keys": torch.from_numpy(np_state[1].astype(np.int64)), "rng_numpy_rest": tuple(np_state[2:])}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    s = torch.load(path, weights_only=True)
    model.load_state_dict(s["model"])
    optimizer.load_state_dict(s["optimizer"])
    scheduler.load_state_dict(s["scheduler"])
    torch.set_rng_state(s["rng_torch"])
    random.setstate(s["rng_python"])
    np.random.set_state(("MT19937", s["rng_numpy_keys"].numpy().astype(np.uint32), *s["rng_numpy_rest"]))
    return int(s["step"])
