"""The OS sandbox a kernel runs in (Linux, Debian's ``bubblewrap``).

Inside, the kernel runs as an ordinary user without capabilities and sees the system's ``/usr`` and the Python environment read-only, the
grader's private copy of the ``dglab`` package read-only, its own scratch folder as the only
writable place, a private ``/tmp``, a private ``/proc`` with only its own processes, a minimal
``/dev`` and no network (new user, PID, mount, network, IPC and UTS namespaces). Its environment
is a short allow-list. When the worker dies, bubblewrap's child dies with it, and with it the
PID namespace: everything the student's code started, double forks and ``setsid`` included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/fonts", "/etc/localtime", "/etc/alternatives")
ENV_ALLOWED = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
PROBE_TIMEOUT = 30.0
HOSTS_FILE = Path(__file__).with_name("hosts")


def bwrap() -> str | None:
    """The path of the ``bwrap`` program, if it is installed."""
    return shutil.which("bwrap")


def python_dirs() -> list[str]:
    """Folders the kernel's Python needs: the environment and the interpreter it was made from."""
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    places |= {os.path.realpath(p) for p in list(places)}
    keep = sorted(p for p in places if p and not p.startswith(SYSTEM_DIRS))
    return [p for p in keep if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in keep)]


def kernel_env(scratch: Path, python_bin: str) -> dict[str, str]:
    """The kernel's whole environment: a few allowed variables, no grader secrets."""
    env = {k: os.environ[k] for k in ENV_ALLOWED if k in os.environ}
    env.update(
        PATH=f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
        HOME=str(scratch / "home"),
        USER="student",
        LOGNAME="student",
        IPYTHONDIR=str(scratch / "ipython"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        MPLCONFIGDIR=str(scratch / "home" / ".matplotlib"),
        PYTHONDONTWRITEBYTECODE="1",
        PWD=str(scratch / "work"),
        TMPDIR="/tmp",
    )
    env.setdefault("LANG", "C.UTF-8")
    return env


def _system_binds() -> list[str]:
    args: list[str] = []
    for place in SYSTEM_DIRS:
        if os.path.islink(place):
            args += ["--symlink", os.readlink(place), place]
        elif os.path.isdir(place):
            args += ["--ro-bind", place, place]
    for place in ETC_FILES:
        args += ["--ro-bind-try", place, place]
    return args


def _gpu_binds() -> list[str]:
    """NVIDIA device files, so a CUDA build still finds its GPU inside (untested without one)."""
    args: list[str] = []
    for name in sorted(os.listdir("/dev")) if os.path.isdir("/dev") else []:
        if name.startswith("nvidia"):
            args += ["--dev-bind", f"/dev/{name}", f"/dev/{name}"]
    if args:
        args += ["--ro-bind-try", "/proc/driver/nvidia", "/proc/driver/nvidia", "--ro-bind-try", "/sys", "/sys"]
    return args


def command(scratch: Path, lib: Path, cwd: Path, env: dict[str, str]) -> list[str]:
    """The ``bwrap ...`` prefix that runs a command inside a submission's sandbox.

    Args:
        scratch: the only writable folder (mounted at the same path inside).
        lib: the private ``dglab`` copy (read-only, same path inside).
        cwd: the working directory inside (within ``scratch``).
        env: the whole environment inside.

    Returns:
        The argument list up to (not including) the command to run.
    """
    program = bwrap()
    if program is None:
        raise FileNotFoundError("bwrap is not installed")
    # no capabilities and an ordinary uid inside, and no nested user namespaces: otherwise a kernel
    # started by root could remount the read-only binds read-write (measured: it could)
    args = [program, "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL", "--uid", "1000", "--gid", "1000"]
    args += ["--die-with-parent", "--clearenv"]
    # the private /tmp first: binds are applied in order, so a Python environment that lives
    # under /tmp (a CI clone) is bound on top of it instead of hidden by it
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    args += _system_binds()
    for place in python_dirs():
        args += ["--ro-bind", place, place]
    args += _gpu_binds()
    # a loopback-only hosts file: torchrun --standalone and gloo look up "localhost" (without it,
    # a lab that launches two processes waits on name resolution until the cell timeout)
    args += ["--hostname", "sandbox", "--ro-bind", str(HOSTS_FILE), "/etc/hosts"]
    args += ["--bind", str(scratch), str(scratch), "--ro-bind", str(lib), str(lib), "--chdir", str(cwd)]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    return args


def run_python(code: str, timeout: float = PROBE_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run ``python -I -c code`` in a throwaway sandbox (empty scratch and library folders).

    Args:
        code: the Python source to run.
        timeout: seconds before the run is stopped (``subprocess.TimeoutExpired``).

    Returns:
        The finished process, its output captured as text.
    """
    with tempfile.TemporaryDirectory(prefix="dglab-probe-") as tmp:
        scratch, lib = Path(tmp) / "s", Path(tmp) / "l"
        scratch.mkdir()
        lib.mkdir()
        env = kernel_env(scratch, os.path.dirname(sys.executable))
        argv = command(scratch, lib, scratch, env) + [sys.executable, "-I", "-c", code]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def probe() -> str | None:
    """Try to start Python in a sandbox; return why it failed, or None when it works."""
    if sys.platform != "linux":
        return f"sandboxing needs Linux (this is {sys.platform})"
    if bwrap() is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        done = run_python("import os; print(len(os.listdir('/proc')))", timeout=PROBE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not start: {error}"
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or [f"exit status {done.returncode}"]
        return f"bwrap failed: {lines[-1][:160]}"
    return None
