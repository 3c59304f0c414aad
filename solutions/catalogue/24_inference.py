# Lab 24: wrong answers and correct alternatives for each exercise.
# Each "# %% exN wrong|alternative: note" cell is a whole exercise cell a student might submit;
# `dglab catalogue 24` runs each through the lab's check.

# %% ex1 wrong: uses torch.no_grad() instead of torch.inference_mode(): the output is not an inference tensor
def predict(model, x):
    flags = {module: module.training for module in model.modules()}
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        for module, was_training in flags.items():
            module.training = was_training

# %% ex1 wrong: forgets eval(): dropout and BatchNorm's batch statistics stay active
def predict(model, x):
    with torch.inference_mode():
        return model(x)

# %% ex1 wrong: calls eval() and never restores the flags
def predict(model, x):
    model.eval()
    with torch.inference_mode():
        return model(x)

# %% ex1 wrong: restores with model.train(): a model that was in eval comes back in training mode
def predict(model, x):
    model.eval()
    try:
        with torch.inference_mode():
            return model(x)
    finally:
        model.train()

# %% ex1 wrong: restores only the top-level flag with model.train(was_training): the frozen BatchNorm is unfrozen
def predict(model, x):
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            return model(x)
    finally:
        model.train(was_training)

# %% ex1 wrong: restores every flag, but not when the forward pass raises (no try/finally)
def predict(model, x):
    flags = {module: module.training for module in model.modules()}
    model.eval()
    with torch.inference_mode():
        out = model(x)
    for module, was_training in flags.items():
        module.training = was_training
    return out

# %% ex1 wrong: catches the model's error to restore the flags, and returns None instead of re-raising it
def predict(model, x):
    flags = {module: module.training for module in model.modules()}
    model.eval()
    out = None
    try:
        with torch.inference_mode():
            out = model(x)
    except Exception:
        pass
    for module, was_training in flags.items():
        module.training = was_training
    return out

# %% ex1 wrong: hard-coded: returns zeros of the visible output shape without running the model
def predict(model, x):
    with torch.inference_mode():
        return torch.zeros(len(x), 3)

# %% ex1 wrong: only Dropout and BatchNorm layers are put in eval: the model itself (and any module that branches on self.training) runs in training mode
import torch
import torch.nn as nn


def predict(model, x):
    layers = [m for m in model.modules() if isinstance(m, (nn.Dropout, nn.BatchNorm1d, nn.BatchNorm2d))]
    flags = [m.training for m in layers]
    for m in layers:
        m.eval()
    try:
        with torch.inference_mode():
            return model(x)
    finally:
        for m, flag in zip(layers, flags):
            m.training = flag

# %% ex1 wrong: replaces the model's exception with its own (the exception itself does not reach the caller)
import torch


def predict(model, x):
    flags = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.inference_mode():
            return model(x)
    except Exception as err:
        raise RuntimeError(f"predict failed: {err}") from None
    finally:
        for m, flag in flags.items():
            m.training = flag

# %% ex1 alternative: restores with each module's own train(flag), parents first (named_modules() order), so each child's call comes last
def predict(model, x):
    flags = {name: module.training for name, module in model.named_modules()}
    model.eval()
    try:
        with torch.inference_mode():
            out = model(x)
    finally:
        for name, module in model.named_modules():
            module.train(flags[name])
    return out

# %% ex1 alternative: a context manager (contextlib) that restores the flags, and inference_mode as a decorator
import contextlib


@contextlib.contextmanager
def _evaluating(model):
    flags = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, was_training in flags:
            module.training = was_training


@torch.inference_mode()
def predict(model, x):
    with _evaluating(model):
        return model(x)

# %% ex2 wrong: adds up the tensors' bytes: misses the pickle and zip structure around them (and counts a shared storage twice)
def state_dict_bytes(state_dict):
    return sum(t.numel() * t.element_size() for t in state_dict.values())

# %% ex2 wrong: pickles the dict with plain pickle instead of torch.save (a different format and size)
import pickle


def state_dict_bytes(state_dict):
    return len(pickle.dumps(state_dict))

# %% ex2 wrong: saves into a temporary file: the records are named after the file, so the size depends on its name
import os
import tempfile


