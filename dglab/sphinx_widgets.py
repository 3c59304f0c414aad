"""A Sphinx extension that shows an ipywidgets cell on a static page as it was first drawn.

A slider needs a kernel to do anything, and the usual way to show widgets on a page (a widget
manager loaded from a CDN) needs the network. myst-nb keeps the widgets' saved state; this
extension replaces each widget view with plain HTML made from that state: one line naming the
controls and their values ("loop count = 3, from 0 to 6"), then what the widget's output area
held (text, SVG or PNG drawings), so the page shows what a student sees before touching it.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

VIEW_MIME = "application/vnd.jupyter.widget-view+json"
STATE_KEY = "ipywidgets_state"
_MODEL_REF = "IPY_MODEL_"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)


def describe_control(model: dict[str, Any]) -> str | None:
    """Return ``"label = value (range)"`` for a control model, or None for a box, output or style.

    Args:
        model: one entry of the widget state (``model_name`` and ``state``).

    Returns:
        A short plain-text description, or None when the model is not a control.
    """
    state, name = model.get("state", {}), model.get("model_name", "")
    label = state.get("description") or name.removesuffix("Model")
    if "_options_labels" in state and state.get("index") is not None:
        options = state["_options_labels"]
        index = state["index"]
        chosen = ", ".join(options[i] for i in index) if isinstance(index, list) else options[index]
        return f"{label} = {chosen} (one of: {', '.join(options)})"
    if "value" not in state or name in {"OutputModel", "LabelModel", "HTMLModel", "HTMLMathModel"}:
        return None
    value = state["value"]
    if "min" in state and "max" in state:
        return f"{label} = {value} (from {state['min']} to {state['max']})"
    return f"{label} = {value}"


def _children(model: dict[str, Any]) -> list[str]:
    """Model ids a box model contains, in order."""
    refs = model.get("state", {}).get("children", [])
    return [r.removeprefix(_MODEL_REF) for r in refs if isinstance(r, str) and r.startswith(_MODEL_REF)]


def walk(state: dict[str, Any], model_id: str) -> list[dict[str, Any]]:
    """Return the models of a widget tree, depth first, starting at ``model_id`` (unknown ids skipped)."""
    found, todo, seen = [], [model_id], set()
    while todo:
        current = todo.pop(0)
        if current in seen or current not in state:
            continue
        seen.add(current)
        model = state[current]
        found.append(model)
        todo[0:0] = _children(model)
    return found


def output_html(output: dict[str, Any]) -> str:
    """Return static HTML for one saved notebook output (stream, display data, error)."""
    kind = output.get("output_type")
    if kind == "stream":
        return f'<pre class="dglab-widget-text">{html.escape(output.get("text", ""))}</pre>'
    if kind == "error":
        trace = _ANSI.sub("", "\n".join(output.get("traceback", [])))
        return f'<pre class="dglab-widget-text">{html.escape(trace)}</pre>'
    data = output.get("data", {})
    if "image/svg+xml" in data:
        return f'<div class="dglab-widget-svg">{_XML_PROLOG.sub("", data["image/svg+xml"])}</div>'
    if "image/png" in data:
        return f'<img alt="widget output" src="data:image/png;base64,{data["image/png"].strip()}">'
    if "text/plain" in data:
        return f'<pre class="dglab-widget-text">{html.escape(data["text/plain"])}</pre>'
    return ""


def static_widget(state: dict[str, Any], model_id: str) -> str:
    """Return the HTML that stands for widget ``model_id`` on a static page."""
    models = walk(state, model_id)
    controls = [d for d in (describe_control(m) for m in models) if d]
    outputs = [o for m in models if m.get("model_name") == "OutputModel" for o in m["state"].get("outputs", [])]
    what = "; ".join(html.escape(c) for c in controls) or "a widget"
    note = f'<p class="dglab-widget-note">Interactive in JupyterLab, shown here as first drawn: {what}.</p>'
    return '<div class="dglab-widget">' + note + "".join(output_html(o) for o in outputs) + "</div>"


def take_saved_state(app: Sphinx, docname: str) -> dict[str, Any]:
    """Remove and return the widget state myst-nb saved for ``docname`` ({} when it has none).

    Taken out, it is not written into the page: the static HTML already stands for it.
    """
    from myst_nb.sphinx_ import NbMetadataCollector

    entry = NbMetadataCollector.get_js_files(app.env, docname).pop(STATE_KEY, None)
    return json.loads(entry[1]["body"]).get("state", {}) if entry else {}


def replace_widget_views(app: Sphinx, doctree: nodes.document) -> None:
    """Swap each widget-view script on the page for its static HTML."""
    state = take_saved_state(app, app.env.docname)
    for node in [n for n in doctree.findall(nodes.raw) if VIEW_MIME in n.astext()]:
        body = node.astext().split(">", 1)[1].rsplit("</script>", 1)[0]
        view = json.loads(body)
        view = json.loads(view) if isinstance(view, str) else view  # myst-nb writes it JSON-encoded twice
        node.replace_self(nodes.raw("", static_widget(state, view["model_id"]), format="html"))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the doctree hook with Sphinx."""
    app.connect("doctree-read", replace_widget_views)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
