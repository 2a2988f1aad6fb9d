"""Verdicts a hand-in must not be able to forge, whatever its code sends or the runner's Python does.

The worker's arrays are judged in the runner (``grading.judge``, ``checks.assert_close``); these
tests feed it values that once passed wrongly, and grade a hand-in whose running code was not the
source staff read. Payloads are small: a few arrays, one compiled module of a few KB.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile_handins import shadowed  # noqa: E402

from autograder.checks import assert_close  # noqa: E402


def test_an_infinite_or_nan_reference_value_is_met_only_by_the_same_value():
    """An infinite reference value made an infinite tolerance: -inf, or any finite number, met +inf."""
    expected = np.array([np.inf, -np.inf, np.nan, 1.0])
    assert_close("v", expected.copy(), expected)
    for wrong in ([-np.inf, -np.inf, np.nan, 1.0], [5.0, -np.inf, np.nan, 1.0], [np.inf, -np.inf, 0.0, 1.0],
                  [np.inf, np.nan, np.nan, 1.0]):  # fmt: skip
        with pytest.raises(AssertionError, match="1 of 4 values differ"):
            assert_close("v", np.array(wrong), expected)
    with pytest.raises(AssertionError, match=r"worst at index \(3,\): got nan"):  # a matched inf is not the worst
        assert_close("v", np.array([np.inf, -np.inf, np.nan, np.nan]), expected)


def test_under_python_dash_o_untrained_weights_still_fail_the_training_test():
    """The MLP test's verdict was two ``assert`` statements: a runner started with ``python -O`` (or
    PYTHONOPTIMIZE set) passed any weights of the right shapes, the untrained ones included."""
    code = """
from autograder.grading import collect, judge
test = next(t for t in collect(["mlp"]) if t.name == "learns the disc task")
inputs = test.inputs()
try:
    judge(test, inputs, {name: inputs[name] for name in ("W1", "b1", "W2", "b2")})
except AssertionError as error:
    print("FAILED:", error)
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-O", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "FAILED: the loss went from" in done.stdout, done.stdout


def _sandbox_or_skip(mode: str) -> None:
    from autograder.containment import Containment, SandboxUnavailableError
    from autograder.isolation import probe

    try:
        Containment.choose(mode, probe)
    except SandboxUnavailableError as error:
        pytest.skip(f"the kernel refuses this sandbox here: {error}")


@pytest.mark.parametrize("mode", ["namespaces", "none"])
def test_a_compiled_module_beside_its_source_is_not_what_is_graded(tmp_path, mode):
    """Python imports ``shadow.cpython-311-x86_64-linux-gnu.so`` before ``shadow.py``: the code graded
    was not the source staff read (and compare for plagiarism). Workers' copies leave compiled
    modules out (a namespaces worker copies the package itself, the runner for the other modes)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the compiled module")
    _sandbox_or_skip(mode)
    folder = shadowed(tmp_path / "handin", compiler)
    command = [sys.executable, str(ROOT / "autograder" / "runner.py"), "--mytorch", str(folder), "--sandbox", mode,
               "--jobs", "2", "loss"]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "compiled shadow ran" not in done.stdout, done.stdout[-3000:]
    assert done.stdout.strip().splitlines()[-1] == json.dumps({"scores": {"loss": 5}}), done.stdout[-3000:]


def test_bytecode_shipped_beside_the_source_is_never_what_a_worker_imports(tmp_path):
    """A ``__pycache__`` entry compiled with ``--invalidation-mode unchecked-hash`` is imported
    whatever the ``.py`` beside it says (checked first, below, on the hand-in as archived), and a
    ``.pyc`` with no source is imported as is: the code run would not be the source staff read.
    The worker's copy of ``mytorch/`` (``jail.copy_package``, made in every mode) has neither."""
    import py_compile

    from autograder.jail import copy_package

    package = tmp_path / "handin" / "mytorch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "kernels.py").write_text('ANSWER = "the bytecode"\n')
    (package / "extra.py").write_text('ANSWER = "a sourceless module"\n')
    py_compile.compile(str(package / "kernels.py"), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    py_compile.compile(str(package / "extra.py"), cfile=str(package / "extra.pyc"))
    (package / "kernels.py").write_text('ANSWER = "the source"\n')
    (package / "extra.py").unlink()
    code = """import sys
sys.path.insert(0, ".")
from mytorch import kernels
try:
    from mytorch import extra
    found = extra.ANSWER
except ImportError:
    found = "no extra"
print(kernels.ANSWER, "/", found)
"""

    def run(folder: Path) -> str:
        done = subprocess.run([sys.executable, "-I", "-B", "-c", code], cwd=folder, capture_output=True, text=True,
                              timeout=60)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run(tmp_path / "handin") == "the bytecode / a sourceless module"  # what Python does with the archive
    (tmp_path / "copy").mkdir()
    copy_package(str(tmp_path / "handin"), str(tmp_path / "copy"))
    assert run(tmp_path / "copy") == "the source / no extra"


def test_a_constant_answer_no_longer_earns_the_add_operation_facts():
    """The facts of ``autograd/add_operation`` (3 points) and of its gradient spots (2) are
    identities and zeros: with fixed inputs their right answer was one constant, and a hand-in that
    replaced the student side by it (or sent it as its result) got the 5 points without an engine.
    The inputs are now drawn afresh on every run, and the answer holds the recorded arrays' values
    and the spots' shapes: what an engine answered on one run fails on the next, and so does the
    constant that passed before."""
    from autograder.grading import collect, judge

    tests = {t.name: t for t in collect(["autograd"])}
    for name in ("add_operation", "add_operation gradient spots"):
        test = tests[name]
        earlier, now = test.inputs(), test.inputs()
        assert not np.array_equal(earlier["x"], now["x"])
        answer = test.computes({k: v.copy() for k, v in earlier.items()})
        judge(test, earlier, answer)  # the honest answer, on its own run's inputs
        if name == "add_operation" or now["x"].shape != earlier["x"].shape or now["W"].shape != earlier["W"].shape:
            with pytest.raises(AssertionError, match=r"^operation 0: values of input 0: |^gradient_buffer.get_param"):
                judge(test, now, answer)  # (the spots' shapes are the same on one run in 59,319)
    facts = ["input 0 is the array passed in", "input 1 is the array passed in", "output is the array passed in",
             "gradients_to_update[0] is the one passed in", "gradients_to_update[1] is the one passed in",
             "backward_operation is the function passed in"]  # fmt: skip
    constant = {"operations in operation_list after 2 calls": np.array(2)}  # what passed until 2026-12-03
    for index in range(2):
        constant[f"operation {index}: number of inputs stored"] = np.array(2)
        constant.update({f"operation {index}: {fact}": np.array(True) for fact in facts})
    with pytest.raises(AssertionError, match="operation 0: values of input 0: the code under test did not produce it"):
        judge(tests["add_operation"], tests["add_operation"].inputs(), constant)
    spots = {}
    for name, shape in (("x", (4, 3)), ("h", (4, 5))):
        spots[f"gradient_buffer.is_in_memory({name}) after add_operation"] = np.array(True)
        spots[f"gradient_buffer.get_param({name}) before backward"] = np.zeros(shape)
    inputs = tests["add_operation gradient spots"].inputs()
    if inputs["x"].shape != (4, 3) or inputs["W"].shape[1] != 5:  # (one run in 59,319 draws the old shapes)
        with pytest.raises(AssertionError, match=r"get_param\(x\) before backward: got shape \(4, 3\)|\(h\)"):
            judge(tests["add_operation gradient spots"], inputs, spots)
