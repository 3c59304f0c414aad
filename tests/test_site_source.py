"""The pieces `dglab site` stages for Sphinx: the landing page, the labs chosen, Chinese marking, static widgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from dglab.site import (
    SiteError, build_site, choose_labs, landing_page, read_lab_table, readme_intro, refuse_solutions, sphinx_command,
)
from dglab.sphinx_cjk import split_cjk
from dglab.sphinx_widgets import describe_control, static_widget

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
    assert "(planned)" not in page  # all thirty labs are written
    assert page.count(".ipynb)") == 1
    unwritten = README.replace(f"[{rows[29].title}]({rows[29].notebook})", rows[29].title)
    assert f"{rows[29].title} *(planned)*" in landing_page(unwritten, [first])
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


def _slider_state() -> dict:
    """The saved state of ``interact(f, n=IntSlider(3, 0, 6, description="loop count"))``, trimmed."""
    return {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_slider", "IPY_MODEL_out"]}},
        "slider": {"model_name": "IntSliderModel", "state": {"description": "loop count", "value": 3, "min": 0, "max": 6}},
        "out": {
            "model_name": "OutputModel",
            "state": {"outputs": [
                {"output_type": "stream", "name": "stdout", "text": "n = 3 <nodes>\n"},
                {"output_type": "display_data", "data": {"image/svg+xml": '<?xml version="1.0"?>\n<svg width="9"></svg>', "text/plain": "SVG"}},
            ]},
        },
    }


def test_a_widget_becomes_its_controls_and_first_outputs() -> None:
    page = static_widget(_slider_state(), "box")
    assert "loop count = 3 (from 0 to 6)" in page
    assert "n = 3 &lt;nodes&gt;" in page  # text is escaped
    assert '<svg width="9"></svg>' in page and "<?xml" not in page


def test_selection_controls_and_unknown_models() -> None:
    dropdown = {"model_name": "DropdownModel", "state": {"description": "dtype", "_options_labels": ["fp32", "bf16"], "index": 1}}
    assert describe_control(dropdown) == "dtype = bf16 (one of: fp32, bf16)"
    assert describe_control({"model_name": "LayoutModel", "state": {}}) is None
    assert "a widget" in static_widget({}, "missing")


def test_the_seed_question_quote_is_marked() -> None:
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    from dglab.sphinx_cjk import LANGUAGE_CLASS, QUESTION_CLASS, MarkChinese

    document = new_document("test", get_default_settings(Parser))
    Parser().parse("Intro 题 text.\n\n    **题目：** 请解释 graph.\n\n    *Explain the graph.*\n\n``代码``\n", document)
    MarkChinese(document).apply()
    quotes = [q for q in document.findall(lambda n: n.tagname == "block_quote")]
    assert [q["classes"] for q in quotes] == [[QUESTION_CLASS]]
    marked = [n.astext() for n in document.findall(lambda n: LANGUAGE_CLASS in n.get("classes", []) if hasattr(n, "get") else False)]
    assert marked == ["题", "题目：", "请解释"]  # prose only: the literal 代码 keeps its code font


def test_missing_site_tools_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "myst_nb" else real(name))
    with pytest.raises(SiteError, match=r"myst_nb not installed: run `pip install -e '\.\[dev\]'`"):
        build_site(ROOT, only=["01"], out=tmp_path)
    assert not any(tmp_path.iterdir()), "nothing is staged when the tools are missing"


def test_cli_reports_an_unknown_lab(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from dglab.cli import main

    monkeypatch.chdir(ROOT)
    assert main(["site", "99", "--out", str(tmp_path)]) == 2
    assert "dglab site: no lab numbered 99" in capsys.readouterr().err


def test_sphinx_runs_strict_and_from_scratch() -> None:
    command = sphinx_command(Path("src"), Path("html"), Path("cache"))
    assert command[command.index("dglab.startup") + 1] == "sphinx"  # python -m sphinx, through dglab.startup
    assert {"-W", "--keep-going", "-E"} <= set(command) and command[-2:] == ["src", "html"]
