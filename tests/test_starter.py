"""The students' starter code, generated from the reference solution by
``python -m autograder.make_handout``: no solution text in it, it imports, the grader gives it
0/50 with a "not implemented" reason per test. (That the reference scores 50/50 is checked by
tests/test_autograder_runner.py, which grades it on every section, and tests/test_handin.py,
which grades its handin.tar on the course's sections.)"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest tests/...` without `python -m`: make `autograder` importable
    sys.path.insert(0, str(ROOT))

from autograder.make_handout import (  # noqa: E402
    BEGIN,
    END,
    REFERENCE_ONLY,
    SHIPPED,
    HandoutError,
    build_handout,
    find_regions,
    source_files,
    strip_solutions,
)

COURSE = {"autograd": 10, "operations": 6, "linear": 9, "activation": 20, "loss": 5}


def run(command: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("starter") / "handout"
    done = run([sys.executable, "-m", "autograder.make_handout", str(out)], cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "parts for students to write" in done.stdout
    return out


def _solution_lines() -> set[str]:
    """Lines that occur only inside solution regions of the reference (its solution text), not
    anywhere else in what the starter ships."""
    inside, outside = set(), set()
    for name in source_files(ROOT, SHIPPED, REFERENCE_ONLY):
        if not name.endswith(".py"):
            continue
        text = (ROOT / name).read_text()
        lines = text.splitlines()
        marked = set()
        for region in find_regions(text, name):
            marked.update(range(region.begin, region.end + 1))
            inside.update(lines[i - 1].strip() for i in range(region.begin + 1, region.end))
        outside.update(line.strip() for i, line in enumerate(lines, 1) if i not in marked)
    return {line for line in inside - outside if len(line) > 3 and not line.startswith("#")}


def test_the_starter_holds_no_solution_text_and_no_reference_only_file(starter):
    texts = {p.relative_to(starter).as_posix(): p.read_text() for p in starter.rglob("*.py")}
    assert "mytorch/nn/functional.py" in texts and "autograder/runner.py" in texts
    assert (starter / "create_tarball.sh").is_file() and (starter / "hw_bonus/data").is_dir()
    for item in REFERENCE_ONLY:
        assert not (starter / item).exists(), f"{item} is reference-only but is in the starter"
    for name, text in texts.items():
        assert BEGIN not in text and END not in text, f"a solution marker survived in {name}"
    solution = _solution_lines()
    assert len(solution) > 40, "the reference should mark its solutions"
    leaked = {(name, line) for name, text in texts.items() for line in text.splitlines() if line.strip() in solution}
    assert not leaked, f"solution lines in the starter: {sorted(leaked)[:5]}"


def test_the_starter_keeps_signatures_and_docstrings_and_says_what_to_write(starter):
    source = (starter / "mytorch/nn/functional.py").read_text()
    signature = "def exp_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:"
    assert f'{signature}\n    """dx = g * e**x' in source
    assert 'raise NotImplementedError("not implemented yet: exp_backward (mytorch/nn/functional.py): return' in source
    assert "def matmul_grad_a" not in source and "mul_backward.partials" not in source  # helpers giving it away


def test_the_starter_ships_no_vjp_standing_in_for_a_kernel_students_write(starter):
    """The modules and the Tensor front-end differentiate some operations by VJPs of their own instead of
    the kernels (the same arithmetic, faster). The starter shipped those of tanh, sigmoid, mul and matmul,
    in the students' own activation.py (preinstalled as ``self._vjp``) and linear.py (``_matmul_vjp``) and
    in tensor_vjps.py: a hand-in whose forwards recorded them scored Linear's backward (6 points) and
    Sigmoid's and Tanh's (8) with every graded kernel of functional.py left a stub."""
    code = (
        "import inspect, json, mytorch.tensor_vjps as V\n"
        "from mytorch.nn import functional as F\n"
        "from mytorch.nn.modules import activation as A, linear as L\n"
        "stubs = [n for n, f in vars(F).items() if inspect.isfunction(f)\n"
        "         and 'not implemented yet' in inspect.getsource(f)]\n"
        "chosen = [k.__name__ for k in [*V.CHOOSERS, *V.BY_A_NUMBER]]\n"
        "print(json.dumps({'stubs': stubs, 'chosen': chosen, 'module_vjps': sorted(A._VJPS),\n"
        "                  'matmul_vjp': hasattr(L.Linear, '_matmul_vjp')}))\n"
    )
    done = run([sys.executable, "-c", code], starter)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert {"tanh_backward", "sigmoid_backward", "mul_backward", "matmul_backward"} <= set(found["stubs"])
    assert not set(found["stubs"]) & set(found["chosen"]), found
    assert found["module_vjps"] == [] and found["matmul_vjp"] is False


