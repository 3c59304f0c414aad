"""The pieces ``dglab site`` stages for Sphinx: the landing page, the labs chosen, the Chinese marking."""

from __future__ import annotations

from pathlib import Path

import pytest

from dglab.site import SiteError, choose_labs, landing_page, read_lab_table, readme_intro, refuse_solutions
from dglab.sphinx_cjk import split_cjk

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_table_has_thirty_labs_in_order() -> None:
    rows = read_lab_table(README)
    assert [r.number for r in rows] == [f"{n:02d}" for n in range(1, 31)]
    written = {Path(r.notebook).name for r in rows if r.notebook}
    assert written == {p.name for p in (ROOT / "labs").glob("*.ipynb")}


def test_landing_page_links_rendered_labs_and_marks_the_rest() -> None:
    rows = read_lab_table(README)
    first = Path(rows[0].notebook).stem
    page = landing_page(README, [first])
    assert f"[{rows[0].title}]({first}.ipynb)" in page
    assert f"{rows[1].title} *(not in this build)*" in page
    assert f"{rows[29].title} *(planned)*" in page
    assert page.count(".ipynb)") == 1
    assert readme_intro(README).split("\n")[0] in page


def test_a_readme_without_a_table_is_a_clear_error() -> None:
    with pytest.raises(SiteError, match="no lab table"):
        read_lab_table("# title\n\nno table here\n")


def test_choose_labs_rejects_unknown_numbers() -> None:
    assert [p.name[:2] for p in choose_labs(ROOT, ["2", "01"])] == ["01", "02"]
    with pytest.raises(SiteError, match="no lab numbered 99"):
        choose_labs(ROOT, ["99"])


def test_solutions_are_refused(tmp_path: Path) -> None:
    refuse_solutions(sorted((ROOT / "labs").glob("*.ipynb")))
    with pytest.raises(SiteError, match="never solutions"):
        refuse_solutions(sorted((ROOT / "solutions").glob("*.ipynb"))[:1])


def test_split_cjk_keeps_every_character_and_marks_only_chinese() -> None:
    text = "题目：请解释 PyTorch 动态计算图（Dynamic Graph）的概念."
    pieces = split_cjk(text)
    assert "".join(p for p, _ in pieces) == text
    assert [p for p, chinese in pieces if chinese] == ["题目：请解释", "动态计算图（", "）的概念"]
    assert split_cjk("plain") == [("plain", False)]
