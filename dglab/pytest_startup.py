"""Loaded by pytest before any other plugin (``-p dglab.pytest_startup`` in pyproject.toml's addopts),
so that nbval's import of nbformat skips the slow optional import (see :mod:`dglab.startup`)."""

from dglab.startup import skip_slow_optional_imports

skip_slow_optional_imports()
