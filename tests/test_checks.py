"""Check cells print pass/fail with a hint and never leak the expected value."""

from __future__ import annotations

import pytest
import torch

from dglab.checks import ExerciseFailed, check, expect, expect_close, expect_in, expect_type


def test_pass_prints_passed(capsys: pytest.CaptureFixture[str]) -> None:
    with check("Exercise 1: ok", hint="h"):
        expect(True, "never shown")
    assert capsys.readouterr().out.strip() == "PASSED: Exercise 1: ok"


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (NotImplementedError(), "still raises NotImplementedError"),
        (NameError("name 'f' is not defined"), "run the exercise cell above"),
        (AssertionError("f(2) is wrong"), "f(2) is wrong"),
        (ValueError("bad shape"), "your code raised ValueError: bad shape"),
    ],
)
def test_fail_explains_and_raises(error: Exception, fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ExerciseFailed) as info:
        with check("Exercise 2: thing", hint="look at next_functions"):
            raise error
    message = str(info.value)
    assert message.startswith("NOT YET: Exercise 2: thing")
    assert fragment in message and "hint: look at next_functions" in message
    assert capsys.readouterr().out == ""  # shown once, as the cell's error, not printed too
    assert info.value._render_traceback_()[1:] == message.splitlines()[1:]


def test_keyboard_interrupt_passes_through() -> None:
    with pytest.raises(KeyboardInterrupt):
        with check("Exercise 3"):
            raise KeyboardInterrupt


def test_expect_close_hides_expected_value() -> None:
    with pytest.raises(AssertionError) as info:
        expect_close(1.5, 2.75, "loss")
    assert "2.75" not in str(info.value) and "loss" in str(info.value)
    expect_close(2.75 + 1e-9, 2.75, "loss")


def test_expect_close_tensors() -> None:
    ref = torch.arange(6.0).reshape(2, 3)
    expect_close(ref.clone(), ref, "t")
    with pytest.raises(AssertionError, match="shape"):
        expect_close(ref.T, ref, "t")
    with pytest.raises(AssertionError, match="torch.Tensor"):
        expect_close([1.0], ref, "t")
    with pytest.raises(AssertionError, match="wrong values"):
        expect_close(ref + 1, ref, "t")
    with pytest.raises(AssertionError, match="should be a number"):
        expect_close("x", 1.0, "n")


def test_expect_type_and_in() -> None:
    expect_type(3, int, "n")
    with pytest.raises(AssertionError, match="should be of type int or float, got str"):
        expect_type("3", (int, float), "n")
    expect_in("a", ["a", "b"], "answer")
    with pytest.raises(AssertionError) as info:
        expect_in("c", ["a", "b"], "answer")
    assert "'a'" not in str(info.value)
