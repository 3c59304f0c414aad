"""Build the course site: every lab rendered with its executed outputs, readable offline.

Sphinx with myst-nb does the work. This module only stages its input: ``site/conf.py`` and
``site/_static/`` from the repository, the chosen ``labs/*.ipynb`` (the student copies, so no
answer or hidden test can reach a page), and a landing page made from the README's lab table.
myst-nb executes each lab once and caches it (jupyter-cache), so a rebuild re-runs only the labs
whose code changed.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SITE_DIR = "site"
DEFAULT_OUT = Path(SITE_DIR) / "_build"
# Markers that only solutions carry; a page must never show them.
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")
SITE_PACKAGES = ("sphinx", "myst_nb", "sphinx_book_theme")
_ROW = re.compile(r"^\|\s*(\d{2})\s*\|\s*(.+?)\s*\|\s*(.+?)\s*\|\s*$")
_LINK = re.compile(r"^\[(.+)\]\((labs/[^)]+\.ipynb)\)$")


class SiteError(Exception):
    """The site cannot be built; the message says why and what to do."""


@dataclass(frozen=True)
class LabRow:
    """One row of the README's lab table."""

    number: str
    title: str
    summary: str
    notebook: str | None  # "labs/NN_name.ipynb" once the lab is written, else None


@dataclass(frozen=True)
class SiteBuild:
    """Where a build put its pages, which labs it rendered, and how long it took."""

    html: Path
    labs: list[str]
    seconds: float


def read_lab_table(readme: str) -> list[LabRow]:
    """Return the rows of the README's lab table (``| NN | title or [title](labs/…) | summary |``).

    Args:
        readme: the text of README.md.

    Returns:
        The rows in order; a row whose title is not a link is a planned lab.
    """
    rows = []
    for line in readme.splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        number, title, summary = match.groups()
        link = _LINK.match(title)
        rows.append(LabRow(number, link.group(1) if link else title, summary, link.group(2) if link else None))
    if not rows:
        raise SiteError("README.md has no lab table (rows like `| 01 | [title](labs/01_x.ipynb) | what you do |`).")
    return rows


def readme_intro(readme: str) -> str:
    """Return the README's opening paragraphs: the text between its title and first section."""
    body = readme.split("\n## ", 1)[0]
    return body.split("\n", 1)[1].strip() if body.startswith("# ") else body.strip()


def landing_page(readme: str, rendered: list[str]) -> str:
    """Return the MyST source of the landing page: the README's intro, the lab table, the toctree.

    Args:
        readme: the text of README.md.
        rendered: file stems of the labs in this build (e.g. ``01_graph_built_as_code_runs``).

    Returns:
        Markdown in which rendered labs link to their pages, written labs left out of this build
        say so, and labs not written yet are listed as planned.
    """
    lines = [
        "# dglab — PyTorch's dynamic computational graph, hands on",
        "",
        readme_intro(readme),
        "",
        "These pages show each lab as a student first opens it, run once on a 2-core CPU: drawings,",
        "plots and measured numbers are real outputs; exercise cells still hold their stub (they raise",
        "`NotImplementedError`) and their check cells say **NOT YET**. To do the labs, clone the",
        "repository and run `make lab`.",
        "",
        "## The labs",
        "",
        "| # | lab | what you do |",
        "|---|---|---|",
    ]
    for row in read_lab_table(readme):
        stem = Path(row.notebook).stem if row.notebook else None
        if stem in rendered:
            title = f"[{row.title}]({stem}.ipynb)"
        elif row.notebook:
            title = f"{row.title} *(not in this build)*"
        else:
            title = f"{row.title} *(planned)*"
        lines.append(f"| {row.number} | {title} | {row.summary} |")
    lines += ["", "```{toctree}", ":hidden:", ":caption: Labs", ":maxdepth: 1", "", *rendered, "```", ""]
    return "\n".join(lines)


