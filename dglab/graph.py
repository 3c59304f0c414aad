"""Walk, print and draw the autograd graph behind a tensor.

The graph is the chain of ``grad_fn`` nodes that autograd recorded while the forward
code ran. :func:`walk` turns it into a list of :class:`Node`; :func:`graph_text` prints it
as an indented tree; :func:`draw_graph` draws it with graphviz when the ``dot`` binary
exists and with matplotlib otherwise, so a notebook never fails for lack of graphviz.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

LEAF_COLOR = "#cfe2f3"
OP_COLOR = "#e6e6e6"
ROOT_COLOR = "#ffe599"
SAVED_COLOR = "#f9cb9c"


@dataclass
class Node:
    """One node of an autograd graph.

    Attributes:
        fn: the autograd node object (``tensor.grad_fn`` or an ``AccumulateGrad``).
        label: ``"MulBackward0"`` for an operation, ``"x (2, 3)"`` for a leaf.
        is_leaf: whether the node accumulates into a leaf tensor's ``.grad``.
        saved: what the node saved for backward: attribute name → description.
        inputs: indices (into the list :func:`walk` returns) of the nodes it sends gradients to.
    """

    fn: Any
    label: str
    is_leaf: bool
    saved: dict[str, str] = field(default_factory=dict)
    inputs: list[int] = field(default_factory=list)


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(d) for d in t.shape) + ")"


def _view_key(t: torch.Tensor) -> tuple:
    """Identify a tensor by what it views: a saved tensor may come back as a new Python object."""
    return (str(t.device), t.untyped_storage().data_ptr(), tuple(t.shape), t.stride(), t.storage_offset())


def _names_by_id(names: Mapping[str, torch.Tensor] | torch.nn.Module | None) -> dict[object, str]:
    """Map each named tensor (by ``id`` and by the memory it views) to its display name."""
    if names is None:
        return {}
    if isinstance(names, torch.nn.Module):
        names = dict(names.named_parameters())
    if not isinstance(names, Mapping):
        raise TypeError(f"names must be a dict of name -> tensor or an nn.Module, got {type(names).__name__}.")
    out: dict[object, str] = {}
    for name, t in names.items():
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"names[{name!r}] should be a torch.Tensor, got {type(t).__name__}.")
        out[id(t)] = name
        out[_view_key(t)] = name
    return out


def _name_of(t: torch.Tensor, names: dict[object, str]) -> str | None:
    return names.get(id(t)) or names.get(_view_key(t))


def saved_tensors_of(fn: Any, names: dict[object, str] | None = None) -> dict[str, str]:
    """Return the tensors an autograd node saved for backward, from its ``_saved_*`` attributes.

    Non-tensor attributes (sizes, strides, scalars) are left out; a tensor freed by an
    earlier ``backward()`` shows as ``<freed by backward>``.
    """
    names = names or {}
    out: dict[str, str] = {}
    for attr in dir(fn):
        if not attr.startswith("_saved_"):
            continue
        try:
            value = getattr(fn, attr)
        except RuntimeError:  # "Trying to backward through the graph a second time ..."
            out[attr[len("_saved_"):]] = "<freed by backward>"
            continue
        if isinstance(value, torch.Tensor):
            name = _name_of(value, names)
            out[attr[len("_saved_"):]] = f"{name} {_shape(value)}" if name else f"tensor {_shape(value)}"
    return out


def walk(tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | torch.nn.Module | None = None) -> list[Node]:
    """Return the autograd graph behind ``tensor``, root first, each node once.

    Args:
        tensor: the output whose history to walk; it must have a ``grad_fn``.
        names: display names for leaves: a dict of name → tensor, or a module.

    Returns:
        The nodes in depth-first order from the root; ``Node.inputs`` index into this list.
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"walk() needs a torch.Tensor, got {type(tensor).__name__}.")
    if tensor.grad_fn is None:
        why = "it is a leaf" if tensor.requires_grad else "it does not require grad (no graph was recorded)"
        raise ValueError(f"this tensor has no grad_fn, so there is no graph behind it: {why}.")
    by_id = _names_by_id(names)
    nodes: list[Node] = []
    index: dict[int, int] = {}

    def visit(fn: Any) -> int:
        key = id(fn)
        if key in index:
            return index[key]
        variable = getattr(fn, "variable", None)
        if variable is not None:
            label = f"{_name_of(variable, by_id) or 'leaf'} {_shape(variable)}"
            node = Node(fn, label, True)
        else:
            node = Node(fn, type(fn).__name__, False, saved_tensors_of(fn, by_id))
        index[key] = len(nodes)
        nodes.append(node)
        for child, _ in fn.next_functions:
            if child is not None:
                node.inputs.append(visit(child))
        return index[key]

    visit(tensor.grad_fn)
    return nodes


def graph_text(tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | torch.nn.Module | None = None) -> str:
    """Return the graph behind ``tensor`` as an indented tree, root first."""
    nodes = walk(tensor, names)
    lines: list[str] = []
    shown: set[int] = set()

    def emit(i: int, depth: int) -> None:
        node = nodes[i]
        pad = "    " * depth
        if i in shown and node.inputs:
            lines.append(f"{pad}{node.label}  (shown above)")
            return
        shown.add(i)
        saved = ", ".join(f"{k}={v}" for k, v in node.saved.items())
        lines.append(f"{pad}{node.label}" + (f"  saved: {saved}" if saved else ""))
        for j in node.inputs:
            emit(j, depth + 1)

    emit(0, 0)
    return "\n".join(lines)


def print_graph(tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | torch.nn.Module | None = None) -> None:
    """Print the graph behind ``tensor`` as an indented tree."""
    print(graph_text(tensor, names))


