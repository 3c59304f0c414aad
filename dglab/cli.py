"""The ``dglab`` command: build labs, fill a student workspace, check a machine, time notebooks,
run catalogues, grade, render the site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dglab.startup import skip_slow_optional_imports


def find_root(start: Path | None = None) -> Path:
    """Return the course repository that holds ``solutions/`` (searching upwards)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "solutions").is_dir():
            return folder
    raise SystemExit(f"dglab: no 'solutions/' folder in {here} or above; run this inside the course repository.")


def cmd_build(args: argparse.Namespace) -> int:
    from dglab.build import BuildError, build

    root = find_root()
    try:
        stale = build(root, check_only=args.check, only=[n.zfill(2) for n in args.labs] or None)
    except BuildError as error:
        print(f"dglab build: {error}", file=sys.stderr)
        return 2
    for item in stale:
        verb = "stale" if args.check else "wrote"
        print(f"{verb}: {item.lab.relative_to(root)} ({item.reason})")
    if args.check and stale:
        print("labs/ is out of date: run `dglab build` and commit labs/.", file=sys.stderr)
    if not stale:
        print("labs/ is up to date.")
    rules = check_rules(root, [n.zfill(2) for n in args.labs] or None)
    for line in rules:
        print(f"rule: {line}", file=sys.stderr)
    return 1 if args.check and (stale or rules) else 0


def check_rules(root: Path, only: list[str] | None) -> list[str]:
    """Return every broken lab rule: check cells that borrow names, catalogues that fall short."""
    import nbformat

    from dglab import catalogue
    from dglab.build import solution_notebooks
    from dglab.lint import borrowed_names

    found = []
    for path in solution_notebooks(root):
        if only is not None and path.name[:2] not in only:
            continue
        nb = nbformat.read(path, as_version=4)
        for index, grade_id, names in borrowed_names(nb):
            found.append(
                f"{path.name}, cell {index} ({grade_id}) reads {', '.join(names)}, defined by an earlier cell: "
                "build check values inside the check cell, a student can redefine these."
            )
        try:
            found += catalogue.problems(nb, catalogue.read(path), catalogue.catalogue_path(path).relative_to(root).as_posix())
        except catalogue.CatalogueError as error:
            found.append(str(error))
    return found


def cmd_doctor(args: argparse.Namespace) -> int:
    from dglab.doctor import diagnose, report

    print(report(diagnose()))
    return 0


def cmd_times(args: argparse.Namespace) -> int:
    import nbformat

    from dglab.build import solution_notebooks
    from dglab.notebooks import CellTimeout, Timing, cell_seconds, execute, timings_table

    root = find_root()
    paths = [Path(p) for p in args.notebooks] or solution_notebooks(root)
    rows = []
    for path in paths:
        if not path.is_file():
            print(f"dglab times: {path}: no such notebook", file=sys.stderr)
            return 2
        nb = nbformat.read(path, as_version=4)
        try:
            seconds = execute(nb, path.parent.resolve(), cell_timeout=args.cell_timeout)
        except CellTimeout as error:
            print(f"dglab times: {path}: {error}", file=sys.stderr)
            return 1
        slowest = max(cell_seconds(nb), key=lambda item: item[1], default=(0, 0.0))
        rows.append(Timing(str(path), seconds, slowest[0], slowest[1]))
        print(f"{seconds:7.1f} s  {path}  (slowest cell {slowest[0]}: {slowest[1]:.1f} s)", file=sys.stderr, flush=True)
    table = timings_table(rows, budget=args.budget)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n", encoding="utf-8")
    return 1 if max((r.seconds for r in rows), default=0.0) > args.budget else 0


def cmd_catalogue(args: argparse.Namespace) -> int:
    from dglab import catalogue
    from dglab.build import solution_notebooks

    root = find_root()
    only = [n.zfill(2) for n in args.labs] or None
    failed = 0
    for path in solution_notebooks(root):
        if (only is not None and path.name[:2] not in only) or not catalogue.catalogue_path(path).exists():
            continue
        verdicts = catalogue.run_notebook(path, cell_timeout=args.cell_timeout)
        failed += sum(not v.ok for v in verdicts)
        print(f"## {path.name}\n{catalogue.report(verdicts)}\n", flush=True)
    print(f"{failed} catalogue entries judged wrongly." if failed else "every catalogue entry was judged as it should be.")
    return 1 if failed else 0


