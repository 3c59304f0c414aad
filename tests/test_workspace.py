"""`dglab workspace`: the student's copies live in work/, and no course update ever overwrites them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell

from dglab.build import build
from dglab.cli import main
from dglab.workspace import MANIFEST, WORKSPACE, WorkspaceError, file_hash, offered_name, sync

ROOT = Path(__file__).resolve().parent.parent
LAB = "01"


def _course(tmp_path: Path) -> tuple[Path, Path]:
    """Return (labs/, work/) of a tiny course with two labs."""
    labs = tmp_path / "labs"
    labs.mkdir()
    (labs / "01_alpha.ipynb").write_text('{"v": "alpha 1"}\n')
    (labs / "02_beta.ipynb").write_text('{"v": "beta 1"}\n')
    (labs / "notes.txt").write_text("not a lab\n")
    return labs, tmp_path / WORKSPACE


def _offers(work: Path) -> list[str]:
    return sorted(p.name for p in work.glob("*.updated-*.ipynb"))


def test_first_sync_copies_every_lab_and_nothing_else(tmp_path: Path) -> None:
    labs, work = _course(tmp_path)
    actions = sync(labs, work)
    assert [(a.kind, a.written.name) for a in actions] == [("copied", "01_alpha.ipynb"), ("copied", "02_beta.ipynb")]
    assert (work / "01_alpha.ipynb").read_bytes() == (labs / "01_alpha.ipynb").read_bytes()
    assert not (work / "notes.txt").exists()
    assert sync(labs, work) == []


def test_a_students_edits_are_never_touched_nor_taken_for_an_update(tmp_path: Path) -> None:
    labs, work = _course(tmp_path)
    sync(labs, work)
    (work / "01_alpha.ipynb").write_text('{"v": "my answer"}\n')
    assert sync(labs, work) == []
    assert (work / "01_alpha.ipynb").read_text() == '{"v": "my answer"}\n'
    assert _offers(work) == []


def test_an_upstream_change_is_offered_once_beside_the_students_copy(tmp_path: Path) -> None:
    labs, work = _course(tmp_path)
    sync(labs, work)
    (work / "01_alpha.ipynb").write_text('{"v": "my answer"}\n')
    for version in ("alpha 2", "alpha 3"):
        (labs / "01_alpha.ipynb").write_text(f'{{"v": "{version}"}}\n')
        actions = sync(labs, work)
        offer = work / offered_name("01_alpha.ipynb", file_hash(labs / "01_alpha.ipynb"))
        assert [(a.kind, a.written) for a in actions] == [("offered", offer)]
        assert offer.read_bytes() == (labs / "01_alpha.ipynb").read_bytes()
        assert sync(labs, work) == [], "the same update is offered only once"
    assert (work / "01_alpha.ipynb").read_text() == '{"v": "my answer"}\n'
    assert len(_offers(work)) == 2
    assert (work / "02_beta.ipynb").read_text() == '{"v": "beta 1"}\n'


def test_an_unedited_copy_is_not_overwritten_either(tmp_path: Path) -> None:
    labs, work = _course(tmp_path)
    sync(labs, work)
    (labs / "02_beta.ipynb").write_text('{"v": "beta 2"}\n')
    assert [a.kind for a in sync(labs, work)] == ["offered"]
    assert (work / "02_beta.ipynb").read_text() == '{"v": "beta 1"}\n'


def test_a_deleted_lab_is_copied_again_and_other_files_are_left_alone(tmp_path: Path) -> None:
    labs, work = _course(tmp_path)
    sync(labs, work)
    (work / "01_alpha.ipynb").unlink()
    (work / "scratch.py").write_text("x = 1\n")
    assert [(a.kind, a.written.name) for a in sync(labs, work)] == [("copied", "01_alpha.ipynb")]
    assert (work / "scratch.py").read_text() == "x = 1\n"


def test_without_a_manifest_a_pristine_copy_is_adopted_and_a_different_one_gets_an_offer(tmp_path: Path) -> None:
    labs, work = _course(tmp_path)
    work.mkdir()
    shutil.copy(labs / "01_alpha.ipynb", work / "01_alpha.ipynb")
    (work / "02_beta.ipynb").write_text('{"v": "older, or edited"}\n')
    actions = sync(labs, work)
    assert [(a.kind, a.lab.name) for a in actions] == [("offered", "02_beta.ipynb")]
    assert (work / "02_beta.ipynb").read_text() == '{"v": "older, or edited"}\n'
    assert sorted(json.loads((work / MANIFEST).read_text())["labs"]) == ["01_alpha.ipynb", "02_beta.ipynb"]


def test_bad_input_gets_a_clear_error(tmp_path: Path) -> None:
    labs, work = _course(tmp_path)
    sync(labs, work)
    (work / MANIFEST).write_text("{not json")
    with pytest.raises(WorkspaceError, match="damaged.*Your notebooks are safe"):
        sync(labs, work)
    with pytest.raises(WorkspaceError, match="not a folder"):
        sync(tmp_path / "nope", work)
    (tmp_path / "file").write_text("")
    with pytest.raises(WorkspaceError, match="exists and is not a folder"):
        sync(labs, tmp_path / "file")


def _workspace_cli(course: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """Run `dglab workspace` (what `make lab` runs) in ``course``; return (exit code, stdout, stderr)."""
    monkeypatch.chdir(course)
    code = main(["workspace"])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_reports_a_damaged_manifest_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "solutions").mkdir()
    labs, work = _course(tmp_path)
    work.mkdir()
    (work / MANIFEST).write_text("[]")
    code, out, err = _workspace_cli(tmp_path, capsys, monkeypatch)
    assert code == 2
    assert err.startswith("dglab workspace: ") and "damaged" in err


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git with a fixed identity and no user or system configuration."""
    env = {
        **os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_pull_then_make_lab_keeps_an_edited_notebook_byte_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Upstream: a course repository with the real .gitignore and lab LAB.
    upstream = tmp_path / "upstream"
    for folder in ("solutions", "labs"):
        (upstream / folder).mkdir(parents=True)
        for path in (ROOT / folder).glob(f"{LAB}_*.ipynb"):
            shutil.copy(path, upstream / folder / path.name)
    shutil.copy(ROOT / ".gitignore", upstream / ".gitignore")
    _git(upstream, "init", "-q", "-b", "main")
    _git(upstream, "add", ".")
    _git(upstream, "commit", "-q", "-m", "course")

    # The student clones it, runs `dglab workspace` (what `make lab` runs) and solves an exercise.
    student = tmp_path / "student"
    _git(tmp_path, "clone", "-q", str(upstream), str(student))
    assert _workspace_cli(student, capsys, monkeypatch)[0] == 0
    mine = next((student / WORKSPACE).glob(f"{LAB}_*.ipynb"))
    nb = nbformat.read(mine, as_version=4)
    exercise = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    exercise.source = exercise.source.replace("raise NotImplementedError()", "return 0  # my attempt")
    nbformat.write(nb, mine)
    edited = mine.read_bytes()
    assert _git(student, "status", "--porcelain").stdout == "", "git must not see the workspace"

    # Upstream improves the lab: edit the solution, regenerate the lab, commit.
    solution = next((upstream / "solutions").glob(f"{LAB}_*.ipynb"))
    snb = nbformat.read(solution, as_version=4)
    snb.cells.append(new_markdown_cell("A note added after the course was cloned.", id="late-note"))
    nbformat.write(snb, solution)
    build(upstream, only=[LAB])
    _git(upstream, "commit", "-q", "-am", "lab update")

    pulled = _git(student, "pull", "--no-rebase")
    assert "CONFLICT" not in pulled.stdout + pulled.stderr
    code, out, _ = _workspace_cli(student, capsys, monkeypatch)

    assert mine.read_bytes() == edited
    offers = list((student / WORKSPACE).glob(f"{LAB}_*.updated-*.ipynb"))
    assert len(offers) == 1 and offers[0].read_bytes() == (student / "labs" / mine.name).read_bytes()
    assert code == 0 and f"offered: {WORKSPACE}/{offers[0].name}" in out
    assert _git(student, "status", "--porcelain").stdout == ""
    code, out, _ = _workspace_cli(student, capsys, monkeypatch)
    assert code == 0 and "offered" not in out and mine.read_bytes() == edited
