"""Check cells print pass/fail with a hint and never leak the expected value."""

from __future__ import annotations

import ast

import pytest
import torch

from dglab.checks import (
    ExerciseFailed,
    ForbiddenCall,
    _ReportAtCellEnd,
    check,
    expect,
    expect_close,
    expect_in,
    expect_type,
    forbid,
    require,
)


def test_pass_prints_passed(capsys: pytest.CaptureFixture[str]) -> None:
    with check("Exercise 1: ok", hint="h"):
        expect(True, "never shown")
    assert capsys.readouterr().out.strip() == "PASSED: Exercise 1: ok"


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        (NotImplementedError(), "still raises NotImplementedError"),
        (NotImplementedError("histograms of None are not supported"), "your code raised NotImplementedError: histograms"),
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


def test_soft_expectations_report_every_failure_in_a_block() -> None:
    with pytest.raises(ExerciseFailed) as info:
        with check("Exercise 4", hint="h"):
            expect(False, "first problem")
            expect_close(1.0, 2.0, "second value")
            expect_in("z", "ab", "third")
            expect(True, "never shown")
    lines = str(info.value).splitlines()
    assert [line for line in lines if "why:" in line] == [
        "  why:  first problem",
        "  why:  second value = 1 is not the expected value.",
        "  why:  third = 'z' is not right.",
    ]


def test_require_and_expect_type_end_the_block() -> None:
    reached = []
    with pytest.raises(ExerciseFailed, match="must be a tuple"):
        with check("Exercise 5"):
            require(False, "must be a tuple")
            reached.append(1)
    with pytest.raises(ExerciseFailed, match="should be of type int"):
        with check("Exercise 5"):
            expect_type("3", int, "n")
            reached.append(2)
    assert reached == []


def test_forbid_refuses_the_shortcut_even_when_caught() -> None:
    x = torch.tensor(2.0, requires_grad=True)

    def shortcut() -> torch.Tensor:
        try:
            return torch.autograd.grad(x * x, x)[0]
        except AssertionError:
            return torch.tensor(4.0)   # a fallback that hides the refusal

    with pytest.raises(ExerciseFailed, match="without torch.autograd.grad"):
        with check("Exercise 6", forbid=["torch.autograd.grad"]):
            expect_close(shortcut(), 4.0, "grad")
    assert torch.autograd.grad(x * x, x)[0].item() == 4.0   # restored afterwards
    with forbid("torch.Tensor.backward"):
        with pytest.raises(ForbiddenCall, match="without torch.Tensor.backward"):
            (x * x).backward()
    (x * x).backward()   # restored: Tensor.backward is a class attribute again
    with pytest.raises(ValueError, match="cannot find"):
        forbid("torch.no_such_function").__enter__()


def test_forbid_replaces_names_imported_into_the_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    import __main__

    from torch.nn.functional import softmax

    monkeypatch.setattr(__main__, "my_softmax", softmax, raising=False)
    with forbid("torch.nn.functional.softmax"):
        with pytest.raises(ForbiddenCall):
            __main__.my_softmax(torch.zeros(2), dim=0)
    assert __main__.my_softmax is softmax


def _failing_cell(source: str) -> tuple[str, dict]:
    """Run a cell as the kernel does (blocks report at the cell's end); return its failure message and namespace."""
    tree = _ReportAtCellEnd().visit(ast.parse(source))
    namespace = {"check": check, "expect": expect}
    with pytest.raises(ExerciseFailed) as info:
        exec(compile(tree, "<cell>", "exec"), namespace)
    return str(info.value), namespace


def test_cell_reporting_lists_every_failing_block(capsys: pytest.CaptureFixture[str]) -> None:
    message, _ = _failing_cell(
        "with check('A'):\n    expect(False, 'a is wrong')\n"
        "with check('B'):\n    expect(True, '')\n"
        "with check('C', hint='look again'):\n    raise ValueError('boom')\n"
    )
    assert "NOT YET: A" in message and "a is wrong" in message
    assert "NOT YET: C" in message and "ValueError: boom" in message and "hint: look again" in message
    assert "NOT YET: B" not in message and capsys.readouterr().out.strip() == "PASSED: B"
    plain = ast.parse("x = 1")
    assert _ReportAtCellEnd().visit(plain) is plain   # cells without checks are left alone


def test_stop_at_first_failure_skips_the_rest_of_the_cell() -> None:
    message, namespace = _failing_cell(
        "from dglab.catalogue import STOP_AT_FIRST_FAILURE\nexec(STOP_AT_FIRST_FAILURE)\n"
        "with check('A'):\n    expect(False, 'a is wrong')\n"
        "ran_on = True\n"
        "with check('B'):\n    expect(False, 'b is wrong')\n"
    )
    assert "a is wrong" in message and "B" not in message and "ran_on" not in namespace


def test_expect_close_on_a_tensor_that_requires_grad_prints_no_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect_close(torch.tensor(2.0, requires_grad=True) * 1.0, 2.0, "y")


def test_forbid_refuses_reaching_through_an_op_packet() -> None:
    x = torch.zeros(2)
    with forbid("torch.ops.aten.softplus") as refused:
        with pytest.raises(ForbiddenCall, match="without torch.ops.aten.softplus"):
            torch.ops.aten.softplus.default(x, 1, 20)
    assert refused.called == ["torch.ops.aten.softplus"]
    assert torch.ops.aten.softplus.default(x, 1, 20).shape == (2,)
