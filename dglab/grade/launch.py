"""The kernel launcher: ``python -I -B launch.py MEMORY LIB -f CONNECTION_FILE``.

Runs (inside the sandbox, when there is one) before ipykernel starts: it caps the kernel's
address space and file sizes, makes the kernel die with its parent, reads the guard's secrets
from stdin (a pipe from the worker: no file holds them), keeps stdout (a pipe back to the
worker) as the verdict channel on a private descriptor, executes ``guard.py`` privately and
leaves ``install`` for the grader's setup cell under ``sys.modules["_dglab_boot"]``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import types

SETUP_SOURCE = 'import sys as _s; _s.modules.pop("_dglab_boot").install(get_ipython().user_ns); del _s'
FILE_LIMIT = 2**30  # bytes one file written by the kernel may reach


def die_with_parent_and_hide_memory() -> None:
    """Ask Linux to kill this process when its parent dies, and to let no other process read its memory.

    Not dumpable: a process the student starts cannot open this kernel's ``/proc/<pid>/mem``
    (where the guard's key lives) without a capability the sandbox drops. No-op off Linux.
    """
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        libc.prctl(4, 0)  # PR_SET_DUMPABLE
    except Exception:
        pass


def set_limits(memory: int) -> None:
    """Cap the address space (``memory`` bytes, 0 = none) and the size of any file written."""
    import resource

    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def read_boot() -> dict:
    """Read the guard's configuration from stdin, then point stdin at /dev/null."""
    chunks = []
    while True:
        chunk = os.read(0, 2**16)
        if not chunk:
            break
        chunks.append(chunk)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.close(null)
    return json.loads(b"".join(chunks))


def take_channel() -> int:
    """Move stdout (the pipe to the worker) to a private descriptor; stdout becomes /dev/null."""
    channel = os.dup(1)
    os.set_inheritable(channel, False)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    return channel


def load_guard(lib: str) -> types.FunctionType:
    """Execute ``guard.py`` from the private library copy into a namespace of its own."""
    path = os.path.join(lib, "dglab", "grade", "guard.py")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    namespace = {"__name__": "_dglab_guard", "__file__": path}
    exec(compile(source, path, "exec", dont_inherit=True, optimize=0), namespace)
    return namespace["install"]


def main(argv: list[str]) -> None:
    """Prepare the kernel process, then run ipykernel with the remaining arguments."""
    memory, lib = int(argv[1]), argv[2]
    die_with_parent_and_hide_memory()
    set_limits(memory)
    boot = read_boot()
    channel = take_channel()
    sys.path.insert(0, lib)
    install = load_guard(lib)
    sys.modules["_dglab_boot"] = types.SimpleNamespace(install=functools.partial(install, boot, channel))  # type: ignore[assignment]
    del boot, install
    sys.argv = [argv[0], *argv[3:]]
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()


if __name__ == "__main__":
    main(sys.argv)