def state_dict_bytes(state_dict):
    fd, path = tempfile.mkstemp(suffix=".pt")
    os.close(fd)
    torch.save(state_dict, path)
    size = os.path.getsize(path)
    os.remove(path)
    return size

# %% ex2 wrong: uses the legacy (non-zip) serialisation format
def state_dict_bytes(state_dict):
    buffer = io.BytesIO()
    torch.save(state_dict, buffer, _use_new_zipfile_serialization=False)
    return buffer.tell()

# %% ex2 wrong: asks Python for the size of the buffer object, not of what it holds
import sys


def state_dict_bytes(state_dict):
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    return sys.getsizeof(buffer)

# %% ex2 wrong: counts only the tensor bytes plus a guessed fixed overhead
def state_dict_bytes(state_dict):
    return 1500 + sum(t.nbytes for t in state_dict.values())

# %% ex2 wrong: hard-coded: the visible sizes by number of entries (found by printing the check's reference)
def state_dict_bytes(state_dict):
    return {2: 1893}.get(len(state_dict), 0)

# %% ex2 wrong: writes a file named archive.pt, which happens to give the in-memory records' names (the text says no file)
import os
import tempfile

import torch


def state_dict_bytes(state_dict):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "archive.pt")
        torch.save(state_dict, path)
        return os.path.getsize(path)

# %% ex2 alternative: seeks to the end of the buffer and reads the position
def state_dict_bytes(state_dict):
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    buffer.seek(0, io.SEEK_END)
    return buffer.tell()

# %% ex2 alternative: a write-only file object that only counts the bytes torch.save writes
class _ByteCounter(io.RawIOBase):
    def __init__(self):
        self.count = 0

    def writable(self):
        return True

    def write(self, data):
        self.count += len(data)
        return len(data)


def state_dict_bytes(state_dict):
    counter = _ByteCounter()
    torch.save(state_dict, counter)
    return counter.count

# %% ex3 wrong: checks only the dtype: torchao's Int8Tensor reports float32, so its layers count as float
def left_in_float(model):
    names = []
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, torch.Tensor) and weight.dtype.is_floating_point:
            names.append(name)
    return names

# %% ex3 wrong: isinstance(weight, nn.Parameter): torchao's quantised weight is still a Parameter
def left_in_float(model):
    return [name for name, module in model.named_modules()
            if isinstance(getattr(module, "weight", None), nn.Parameter) and module.weight.is_floating_point()]

# %% ex3 wrong: lists nn.Linear and nn.Conv2d modules by type: misses norms, counts torchao's quantised Linears
def left_in_float(model):
    return [name for name, module in model.named_modules() if isinstance(module, (nn.Linear, nn.Conv2d))]

# %% ex3 wrong: returns parameter names ("0.weight") instead of module names
def left_in_float(model):
    return [name for name, p in model.named_parameters()
            if name.endswith("weight") and type(p) in (torch.Tensor, nn.Parameter) and p.is_floating_point()]

# %% ex3 wrong: assumes every module with a weight attribute holds a tensor there (None, and the legacy method, crash)
def left_in_float(model):
    return [name for name, module in model.named_modules()
            if hasattr(module, "weight") and module.weight.is_floating_point()
            and type(module.weight) in (torch.Tensor, nn.Parameter)]

# %% ex3 wrong: sorts the names alphabetically instead of keeping named_modules() order
def left_in_float(model):
    names = []
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if type(weight) in (torch.Tensor, nn.Parameter) and weight.is_floating_point():
            names.append(name)
    return sorted(names)

# %% ex3 wrong: hard-coded: the visible answers keyed by the number of modules
def left_in_float(model):
    return {7: ["0", "3", "5"], 9: ["stem.0", "head.1"]}.get(len(list(model.modules())), [])

# %% ex3 wrong: exact class check but no dtype check: a plain int8 weight would be listed
import torch
import torch.nn as nn


def left_in_float(model):
    return [name for name, m in model.named_modules() if type(getattr(m, "weight", None)) in (torch.Tensor, nn.Parameter)]

# %% ex3 wrong: float32 only: a float16 / bfloat16 / float64 weight is not listed
import torch
import torch.nn as nn


