"""Headless Debian Chromium for the browser tests: where it is, how it starts, a shared fixture body."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DGLAB_CHROMIUM", "/usr/bin/chromium")
# without the background-networking flags Chromium keeps dialling out on a machine with no network
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
MISSING = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


def launch(extra_flags: tuple[str, ...] = ()) -> Iterator[object]:
    """Yield a headless Chromium driven by Playwright (no browser download); close it afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS + list(extra_flags))
        yield browser
        browser.close()
