"""The in-kernel guard: runs the solution's checks in a pristine world and signs what it saw.

This module runs inside the student's kernel. The kernel launcher (``launch.py``) executes
its source privately (it is never imported, never in ``sys.modules``) before ipykernel
starts, and the grader's setup cell calls :func:`install` before any student code runs.

Everything secret lives only in the closure of one audit hook (``sys.addaudithook``), which
Python can neither list nor remove: the HMAC key, the check sources, the verdict channel (a
pipe to the worker). A guard cell is ``functools.partial(sys.audit, RUN)("<nonce>")``: it
carries no state, and the hook runs the check. The check helpers' ``with check`` blocks
report to the hook through audit events too, and the hook accepts them only from the
genuine ``__enter__``/``__exit__`` code, so a check counts only when every block ran and passed.

The same hook watches student code: reaching into the interpreter (``gc`` object lists,
``ctypes``, tracing, frames while a check runs, ...) is refused, and that and other system
access (``/proc``, subprocesses) is flagged for review. Each flag is signed and written to
the channel before the operation goes on.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import os
import signal
import sys
import types
from typing import Any

RUN = "dglab.grade.run"
ENTER = "dglab.grade.enter"
EXIT = "dglab.grade.exit"
NOTE = "dglab.grade.note"
HIDDEN = "dglab.grade.hidden"
OWN_EVENTS = (RUN, ENTER, EXIT, NOTE, HIDDEN)

MAX_WHY = 200  # characters of a failure reason (a student's own error text is capped here)
MAX_RECORDS = 200  # check blocks reported per check

# audited event -> what it means (the label a reviewer sees)
WATCHED = {
    "gc.get_objects": "gc object lists",
    "gc.get_referrers": "gc object lists",
    "gc.get_referents": "gc object lists",
    "sys._current_frames": "frames of other threads",
    "sys._getframe": "frame access",
    "sys.settrace": "tracing",
    "sys.setprofile": "tracing",
    "sys.addaudithook": "audit hooks",
    "object.__getattr__": "frame access",
    "code.__new__": "new code objects",
    "compile": "spoofed file name",
    "open": "/proc",
    "os.listdir": "/proc",
    "os.scandir": "/proc",
    "subprocess.Popen": "subprocesses",
    "os.system": "subprocesses",
    "os.exec": "subprocesses",
    "os.posix_spawn": "subprocesses",
    "os.spawn": "subprocesses",
    "os.fork": "subprocesses",
    "os.forkpty": "subprocesses",
    "os.kill": "signals to processes",
    "os.killpg": "signals to processes",
}
ALWAYS_REFUSED = {
    "gc object lists", "ctypes", "frames of other threads", "tracing", "audit hooks", "/proc/<pid>/mem", "spoofed file name",
    "new code objects",
}
REFUSED_IN_CHECK = {"frame access"}
FRAME_ATTRS = {"tb_frame", "gi_frame", "cr_frame", "ag_frame"}  # how Python code gets hold of a frame
# stdlib modules that student code calls to reach the audited operation: blame their caller
WRAPPERS = ("/inspect.py", "/pathlib.py", "/subprocess.py", "/os.py", "/shutil.py", "/glob.py", "/traceback.py",
            "/posixpath.py", "/genericpath.py", "/pty.py", "/ctypes/__init__.py", "/multiprocessing/", "/asyncio/", "/signal.py")


def private_checks(source: str, filename: str, builtins_copy: dict) -> types.ModuleType:
    """A fresh copy of ``dglab/checks.py`` with private builtins, never in ``sys.modules``."""
    module = types.ModuleType("_dglab_grader_checks")
    module.__dict__["__builtins__"] = builtins_copy
    exec(compile(source, filename, "exec", dont_inherit=True, optimize=0), module.__dict__)
    return module


def pinned_names(pins: list, modules: dict) -> dict[str, tuple[Any, str, str | None]]:
    """Import the lab's own import lines now, before the student can rebind or replace them."""
    pinned = {}
    for name, module, attr in pins:
        try:
            mod = importlib.import_module(module)
            if attr is None:
                value = mod
            elif attr == "<top>":
                value = modules[module.split(".")[0]]
            else:
                value = getattr(mod, attr) if hasattr(mod, attr) else importlib.import_module(module + "." + attr)
            pinned[name] = (value, module, attr)
        except BaseException:
            pass
    return pinned


