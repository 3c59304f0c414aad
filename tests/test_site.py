"""The course site, for real: build it for two labs and read it in headless Chromium, offline.

``dglab site`` renders the chosen labs (executed once by myst-nb) into static pages. Chromium
opens them from disk with every http(s) request blocked, so a page that needed a CDN script, font
or stylesheet would show it here. Checked: the pages load without script errors; every image has
pixels; a slider shows what it first drew; MathJax (shipped, not fetched) typesets the labs' math; the Chinese question is drawn in a
CJK font (asked of Chromium itself through the DevTools protocol: which installed font drew those
glyphs), beside its translation; every internal link, crawled from the landing page, resolves to a file and anchor; search
finds a lab; no answer or hidden test reaches a page. Screenshots go to ``artifacts/site/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from chromium import MISSING, launch

from dglab.site import SOLUTION_MARKERS, SiteBuild, build_site

ROOT = Path(__file__).resolve().parent.parent
# The two labs that execute fastest; 01 also has drawn graphs, plots and math.
LABS = ["01", "02"]
SHOTS = Path(os.environ.get("DGLAB_SITE_SCREENSHOTS", ROOT / "artifacts" / "site"))
CJK_FONT = re.compile(r"CJK|Source Han|PingFang|YaHei|WenQuanYi|Hei|Song|Ming|Kai", re.I)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.notebooks,
    MISSING,
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteBuild:
    """Build the site for LABS into a temporary folder (executes both labs once)."""
    pytest.importorskip("myst_nb", reason="the site tools are not installed (pip install -e '.[dev]')")
    built = build_site(ROOT, only=LABS, out=tmp_path_factory.mktemp("site"))
    print(f"site for labs {LABS} built in {built.seconds:.1f} s")
    return built


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch(("--allow-file-access-from-files",))  # Sphinx's search reads its index next to the page


class OfflinePage:
    """A Chromium page whose http(s) requests are refused and recorded, as are failed loads and script errors."""

    def __init__(self, browser: object) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route(re.compile(r"^(https?|wss?)://"), self._refuse)
        self.page.on("requestfailed", self._note_failure)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _refuse(self, route: object) -> None:
        """Abort a request for the network, and remember it."""
        self.external.append(route.request.url)
        route.abort()

    def _note_failure(self, request: object) -> None:
        """Remember a local file that failed to load (refused network requests are counted apart)."""
        if request.url not in self.external:
            self.failed.append(request.url)

    def open(self, url: str) -> object:
        """Load ``url``; wait for its fonts and, where the page has math, for MathJax to finish typesetting."""
        self.page.goto(url, wait_until="load")
        self.page.evaluate(
            """async () => {
                await document.fonts.ready;
                if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
            }"""
        )
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def offline(browser: object) -> Iterator[OfflinePage]:
    page = OfflinePage(browser)
    yield page
    page.close()


def _lab_pages(site: SiteBuild) -> list[Path]:
    return [site.html.parent / f"{stem}.html" for stem in site.labs]


def _shot(locator: object, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"{name}.png"
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(target))
    return target


def _local_target(href: str) -> tuple[Path, str] | None:
    """The file and fragment a ``file://`` link points to, or None for another scheme."""
    url, fragment = urldefrag(href)
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    path = Path(unquote(parsed.path))
    return (path / "index.html" if path.is_dir() else path), unquote(fragment)


def test_pages_work_offline_and_show_executed_labs(site: SiteBuild, offline: OfflinePage) -> None:
    for path in [site.html, *_lab_pages(site)]:
        page = offline.open(path.as_uri())
        images = page.evaluate(
            "() => [...document.images].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0}))"
        )
        broken = [i["src"] for i in images if not i["ok"]]
        assert not broken, f"{path.name}: images without pixels: {broken}"
        if path != site.html:
            assert images, f"{path.name}: a lab page with no drawn graph or plot"
            text = page.inner_text("article")
            assert "NOT YET" in text and "NotImplementedError" in text, f"{path.name}: checks and stubs not shown as a student sees them"
    assert not offline.external, f"pages asked the network for: {sorted(set(offline.external))}"
    assert not offline.failed, f"files that failed to load: {offline.failed}"
    assert not offline.errors, f"script errors: {offline.errors}"

    landing = offline.open(site.html.as_uri())
    table = landing.inner_text("article table")
    assert "not in this build" in table and "planned" not in table
    assert landing.locator("article table a").count() == len(site.labs)
    print("screenshot:", _shot(landing.locator("article table").first, "landing_table"))


