"""dglab: helpers for the hands-on labs on PyTorch's dynamic computational graph.

Modules, one idea each: ``graph`` (walk, print, draw autograd graphs), ``tiny`` (a teaching
autograd engine), ``profiling`` (time, memory, traces on any device), ``checks`` (exercise
checks), ``datasets`` (small data shipped with the course), ``build``/``notebooks``/``cli``
(course tooling).
"""

__version__ = "0.1.0"
