"""The tiny engine's values and gradients equal torch's on the same expressions."""

from __future__ import annotations

import math

import pytest
import torch

from dglab.tiny import Value, check_against_torch

EXPRESSIONS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**3 + b**0.5,
    "exp": lambda a, b: (a * b).exp(),
    "log": lambda a, b: (a * a + b).log(),
    "tanh": lambda a, b: (a - b).tanh(),
    "relu": lambda a, b: (a - b).relu() + (b - a).relu() * 2,
    "reuse": lambda a, b: a * a * a + a * b,  # a value used many times accumulates gradients
    "constants": lambda a, b: 2 - a / 3 + 1 / b - 4 * b,
    "mlp-ish": lambda a, b: ((a * 0.5 + b * -1.5 + 0.1).tanh() * 2.0 + (a * b).relu()).exp().log(),
}


@pytest.mark.parametrize("name", EXPRESSIONS)
@pytest.mark.parametrize("inputs", [(0.7, 1.3), (-1.1, 2.5), (2.0, 0.25)])
def test_matches_torch(name: str, inputs: tuple[float, float]) -> None:
    result = check_against_torch(EXPRESSIONS[name], *inputs)
    assert result.max_abs_error < 1e-9


def test_backward_resets_and_orders() -> None:
    a = Value(2.0, label="a")
    b = a * a
    c = b + a
    c.backward()
    assert a.grad == pytest.approx(5.0)
    c.backward()  # a second backward recomputes, it does not accumulate
    assert a.grad == pytest.approx(5.0)
    order = c.topological_order()
    assert order.index(a) < order.index(b) < order.index(c)


def test_deep_graph_does_not_recurse() -> None:
    x = Value(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000)


def test_make_adds_a_new_op() -> None:
    def sigmoid(v: Value) -> Value:
        s = 1 / (1 + math.exp(-v.data))
        return Value.make(s, (v,), (s * (1 - s),), "sigmoid")

    x = Value(0.3)
    sigmoid(x).backward()
    t = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(t).backward()
    assert x.grad == pytest.approx(t.grad.item())


def test_wrong_rule_is_caught() -> None:
    class Bad(Value):
        def tanh(self) -> Value:
            t = math.tanh(self.data)
            return Value.make(t, (self,), (1.0 - t,), "tanh")  # wrong derivative

    with pytest.raises(AssertionError, match="gradient for input 0 differs"):
        check_against_torch(lambda a: Bad(a.data).tanh() if isinstance(a, Value) else a.tanh(), 0.5)


def test_bad_input_errors() -> None:
    with pytest.raises(TypeError, match="int or float"):
        Value("3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="constant int or float exponent"):
        Value(2.0) ** Value(3.0)  # type: ignore[operator]
    with pytest.raises(ValueError, match="non-positive"):
        Value(-1.0).log()
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0
    with pytest.raises(ValueError, match="at least one input"):
        check_against_torch(lambda: Value(1.0))
    with pytest.raises(ValueError, match="2 parents but 1"):
        Value.make(1.0, (Value(1.0), Value(2.0)), (1.0,), "bad")
