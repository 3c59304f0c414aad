"""dglab.graph walks exactly the graph torch recorded, and draws it with either backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from dglab import graph


def _torch_nodes(t: torch.Tensor) -> set[int]:
    """Every node reachable through next_functions, found independently of dglab."""
    seen, stack = set(), [t.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        stack.extend(f for f, _ in fn.next_functions)
    return seen


@pytest.fixture
def mlp() -> tuple[torch.nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    return model, model(torch.randn(5, 4)).sum()


def test_walk_visits_every_node_once(mlp: tuple[torch.nn.Module, torch.Tensor]) -> None:
    model, y = mlp
    nodes = graph.walk(y, model)
    assert {id(n.fn) for n in nodes} == _torch_nodes(y)
    assert len(nodes) == len(_torch_nodes(y))
    leaves = sorted(n.label for n in nodes if n.is_leaf)
    assert leaves == ["0.bias (3)", "0.weight (3, 4)", "2.bias (1)", "2.weight (1, 3)"]
    for node in nodes:
        expected = [id(f) for f, _ in node.fn.next_functions if f is not None]
        assert [id(nodes[i].fn) for i in node.inputs] == expected


def test_shared_subexpression_is_one_node() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = (h * h + h).sum()
    nodes = graph.walk(y, {"x": x})
    assert sum(n.label == "ExpBackward0" for n in nodes) == 1
    assert "(shown above)" in graph.graph_text(y, {"x": x})


def test_saved_tensors_listed_then_freed() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    mul = [n for n in graph.walk(y, {"x": x}) if n.label == "MulBackward0"][0]
    assert mul.saved == {"other": "x (2)", "self": "x (2)"}
    y.backward()
    assert graph.saved_tensors_of(y.grad_fn.next_functions[0][0]) == {
        "other": "<freed by backward>",
        "self": "<freed by backward>",
    }


def test_saved_tensor_named_when_unpacked_as_new_object() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t.detach(), lambda t: t):
        y = (x.exp() * x).sum()
    mul = [n for n in graph.walk(y, {"x": x}) if n.label == "MulBackward0"][0]
    assert mul.saved["other"] == "x (2)"


def test_control_flow_changes_the_graph() -> None:
    def f(x: torch.Tensor) -> torch.Tensor:
        for _ in range(int(x.detach().sum()) % 4):
            x = x * 2
        return x.sum()

    a = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([3.0], requires_grad=True)
    assert len(graph.walk(f(b))) - len(graph.walk(f(a))) == 2


def test_errors_are_clear() -> None:
    with pytest.raises(TypeError, match="needs a torch.Tensor"):
        graph.walk([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="does not require grad"):
        graph.walk(torch.ones(2) * 2)
    with pytest.raises(ValueError, match="it is a leaf"):
        graph.walk(torch.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="names must be"):
        graph.walk(torch.ones(2, requires_grad=True) * 2, names=["x"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"names\['x'\] should be a torch.Tensor"):
        graph.walk(torch.ones(2, requires_grad=True) * 2, names={"x": 3})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="backend must be"):
        graph.draw_graph(torch.ones(2, requires_grad=True) * 2, backend="svg")


def test_print_graph(capsys: pytest.CaptureFixture[str], mlp: tuple[torch.nn.Module, torch.Tensor]) -> None:
    model, y = mlp
    graph.print_graph(y, model)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "SumBackward0"
    assert any("TanhBackward0  saved: result=tensor (5, 3)" in line for line in out)


def test_matplotlib_fallback(mlp: tuple[torch.nn.Module, torch.Tensor], monkeypatch: pytest.MonkeyPatch) -> None:
    model, y = mlp
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)  # as on a machine without graphviz
    fig = graph.draw_graph(y, model)
    assert isinstance(fig, matplotlib.figure.Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("SumBackward0") for t in texts) and any("0.weight" in t for t in texts)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        graph.draw_graph(y, model, backend="graphviz")


@pytest.mark.skipif(not graph.has_dot(), reason="graphviz's dot binary is not installed")
def test_graphviz_renders_svg(mlp: tuple[torch.nn.Module, torch.Tensor]) -> None:
    model, y = mlp
    dot = graph.draw_graph(y, model)
    assert repr(dot) == f"<autograd graph: {len(graph.walk(y))} nodes>"  # no address in notebook output
    svg = dot.pipe(format="svg").decode()
    assert "<svg" in svg and "SumBackward0" in svg and "0.weight" in svg and "result" in svg


def test_node_name_and_show_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    from dglab.graph import NO_GRAPHVIZ_ENV, node_name, show_graph

    x = torch.ones(2, requires_grad=True)
    y = (x * 2).sum()
    assert node_name(y.grad_fn) == "SumBackward0" and node_name(None) == "None"
    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    monkeypatch.setenv(NO_GRAPHVIZ_ENV, "1")   # the matplotlib path, whatever is installed
    show_graph(y, {"x": x})
    assert type(shown[-1]).__name__ == "Figure"
