"""Exercise checks: what a lab's check cells call.

A check cell wraps its assertions in ``with check("Exercise 1: ...", hint="..."):`` blocks.
Inside a block, :func:`expect`, :func:`expect_close` and :func:`expect_in` are *soft*: a failed
expectation is noted and the block goes on, so the student sees every problem at once.
:func:`require` and :func:`expect_type` are *hard*: they end the block at once (use them where
later lines depend on the condition, e.g. the type of a value).

In a notebook cell every failing block of the cell is reported together: the blocks that pass
print a PASSED line, and at the end of the cell one :class:`ExerciseFailed` lists each failed
block with its reasons and hint (never the answer), shown instead of a traceback, so the cell
shows as failed in JupyterLab, to nbval and to the grader. Outside IPython (plain Python, the
grader's own runner) a failing block raises :class:`ExerciseFailed` when it ends.

:class:`forbid` makes the functions an exercise asks the student to write *without* raise a
clear message while a check runs.
"""

from __future__ import annotations

import ast
import importlib
import math
import sys
from types import TracebackType
from typing import Any, Callable, Iterable

PASS_MARK = "PASSED"
FAIL_MARK = "NOT YET"


class ExerciseFailed(AssertionError):
    """Raised by a check cell whose exercise is not solved yet."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback into this module: the student
        # needs the reasons and the hints, not the check machinery.
        red = "\x1b[31m{}\x1b[0m"
        return [red.format(line) if line.startswith(FAIL_MARK) else line for line in str(self).splitlines()]


class ForbiddenCall(AssertionError):
    """A function the exercise asks the student to do without was called during a check."""


_blocks: list["check"] = []  # the check blocks running now, innermost last


class _CellReport:
    """The failed blocks of the notebook cell that is running (deferred reporting)."""

    active = False
    failures: list[str] = []


def _begin_cell() -> None:
    """Start collecting failed blocks (called at the top of every cell that holds a check)."""
    _CellReport.active = True
    _CellReport.failures = []


def stop_at_first_failure() -> None:
    """In the running cell, let the first failed block raise at once instead of reporting every block at the end."""
    _CellReport.active = False
    _CellReport.failures = []


def _end_cell() -> None:
    """Raise one :class:`ExerciseFailed` naming every block of this cell that failed."""
    failures, _CellReport.failures, _CellReport.active = _CellReport.failures, [], False
    if failures:
        raise ExerciseFailed("\n\n".join(failures))


class check:
    """Context manager that turns the expectations inside it into a pass/fail message.

    Args:
        title: what is being checked, e.g. ``"Exercise 2: count the leaves"``.
        hint: a nudge shown on failure; it must not contain the answer.
        forbid: dotted names of functions that must not be called inside the block
            (see :class:`forbid`).
    """

    def __init__(self, title: str, hint: str = "", forbid: Iterable[str] = ()) -> None:
        self.title = title
        self.hint = hint
        self.failures: list[str] = []
        self._forbid = globals()["forbid"](*forbid) if forbid else None

    def __enter__(self) -> "check":
        self.failures = []
        _blocks.append(self)
        if self._forbid is not None:
            self._forbid.__enter__()
        return self

    def note(self, message: str) -> None:
        """Record one failed expectation (the block goes on)."""
        if message not in self.failures:
            self.failures.append(message)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if self._forbid is not None:
            self._forbid.__exit__(exc_type, exc, tb)
        if _blocks and _blocks[-1] is self:
            _blocks.pop()
        if exc_type is not None and not issubclass(exc_type, Exception):
            return False  # KeyboardInterrupt, SystemExit: let them through untouched
        reasons = list(self.failures)
        if exc_type is not None:
            reasons.append(_describe(exc_type, exc))
        if not reasons:
            print(f"{PASS_MARK}: {self.title}")
            return False
        lines = [f"{FAIL_MARK}: {self.title}"] + [f"  why:  {reason}" for reason in reasons]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        message = "\n".join(lines)
        if _CellReport.active and not _blocks:
            _CellReport.failures.append(message)
            return True  # reported with the cell's other failures when the cell ends
        raise ExerciseFailed(message) from None


def _describe(exc_type: type[BaseException], exc: BaseException | None) -> str:
    """Say in one line why a check failed, in a student's words."""
    if issubclass(exc_type, NotImplementedError) and not str(exc or ""):
        # the stub raises it bare; a library's NotImplementedError carries a message worth reading
        return "the exercise still raises NotImplementedError: replace the stub with your code and run its cell."
    if issubclass(exc_type, NameError):
        return f"{exc}: run the exercise cell above (and the cells before it) first."
    if issubclass(exc_type, ExerciseFailed):
        return "an earlier check inside this one failed."
    if issubclass(exc_type, AssertionError):
        return str(exc) or "an assertion failed."
    return f"your code raised {exc_type.__name__}: {exc}"