def snapshot_targets(modules: dict) -> list[tuple[Any, dict, bool]]:
    """What a check needs pristine: dglab's modules, torch, math, Tensor, Module (see docs/grading.md)."""
    targets: list[tuple[Any, dict, bool]] = []

    def add(obj: Any, is_class: bool) -> None:
        try:
            targets.append((obj, dict(vars(obj)), is_class))
        except BaseException:
            pass

    for name in sorted(modules):
        if name == "dglab" or name.startswith("dglab."):
            add(modules[name], False)
    for name in ("math", "torch", "torch.nn.functional", "torch.autograd", "torch.nn.modules.module"):
        if name in modules:
            add(modules[name], False)
    if "torch" in modules:
        add(modules["torch"].Tensor, True)
        add(modules["torch"].nn.Module, True)
    return targets


_MISSING = object()


def swap(targets: list, module_names: dict, modules: dict) -> list:
    """Put the pristine values back; return what was there so :func:`unswap` can restore it."""
    saved = []
    for obj, snap, is_class in targets:
        current = vars(obj)
        for k, v in snap.items():
            cur = current.get(k, _MISSING)
            if cur is not v and (is_class or callable(v) or isinstance(v, (type, types.ModuleType))):
                try:
                    setattr(obj, k, v)
                    saved.append((obj, k, cur))
                except BaseException:
                    pass
        if is_class:
            for k in [k for k in current if k not in snap and k.startswith("__") and k.endswith("__")]:
                try:
                    cur = current[k]
                    delattr(obj, k)
                    saved.append((obj, k, cur))
                except BaseException:
                    pass
    for name, mod in module_names.items():
        cur = modules.get(name, _MISSING)
        if cur is not mod:
            modules[name] = mod
            saved.append((modules, name, cur))
    return saved


def unswap(saved: list, modules: dict) -> None:
    """Give the student's world back after a check (their later cells see their own changes)."""
    for obj, k, v in reversed(saved):
        try:
            if obj is modules:
                if v is _MISSING:
                    modules.pop(k, None)
                else:
                    modules[k] = v
            elif v is _MISSING:
                delattr(obj, k)
            else:
                setattr(obj, k, v)
        except BaseException:
            pass


def guard_check_class(base: type) -> type:
    """The ``check`` a graded check sees: its blocks report to the hook and never stop the cell."""
    audit = sys.audit

    class check(base):  # type: ignore[misc, valid-type]
        def __enter__(self) -> "check":
            audit(ENTER, self)
            return self

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
            audit(EXIT, self, exc_type, exc)
            return exc_type is not None and issubclass(exc_type, Exception)  # go on with the next block

        def note(self, message: str) -> None:
            audit(NOTE, self, message)

    return check


def one_line(text: str, limit: int = MAX_WHY) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def code_objects(code: types.CodeType) -> set[int]:
    """Ids of ``code`` and every code object nested in it (functions, comprehensions)."""
    found, todo = set(), [code]
    while todo:
        item = todo.pop()
        found.add(id(item))
        todo.extend(c for c in item.co_consts if isinstance(c, types.CodeType))
    return found


def _trusted_prefixes(lib: str) -> tuple[str, ...]:
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix, lib}
    places |= {os.path.realpath(p) for p in places}
    return tuple(p.rstrip("/") + "/" for p in places if p)


