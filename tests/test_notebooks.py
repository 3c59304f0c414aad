"""dglab.notebooks: kernels over Unix sockets that time out by cell and never outlive a run."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from dglab.notebooks import CellTimeout, execute

pytestmark = pytest.mark.notebooks


def _kernels() -> list[int]:
    return [p.pid for p in psutil.Process(os.getpid()).children(recursive=True)]


def test_a_run_leaves_no_kernel_behind_even_after_a_timeout(tmp_path: Path) -> None:
    before = _kernels()
    nb = new_notebook(cells=[new_code_cell("import os\nprint(os.environ.get('JPY_SESSION_NAME', 'ok'))")])
    execute(nb, tmp_path, cell_timeout=30)
    assert nb.cells[0].outputs[0]["text"].strip()
    assert _kernels() == before
    slow = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("import time\ntime.sleep(30)")])
    with pytest.raises(CellTimeout, match="cell 1 ran over the 2 s cell limit: import time"):
        execute(slow, tmp_path, cell_timeout=2)
    assert _kernels() == before


def test_a_run_leaves_no_client_thread_behind(tmp_path: Path) -> None:
    """nbclient keeps the channels of a client whose manager it did not make; execute closes them."""
    before = threading.active_count()
    for _ in range(2):
        execute(new_notebook(cells=[new_code_cell("x = 1")]), tmp_path, cell_timeout=30)
    assert threading.active_count() == before, [t.name for t in threading.enumerate()]
