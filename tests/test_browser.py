"""A student's path, for real: JupyterLab in headless Chromium runs a lab and its solution.

Starts ``jupyter lab`` on 127.0.0.1 (token, no browser) over a temporary copy of the notebooks,
so autosave never touches the repository; drives Debian's Chromium through Playwright (no
browser download); runs all cells and checks what a student sees. Screenshots of the key
cells go to ``artifacts/browser/`` (or ``$DGLAB_SCREENSHOTS``) for a person to look at.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import MISSING, launch

ROOT = Path(__file__).resolve().parent.parent
LAB = "01"
SHOTS = Path(os.environ.get("DGLAB_SCREENSHOTS", ROOT / "artifacts" / "browser"))
RUN_TIMEOUT_MS = 90_000

pytestmark = [
    pytest.mark.browser,
    MISSING,
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Copy lab LAB and its solution into a fresh folder JupyterLab will serve."""
    work = tmp_path_factory.mktemp("jlab")
    names = {}
    for kind in ("labs", "solutions"):
        matches = sorted((ROOT / kind).glob(f"{LAB}_*.ipynb"))
        assert matches, f"no {kind}/{LAB}_*.ipynb"
        (work / kind).mkdir()
        shutil.copy(matches[0], work / kind / matches[0].name)
        names[kind] = f"{kind}/{matches[0].name}"
    # No virtual scrolling: every cell stays in the DOM, so outputs can be found and shot.
    settings = work / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    news = work / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    names["root"] = str(work)
    return names


@pytest.fixture(scope="module")
def server(notebooks: dict[str, str]) -> Iterator[str]:
    """Run jupyter lab on 127.0.0.1 with a token; stop it by its process id."""
    work = Path(notebooks["root"])
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(work / "config"),
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    cmd = [
        # python -m jupyterlab, started 2.5 s quicker (dglab/startup.py)
        sys.executable, "-m", "dglab.startup", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", "--ServerApp.open_browser=False",
        "--LabApp.news_url=", "--LabApp.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(work / "jupyter.log", "w")
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("jupyter lab did not start:\n" + (work / "jupyter.log").read_text()[-3000:])
            time.sleep(0.3)
        yield f"{base}|{token}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch()


def _open_and_run_all(browser: object, server: str, path: str):  # noqa: ANN202 - playwright Page
    base, token = server.split("|")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab/tree/{path}?token={token}&reset", timeout=60_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    # Drive JupyterLab's own command (exposed with --LabApp.expose_app_in_browser) once the
    # kernel is ready: clicking through menus races with the page still settling.
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel",
        timeout=60_000,
    )
    page.evaluate(
        """async () => {
            const panel = window.jupyterapp.shell.currentWidget;
            await panel.sessionContext.ready;
            await window.jupyterapp.commands.execute('notebook:run-all-cells');
        }"""
    )
    # Every code cell gets an execution count ([n]) once the kernel has run it.
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=RUN_TIMEOUT_MS,
    )
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=RUN_TIMEOUT_MS)
    return page


def _cells(page) -> list[dict]:  # noqa: ANN001
    """Each code cell's tags, whether it shows an error, and its output text."""
    # The source comes from the notebook model: CodeMirror renders only the lines in view, so an
    # editor's text misses the end of a long cell (a check cell's `with check(` among them).
    return page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
            .filter(w => w.model.type === 'code')
            .map((w, i) => ({
                index: i,
                source: w.model.sharedModel.getSource(),
                error: !!w.node.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] .ansi-red-fg, .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]'),
                text: w.node.querySelector('.jp-OutputArea')?.innerText || '',
            }))"""
    )


def _shot(page, selector_or_locator, name: str) -> Path:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"{LAB}_{name}.png"
    locator = page.locator(selector_or_locator) if isinstance(selector_or_locator, str) else selector_or_locator
    locator.first.scroll_into_view_if_needed()
    locator.first.screenshot(path=str(target))
    return target


def test_lab_runs_in_jupyterlab(browser: object, server: str, notebooks: dict[str, str]) -> None:
    page = _open_and_run_all(browser, server, notebooks["labs"])
    cells = _cells(page)
    checks = [c for c in cells if "with check(" in c["source"]]
    exercises = [c for c in cells if "raise NotImplementedError()" in c["source"]]
    others = [c for c in cells if c not in checks and c not in exercises]
    assert len(checks) >= 3 and len(exercises) >= 3
    broken = [c["index"] for c in others if c["error"]]
    assert not broken, f"cells {broken} failed in the browser although they are not exercises"
    for c in checks:
        assert "NOT YET" in c["text"] and "hint" in c["text"], f"check cell {c['index']} does not show its fail message"

    shots = [_shot(page, page.locator(".jp-CodeCell").nth(checks[0]["index"]), "lab_check_fails")]

    graph = page.locator(".jp-RenderedSVG img, .jp-RenderedSVG svg, .jp-RenderedImage img").first
    graph.wait_for(timeout=10_000)
    assert graph.bounding_box()["height"] > 50, "the autograd graph drawing did not render"
    shots.append(_shot(page, graph, "lab_graph"))

    widget = page.locator(".jupyter-widgets.widget-slider, .jupyter-widgets .widget-slider").first
    widget.wait_for(timeout=15_000)
    area = widget.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea')][1]")
    before = area.inner_text()
    handle = widget.locator(".noUi-handle, .ui-slider-handle, input").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([el, before]) => el.innerText !== before",
        arg=[area.element_handle(), before],
        timeout=15_000,
    )
    shots.append(_shot(page, area, "lab_widget"))
    page.close()
    print("screenshots:", *shots, sep="\n  ")


def test_solution_passes_in_jupyterlab(browser: object, server: str, notebooks: dict[str, str]) -> None:
    page = _open_and_run_all(browser, server, notebooks["solutions"])
    cells = _cells(page)
    broken = [c["index"] for c in cells if c["error"]]
    assert not broken, f"solution cells {broken} show errors in the browser"
    checks = [c for c in cells if "with check(" in c["source"]]
    assert len(checks) >= 3
    for c in checks:
        assert "PASSED" in c["text"] and "NOT YET" not in c["text"], f"solution check cell {c['index']} does not pass"
    shot = _shot(page, page.locator(".jp-CodeCell").nth(checks[-1]["index"]), "solution_check_passes")
    page.close()
    print("screenshot:", shot)
