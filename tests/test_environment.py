"""The pip route (pyproject.toml) and the conda route (environment.yml) pin the same versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)==([^\s;]+)\s*", line)
        assert match, f"not an exact pin: {line!r}"
        pins[match.group(1).lower()] = match.group(2)
    return pins


def test_pip_and_conda_lists_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = _pins(project["dependencies"] + project["optional-dependencies"]["dev"])
    text = (ROOT / "environment.yml").read_text()
    conda_pip = re.findall(r"^\s+- ([A-Za-z0-9_.\-]+==\S+)\s*$", text, flags=re.M)
    assert _pins(conda_pip) == pip
    assert re.search(r"^\s+- python=3\.11\s*$", text, flags=re.M)


def test_torch_is_pinned_to_the_cpu_build() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "torch==2.13.0" in project["dependencies"]
