"""``python autograder/runner.py`` off Linux (macOS, Windows), simulated here: ``sys.platform``
set to theirs and the modules Windows lacks (``resource``, ``fcntl``) made unimportable. The
starter's runner then checks the student's own ``mytorch`` in process (``autograder/selfcheck.py``)
with the runner's verdicts and messages; until 2026-12-04 it could not run there at all."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.mutants import HANG, WRONG_SIGN, broken_copy  # noqa: E402

LAUNCHER = """import os, runpy, sys
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name in ("resource", "fcntl"):  # (Windows has neither)
            raise ImportError("No module named " + repr(name))
sys.meta_path.insert(0, Missing())
import shutil, subprocess, tempfile  # (this Python's own: Python 3.13's would import _winapi on win32)
sys.platform, script = sys.argv[1], sys.argv[2]
if sys.platform == "win32":  # (no interval timers either)
    import signal
    del signal.setitimer
import ctypes
_CDLL = ctypes.CDLL
class OffLinuxLibrary:  # (a C library without Linux's own calls, looked up as they are used)
    def __init__(self, *args, **kwargs):
        self._library = _CDLL(*args, **kwargs)
    def __getattr__(self, name):
        if name in ("prctl", "setfsuid", "setfsgid", "unshare", "mount", "chroot", "capset", "capget", "syscall"):
            raise AttributeError(name)
        return getattr(self._library, name)
ctypes.CDLL = OffLinuxLibrary
sys.argv = sys.argv[2:]
sys.path.insert(0, os.path.dirname(script))
runpy.run_path(script, run_name="__main__")
"""


def off_linux(tmp_path: Path, platform: str, folder: Path, *args: str) -> subprocess.CompletedProcess:
    launcher = tmp_path / "launch.py"
    launcher.write_text(LAUNCHER)
    command = [sys.executable, str(launcher), platform, str(folder / "autograder" / "runner.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120)


def test_off_linux_the_runner_checks_ones_own_mytorch_and_refuses_handins(tmp_path):
    done = off_linux(tmp_path, "win32", ROOT, "operations")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Checking {ROOT / 'mytorch'} in this process (win32: not contained, no time limit")
    assert sum(line.startswith("PASS  operations/") for line in lines) == 6
    assert lines[-1] == '{"scores": {"operations": 6}}'
    listed = off_linux(tmp_path, "win32", ROOT, "--list", "loss").stdout.splitlines()
    assert [line.split() for line in listed] == [["loss/SoftmaxCrossEntropy", "forward", "1"],
                                                 ["loss/SoftmaxCrossEntropy", "backward", "4"]]  # fmt: skip
    done = off_linux(tmp_path, "darwin", ROOT, "--handin", "handin.tar")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("runner.py: error: --handin needs Linux, where the grader contains each test")


def test_off_linux_a_mistake_and_a_hang_get_the_runners_verdicts(tmp_path):
    folder = broken_copy(ROOT, tmp_path / "student", "mul_backward", WRONG_SIGN)
    shutil.rmtree(folder / "mytorch")
    broken_copy(ROOT, tmp_path / "hangs", "exp_backward", HANG)
    shutil.copytree(tmp_path / "hangs" / "mytorch", folder / "mytorch")
    functional = folder / "mytorch" / "nn" / "functional.py"
    functional.write_text(functional.read_text() + WRONG_SIGN.format(name="mul_backward"))
    shutil.copytree(ROOT / "autograder", folder / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    done = off_linux(tmp_path, "darwin", folder, "operations", "--timeout", "3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    mul = lines.index(next(line for line in lines if line.startswith("FAIL  operations/mul")))
    assert "mul_backward(g, a, b): gradient of input 0: 12 of 12 values differ" in lines[mul + 1]
    exp = lines.index(next(line for line in lines if line.startswith("FAIL  operations/exp")))
    assert lines[exp + 1].endswith("TIMEOUT: still running after 3 s")
    assert lines[-1] == '{"scores": {"operations": 4}}'


def test_off_linux_the_installed_command_checks_in_process_as_the_runner_does(tmp_path):
    # ``mytorch-grade`` as pyproject.toml declares it, called as its console script calls it (until
    # 2026-12-05 it was the Linux grader everywhere)
    tomllib = pytest.importorskip("tomllib")  # (Python 3.11 and later)
    target = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["mytorch-grade"]
    module, function = target.split(":")
    script = tmp_path / "mytorch_grade.py"
    script.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom {module} import {function}\nsys.exit({function}())\n"
    )
    launcher = tmp_path / "launch.py"
    launcher.write_text(LAUNCHER)
    command = [sys.executable, str(launcher), "darwin", str(script), "operations"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith(f"Checking {ROOT / 'mytorch'} in this process (darwin: not contained")
