"""Small data sets shipped inside the package, so no lab downloads anything."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_file(name: str) -> Path:
    """Return the path of a file shipped in ``dglab/data`` (raises if there is none)."""
    path = Path(str(resources.files("dglab") / "data" / name))
    if not path.is_file():
        shipped = sorted(p.name for p in path.parent.iterdir() if p.is_file())
        raise FileNotFoundError(f"dglab ships no data file {name!r}; it has: {', '.join(shipped) or 'none'}.")
    return path