def left_in_float(model):
    return [name for name, m in model.named_modules()
            if type(getattr(m, "weight", None)) in (torch.Tensor, nn.Parameter) and m.weight.dtype == torch.float32]

# %% ex3 wrong: "still trainable" as the test: a frozen float model (requires_grad_(False)) lists nothing
import torch


def left_in_float(model):
    return [name for name, m in model.named_modules()
            if isinstance(getattr(m, "weight", None), torch.Tensor) and m.weight.requires_grad]

# %% ex3 wrong: looks only in the module's registered parameters: a float weight held as a buffer or plain attribute is missed
import torch
import torch.nn as nn


def left_in_float(model):
    out = []
    for name, m in model.named_modules():
        w = m._parameters.get("weight")
        if w is not None and type(w) is nn.Parameter and w.dtype.is_floating_point:
            out.append(name)
    return out

# %% ex3 alternative: looks at the weight's underlying data: a plain tensor's (or Parameter's) .data is exactly torch.Tensor
def left_in_float(model):
    found = []
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, torch.Tensor) and type(weight.data) is torch.Tensor and torch.is_floating_point(weight):
            found.append(name)
    return found

# %% ex3 alternative: a helper with an explicit set of float dtypes instead of is_floating_point(), in a comprehension
def left_in_float(model):
    def ordinary_float(weight):
        return (isinstance(weight, torch.Tensor) and type(weight) in {torch.Tensor, nn.Parameter}
                and weight.dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64))
    return [name for name, module in model.named_modules() if ordinary_float(getattr(module, "weight", None))]

# %% ex4 wrong: forgets eval(): dropout changes the predictions
def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    float_correct = quantised_correct = same = 0
    with torch.inference_mode():
        for start in range(0, len(inputs), batch_size):
            x, y = inputs[start:start + batch_size], labels[start:start + batch_size]
            fp, qp = float_model(x).argmax(1), quantised_model(x).argmax(1)
            float_correct += int((fp == y).sum())
            quantised_correct += int((qp == y).sum())
            same += int((fp == qp).sum())
    n = len(inputs)
    return {"float_accuracy": float_correct / n, "quantised_accuracy": quantised_correct / n, "agreement": same / n}

# %% ex4 wrong: under torch.no_grad() instead of torch.inference_mode()
def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    float_model.eval()
    quantised_model.eval()
    fp, qp = [], []
    with torch.no_grad():
        for start in range(0, len(inputs), batch_size):
            fp.append(float_model(inputs[start:start + batch_size]).argmax(1))
            qp.append(quantised_model(inputs[start:start + batch_size]).argmax(1))
    fp, qp = torch.cat(fp), torch.cat(qp)
    return {"float_accuracy": (fp == labels).float().mean().item(),
            "quantised_accuracy": (qp == labels).float().mean().item(), "agreement": (fp == qp).float().mean().item()}

# %% ex4 wrong: averages the per-batch accuracies: the short last batch weighs as much as a full one
def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    float_model.eval()
    quantised_model.eval()
    rows = []
    with torch.inference_mode():
        for start in range(0, len(inputs), batch_size):
            x, y = inputs[start:start + batch_size], labels[start:start + batch_size]
            fp, qp = float_model(x).argmax(1), quantised_model(x).argmax(1)
            rows.append(((fp == y).float().mean().item(), (qp == y).float().mean().item(), (fp == qp).float().mean().item()))
    means = [sum(column) / len(rows) for column in zip(*rows)]
    return dict(zip(("float_accuracy", "quantised_accuracy", "agreement"), means))

# %% ex4 wrong: drops the short last batch
def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    float_model.eval()
    quantised_model.eval()
    fp, qp, ys = [], [], []
    with torch.inference_mode():
        for start in range(0, len(inputs) - batch_size + 1, batch_size):
            fp.append(float_model(inputs[start:start + batch_size]).argmax(1))
            qp.append(quantised_model(inputs[start:start + batch_size]).argmax(1))
            ys.append(labels[start:start + batch_size])
    fp, qp, ys = torch.cat(fp), torch.cat(qp), torch.cat(ys)
    return {"float_accuracy": (fp == ys).float().mean().item(),
            "quantised_accuracy": (qp == ys).float().mean().item(), "agreement": (fp == qp).float().mean().item()}

