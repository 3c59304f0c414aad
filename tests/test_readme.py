"""The README links every lab that exists, and every link points at a file."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_links_resolve() -> None:
    targets = re.findall(r"\]\(([^)#:]+)\)", README)
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_every_lab_is_linked() -> None:
    linked = set(re.findall(r"\]\(labs/([^)]+\.ipynb)\)", README))
    labs = {p.name for p in (ROOT / "labs").glob("*.ipynb")}
    assert labs <= linked, f"labs not in the README's table: {sorted(labs - linked)}"


def test_two_commands_are_documented() -> None:
    assert "make lab" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