def _fail(message: str) -> None:
    """Note a failed soft expectation in the running block, or raise outside any block."""
    if _blocks:
        _blocks[-1].note(message)
    else:
        raise AssertionError(message)


def expect(condition: bool, message: str) -> None:
    """Note ``message`` as a failure of the surrounding check unless ``condition`` holds."""
    if not condition:
        _fail(message)


def require(condition: bool, message: str) -> None:
    """End the surrounding check at once with ``message`` unless ``condition`` holds."""
    if not condition:
        raise AssertionError(message)


def _closeness_problem(actual: Any, expected: Any, what: str, rtol: float, atol: float) -> str | None:
    """Return why ``actual`` is not close to ``expected``, or None when it is."""
    torch = sys.modules.get("torch")  # only a tensor reference needs torch, and then it is loaded
    if torch is not None and isinstance(expected, torch.Tensor):
        if not isinstance(actual, torch.Tensor):
            return f"{what} should be a torch.Tensor, got {type(actual).__name__}."
        if tuple(actual.shape) != tuple(expected.shape):
            return f"{what} has shape {tuple(actual.shape)}; expected {tuple(expected.shape)}."
        ok = torch.allclose(actual.detach().to(expected.dtype).cpu(), expected.detach().cpu(), rtol=rtol, atol=atol)
        return None if ok else f"{what} has the right shape but the wrong values."
    try:
        # detach first: float() of a tensor that requires grad warns, and a warning in a check
        # cell's output costs an honest student the points under nbgrader
        value = float(actual.detach() if hasattr(actual, "detach") else actual)
    except (TypeError, ValueError, RuntimeError):
        return f"{what} should be a number, got {type(actual).__name__}."
    if not math.isclose(value, float(expected), rel_tol=rtol, abs_tol=atol):
        return f"{what} = {value:.6g} is not the expected value."
    return None


