"""Exercise checks: what a lab's check cells call.

A check cell wraps its assertions in ``with check("Exercise 1: ...", hint="..."):``.
On success it prints one pass line; on failure it raises :class:`ExerciseFailed`, whose
message (shown instead of a traceback) says what went wrong and gives the hint (never the
answer), so the cell shows as failed in JupyterLab, to nbval and to the grader.
"""

from __future__ import annotations

import math
from types import TracebackType
from typing import Any, Iterable

import torch

PASS_MARK = "PASSED"
FAIL_MARK = "NOT YET"


class ExerciseFailed(AssertionError):
    """Raised by a check cell whose exercise is not solved yet."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback into this module: the student
        # needs the reason and the hint, not the check machinery.
        return [f"\x1b[31m{line}\x1b[0m" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


class check:
    """Context manager that turns the assertions inside it into a pass/fail message.

    Args:
        title: what is being checked, e.g. ``"Exercise 2: count the leaves"``.
        hint: a nudge shown on failure; it must not contain the answer.
    """

    def __init__(self, title: str, hint: str = "") -> None:
        self.title = title
        self.hint = hint

    def __enter__(self) -> "check":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc_type is None:
            print(f"{PASS_MARK}: {self.title}")
            return False
        if not issubclass(exc_type, Exception):
            return False  # KeyboardInterrupt, SystemExit: let them through untouched
        reason = _describe(exc_type, exc)
        lines = [f"{FAIL_MARK}: {self.title}", f"  why:  {reason}"]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        raise ExerciseFailed("\n".join(lines)) from None


def _describe(exc_type: type[BaseException], exc: BaseException | None) -> str:
    """Say in one line why a check failed, in a student's words."""
    if issubclass(exc_type, NotImplementedError):
        return "the exercise still raises NotImplementedError: replace the stub with your code and run its cell."
    if issubclass(exc_type, NameError):
        return f"{exc}: run the exercise cell above (and the cells before it) first."
    if issubclass(exc_type, ExerciseFailed):
        return "an earlier check inside this one failed."
    if issubclass(exc_type, AssertionError):
        return str(exc) or "an assertion failed."
    return f"your code raised {exc_type.__name__}: {exc}"


def expect(condition: bool, message: str) -> None:
    """Fail the surrounding check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise AssertionError(message)


def expect_close(actual: Any, expected: Any, what: str, rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """Fail unless ``actual`` is a number or tensor close to ``expected``.

    Args:
        actual: the student's value.
        expected: the reference value (never printed, so it does not leak).
        what: a name for the value in the failure message.
        rtol: relative tolerance.
        atol: absolute tolerance.
    """
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, torch.Tensor):
            raise AssertionError(f"{what} should be a torch.Tensor, got {type(actual).__name__}.")
        if tuple(actual.shape) != tuple(expected.shape):
            raise AssertionError(f"{what} has shape {tuple(actual.shape)}; expected {tuple(expected.shape)}.")
        ok = torch.allclose(actual.detach().to(expected.dtype).cpu(), expected.detach().cpu(), rtol=rtol, atol=atol)
        if not ok:
            raise AssertionError(f"{what} has the right shape but the wrong values.")
        return
    try:
        value = float(actual)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be a number, got {type(actual).__name__}.") from None
    if not math.isclose(value, float(expected), rel_tol=rtol, abs_tol=atol):
        raise AssertionError(f"{what} = {value:.6g} is not the expected value.")


def expect_type(value: Any, kinds: type | tuple[type, ...], what: str) -> None:
    """Fail unless ``value`` is an instance of ``kinds``."""
    if not isinstance(value, kinds):
        names = kinds.__name__ if isinstance(kinds, type) else " or ".join(k.__name__ for k in kinds)
        raise AssertionError(f"{what} should be of type {names}, got {type(value).__name__}.")


def expect_in(value: Any, allowed: Iterable[Any], what: str) -> None:
    """Fail unless ``value`` is one of ``allowed`` (the allowed values are not printed)."""
    if value not in list(allowed):
        raise AssertionError(f"{what} = {value!r} is not right.")
