"""Keep a student's work apart from the course: a workspace folder filled from ``labs/``.

``labs/`` is tracked by git, so a student who edits it in place cannot ``git pull`` a course
update. ``make lab`` therefore opens a workspace (``work/``, ignored by git) instead, filled by
:func:`sync`: a lab the workspace does not have is copied in; a file that exists there is never
written again. A small manifest in the workspace remembers the hash of the ``labs/`` version each
lab was last given out as, so a change upstream is told apart from the student's own edits: the
new version is offered once, beside the student's file, as ``NN_name.updated-<hash>.ipynb``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dglab.build import NOTEBOOK_RE

WORKSPACE = "work"
MANIFEST = ".dglab-workspace.json"
MANIFEST_VERSION = 1
SHORT_HASH = 8


class WorkspaceError(ValueError):
    """The workspace or its manifest cannot be used as it is."""


@dataclass(frozen=True)
class Action:
    """One file :func:`sync` wrote: a lab ``copied`` in, or an update ``offered`` beside the student's copy."""

    kind: Literal["copied", "offered"]
    lab: Path
    written: Path


def file_hash(path: Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def offered_name(lab_name: str, digest: str) -> str:
    """Return the file name an upstream update of ``lab_name`` is offered under."""
    stem = lab_name.removesuffix(".ipynb")
    return f"{stem}.updated-{digest[:SHORT_HASH]}.ipynb"


def read_manifest(workspace: Path) -> dict[str, str]:
    """Return {lab file name: hash of the labs/ version last given out} ({} if there is no manifest)."""
    path = workspace / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        given = data["labs"]
        if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
            raise TypeError("'labs' is not a mapping of names to hashes")
    except (ValueError, KeyError, TypeError) as error:
        raise WorkspaceError(
            f"{path} is damaged ({error}). Your notebooks are safe; delete this file and run "
            "`dglab workspace` again (each lab that differs from labs/ is then offered once beside yours)."
        ) from None
    return given


def write_manifest(workspace: Path, given: dict[str, str]) -> None:
    """Write the manifest atomically (a crash leaves the old one or the new one, never half)."""
    path = workspace / MANIFEST
    text = json.dumps({"version": MANIFEST_VERSION, "labs": dict(sorted(given.items()))}, indent=1) + "\n"
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def copy_new(source: Path, target: Path) -> bool:
    """Copy ``source`` to ``target`` only if ``target`` does not exist; return whether it was written."""
    try:
        with open(target, "xb") as out:
            out.write(source.read_bytes())
    except FileExistsError:
        return False
    return True


def course_labs(labs_dir: Path) -> list[Path]:
    """Return the lab notebooks in ``labs_dir`` in lab order."""
    if not labs_dir.is_dir():
        raise WorkspaceError(f"{labs_dir} is not a folder: run this inside the course repository.")
    return sorted(p for p in labs_dir.glob("*.ipynb") if NOTEBOOK_RE.match(p.name))


def sync(labs_dir: Path, workspace: Path) -> list[Action]:
    """Bring a workspace up to date with ``labs_dir`` without touching any file already in it.

    Args:
        labs_dir: the course's generated labs (``labs/``).
        workspace: the student's folder (created if missing).

    Returns:
        The files written: each lab the workspace lacked, and each upstream update offered
        beside a student's copy. Nothing else in the workspace is modified.
    """
    labs = course_labs(labs_dir)
    if workspace.exists() and not workspace.is_dir():
        raise WorkspaceError(f"{workspace} exists and is not a folder; move it away so the workspace can be created.")
    workspace.mkdir(parents=True, exist_ok=True)
    given = read_manifest(workspace)
    before = dict(given)
    actions: list[Action] = []
    for lab in labs:
        digest = file_hash(lab)
        mine = workspace / lab.name
        if copy_new(lab, mine):
            actions.append(Action("copied", lab, mine))
        elif given.get(lab.name, "") == digest:
            continue
        elif lab.name not in given and file_hash(mine) == digest:
            pass  # a copy made before the manifest existed, still as shipped
        else:
            offer = workspace / offered_name(lab.name, digest)
            if copy_new(lab, offer):
                actions.append(Action("offered", lab, offer))
        given[lab.name] = digest
    if given != before:
        write_manifest(workspace, given)
    return actions