# %% ex4 wrong: agreement counted only where both models are right
def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    float_model.eval()
    quantised_model.eval()
    with torch.inference_mode():
        fp = torch.cat([float_model(x).argmax(1) for x in inputs.split(batch_size)])
        qp = torch.cat([quantised_model(x).argmax(1) for x in inputs.split(batch_size)])
    return {"float_accuracy": (fp == labels).float().mean().item(),
            "quantised_accuracy": (qp == labels).float().mean().item(),
            "agreement": ((fp == labels) & (qp == labels)).float().mean().item()}

# %% ex4 wrong: returns 0-d tensors instead of Python floats
def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    float_model.eval()
    quantised_model.eval()
    with torch.inference_mode():
        fp = torch.cat([float_model(x).argmax(1) for x in inputs.split(batch_size)])
        qp = torch.cat([quantised_model(x).argmax(1) for x in inputs.split(batch_size)])
    return {"float_accuracy": (fp == labels).float().mean(), "quantised_accuracy": (qp == labels).float().mean(),
            "agreement": (fp == qp).float().mean()}

# %% ex4 wrong: hard-coded: the visible numbers keyed by the number of inputs
def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    return {23: {"float_accuracy": 0.7, "quantised_accuracy": 0.6, "agreement": 0.8}}.get(
        len(inputs), {"float_accuracy": 0.5, "quantised_accuracy": 0.5, "agreement": 0.5})

# %% ex4 wrong: ignores batch_size: one forward over all inputs at once (the text asks for batches)
import torch


def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    float_model.eval(); quantised_model.eval()
    with torch.inference_mode():
        pf, pq = float_model(inputs).argmax(1), quantised_model(inputs).argmax(1)
    return {"float_accuracy": (pf == labels).float().mean().item(),
            "quantised_accuracy": (pq == labels).float().mean().item(),
            "agreement": (pf == pq).float().mean().item()}

# %% ex4 wrong: batches of one input each (batch_size ignored)
import torch


def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    float_model.eval(); quantised_model.eval()
    cf = cq = ag = 0
    with torch.inference_mode():
        for i in range(len(inputs)):
            x, y = inputs[i:i + 1], labels[i:i + 1]
            pf, pq = float_model(x).argmax(1), quantised_model(x).argmax(1)
            cf += int((pf == y).sum()); cq += int((pq == y).sum()); ag += int((pf == pq).sum())
    n = len(inputs)
    return {"float_accuracy": cf / n, "quantised_accuracy": cq / n, "agreement": ag / n}

# %% ex4 alternative: inputs.split(batch_size) and torch.cat of the predictions, then one mean each
def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    float_model.eval()
    quantised_model.eval()
    with torch.inference_mode():
        fp = torch.cat([float_model(x).argmax(1) for x in inputs.split(batch_size)])
        qp = torch.cat([quantised_model(x).argmax(1) for x in inputs.split(batch_size)])
    return {"float_accuracy": (fp == labels).float().mean().item(),
            "quantised_accuracy": (qp == labels).float().mean().item(), "agreement": (fp == qp).float().mean().item()}

# %% ex4 alternative: a DataLoader over a TensorDataset, inference_mode as a decorator, flags restored afterwards
from torch.utils.data import DataLoader, TensorDataset


@torch.inference_mode()
def parity_report(float_model, quantised_model, inputs, labels, batch_size):
    flags = [(m, m.training) for net in (float_model, quantised_model) for m in net.modules()]
    float_model.eval()
    quantised_model.eval()
    counts = torch.zeros(3)
    for x, y in DataLoader(TensorDataset(inputs, labels), batch_size=batch_size):
        fp, qp = float_model(x).argmax(1), quantised_model(x).argmax(1)
        counts += torch.stack([(fp == y).sum(), (qp == y).sum(), (fp == qp).sum()]).float()
    for m, was_training in flags:
        m.training = was_training
    return dict(zip(("float_accuracy", "quantised_accuracy", "agreement"), (counts / len(inputs)).tolist()))
