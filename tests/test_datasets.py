"""Shipped data is found by name; a wrong name says what exists."""

from __future__ import annotations

import pytest

from dglab.datasets import data_file


def test_known_file() -> None:
    assert data_file("README.txt").read_text().startswith("Small data sets")
    assert "08_tiny_corpus.txt" in data_file("DATA.md").read_text()


def test_unknown_file_lists_what_exists() -> None:
    with pytest.raises(FileNotFoundError, match="ships no data file 'nope.csv'; it has: .*README.txt"):
        data_file("nope.csv")
