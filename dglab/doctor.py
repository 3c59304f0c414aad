"""``dglab doctor``: tell a student in a few lines what their machine supports."""

from __future__ import annotations

import importlib.util
import platform
import shutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was checked, whether it is there, what to do if not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _torch() -> Finding:
    if importlib.util.find_spec("torch") is None:
        return Finding("torch", False, "not installed", "pip install torch==2.13.0 (or run `make lab`)")
    import torch

    return Finding("torch", True, f"{torch.__version__} on Python {platform.python_version()}")


def _device() -> Finding:
    from dglab.profiling import pick_device

    device = pick_device()
    if device.type == "cuda":
        import torch

        return Finding("device", True, f"cuda: {torch.cuda.get_device_name(0)}")
    if device.type == "mps":
        return Finding("device", True, "mps (Apple GPU)")
    return Finding("device", True, "cpu only: every lab runs; GPU-only cells explain themselves and skip")


def _graphviz() -> Finding:
    if shutil.which("dot"):
        return Finding("graphviz", True, "dot found: graphs are drawn with graphviz")
    return Finding("graphviz", False, "no `dot` program: graphs are drawn with matplotlib instead",
                   "apt-get install graphviz / brew install graphviz / conda install graphviz")


def _compile() -> Finding:
    import torch

    if shutil.which("cc") is None and shutil.which("gcc") is None and shutil.which("clang") is None:
        return Finding("torch.compile", False, "no C compiler: torch.compile cannot build kernels on the CPU",
                       "install a C compiler (apt-get install gcc / xcode-select --install)")
    try:
        compiled = torch.compile(lambda x: x * 2 + 1, backend="eager")
        compiled(torch.ones(2))
    except Exception as error:  # any failure means the feature is unusable here
        return Finding("torch.compile", False, f"fails: {type(error).__name__}", "see lab 04 and lab 18")
    return Finding("torch.compile", True, "available (C compiler found)")


def _widgets() -> Finding:
    if importlib.util.find_spec("ipywidgets") is None:
        return Finding("widgets", False, "ipywidgets missing: sliders will not show", "pip install ipywidgets")
    if importlib.util.find_spec("jupyterlab_widgets") is None:
        return Finding("widgets", False, "ipywidgets found but no JupyterLab front-end", "pip install jupyterlab_widgets")
    return Finding("widgets", True, "ipywidgets and the JupyterLab front-end are installed")


def diagnose() -> list[Finding]:
    """Return what this machine supports for the course, one finding per feature."""
    torch_finding = _torch()
    if not torch_finding.ok:
        return [torch_finding]
    return [torch_finding, _device(), _graphviz(), _compile(), _widgets()]


def report(findings: list[Finding]) -> str:
    """Format findings as a few lines a student can act on."""
    lines = []
    for f in findings:
        lines.append(f"[{'ok' if f.ok else '--'}] {f.name:14s} {f.detail}")
        if not f.ok and f.fix:
            lines.append(f"     {'':14s} to fix: {f.fix}")
    return "\n".join(lines)