def test_the_starter_imports_and_scores_zero_with_a_reason_per_test_on_the_default_sections(starter):
    imports = "import mytorch, mytorch.nn.modules.loss, hw_bonus.mlp, mytorch.sandbox"
    imported = run([sys.executable, "-c", imports], starter)
    assert imported.returncode == 0, imported.stderr
    done = run([sys.executable, "autograder/runner.py", "--jobs", "2"], starter)  # the course's sections by default
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"scores": dict.fromkeys(COURSE, 0)}
    verdicts = [line for line in done.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(verdicts) == 23 and all(line.startswith("FAIL") for line in verdicts)
    reasons = [line for line in done.stdout.splitlines() if line.startswith("      | ")]
    stub = "      | NotImplementedError: not implemented yet: "
    assert len(reasons) == 23 and all(reason.startswith(stub) for reason in reasons)  # one line each


def test_the_starter_scores_in_the_extra_sections_only_the_handouts_worked_example(starter):
    """A course may enable MyTorch's extra sections (``[sections.kernels] enabled = true``). The starter shipped ten
    of ``kernels``' kernels whole (neg, pow, sqrt, sin, cos, maximum, sum, mean, softmax, log_softmax, and their
    forward-mode rules, the same arithmetic), so every student scored 12 of its 13 points with nothing written. Now
    only ``add_backward``, the handout's worked example, is given: its two tests pass, every other extra test fails."""
    extras = ["loss_extra", "activation_extra", "kernels", "mlp"]
    done = subprocess.run([sys.executable, "autograder/runner.py", "--jobs", "2", *extras], cwd=starter,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"scores": {**dict.fromkeys(extras, 0), "kernels": 2}}
    passed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("PASS")]
    assert passed == ["kernels/add", "kernels/add"], passed  # "add" and "add with a broadcast bias"


def test_a_student_packs_the_starter_with_create_tarball(starter, tmp_path):
    made = run(["sh", "create_tarball.sh", str(tmp_path / "handin.tar")], starter)
    assert made.returncode == 0, made.stderr
    assert "packed  mytorch/nn/functional.py" in made.stdout


def test_make_handout_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "kept.txt").write_text("mine")
    done = run([sys.executable, "-m", "autograder.make_handout", str(tmp_path)], ROOT)
    assert done.returncode == 1 and "not an empty folder" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]


