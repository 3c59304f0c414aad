"""A tiny teaching autograd engine on Python floats, in the spirit of micrograd.

Each operation builds a new :class:`Value` that remembers its parents and a closure that
pushes its gradient back to them; the backward rule sits right beside the forward.
:meth:`Value.backward` visits the graph in a reverse topological order found by depth-first
search: every node runs after all nodes that use it, which is all correctness needs. It is not
PyTorch's order: on one thread torch's engine runs ready nodes by decreasing sequence number
(creation order), so where the graph branches the two may visit siblings in a different order
(Lab 10 compares them). :func:`check_against_torch` runs the same Python function
on tiny values and on float64 torch tensors and compares values and gradients.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Union

import torch

Number = Union[int, float]


class Value:
    """A scalar that records how it was computed, so gradients can flow back to it.

    Args:
        data: the number.
        parents: the values it was computed from (empty for a leaf).
        op: the operation's name, for printing graphs.
        label: an optional name for a leaf.
    """

    def __init__(self, data: Number, parents: Sequence["Value"] = (), op: str = "", label: str = "") -> None:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise TypeError(f"Value holds a Python int or float, got {type(data).__name__}.")
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.op = op
        self.label = label
        self._backward: Callable[[], None] = lambda: None

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def lift(other: "Value | Number") -> "Value":
        """Return ``other`` as a Value (a constant leaf if it is a number)."""
        return other if isinstance(other, Value) else Value(other)

    @staticmethod
    def make(data: float, parents: Sequence["Value"], local_grads: Sequence[float], op: str) -> "Value":
        """Return a new Value whose backward adds ``local_grad * out.grad`` to each parent.

        This is the chain rule in one line, and the way to add an operation of your own:
        compute the forward ``data`` and each parent's local derivative ∂out/∂parent.
        """
        if len(parents) != len(local_grads):
            raise ValueError(f"{op}: {len(parents)} parents but {len(local_grads)} local gradients.")
        out = Value(data, parents, op)

        def backward() -> None:
            for parent, local in zip(parents, local_grads):
                parent.grad += local * out.grad

        out._backward = backward
        return out

    def __add__(self, other: "Value | Number") -> "Value":
        other = Value.lift(other)
        return Value.make(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: "Value | Number") -> "Value":
        other = Value.lift(other)
        return Value.make(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, exponent: Number) -> "Value":
        if not isinstance(exponent, (int, float)):
            raise TypeError("Value ** x supports a constant int or float exponent only.")
        return Value.make(self.data**exponent, (self,), (exponent * self.data ** (exponent - 1),), f"**{exponent}")

    def __neg__(self) -> "Value":
        return Value.make(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other: "Value | Number") -> "Value":
        other = Value.lift(other)
        return Value.make(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other: "Value | Number") -> "Value":
        other = Value.lift(other)
        if other.data == 0:
            raise ZeroDivisionError("Value division by zero.")
        return Value.make(self.data / other.data, (self, other), (1.0 / other.data, -self.data / other.data**2), "/")

    def __radd__(self, other: Number) -> "Value":
        return self + other

    def __rmul__(self, other: Number) -> "Value":
        return self * other

    def __rsub__(self, other: Number) -> "Value":
        return Value.lift(other) - self

    def __rtruediv__(self, other: Number) -> "Value":
        return Value.lift(other) / self

    def exp(self) -> "Value":
        e = math.exp(self.data)
        return Value.make(e, (self,), (e,), "exp")

    def log(self) -> "Value":
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number ({self.data}).")
        return Value.make(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self) -> "Value":
        t = math.tanh(self.data)
        return Value.make(t, (self,), (1.0 - t * t,), "tanh")

    def relu(self) -> "Value":
        return Value.make(max(0.0, self.data), (self,), (1.0 if self.data > 0 else 0.0,), "relu")

    def topological_order(self) -> list["Value"]:
        """Return every value this one depends on, each after all of its parents."""
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:  # iterative DFS, so deep graphs do not hit Python's recursion limit
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if id(p) not in seen)
        return order

    def backward(self) -> None:
        """Fill ``.grad`` of every value this one depends on with d(self)/d(value)."""
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


@dataclass(frozen=True)
class TorchComparison:
    """Values and gradients of one expression from the tiny engine and from torch."""

    tiny_value: float
    torch_value: float
    tiny_grads: tuple[float, ...]
    torch_grads: tuple[float, ...]

    @property
    def max_abs_error(self) -> float:
        pairs = [(self.tiny_value, self.torch_value), *zip(self.tiny_grads, self.torch_grads)]
        return max(abs(a - b) for a, b in pairs)


def check_against_torch(fn: Callable[..., object], *inputs: Number, atol: float = 1e-9) -> TorchComparison:
    """Run ``fn`` on tiny Values and on float64 torch scalars; compare value and gradients.

    ``fn`` must use only what both support: ``+ - * / **`` and ``.exp() .log() .tanh() .relu()``.

    Args:
        fn: a function of scalars returning a scalar.
        *inputs: the numbers to evaluate it at.
        atol: the largest allowed absolute difference.

    Returns:
        A :class:`TorchComparison`.

    Raises:
        AssertionError: naming the value or the input whose gradient differs.
    """
    if not inputs:
        raise ValueError("check_against_torch needs at least one input number.")
    tiny_in = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    tiny_out = fn(*tiny_in)
    if not isinstance(tiny_out, Value):
        raise TypeError(f"fn must return a Value when given Values, got {type(tiny_out).__name__}.")
    tiny_out.backward()
    torch_in = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in inputs]
    torch_out = fn(*torch_in)
    torch_out.backward()
    result = TorchComparison(
        tiny_out.data,
        torch_out.item(),
        tuple(v.grad for v in tiny_in),
        tuple(0.0 if t.grad is None else t.grad.item() for t in torch_in),
    )
    if abs(result.tiny_value - result.torch_value) > atol:
        raise AssertionError(f"forward values differ: tiny {result.tiny_value:.10g} vs torch {result.torch_value:.10g}.")
    for i, (a, b) in enumerate(zip(result.tiny_grads, result.torch_grads)):
        if abs(a - b) > atol:
            raise AssertionError(f"gradient for input {i} differs: tiny {a:.10g} vs torch {b:.10g}.")
    return result