NO_GRAPHVIZ_ENV = "DGLAB_NO_GRAPHVIZ"


def node_name(fn: Any) -> str:
    """Return the class name of an autograd node, or ``"None"`` (its repr holds a memory address)."""
    return "None" if fn is None else type(fn).__name__


def has_dot() -> bool:
    """Return whether graphviz's ``dot`` binary is on the PATH (and not switched off for a test run)."""
    return shutil.which("dot") is not None and not os.environ.get(NO_GRAPHVIZ_ENV)


def to_graphviz(nodes: list[Node], show_saved: bool = True) -> Any:
    """Return a ``graphviz.Digraph`` of walked nodes (leaves at the top, root at the bottom)."""
    import graphviz

    class AutogradDigraph(graphviz.Digraph):
        """A Digraph whose text form has no memory address, so notebook output is stable."""

        def __repr__(self) -> str:
            return f"<autograd graph: {len(nodes)} nodes>"

    dot = AutogradDigraph(graph_attr={"rankdir": "TB"}, node_attr={"shape": "box", "style": "filled", "fontsize": "11"})
    for i, node in enumerate(nodes):
        color = ROOT_COLOR if i == 0 else LEAF_COLOR if node.is_leaf else OP_COLOR
        dot.node(str(i), node.label, fillcolor=color)
        for j in node.inputs:
            dot.edge(str(j), str(i))
        if show_saved:
            for k, (attr, desc) in enumerate(node.saved.items()):
                dot.node(f"{i}s{k}", f"{attr}\n{desc}", fillcolor=SAVED_COLOR, fontsize="9")
                dot.edge(f"{i}s{k}", str(i), style="dashed", arrowhead="none")
    return dot


def _layers(nodes: list[Node]) -> list[int]:
    """Return each node's distance from the root along the longest path."""
    depth = [0] * len(nodes)
    changed = True
    while changed:  # a DAG, so this settles after at most len(nodes) passes
        changed = False
        for k, node in enumerate(nodes):
            for j in node.inputs:
                if depth[j] < depth[k] + 1:
                    depth[j] = depth[k] + 1
                    changed = True
    return depth


def to_matplotlib(nodes: list[Node], show_saved: bool = True, ax: Any = None) -> Any:
    """Draw walked nodes with matplotlib (no graphviz needed); return the figure."""
    import matplotlib.pyplot as plt

    depth = _layers(nodes)
    top = max(depth)
    rows: dict[int, list[int]] = {}
    for i, d in enumerate(depth):
        rows.setdefault(d, []).append(i)
    width = max(len(r) for r in rows.values())
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(2.6 * width + 1, 16), 1.1 * (top + 1) + 0.6))
    else:
        fig = ax.figure
    pos: dict[int, tuple[float, float]] = {}
    for d, members in rows.items():
        for k, i in enumerate(members):
            pos[i] = ((k + 1) / (len(members) + 1), (d + 0.5) / (top + 1))
    for i, node in enumerate(nodes):
        for j in node.inputs:
            ax.annotate("", xy=pos[i], xytext=pos[j], arrowprops={"arrowstyle": "->", "color": "0.4", "shrinkA": 14, "shrinkB": 14})
    for i, node in enumerate(nodes):
        color = ROOT_COLOR if i == 0 else LEAF_COLOR if node.is_leaf else OP_COLOR
        text = node.label
        if show_saved and node.saved:
            text += "\nsaved: " + ", ".join(node.saved)
        ax.text(*pos[i], text, ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round", "facecolor": color, "edgecolor": "0.3"})
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    return fig


def draw_graph(
    tensor: torch.Tensor,
    names: Mapping[str, torch.Tensor] | torch.nn.Module | None = None,
    show_saved: bool = True,
    backend: str = "auto",
) -> Any:
    """Draw the graph behind ``tensor``: graphviz if ``dot`` is installed, else matplotlib.

    Args:
        tensor: the output whose graph to draw.
        names: display names for leaves: a dict of name → tensor, or a module.
        show_saved: also draw what each node saved for backward.
        backend: ``"auto"``, ``"graphviz"`` or ``"matplotlib"``.

    Returns:
        A ``graphviz.Digraph`` (shown as SVG in Jupyter) or a matplotlib ``Figure``.
    """
    if backend not in ("auto", "graphviz", "matplotlib"):
        raise ValueError(f"backend must be 'auto', 'graphviz' or 'matplotlib', got {backend!r}.")
    if backend == "graphviz" and not has_dot():
        raise RuntimeError("backend='graphviz' needs graphviz's 'dot' program: install it (apt-get install graphviz, brew install graphviz or conda install graphviz), or use backend='matplotlib'.")
    nodes = walk(tensor, names)
    if backend == "graphviz" or (backend == "auto" and has_dot()):
        return to_graphviz(nodes, show_saved)
    return to_matplotlib(nodes, show_saved)


def show_graph(
    tensor: torch.Tensor,
    names: Mapping[str, torch.Tensor] | torch.nn.Module | None = None,
    show_saved: bool = True,
    backend: str = "auto",
) -> None:
    """Draw the graph behind ``tensor`` (see :func:`draw_graph`) and display it in the notebook.

    A graphviz drawing is shown as SVG only and a matplotlib figure as an image, so the cell's
    text output holds no object repr (and no memory address): it is the same on every run.
    """
    from IPython.display import SVG, display

    drawing = draw_graph(tensor, names, show_saved, backend)
    if hasattr(drawing, "pipe"):
        display(SVG(drawing.pipe(format="svg", encoding="utf-8")))
    else:
        import matplotlib.pyplot as plt

        display(drawing)
        plt.close(drawing)