def test_make_handout_from_an_installed_wheel_names_what_is_missing(tmp_path, monkeypatch, capsys):
    """An installed wheel holds the packages but not the repository's ``create_tarball.sh``: built from
    one, the starter lacked the hand-in script and the command still said it had written it."""
    import autograder.make_handout as make_handout

    installed = tmp_path / "site-packages"
    for package in ("mytorch", "hw_bonus", "autograder"):
        (installed / package).mkdir(parents=True)
    monkeypatch.setattr(make_handout, "REPOSITORY", installed)
    assert make_handout.main([str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert "create_tarball.sh not found" in error and "checkout" in error
    assert not (tmp_path / "out").exists()


GOOD = '''\
def f(x):
    """Doc."""
    if x:
        return 0
    # BEGIN SOLUTION: return x + 1
    y = x + 1
    return y
    # END SOLUTION


# BEGIN SOLUTION NO PROMPT
def helper():
    return 1
# END SOLUTION
'''


def test_strip_solutions_replaces_a_prompted_region_and_drops_an_unprompted_one():
    text, count = strip_solutions(GOOD, "m.py")
    assert count == 2
    assert text == (
        'def f(x):\n    """Doc."""\n    if x:\n        return 0\n'
        "    raise NotImplementedError('not implemented yet: f (m.py): return x + 1')\n\n\n"
    )


@pytest.mark.parametrize(
    "source, problem",
    [
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "m.py:2: # BEGIN SOLUTION is never closed"),
        ("def f():\n    return 1\n    # END SOLUTION\n", "m.py:3: # END SOLUTION without"),
        ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n", "m.py:3: # BEGIN SOLUTION inside"),
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n# END SOLUTION\n", "m.py:4: # END SOLUTION is indented"),
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "m.py:1: a region with a prompt must be inside a function"),
        (
            "def f():\n    # BEGIN SOLUTION\n    y = 1\n    # END SOLUTION\n    return y\n",
            "m.py:5: code follows the region of lines 2-4 in f",
        ),
    ],
)
def test_strip_solutions_refuses_malformed_markers_naming_file_and_line(source, problem):
    with pytest.raises(HandoutError, match=problem.replace("(", r"\(")):
        strip_solutions(source, "m.py")


def test_a_malformed_marker_writes_nothing(tmp_path):
    source = tmp_path / "source"
    (source / "mytorch").mkdir(parents=True)
    (source / "mytorch/bad.py").write_text("def f():\n    # BEGIN SOLUTION\n    return 1\n")
    with pytest.raises(HandoutError, match="mytorch/bad.py:2"):
        build_handout(tmp_path / "out", source)
    assert not (tmp_path / "out").exists()


UNSTRIPPED = ["functional.py~", "#functional.py#", "functional.py.orig", "functional.py.bak", "scratch.ipynb",
              "functional.cpython-311-x86_64-linux-gnu.so", "NOTES"]  # fmt: skip


@pytest.mark.parametrize("name", UNSTRIPPED)
def test_a_file_the_starter_would_ship_unstripped_is_refused_by_name(tmp_path, name):
    """Only ``.py`` files are stripped of their solutions; every other file under ``mytorch/``, ``hw_bonus/``
    and ``autograder/`` was copied into the starter as it was: an editor's backup of ``functional.py``
    (``functional.py~``, ``#functional.py#``), a merge's ``.orig``, a notebook or a compiled module of the
    reference reached every student whole. Now only data files ship as they are, and anything else stops
    the build, naming it, before anything is written."""
    source = tmp_path / "source"
    (source / "mytorch" / "nn").mkdir(parents=True)
    (source / "mytorch" / "__init__.py").write_text("")
    (source / "mytorch" / "nn" / "functional.py").write_text(GOOD)
    (source / "mytorch" / "nn" / name).write_text(GOOD)  # the whole reference, solutions and all
    (source / "mytorch" / "py.typed").write_text("")
    with pytest.raises(HandoutError, match=f"mytorch/nn/{re.escape(name)}: not shipped"):
        build_handout(tmp_path / "out", source)
    assert not (tmp_path / "out").exists()
    (source / "mytorch" / "nn" / name).unlink()
    build_handout(tmp_path / "out", source)
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.*")) == [
        "mytorch/__init__.py", "mytorch/nn/functional.py", "mytorch/py.typed"]  # fmt: skip


def test_the_quick_starts_outputs_in_a_checkout_are_ignored_by_git_and_ruff():
    """docs/course-staff.md's quick start writes handout/, autograder.zip and autolab-kit/ at a
    checkout's root: the starter's stubs then failed `ruff check .` (86 errors) and CI's lint, and
    showed as untracked files (until 2026-12-04). They are in .gitignore, which ruff follows."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = ["handout/mytorch/nn/functional.py", "autograder.zip", "autolab-kit/autograde.tar"]
    done = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.split() == names, done.stderr
