"""Intake: find the submissions, name them, read each one's bytes once and sort out the bad ones.

Nothing here writes to a submission. Symbolic links and anything that is not a regular file
are refused with a row of their own; a file is opened without following links and read once.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import nbformat

from dglab.grade.results import INVALID, NOT_A_NOTEBOOK, OK, REFUSED, GradeError
from dglab.grade.spec import LabSpec, norm, title_number

MAX_BYTES = 100 * 2**20  # a submission bigger than this is not read
MAX_NAME_DEPTH = 20  # parent folders added to tell apart files of the same name


@dataclass
class Submission:
    """One file to grade, the name it is known by, and why it is refused (if it is)."""

    path: Path
    student: str
    refused: str = ""  # a reason when the file is a link or not a regular file


def _refusal(path: Path) -> str:
    """Why ``path`` is no submission we read ('' when it is a regular file)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as error:
        return f"cannot read it: {error.strerror or error}"
    if stat.S_ISLNK(mode):
        return "a symbolic link; submit the file itself"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return ""


def _walk(folder: Path, excluded: list[Path]) -> list[Path]:
    """Every entry under ``folder`` to grade: files, links, other non-folders; hidden names skipped."""
    found: list[Path] = []
    for here, dirs, files in os.walk(folder, followlinks=False):
        base = Path(here)
        keep = []
        for name in sorted(dirs):
            if name.startswith(".") or name == "__pycache__":
                continue
            if (base / name).is_symlink():
                found.append(base / name)  # refused later: a link to a folder
            else:
                keep.append(name)
        dirs[:] = keep
        for name in sorted(files):
            if not name.startswith("."):
                found.append(base / name)
    return [p for p in found if not any(_within(p, e) for e in excluded)]


def _within(path: Path, folder: Path) -> bool:
    try:
        resolved = path.parent.resolve() / path.name
    except (OSError, RuntimeError):
        return False
    return resolved == folder or folder in resolved.parents


def _unique_names(paths: list[Path]) -> dict[Path, str]:
    """Name each file by its file name; where two share one, add parent folders until they differ."""
    names = {p: p.name for p in paths}
    for depth in range(1, MAX_NAME_DEPTH + 1):
        counts: dict[str, int] = {}
        for name in names.values():
            counts[name] = counts.get(name, 0) + 1
        clashes = [p for p in paths if counts[names[p]] > 1]
        if not clashes:
            return names
        for p in clashes:
            names[p] = "/".join(p.absolute().parts[-(depth + 1) :])
    taken: set[str] = set()
    for p in paths:  # still equal after MAX_NAME_DEPTH folders: use the whole path
        if names[p] in taken:
            names[p] = str(p.absolute())
        taken.add(names[p])
    return names


def collect(paths: list[Path], exclude: list[Path]) -> list[Submission]:
    """Expand folders (recursively, skipping hidden names) into submissions, sorted by name.

    Raises:
        GradeError: a path that does not exist.
    """
    excluded = [p.resolve() for p in exclude]
    found: list[Path] = []
    for path in paths:
        if not os.path.lexists(path):
            raise GradeError(f"{path}: no such file or folder.")
        if path.is_dir():  # a folder named on the command line may itself be a link
            found.extend(_walk(path, excluded))
        else:
            found.append(path)
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        key = path.parent.resolve() / path.name  # the link itself, not its target
        if key not in seen:
            seen.add(key)
            unique.append(path)
    names = _unique_names(unique)
    subs = [Submission(p, names[p], _refusal(p)) for p in unique]
    return sorted(subs, key=lambda s: s.student)


def read_bytes(path: Path) -> tuple[bytes | None, str]:
    """Read a regular file once, without following a link: (bytes, '') or (None, why not)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        return None, "a symbolic link; submit the file itself" if os.path.islink(path) else f"cannot read it: {error.strerror or error}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > MAX_BYTES:
            return None, f"the file is {info.st_size / 2**20:.0f} MiB, more than a notebook should be"
        chunks, size = [], 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, 2**20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_BYTES:
            return None, "the file grew past the size limit while it was read"
        return b"".join(chunks), ""
    except OSError as error:
        return None, f"cannot read it: {error.strerror or error}"
    finally:
        os.close(fd)


def _valid_cells(nb: nbformat.NotebookNode) -> bool:
    cells = nb.get("cells")
    return isinstance(cells, list) and all(
        isinstance(c, dict) and c.get("cell_type") in ("code", "markdown", "raw") and isinstance(c.get("source"), str) for c in cells
    )


def parse_notebook(name: str, data: bytes) -> tuple[nbformat.NotebookNode | None, str, str]:
    """Decide what a submission's bytes are: (notebook, OK, '') or (None, status, reason)."""
    suffix = Path(name).suffix.lower()
    is_ipynb = suffix == ".ipynb"
    bad = INVALID if is_ipynb else NOT_A_NOTEBOOK
    kind = f"a {suffix[:12]} file" if suffix else "a file without an extension"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, bad, "not UTF-8 text" if is_ipynb else f"{kind} that is not text, not a notebook"
    try:
        raw = json.loads(text)
    except RecursionError:
        return None, bad, "JSON nested too deeply to be a notebook"
    except (ValueError, MemoryError) as error:
        return None, bad, f"not valid JSON ({str(error)[:80]})" if is_ipynb else f"{kind}, not a notebook"
    if not isinstance(raw, dict) or "cells" not in raw or "nbformat" not in raw:
        return None, bad, "JSON, but not a Jupyter notebook (no cells / nbformat)"
    try:
        nb = nbformat.reads(text, as_version=4)
    except RecursionError:
        return None, INVALID, "a notebook nested too deeply to read"
    except Exception as error:  # nbformat raises several unrelated types
        first = (str(error).splitlines() or [type(error).__name__])[0]
        return None, INVALID, f"not a valid notebook ({first[:80]})"
    if not _valid_cells(nb):
        return None, INVALID, "a cell is malformed (no cell_type or source)"
    return nb, OK, ""


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode | None, bytes | None, str, str]:
    """Read a submission once without changing it: (notebook, bytes, status, reason)."""
    data, why = read_bytes(path)
    if data is None:
        refused = why.startswith(("a symbolic link", "not a regular file"))
        bad = INVALID if path.suffix.lower() == ".ipynb" else NOT_A_NOTEBOOK
        return None, None, REFUSED if refused else bad, why
    nb, status, reason = parse_notebook(path.name, data)
    return nb, data, status, reason


def is_this_lab(spec: LabSpec, nb: nbformat.NotebookNode) -> tuple[bool, str]:
    """Decide whether a notebook is a copy of lab ``spec`` (the student may have edited it)."""
    number = title_number(nb)
    if number is not None and spec.title_number is not None and number != spec.title_number:
        shown = number.zfill(2) if len(number) <= 6 else number[:6] + "…"
        return False, f"its title says lab {shown}, not lab {spec.number}"
    sources = {norm(c.source) for c in nb.cells if isinstance(c.get("source"), str)}
    if spec.fingerprint:
        found = sum(1 for s in spec.fingerprint if s in sources)
        if found * 3 < len(spec.fingerprint):
            return False, f"only {found} of the {len(spec.fingerprint)} fixed cells of lab {spec.number} are in it"
    return True, ""


__all__ = ["MAX_BYTES", "Submission", "collect", "is_this_lab", "parse_notebook", "read_bytes", "read_notebook"]
