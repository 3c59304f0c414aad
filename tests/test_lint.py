"""Check cells must not read names that earlier cells defined (a student can redefine them)."""

from __future__ import annotations

import nbformat

from dglab.lint import borrowed_names, top_level_names


def _cell(source: str, role: str = "", grade_id: str = "") -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if role == "exercise":
        cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": grade_id}
    elif role == "check":
        cell.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": grade_id}
    return cell


def test_borrowed_names_flags_earlier_definitions_only() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        _cell("import torch\nfrom dglab.checks import check, expect\nloss = torch.ones(3).sum()\n%matplotlib inline"),
        _cell("def f(t):\n    return t", "exercise", "ex1"),
        _cell(
            "ref = torch.ones(3).sum()\nwith check('x'):\n    expect(f(ref) == loss, 'no')\n"
            "    expect(all(len(str(i)) for i in range(3)), 'no')\n"
            "### BEGIN HIDDEN TESTS\nexpect(f(secret) == 1, 'no')\n### END HIDDEN TESTS",
            "check", "ex1_check",
        ),
    ])
    assert borrowed_names(nb) == [(2, "ex1_check", ["loss", "secret"])]


def test_top_level_names_are_what_a_cell_leaves_behind() -> None:
    source = "import os.path\ndef f(x):\n    y = 1\n    return y\nz = [a for a in range(3)]\nfor k in range(2):\n    pass\nclass C: pass"
    assert top_level_names(source) == ["os", "f", "z", "k", "C"]
