"""What dglab's own processes (the ``dglab`` command, the grader's worker) do before their imports."""

from __future__ import annotations

import sys

# jsonschema, which nbformat imports, tries an optional IRI format checker whose package builds
# ~35 Earley parsers when imported: 2.5 s of CPU per process here, for a format no notebook
# schema uses (python-jsonschema/jsonschema#1428). Without it, ``import nbformat`` takes 0.3 s.
SLOW_OPTIONAL_IMPORTS = ("rfc3987_syntax",)


def skip_slow_optional_imports() -> None:
    """Make the optional imports above fail fast, unless something has already imported them."""
    for name in SLOW_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None: "import name" raises ImportError
