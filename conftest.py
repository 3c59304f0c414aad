"""The course's pytest plugin (honesty, catalogue and notebook times on nbval's single run), and
the order in which ``make test`` hands files to its two workers."""

from __future__ import annotations

import pytest

pytest_plugins = ["dglab.pytest_labs"]


def _file_rank(item: pytest.Item) -> int:
    """Longest first: tool tests that start kernels or a browser, then solutions, labs, unit tests."""
    top = item.path.relative_to(item.config.rootpath).parts[0]
    if top == "tests":
        return 0 if any(item.iter_markers("notebooks")) or any(item.iter_markers("browser")) else 3
    return {"solutions": 1, "labs": 2}.get(top, 3)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order files so that none of the long ones is left for the end (``make test`` keeps this order
    with ``--no-loadscope-reorder``; by default xdist hands out the files with most items first)."""
    rank = {}
    for item in items:
        rank[item.path] = min(rank.get(item.path, 3), _file_rank(item))
    items.sort(key=lambda item: rank[item.path])  # stable: a file's items keep their order
