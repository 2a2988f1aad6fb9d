"""The grader's worker imports, before it drops its privileges, every module of the Python
installation that MyTorch (the reference a hand-in starts from) imports.

Under ``--sandbox uid`` the Python installation may be unreadable to the worker's uid (a
Python in root's home, as with pyenv): a module of it first imported after ``jail.contain``
does not import, and a correct hand-in loses the tests that need it. ``jail.PRELOAD`` is what
the worker imports while it still can read; this test imports MyTorch after it, as a graded
test does, and lists the files of the installation that import read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The worker's imports before ``jail.contain`` (autograder/worker.py), the modules the graded
# tests import from the hand-in (autograder/compute), then every module that came from a file
# outside the hand-in.
_PROBE = r"""
import importlib, json, os, sys
sys.path.insert(0, os.path.join(ROOT, "autograder"))
from bootstrap import load_grader
load_grader()
import numpy
from autograder import jail, protocol
for name in ("engine", "kernels", "layers"):
    importlib.import_module("autograder.compute." + name)
for name in jail.PRELOAD:
    importlib.import_module(name)
before = set(sys.modules)
sys.path.insert(0, ROOT)
for name in ("mytorch", "mytorch.autograd_engine", "mytorch.nn.functional", "mytorch.nn.modules.linear",
             "mytorch.nn.modules.activation", "mytorch.nn.modules.loss"):
    importlib.import_module(name)
handin = os.path.realpath(os.path.join(ROOT, "mytorch")) + os.sep
read = []
for name in sorted(set(sys.modules) - before):
    origin = getattr(getattr(sys.modules[name], "__spec__", None), "origin", None) or ""
    if os.path.isfile(origin) and not os.path.realpath(origin).startswith(handin):
        read.append(name)
print(json.dumps(read))
"""


def test_importing_mytorch_after_the_preload_reads_nothing_of_the_python_installation():
    probe = f"ROOT = {str(ROOT)!r}\n{_PROBE}"
    done = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout.strip().splitlines()[-1])
    assert read == [], (
        f"importing mytorch loads modules the grader's worker does not preload: {read}; add them (or "
        "the module that imports them) to autograder/jail.py's PRELOAD (under --sandbox uid they may be unreadable)"
    )
