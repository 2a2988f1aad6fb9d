"""The autograder's runner: full marks on MyTorch, exactly the right points lost on a broken
copy, readable failure reasons, the Autolab line and Gradescope's results.json, exit status."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "autograder" / "runner.py"
if str(ROOT) not in sys.path:  # `pytest tests/...` without `python -m`: make `autograder` importable
    sys.path.insert(0, str(ROOT))

from autograder.compute.kernels import backward_kernel  # noqa: E402
from autograder.grading import REGISTRY, SECTIONS, GradedTest, collect, judge, run_in_process  # noqa: E402
from autograder.mutants import WRONG_SIGN, broken_copy  # noqa: E402
from autograder.protocol import error_text  # noqa: E402

COURSE_POINTS = {
    "autograd/add_operation": 3,
    "autograd/add_operation gradient spots": 2,
    "autograd/backward": 5,
    **{f"operations/{op}": 1 for op in ["mul", "sub", "matmul", "div", "log", "exp"]},
    "linear/forward": 2,
    "linear/backward": 4,
    "linear/skip connection forward": 1,
    "linear/skip connection backward": 2,
    **{f"activation/{a} forward": 1 for a in ["Identity", "Sigmoid", "Tanh", "ReLU"]},
    **{f"activation/{a} backward": 4 for a in ["Identity", "Sigmoid", "Tanh", "ReLU"]},
    "loss/SoftmaxCrossEntropy forward": 1,
    "loss/SoftmaxCrossEntropy backward": 4,
}

# Every graded test that calls mytorch.nn.functional.mul_backward (directly or through a module).
MUL_DEPENDENTS = {"operations/mul", "kernels/mul with broadcasting"}


def run_runner(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``python autograder/runner.py ARGS`` from ``cwd``; fails the test if it takes a minute."""
    command = [sys.executable, str(RUNNER), "--jobs", "2", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def maxima() -> dict:
    return {t.id: t.points for t in collect()}


def test_course_sections_carry_the_handouts_points():
    course = {t.id: t.points for t in collect() if SECTIONS[t.section].course}
    assert course == COURSE_POINTS
    assert sum(course.values()) == 50


def test_full_marks_on_mytorch_with_autolab_and_gradescope_output(tmp_path):
    results = tmp_path / "results.json"
    done = run_runner("--extras", "--json", str(results), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    scores = json.loads(lines[-1])["scores"]
    best = maxima()
    expected = {s: sum(p for i, p in best.items() if i.startswith(s + "/")) for s in SECTIONS}
    assert scores == expected
    assert sum(scores[s] for s in SECTIONS if SECTIONS[s].course) == 50
    assert any(line.startswith("TOTAL") and f"{sum(best.values()):g}" in line for line in lines)
    assert sum(line.startswith("PASS") for line in lines) == len(best)

    gradescope = json.loads(results.read_text())
    assert gradescope["score"] == sum(best.values())
    formats = ("output_format", "test_output_format", "test_name_format")
    assert [gradescope[key] for key in formats] == ["text"] * 3  # nothing a hand-in writes is rendered
    # The Python and NumPy the workers ran, for a hand-in that works elsewhere (until 2026-12-04 not named)
    versions = f"The tests ran under Python {platform.python_version()} and NumPy {np.__version__}."
    assert gradescope["output"].splitlines()[1] == versions and lines[1] == versions
    assert {t["name"] for t in gradescope["tests"]} == {i.replace("/", ": ", 1) for i in best}
    for entry in gradescope["tests"]:
        assert entry["score"] == entry["max_score"] == best[entry["name"].replace(": ", "/", 1)]
        assert isinstance(entry["output"], str)


def test_wrong_sign_in_mul_backward_costs_exactly_its_tests(tmp_path):
    copy = broken_copy(ROOT, tmp_path / "copy", "mul_backward", WRONG_SIGN)
    results = tmp_path / "results.json"
    done = run_runner("--mytorch", str(copy), "--extras", "--json", str(results), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lost = {t["name"].replace(": ", "/", 1) for t in json.loads(results.read_text())["tests"] if t["score"] == 0}
    assert lost == MUL_DEPENDENTS
    best = maxima()
    scores = json.loads(done.stdout.strip().splitlines()[-1])["scores"]
    kernels = sum(p for i, p in best.items() if i.startswith("kernels/"))
    assert scores["operations"] == 5 and scores["kernels"] == kernels - 1
    # The reason names the values that differ and by how much.
    assert "mul_backward(g, a, b): gradient of input 0: 12 of 12 values differ" in done.stdout
    assert "differ; worst at index" in done.stdout and "expected" in done.stdout


def _mul_test(reference=lambda a, b, g: {"gradient of input 0": g * b, "gradient of input 1": g * a}):
    inputs = {"a": np.ones((2, 2)), "b": np.full((2, 2), 2.0), "g": np.full((2, 2), 3.0)}
    return GradedTest("operations", "demo", 1, lambda: inputs, backward_kernel, reference,
                      {"kernel": "mul_backward", "order": ["a", "b"]}), inputs  # fmt: skip


def test_the_judge_names_what_differs_and_what_is_missing():
    test, inputs = _mul_test()
    judge(test, inputs, {"gradient of input 0": np.full((2, 2), 6.0), "gradient of input 1": np.full((2, 2), 3.0)})
    with pytest.raises(AssertionError, match="gradient of input 1: 4 of 4 values differ"):
        judge(test, inputs, {"gradient of input 0": np.full((2, 2), 6.0), "gradient of input 1": np.zeros((2, 2))})
    with pytest.raises(AssertionError, match="gradient of input 1: the code under test did not produce it"):
        judge(test, inputs, {"gradient of input 0": np.full((2, 2), 6.0)})
    with pytest.raises(AssertionError, match="got shape"):
        judge(test, inputs, {"gradient of input 0": np.ones(3), "gradient of input 1": np.ones(3)})
    with pytest.raises(AssertionError, match="ValueError: matmul: shapes"):
        judge(test, inputs, error_text("Traceback ...\nValueError: matmul: shapes (2, 3) and (4, 5) do not align"))


def test_a_pytest_run_does_both_halves_in_process():
    test, _ = _mul_test()
    run_in_process(test)  # MyTorch's own mul_backward is right
    wrong, _ = _mul_test(lambda a, b, g: {"gradient of input 0": -g * b})
    with pytest.raises(AssertionError, match="gradient of input 0"):
        run_in_process(wrong)


def test_exit_status_is_nonzero_only_when_the_runner_cannot_run(tmp_path):
    assert run_runner("no_such_section", cwd=tmp_path).returncode == 2
    done = run_runner("--mytorch", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 1 and "no mytorch package to grade" in done.stderr


def test_a_package_folder_holding_a_named_pipe_is_refused_in_one_line(tmp_path):
    """Each worker copies the package folder: a named pipe in it stopped every test with a
    shutil traceback. It is refused before grading, naming the file."""
    package = tmp_path / "mytorch"
    package.mkdir()
    (package / "__init__.py").write_text("")
    os.mkfifo(package / "pipe")
    done = run_runner("--mytorch", str(tmp_path), "--sandbox", "none", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"{package / 'pipe'} is not a file, a folder or a link" in done.stderr and "Traceback" not in done.stderr


def test_pytest_sees_the_same_graded_tests():
    """pytest collects the test_* functions of the test modules: each runs a registered test."""
    import importlib

    from autograder.grading import TEST_MODULES

    collect()
    seen = []
    for name in TEST_MODULES:
        module = importlib.import_module(f"autograder.{name}")
        seen += [f for key, f in vars(module).items() if key.startswith("test") and callable(f)]
    assert sorted(id(f.graded_test) for f in seen) == sorted(id(t) for t in REGISTRY.values())
    assert len(seen) == len(REGISTRY) >= 47


@pytest.mark.parametrize("section", ["autograd", "loss"])
def test_a_section_can_run_alone(tmp_path, section):
    done = run_runner(section, cwd=tmp_path)
    assert done.returncode == 0
    assert list(json.loads(done.stdout.strip().splitlines()[-1])["scores"]) == [section]


def test_the_graders_closed_forms_agree_with_pytorch():
    """The references themselves are right: each activation's f and f' and each loss's value
    and gradient, against PyTorch's autograd (skipped without PyTorch)."""
    torch = pytest.importorskip("torch")
    from autograder import test_activation, test_extra_activations
    from autograder.checks import make_rng, one_hot, softmax

    torch_fns = {
        "Identity": lambda t: t,
        "Sigmoid": torch.sigmoid,
        "Tanh": torch.tanh,
        "ReLU": torch.relu,
        "LeakyReLU": lambda t: torch.nn.functional.leaky_relu(t, 0.2),
        "Softplus": torch.nn.functional.softplus,
        "GELU": lambda t: torch.nn.functional.gelu(t, approximate="tanh"),
    }
    cases = test_activation.CASES + test_extra_activations.CASES
    assert {c.cls for c in cases} == set(torch_fns)
    x = make_rng(0).uniform(-4, 4, size=(6, 5))
    for case in cases:
        t = torch.tensor(x, requires_grad=True)
        y = torch_fns[case.cls](t)
        y.sum().backward()
        np.testing.assert_allclose(case.f(x), y.detach().numpy(), rtol=1e-12, atol=1e-12, err_msg=case.cls)
        np.testing.assert_allclose(case.df(x), t.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=case.cls)

    logits, y = make_rng(1).normal(size=(6, 5)), one_hot([0, 3, 1, 4, 2, 2], 5)
    t = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(t, torch.tensor(y.argmax(axis=1)))
    loss.backward()
    np.testing.assert_allclose(-(y * np.log(softmax(logits))).sum() / 6, loss.item(), rtol=1e-12)
    np.testing.assert_allclose((softmax(logits) - y) / 6, t.grad.numpy(), rtol=1e-10, atol=1e-14)


def _old_python() -> str | None:
    """A Python older than 3.10 that runs on this machine, if any (pyenv's, or on PATH)."""
    import glob
    import shutil

    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.[6-9].*/bin/python")))
    found += [p for p in (shutil.which(name) for name in ("python3.9", "python3.8", "python2")) if p]
    for path in found:
        check = "import sys; sys.stdout.write(str(sys.version_info[0] * 100 + sys.version_info[1]))"
        try:
            done = subprocess.run([path, "-c", check], capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.isdigit() and int(done.stdout) < 310:
            return path
    return None


def test_an_older_python_gets_one_line_saying_which_the_grader_needs(tmp_path):
    """A student's Python 3.8 printed a traceback (an import deep in the grader failing)."""
    python = _old_python()
    if python is None:
        pytest.skip("no Python older than 3.10 here")
    done = subprocess.run([python, str(RUNNER), "--handin", "x.tar"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("runner.py: error: the grader needs Python 3.10 or newer; this is Python ")
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1


def test_version_and_quiet(tmp_path):
    version = run_runner("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip().startswith("runner.py (MyTorch ")
    done = run_runner("--quiet", "operations", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [json.dumps({"scores": {"operations": 6}})]


def test_a_failure_names_where_in_the_students_package_it_was_raised():
    from autograder.grading import _raised_where

    def traceback(*paths: str) -> str:
        frames = "".join(f'  File "{p}", line {i + 1}, in f{i}\n    x\n' for i, p in enumerate(paths))
        return f"Traceback (most recent call last):\n{frames}KeyError: 1"

    theirs = "/tmp/handin/mytorch/utils.py"
    # the grader's checkout in a folder named mytorch, as a clone of the project is: its own
    # files and its environment's are not the student's
    grader = "/home/ta/mytorch/autograder/compute/kernels.py"
    venv = "/home/ta/mytorch/.venv/lib/python3.11/site-packages/numpy/core/x.py"
    assert _raised_where(traceback(grader, theirs, venv)) == " (raised in mytorch/utils.py, line 2, in f1)"
    assert _raised_where(traceback(theirs, grader)) == " (raised in mytorch/utils.py, line 1, in f0)"
    # no frame of the student's package: the runner names no file (the traceback under the line shows them)
    assert _raised_where(traceback(grader)) == ""
    assert _raised_where(traceback(venv)) == ""
    assert _raised_where("KeyError: 1") == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--handin", "{tmp}"],
            "hand-in archive {tmp} is a folder; give the archive, or grade an extracted hand-in with --mytorch {tmp}",
        ),
        (["--handin-dir", "{tmp}/none"], "--handin-dir {tmp}/none does not exist"),
        (["--handin-dir", "{tmp}/afile"], "--handin-dir {tmp}/afile is not a folder"),
        (["--json", "{tmp}", "linear"], "--json {tmp} is a folder; give a file path"),
        (["--json", "{tmp}/locked/r.json", "linear"], "cannot write into {tmp}/locked: Permission denied"),
        (["--handin-dir", "{tmp}", "--out-dir", "{tmp}/locked"], "cannot write into {tmp}/locked: Permission denied"),
    ],
    ids=[
        "handin folder",
        "missing handin-dir",
        "handin-dir file",
        "json folder",
        "json unwritable",
        "out-dir unwritable",
    ],
)
def test_bad_paths_are_one_line_before_any_grading(tmp_path, capsys, monkeypatch, args, message):
    # a folder given to --handin was "does not exist"; a missing --handin-dir a traceback; an
    # unwritable --json a traceback after every test had run (the scores and Autolab line lost)
    from autograder import cli

    (tmp_path / "afile").write_text("x")
    made = cli.tempfile.mkstemp

    def mkstemp(*a, dir=None, **kw):  # noqa: A002 - tempfile.mkstemp's keyword
        if "locked" in str(dir):
            raise PermissionError(13, "Permission denied", str(Path(dir) / ".tmp-x1y2"))
        return made(*a, dir=dir, **kw)

    def graded(*a, **kw):
        raise AssertionError("graded despite an unusable path")

    monkeypatch.setattr(cli.tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(cli, "grade", graded)
    monkeypatch.setattr(cli, "_protect_runner", graded)
    assert cli.main([a.format(tmp=tmp_path) for a in args]) == 1
    assert capsys.readouterr().err == f"runner.py: error: {message.format(tmp=tmp_path)}\n"