def test_math_is_typeset_by_the_shipped_mathjax(site: SiteBuild, offline: OfflinePage) -> None:
    page = offline.open(_lab_pages(site)[0].as_uri())
    page.wait_for_selector("mjx-container", timeout=20_000)
    assert page.locator("script[src*='_static/mathjax/']").count() == 1
    assert not offline.external, f"MathJax asked the network for: {sorted(set(offline.external))}"
    print("screenshot:", _shot(page.locator("mjx-container").first, "math"))


def test_a_widget_shows_its_first_drawing(site: SiteBuild, offline: OfflinePage) -> None:
    page = offline.open(_lab_pages(site)[0].as_uri())
    widget = page.locator(".dglab-widget").first
    assert "Interactive in JupyterLab" in widget.inner_text()
    drawing = widget.locator("svg, img").first
    box = drawing.bounding_box()
    assert box and box["width"] > 50 and box["height"] > 50, "the widget's first drawing is missing"
    assert page.locator("script[type='application/vnd.jupyter.widget-view+json']").count() == 0
    print("screenshot:", _shot(widget, "widget"))


def test_chinese_is_drawn_in_a_cjk_font(site: SiteBuild, offline: OfflinePage) -> None:
    page = offline.open(_lab_pages(site)[0].as_uri())
    question = page.locator("blockquote.seed-question").first
    chinese = question.locator("span[lang='zh-Hans']").first
    assert chinese.count() == 1, "the Chinese question is not marked lang=zh-Hans"
    original, translation = (question.locator("p").nth(i).bounding_box() for i in (0, 1))
    assert translation["x"] > original["x"] + original["width"] / 2 and abs(translation["y"] - original["y"]) < 5, (
        "the translation is not beside the Chinese question"
    )
    # Ask Chromium which installed fonts drew the glyphs of those spans (not what CSS asked for).
    cdp = offline.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    document = cdp.send("DOM.getDocument", {"depth": -1})
    spans = cdp.send(
        "DOM.querySelectorAll",
        {"nodeId": document["root"]["nodeId"], "selector": "blockquote.seed-question span[lang='zh-Hans']"},
    )["nodeIds"]
    drawn: dict[str, int] = {}
    for node_id in spans:
        for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]:
            drawn[font["familyName"]] = drawn.get(font["familyName"], 0) + font["glyphCount"]
    cjk_glyphs = sum(n for name, n in drawn.items() if CJK_FONT.search(name))
    chinese_chars = sum(len(t.strip()) for t in question.locator("span[lang='zh-Hans']").all_inner_texts())
    assert chinese_chars > 10 and cjk_glyphs >= chinese_chars, (
        f"{chinese_chars} Chinese characters drawn with {drawn}: no CJK font (apt-get install fonts-noto-cjk)"
    )
    print("fonts:", drawn, "screenshot:", _shot(question, "chinese_question"))


def test_every_internal_link_resolves(site: SiteBuild, offline: OfflinePage) -> None:
    root = site.html.parent.resolve()
    seen: set[Path] = set()
    todo = [site.html.resolve()]
    ids: dict[Path, set[str]] = {}
    links: list[tuple[Path, str]] = []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        page = offline.open(path.as_uri())
        ids[path] = set(page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)"))
        for href in page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"):
            target = _local_target(href)
            if target is None:
                continue
            links.append((path, href))
            file = target[0].resolve()
            assert file.is_file(), f"{path.name} links to {href}: no such file"
            if file.suffix == ".html" and file.is_relative_to(root):
                todo.append(file)
    for page_path, href in links:
        file, fragment = _local_target(href)
        file = file.resolve()
        if fragment and file in ids:
            assert fragment in ids[file], f"{page_path.name} links to {href}: no element with that id"
    assert {p.stem for p in seen} >= {"index", *site.labs}
    assert len(links) > 20
    assert not offline.external, f"pages asked the network for: {sorted(set(offline.external))}"


def test_search_finds_a_lab(site: SiteBuild, offline: OfflinePage) -> None:
    page = offline.open((site.html.parent / "search.html").as_uri() + "?q=next_functions")
    page.wait_for_selector("#search-results li", timeout=20_000)
    results = page.inner_text("#search-results")
    assert "graph is built" in results.lower(), f"search for next_functions did not find lab 01: {results[:300]}"
    print("screenshot:", _shot(page.locator("#search-results"), "search"))


def test_no_answer_reaches_a_page(site: SiteBuild) -> None:
    for path in site.html.parent.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".js", ".txt", ".ipynb"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            for marker in (*SOLUTION_MARKERS, "### END SOLUTION", "HIDDEN TESTS"):
                assert marker not in text, f"{path.relative_to(site.html.parent)} contains {marker!r}"