def choose_labs(root: Path, only: list[str] | None = None) -> list[Path]:
    """Return the lab notebooks to render: all of ``labs/``, or those numbered in ``only``.

    Raises:
        SiteError: a requested number has no lab, or ``labs/`` is empty.
    """
    labs = sorted((root / "labs").glob("[0-9][0-9]_*.ipynb"))
    if not labs:
        raise SiteError(f"no notebooks in {root / 'labs'}; run `dglab build` first.")
    if not only:
        return labs
    wanted = [n.zfill(2) for n in only]
    missing = [n for n in wanted if not any(p.name.startswith(f"{n}_") for p in labs)]
    if missing:
        raise SiteError(f"no lab numbered {', '.join(missing)} in {root / 'labs'}.")
    return [p for p in labs if p.name[:2] in wanted]


def refuse_solutions(notebooks: list[Path]) -> None:
    """Raise SiteError if a notebook still holds an answer or hidden tests (a lab, not a solution, must be rendered)."""
    for path in notebooks:
        text = path.read_text(encoding="utf-8")
        found = [m for m in SOLUTION_MARKERS if m in text]
        if found:
            raise SiteError(f"{path} contains {found[0]!r}: the site renders labs/, never solutions.")


def stage(root: Path, notebooks: list[Path], source: Path) -> None:
    """Fill ``source`` (emptied first) with the Sphinx config, static files, landing page and labs."""
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(root / SITE_DIR, source, ignore=shutil.ignore_patterns("_build", "__pycache__"))
    for path in notebooks:
        shutil.copy2(path, source / path.name)
    readme = (root / "README.md").read_text(encoding="utf-8")
    (source / "index.md").write_text(landing_page(readme, [p.stem for p in notebooks]), encoding="utf-8")


def sphinx_command(source: Path, html: Path, cache: Path) -> list[str]:
    """Return the sphinx-build command line: warnings are errors, nothing is taken from an old build."""
    return [
        # python -m sphinx, started 2.5 s quicker (dglab/startup.py)
        sys.executable, "-m", "dglab.startup", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-E",
        "-D", f"nb_execution_cache_path={cache}", str(source), str(html),
    ]


def require_site_tools() -> None:
    """Raise SiteError naming the install command when Sphinx, myst-nb or the theme is missing."""
    missing = [name for name in SITE_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise SiteError(f"{', '.join(missing)} not installed: run `pip install -e '.[dev]'` (or `make site`).")


def build_site(root: Path, only: list[str] | None = None, out: Path | None = None, fresh: bool = False) -> SiteBuild:
    """Render the labs into ``out/html`` (default ``site/_build/html``) and return where and how long.

    Args:
        root: the course repository.
        only: lab numbers to render (default: every lab in ``labs/``).
        out: the build folder; ``out/source`` is staged, ``out/.jupyter_cache`` keeps executed labs.
        fresh: forget executed labs first. The cache notices a changed code cell, not a changed
            ``dglab`` package, so use this after changing what the labs import.

    Raises:
        SiteError: the site tools are missing, a lab is missing or holds answers, or Sphinx failed (its output is in the message).
    """
    require_site_tools()
    out = (out or root / DEFAULT_OUT).resolve()
    notebooks = choose_labs(root, only)
    refuse_solutions(notebooks)
    source, html, cache = out / "source", out / "html", out / ".jupyter_cache"
    if fresh and cache.exists():
        shutil.rmtree(cache)
    stage(root, notebooks, source)
    if html.exists():
        shutil.rmtree(html)
    env = dict(os.environ)
    # The kernels and the Sphinx extension import this very dglab, wherever it is installed.
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    start = time.perf_counter()
    done = subprocess.run(
        sphinx_command(source, html, cache), cwd=source, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SiteError(f"sphinx-build failed (exit {done.returncode}):\n{(done.stdout + done.stderr)[-6000:]}")
    return SiteBuild(html / "index.html", [p.stem for p in notebooks], seconds)
