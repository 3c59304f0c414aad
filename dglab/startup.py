"""What dglab's own processes (the ``dglab`` command, the grader's worker, the tools they start)
do before their imports.

``python -m dglab.startup MODULE [ARGS...]`` runs ``python -m MODULE ARGS...`` in this process
after :func:`skip_slow_optional_imports`; ``dglab site`` starts Sphinx this way, and ``dglab grade``
its workers.
"""

from __future__ import annotations

import runpy
import sys

# jsonschema, which nbformat imports, tries an optional IRI format checker whose package builds
# ~35 Earley parsers when imported: 2.5 s of CPU per process here, for a format no notebook
# schema uses (python-jsonschema/jsonschema#1428). Without it, ``import nbformat`` takes 0.3 s.
SLOW_OPTIONAL_IMPORTS = ("rfc3987_syntax",)


def skip_slow_optional_imports() -> None:
    """Make the optional imports above fail fast, unless something has already imported them."""
    for name in SLOW_OPTIONAL_IMPORTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None: "import name" raises ImportError


def run_module(argv: list[str]) -> None:
    """Run ``argv[0]`` as ``python -m`` would, with ``argv[1:]`` as its arguments, without the slow imports.

    Raises:
        SystemExit: no module was named (with a usage line), or whatever the module exits with.
    """
    if not argv:
        raise SystemExit("usage: python -m dglab.startup MODULE [ARGS...]  (runs python -m MODULE ARGS...)")
    skip_slow_optional_imports()
    sys.argv = list(argv)  # run_module puts the module's file name in sys.argv[0]
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    run_module(sys.argv[1:])