def _shown(path: Path) -> str:
    """Return ``path`` relative to the current folder when it lies inside it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def cmd_workspace(args: argparse.Namespace) -> int:
    from dglab.workspace import WORKSPACE, WorkspaceError, sync

    root = find_root()
    workspace = args.dir or root / WORKSPACE
    try:
        actions = sync(root / "labs", workspace)
    except WorkspaceError as error:
        print(f"dglab workspace: {error}", file=sys.stderr)
        return 2
    for action in actions:
        if action.kind == "copied":
            print(f"copied:  {_shown(action.written)}")
        else:
            print(f"offered: {_shown(action.written)} (the course updated this lab; your {action.lab.name} is untouched)")
    print(f"{_shown(workspace)}/ holds your copies of the labs: {len(actions)} file(s) added, none overwritten.")
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    from dglab.site import SiteError, build_site

    root = find_root()
    try:
        built = build_site(root, only=args.labs or None, out=args.out, fresh=args.fresh)
    except SiteError as error:
        print(f"dglab site: {error}", file=sys.stderr)
        return 2
    count = len(built.labs)
    print(f"built {count} lab{'s' if count != 1 else ''} in {built.seconds:.1f} s: open {built.html}")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from dglab.grade import run_cli

    return run_cli(args, find_root())


def cmd_grade_merge(args: argparse.Namespace) -> int:
    from dglab.grade import merge_cli

    return merge_cli(args)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``dglab`` command."""
    skip_slow_optional_imports()  # before any subcommand imports nbformat
    parser = argparse.ArgumentParser(prog="dglab", description="Course tooling for the dglab autograd labs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="generate labs/ from solutions/")
    p.add_argument("labs", nargs="*", help="lab numbers to build (default: all)")
    p.add_argument("--check", action="store_true", help="only report stale labs; exit 1 if any")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("doctor", help="say what this machine supports and what to install")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("times", help="execute notebooks (default: every solution) and print each one's time")
    p.add_argument("notebooks", nargs="*", help="notebook paths (default: solutions/*.ipynb)")
    p.add_argument("--budget", type=float, default=20.0, help="seconds allowed per notebook (default 20)")
    p.add_argument("--cell-timeout", type=int, default=120, help="seconds allowed per cell (default 120)")
    p.add_argument("--markdown", type=Path, metavar="FILE", help="also write the table to FILE")
    p.set_defaults(func=cmd_times)

    p = sub.add_parser("catalogue", help="run each exercise's wrong answers and alternatives through its checks")
    p.add_argument("labs", nargs="*", help="lab numbers (default: every lab with a catalogue)")
    p.add_argument("--cell-timeout", type=int, default=120, help="seconds allowed per cell (default 120)")
    p.set_defaults(func=cmd_catalogue)

    p = sub.add_parser("workspace", help="copy new labs into your workspace (work/); offer updated ones beside your copies")
    p.add_argument("--dir", type=Path, default=None, help="workspace folder (default: work/ in the course repository)")
    p.set_defaults(func=cmd_workspace)

    p = sub.add_parser("site", help="render the labs with their outputs into a static site (Sphinx + myst-nb)")
    p.add_argument("labs", nargs="*", help="lab numbers to render (default: all)")
    p.add_argument("--out", type=Path, default=None, help="build folder (default: site/_build); pages go to OUT/html")
    p.add_argument("--fresh", action="store_true", help="re-execute every lab (the cache only notices changed code cells)")
    p.set_defaults(func=cmd_site)

    from dglab.grade import DEFAULT_CELL_TIMEOUT, DEFAULT_MEMORY, DEFAULT_TIMEOUT

    p = sub.add_parser("grade", help="autograde student notebooks of lab NN with the solution's checks and hidden tests")
    p.add_argument("lab", help="lab number, e.g. 04")
    p.add_argument("submissions", nargs="+", type=Path, help="student notebooks, or folders of them")
    p.add_argument("--out", required=True, type=Path, help="CSV file to write: one row per submission")
    p.add_argument("--feedback", required=True, type=Path, metavar="DIR", help="folder for one Markdown file per student")
    p.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded side by side (default 1)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per submission (default {DEFAULT_TIMEOUT:g})")
    p.add_argument(
        "--cell-timeout", type=float, default=None,
        help=f"seconds per cell, below --timeout (default {DEFAULT_CELL_TIMEOUT:g}, at most half of --timeout)",
    )
    p.add_argument("--memory", default=DEFAULT_MEMORY, help=f"address-space limit per kernel, e.g. 4G, 512M; 0 = none (default {DEFAULT_MEMORY})")
    p.add_argument("--shard", metavar="K/N", help="grade only shard K of N (merge the shard CSVs with grade-merge)")
    p.add_argument("--no-sandbox", action="store_true", help="run kernels without the bubblewrap sandbox (student code gets your privileges)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("grade-merge", help="combine the CSVs of grade --shard runs into one")
    p.add_argument("shards", nargs="+", type=Path, help="shard CSV files")
    p.add_argument("--out", required=True, type=Path, help="the combined CSV to write")
    p.set_defaults(func=cmd_grade_merge)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
