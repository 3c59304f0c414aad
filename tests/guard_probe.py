"""Run the grader's in-kernel guard in a plain process (no kernel) and print what it signed.

Used by tests/test_grade_units.py: ``python -I guard_probe.py LIB`` installs the guard from
the package copy in LIB, runs one check per scenario after some "student" code (compiled
with a notebook cell's kind of file name), and prints one JSON line: {scenario: record}.
"""

import json
import os
import sys

lib = sys.argv[1]
sys.path.insert(0, lib)

from dglab.grade.launch import load_guard  # noqa: E402
from dglab.grade.scoring import verify_channel  # noqa: E402
from dglab.grade.spec import check_blocks  # noqa: E402

CHECK = """with check("one"):
    expect(f(1) == 1, "f(1) wrong")
with check("two"):
    expect(f(2) == 2, "f(2) wrong")
    expect(f(4) == 4, "f(4) wrong")
__dglab_hidden__(True)
with check("hidden"):
    expect(f(3) == 3, "f(3) wrong")
__dglab_hidden__(False)
"""

# reach the private checks module through object.__subclasses__() and __globals__ (no audit
# event), then wipe the running block's failures, push a dummy block and call __exit__ directly
SUBCLASSES = """def f(x):
    for base in object.__subclasses__():
        if base.__name__ == "check" and "_blocks" in base.__init__.__globals__:
            blocks = base.__init__.__globals__["_blocks"]
            for sub in base.__subclasses__():
                if blocks:
                    blocks[-1].failures.clear()
                    sub.__exit__(blocks[-1], None, None, None)
                    blocks.append(object())
    return 0
"""

# a check that defines its own copy of a global the answer calls (as lab checks must: a student
# can redefine the notebook's copy); the answer must see the check's copy while the check runs
CHECK_OWN_GLOBAL = """calls = {"n": 0}
def helper(x):
    calls["n"] += 1
    return x
with check("uses the check's own helper"):
    expect(f(5) == 5 and calls["n"] == 1, "f did not call the check's helper exactly once")
"""
OWN_GLOBAL = "calls = {'n': 0}\ndef helper(x):\n    return x\ndef f(x): return helper(x)"
# the answer swaps the check's expect for a dummy during the check (and would then pass f(4))
SWAP_HELPERS = "def f(x):\n    if x == 2:\n        globals()['expect'] = lambda *a: None\n    return x if x < 3 else 0"

# a check cell that imports the helpers itself must still be recorded by the guard
CHECK_IMPORTS = """from dglab.checks import check, expect
with check("imports its own helpers"):
    expect(f(1) == 1, "f(1) wrong")
"""

SCENARIOS = {
    "honest": "def f(x): return x",
    "wrong_two": "def f(x): return 1",
    "gc": "import gc\ntry:\n    gc.get_objects()\nexcept PermissionError:\n    pass\ndef f(x): return x",
    "frames_in_check": "import sys\ndef f(x):\n    sys._getframe(1).f_locals\n    return x",
    "skip_hidden": "class Skip(BaseException): pass\ndef f(x):\n    if x == 3: raise Skip()\n    return x",
    "forged_exit": "import sys\ndef f(x): return x if x < 3 else 0\nsys.audit('dglab.grade.exit', None, None, None)",
    "spoofed_name": "def f(x): return x\ntry:\n    compile('1', sys.prefix + '/lib/x.py', 'exec')\nexcept PermissionError:\n    pass",
    "settrace": "import sys\ndef f(x): return x\ntry:\n    sys.settrace(lambda *a: None)\nexcept PermissionError:\n    pass",
    "proc": "def f(x): return x\nopen('/proc/self/status').read()",
    "leaky_error": "def f(x):\n    raise ValueError('x' * 5000)",
    "subclasses": SUBCLASSES,
    "dynamo_like": "def f(x):\n    f.__code__.co_consts\n    return x",
    "own_global": OWN_GLOBAL,
    "swap_helpers": SWAP_HELPERS,
    "imports_helpers": "def f(x): return x",
    "imports_helpers_wrong": "def f(x): return 0",
}
CHECKS = {"own_global": CHECK_OWN_GLOBAL, "imports_helpers": CHECK_IMPORTS, "imports_helpers_wrong": CHECK_IMPORTS}


def main() -> None:
    install = load_guard(lib)
    read_end, write_end = os.pipe()
    checks_file = os.path.join(lib, "dglab", "checks.py")
    with open(checks_file, encoding="utf-8") as f:
        checks_source = f.read()
    boot = {
        "key": "11" * 32, "name": "guard", "lib": lib, "checks_source": checks_source, "checks_file": checks_file,
        "helpers": ["check", "expect", "require", "ExerciseFailed"], "pins": [],
        "checks": {
            name: ["c_check", CHECKS.get(name, CHECK), False, [list(b) for b in check_blocks(CHECKS.get(name, CHECK))]]
            for name in SCENARIOS
        },
    }
    ns = {"__name__": "__main__", "sys": sys}
    install(boot, write_end, ns)
    for name, source in SCENARIOS.items():
        exec(compile(source, "/tmp/ipykernel_1/cell.py", "exec"), ns)
        ns["guard"](name)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 2**16):
        data += chunk
    lines = [(i, line) for i, line in enumerate(data.decode().splitlines())]
    channel = verify_channel(lines, bytes.fromhex("11" * 32))
    flags: dict[str, list] = {}
    order = list(SCENARIOS)
    verdict_line = {}
    for i, line in lines:
        for name in order:
            if f"'verdict', '{name}'" in line:
                verdict_line[name] = i
    for i, label, refused in channel.flags:
        after = [n for n in order if verdict_line.get(n, -1) > i]
        flags.setdefault(after[0] if after else "?", []).append([label, refused])
    out = {name: {"verdicts": channel.verdicts.get(name, []), "flags": flags.get(name, [])} for name in SCENARIOS}
    print(json.dumps(out))


main()