def expect_close(actual: Any, expected: Any, what: str, rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """Note a failure unless ``actual`` is a number or tensor close to ``expected``.

    Args:
        actual: the student's value.
        expected: the reference value (never printed, so it does not leak).
        what: a name for the value in the failure message.
        rtol: relative tolerance.
        atol: absolute tolerance.
    """
    problem = _closeness_problem(actual, expected, what, rtol, atol)
    if problem:
        _fail(problem)


def expect_type(value: Any, kinds: type | tuple[type, ...], what: str) -> None:
    """End the check unless ``value`` is an instance of ``kinds`` (later lines rely on its type)."""
    if not isinstance(value, kinds):
        names = kinds.__name__ if isinstance(kinds, type) else " or ".join(k.__name__ for k in kinds)
        raise AssertionError(f"{what} should be of type {names}, got {type(value).__name__}.")


def expect_in(value: Any, allowed: Iterable[Any], what: str) -> None:
    """Note a failure unless ``value`` is one of ``allowed`` (the allowed values are not printed)."""
    if value not in list(allowed):
        _fail(f"{what} = {value!r} is not right.")


# ------------------------------------------------------------------ forbidden functions


def _resolve(dotted: str) -> tuple[Any, str]:
    """Return ``(owner, attribute)`` for a dotted name such as ``"torch.Tensor.backward"``."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name)
        if not hasattr(owner, parts[-1]):
            break
        return owner, parts[-1]
    raise ValueError(f"forbid: cannot find {dotted!r}; give a dotted name such as 'torch.autograd.grad'.")


class _Refusal:
    """Stands in for a forbidden function: calling it, or reaching through it, refuses.

    Reaching through matters for op packets: ``torch.ops.aten.softplus.default(...)``.
    """

    def __init__(self, name: str, called: list[str]) -> None:
        self._name, self._called = name, called

    def _refuse(self) -> ForbiddenCall:
        if self._name not in self._called:
            self._called.append(self._name)
        return ForbiddenCall(f"this exercise asks you to write it without {self._name}.")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise self._refuse()

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise self._refuse()


class forbid:
    """While active, calling any of the named functions fails the check with a clear message.

    The function is replaced where it is defined and wherever the notebook's namespace holds
    it (``from torch.nn.functional import softmax``), and put back afterwards. A call is
    reported even if the student's code catches the error.

    Args:
        *names: dotted names, e.g. ``"torch.autograd.grad"``, ``"torch.Tensor.backward"``.
    """

    def __init__(self, *names: str) -> None:
        self.names = names
        self.called: list[str] = []
        self._saved: list[tuple[Any, str, Any, bool]] = []

    def _stand_in(self, name: str) -> Callable[..., Any]:
        return _Refusal(name, self.called)

    def __enter__(self) -> "forbid":
        self.called = []
        user_ns = getattr(sys.modules.get("__main__"), "__dict__", {})
        for name in self.names:
            owner, attr = _resolve(name)
            original = getattr(owner, attr)
            stand_in = self._stand_in(name)
            own = attr in vars(owner)
            self._saved.append((owner, attr, vars(owner).get(attr), own))
            setattr(owner, attr, stand_in)
            for key, value in list(user_ns.items()):
                if value is original:
                    self._saved.append((user_ns, key, value, True))
                    user_ns[key] = stand_in
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        for owner, attr, value, own in reversed(self._saved):
            if isinstance(owner, dict):
                owner[attr] = value
            elif own:
                setattr(owner, attr, value)
            else:
                delattr(owner, attr)
        self._saved = []
        if self.called and _blocks and exc_type is None:
            _blocks[-1].note(f"this exercise asks you to write it without {', '.join(self.called)}.")
        return False


# ------------------------------------------------------- deferred reporting in IPython


def _names_check(call: ast.expr) -> bool:
    func = call.func if isinstance(call, ast.Call) else None
    return (isinstance(func, ast.Name) and func.id == "check") or (isinstance(func, ast.Attribute) and func.attr == "check")


class _ReportAtCellEnd(ast.NodeTransformer):
    """IPython AST transformer: a cell that holds ``with check(...)`` reports all failures at its end."""

    dglab_checks = True  # marks the transformer, so it is installed once

    def visit_Module(self, node: ast.Module) -> ast.Module:
        if not any(isinstance(n, ast.With) and any(_names_check(i.context_expr) for i in n.items) for n in ast.walk(node)):
            return node
        module = ast.parse("import dglab.checks as _dglab_checks\n_dglab_checks._begin_cell()").body
        end = ast.parse("_dglab_checks._end_cell()").body
        node.body = module + node.body + end
        return ast.fix_missing_locations(node)


def _install_cell_reporting() -> None:
    """In IPython, make each cell with checks report every failing block at its end."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is not None and not any(getattr(t, "dglab_checks", False) for t in shell.ast_transformers):
        shell.ast_transformers.append(_ReportAtCellEnd())
        shell.events.register("post_run_cell", _stop_collecting)


def _stop_collecting(result: Any = None) -> None:
    """After every cell: a cell that stopped early must not leave collection switched on."""
    _CellReport.active = False
    _CellReport.failures = []


if __name__ == "dglab.checks":
    _install_cell_reporting()