def install(boot: dict, channel: int, user_ns: dict) -> None:
    """Install the guard: an audit hook that runs checks, signs verdicts and watches student code.

    Args:
        boot: what the worker sent on the kernel's stdin: key, checks, pins, helper names, lib.
        channel: the write end of the verdict pipe (a file descriptor).
        user_ns: the notebook's namespace; the guard's entry is bound there under ``boot["name"]``.
    """
    try:
        from _hashlib import hmac_digest as digest
    except ImportError:  # pragma: no cover - CPython always has it
        from hmac import digest
    B = dict(builtins.__dict__)
    key = bytes.fromhex(boot["key"])
    info = os.fstat(channel)
    channel_id = (info.st_dev, info.st_ino)
    write, fstat, getframe, modules = os.write, os.fstat, sys._getframe, sys.modules
    settrace, setprofile, gettrace, getprofile = sys.settrace, sys.setprofile, sys.gettrace, sys.getprofile
    is_sub, is_inst, rep, sorted_, list_, tuple_ = issubclass, isinstance, repr, sorted, list, tuple
    trusted = _trusted_prefixes(boot["lib"])
    fresh = private_checks(boot["checks_source"], boot["checks_file"], dict(B))
    base_enter, base_exit, describe = fresh.check.__enter__, fresh.check.__exit__, fresh._describe
    guard_check = guard_check_class(fresh.check)
    enter_code, exit_code, note_code = (guard_check.__dict__[m].__code__ for m in ("__enter__", "__exit__", "note"))
    fresh.check = guard_check
    fresh_dict, fresh_builtins = fresh.__dict__, fresh.__dict__["__builtins__"]
    fresh_blocks = fresh_dict.get("_blocks", [])
    fresh_snapshot, builtins_snapshot = dict(fresh_dict), dict(fresh_builtins)
    class_snapshots = [(cls, dict(vars(cls))) for cls in guard_check.__mro__[:-1]]
    cell_snapshot = [
        (cell, cell.cell_contents) for m in ("__enter__", "__exit__", "note") for cell in (guard_check.__dict__[m].__closure__ or ())
    ]
    helpers = {name: getattr(fresh, name) for name in boot["helpers"] if hasattr(fresh, name)}
    helpers["check"] = guard_check
    checks_module = modules.get("dglab.checks")
    for name, (value, module, attr) in pinned_names(boot["pins"], modules).items():
        if checks_module is not None and value is checks_module:
            helpers[name] = fresh
        elif module == "dglab.checks" and attr in helpers:
            helpers[name] = helpers[attr]
        else:
            helpers[name] = value
    targets = snapshot_targets(modules)
    module_names = {n: m for n, m in modules.items() if n == "dglab" or n.startswith(("dglab.", "torch", "math"))}
    handlers = {}
    for number in signal.valid_signals():
        try:
            handlers[number] = signal.getsignal(number)
        except (ValueError, OSError):
            pass
    checks = {nonce: tuple_(item) for nonce, item in boot["checks"].items()}
    used: set[str] = set()
    flagged: set[str] = set()
    busy = [False]
    running: list[dict] = []  # the check running now (at most one)

    def emit(record: tuple) -> None:
        """Sign one record and write it to the channel, or refuse to go on if the channel was swapped."""
        payload = rep(record).encode("utf-8", "backslashreplace")
        try:
            now = fstat(channel)
            ok = (now.st_dev, now.st_ino) == channel_id
        except OSError:
            ok = False
        if not ok:
            raise PermissionError("dglab grade: the grader's channel was closed or replaced")
        write(channel, digest(key, payload, "sha256").hex().encode() + b" " + payload + b"\n")

    def is_trusted(filename: str) -> bool:
        return filename.startswith(trusted) or filename.startswith(("<frozen ", "<dglab check "))

    def blamed_frame(depth: int) -> Any:
        """The frame that caused an audited operation, if it is student code (else None)."""
        frame = getframe(depth)
        for _ in range(8):
            name = frame.f_code.co_filename
            if frame.f_back is None or not (is_trusted(name) and any(w in name for w in WRAPPERS)):
                break
            frame = frame.f_back
        return None if is_trusted(frame.f_code.co_filename) else frame

    def label_of(event: str, args: tuple) -> str | None:
        if event.startswith("ctypes."):
            return "ctypes"
        label = WATCHED.get(event)
        if label == "/proc":
            path = args[0] if args else None
            if is_inst(path, bytes):
                path = path.decode("utf-8", "replace")
            if not is_inst(path, str) or not path.startswith("/proc"):
                return None
            parts = path.split("/")
            return "/proc/<pid>/mem" if len(parts) >= 4 and parts[3] == "mem" else "/proc"
        if event == "object.__getattr__":
            return label if len(args) > 1 and args[1] in FRAME_ATTRS else None
        if event == "compile":
            name = args[1] if len(args) > 1 else None
            return label if is_inst(name, str) and is_trusted(name) and not name.startswith("<frozen ") else None
        return label

    def watch(event: str, args: tuple) -> None:
        """Flag (and maybe refuse) an operation that student code started."""
        label = label_of(event, args)
        if label is None:
            return
        frame = blamed_frame(3)
        if frame is None and label != "audit hooks":
            return
        refused = label in ALWAYS_REFUSED or (bool(running) and label in REFUSED_IN_CHECK)
        if label not in flagged:  # one line per kind: a loop cannot flood the channel
            flagged.add(label)
            emit(("flag", label, refused))
        if refused:
            raise PermissionError(f"dglab grade: {label} is not allowed while grading")

    def from_code(code: Any, callers: set[int] | None = None) -> bool:
        """True when the audit event came straight from ``code`` (the guard's own method), itself
        called from one of the code objects in ``callers`` (the running check's own code)."""
        busy[0] = True
        try:
            frame = getframe(2)
            if frame.f_code is not code:
                return False
            return callers is None or (frame.f_back is not None and id(frame.f_back.f_code) in callers)
        finally:
            busy[0] = False

    def flag_once(label: str, refused: bool) -> None:
        if label not in flagged:
            flagged.add(label)
            emit(("flag", label, refused))

    def restore_machinery() -> None:
        """Every check starts from the private checks module and classes as installed."""
        for now, snap in ((fresh_dict, fresh_snapshot), (fresh_builtins, builtins_snapshot)):
            for k in [k for k in now if k not in snap]:
                del now[k]
            now.update(snap)
        for cls, snap in class_snapshots:
            for k in [k for k in vars(cls) if k not in snap]:
                delattr(cls, k)
            for k, v in snap.items():
                if vars(cls).get(k, _MISSING) is not v:
                    setattr(cls, k, v)
        for cell, value in cell_snapshot:
            cell.cell_contents = value
        del fresh_blocks[:]

    def same_items(a: list, b: list) -> bool:
        """Identity, not ==: a student's object could claim to equal anything."""
        return len(a) == len(b) and all(x is y for x, y in zip(a, b))

    def machinery_changed() -> bool:
        """Whether student code rebound anything in the private checks module or the check classes."""
        return (
            any(fresh_dict.get(k, _MISSING) is not v for k, v in fresh_snapshot.items())
            or any(fresh_builtins.get(k, _MISSING) is not v for k, v in builtins_snapshot.items())
            or any(vars(cls).get(k, _MISSING) is not v for cls, snap in class_snapshots for k, v in snap.items())
            or any(cell.cell_contents is not value for cell, value in cell_snapshot)
        )

    def on_enter(block: Any) -> None:
        run = running[0]
        run["notes"][id(block)] = []
        run["stack"].append(block)
        busy[0] = True
        try:
            outer = getframe(3)
            if outer.f_code is run["code"]:
                run["entered"].add(outer.f_lineno)
        finally:
            busy[0] = False
        run["open"][id(block)] = run["seen"]
        base_enter(block)

    def on_note(block: Any, message: Any) -> None:
        """A soft expectation failed: keep it where student code cannot reach it."""
        notes = running[0]["notes"].get(id(block))
        if notes is not None and len(notes) < 20:
            notes.append(one_line(message))

    def on_exit(block: Any, exc_type: Any, exc: Any) -> None:
        run = running[0]
        seen = run["open"].pop(id(block), None)
        if seen is None:
            return  # an exit without its enter: not a block of this check
        tampered = machinery_changed() or not run["stack"] or run["stack"][-1] is not block or not same_items(fresh_blocks, run["stack"])
        if run["stack"] and run["stack"][-1] is block:
            run["stack"].pop()
        try:
            base_exit(block, exc_type, exc, None)
        except BaseException:
            pass
        failures = [one_line(f) for f in list_(getattr(block, "failures", None) or [])][:5]
        for message in run["notes"].pop(id(block), []):
            if message not in failures:
                failures.append(message)
        if tampered:
            failures.append("the check's own machinery was changed while it ran")
            flag_once("tampered with the checks", False)
        if exc_type is not None:
            if is_sub(exc_type, KeyboardInterrupt):
                failures.append("it ran over the time limit and was interrupted")
            elif is_sub(exc_type, Exception):
                try:
                    failures.append(one_line(describe(exc_type, exc)))
                except BaseException:
                    failures.append("the check raised an error")
            else:
                failures.append(exc_type.__name__)
        hidden = run["hidden"] or run["seen"] != seen
        record = (one_line(block.title, 120), bool(hidden), not failures, one_line("; ".join(failures)), one_line(block.hint, 300))
        if len(run["records"]) < MAX_RECORDS:
            run["records"].append(record)
        else:
            run["records"][-1] = record[:2] + (run["records"][-1][2] and record[2],) + record[3:]

    def quiet_world() -> list:
        """Switch off the student's tracers and signal handlers for the check; return how to undo it."""
        undo: list = []
        if gettrace() is not None or getprofile() is not None:
            flagged.add("tracing")
            emit(("flag", "tracing", True))
            undo.append((settrace, gettrace()))
            undo.append((setprofile, getprofile()))
            settrace(None)
            setprofile(None)
        for number, handler in handlers.items():
            try:
                current = signal.getsignal(number)
                code = getattr(current, "__code__", None)
                if current is not handler and code is not None and not is_trusted(code.co_filename):
                    emit(("flag", "signal handlers", True))
                    signal.signal(number, handler)
                    undo.append((functools.partial(signal.signal, number), current))
            except (ValueError, OSError, TypeError):
                pass
        return undo

    def run_check(nonce: str) -> None:
        if running or nonce in used or nonce not in checks:
            emit(("verdict", str(nonce)[:64], False, ("?", [], "the grader's check ran twice or out of place")))
            return
        used.add(nonce)
        grade_id, source, all_hidden, blocks = checks[nonce]
        code = compile(source, f"<dglab check {grade_id}>", "exec", dont_inherit=True, optimize=0)
        run = {
            "code": code, "codes": code_objects(code), "records": [], "entered": set(), "open": {}, "notes": {}, "stack": [],
            "hidden": bool(all_hidden), "seen": 0,
        }
        restore_machinery()
        fresh_report = getattr(fresh, "_CellReport", None)
        if fresh_report is not None:
            fresh_report.active = False  # outside IPython's deferral: a failing block ends at its exit
        error, completed = "", False
        undo = quiet_world()
        saved = swap(targets, module_names, modules)
        # a check cell that imports from dglab.checks itself gets the private copy, whose
        # check class is the guard's, so its blocks are recorded like any other
        package = modules.get("dglab")
        imported = (modules.get("dglab.checks", _MISSING), getattr(package, "checks", _MISSING))
        modules["dglab.checks"] = fresh
        if package is not None:
            setattr(package, "checks", fresh)
        running.append(run)
        # The check runs in the notebook's own namespace, as in a normal run, so a name it
        # defines (its own copy of a counter the answer calls) is what the student's functions
        # see while it runs. The helpers are laid over the student's names for the duration
        # and must still be there at the end: a check whose helpers were swapped fails.
        overlay = dict(helpers)
        overlay["__builtins__"] = dict(B)
        overlay["__dglab_hidden__"] = functools.partial(sys.audit, HIDDEN)
        shadowed = {k: user_ns.get(k, _MISSING) for k in overlay}
        before = dict(user_ns)
        try:
            user_ns.update(overlay)
            try:
                exec(code, user_ns)
                completed = True
            except KeyboardInterrupt:
                error = "time limit: the check was interrupted"
            except BaseException as exc:
                try:
                    text = describe(type(exc), exc) if is_inst(exc, Exception) else type(exc).__name__
                except BaseException:
                    text = type(exc).__name__
                if all(r[2] for r in run["records"]):
                    error = ("hidden: " if run["hidden"] else "") + one_line(text)
            if any(user_ns.get(k, _MISSING) is not v for k, v in overlay.items()):
                completed, error = False, "the check's helpers were replaced while it ran"
                flag_once("helpers replaced", False)
        finally:
            for k, old in shadowed.items():
                if old is _MISSING:
                    user_ns.pop(k, None)
                else:
                    user_ns[k] = old
            for k, v in list(user_ns.items()):  # the check's own blocks do not outlive it
                if is_inst(v, guard_check) and before.get(k, _MISSING) is not v:
                    if before.get(k, _MISSING) is _MISSING:
                        user_ns.pop(k, None)
                    else:
                        user_ns[k] = before[k]
            running.clear()
            if imported[0] is _MISSING:
                modules.pop("dglab.checks", None)
            else:
                modules["dglab.checks"] = imported[0]
            if package is not None and imported[1] is not _MISSING:
                setattr(package, "checks", imported[1])
            unswap(saved, modules)
            for restore, value in reversed(undo):
                try:
                    restore(value)
                except BaseException:
                    pass
        records = run["records"]
        every_block = all(any(lo <= line <= hi for line in run["entered"]) for lo, hi in blocks)
        passed = completed and every_block and all(r[2] for r in records) and (bool(records) or not blocks)
        if completed and not every_block and not error:
            error = "not every check block ran"
        emit(("verdict", nonce, passed, (grade_id, records, error)))

    def hook(event: str, args: tuple) -> None:
        if event in OWN_EVENTS:
            if event == RUN:
                if len(args) == 1 and is_inst(args[0], str):
                    run_check(args[0])
            elif event == HIDDEN:
                if running and len(args) == 1 and from_code(running[0]["code"]):
                    running[0]["hidden"] = bool(args[0])
                    running[0]["seen"] += 1 if args[0] else 0
            elif event == ENTER:
                if running and len(args) == 1 and from_code(enter_code, running[0]["codes"]):
                    on_enter(args[0])
                elif not busy[0]:
                    flag_once("forged check events", False)
            elif event == EXIT:
                if running and len(args) == 3 and from_code(exit_code, running[0]["codes"]):
                    on_exit(*args)
                elif not busy[0]:
                    flag_once("forged check events", False)
            elif event == NOTE:
                if running and len(args) == 2 and from_code(note_code):
                    on_note(*args)
            return
        if busy[0] or not (event in WATCHED or event.startswith("ctypes.")):
            return
        busy[0] = True
        try:
            watch(event, args)
        finally:
            busy[0] = False

    sys.addaudithook(hook)
    user_ns[boot["name"]] = functools.partial(sys.audit, RUN)

