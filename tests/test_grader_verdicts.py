"""The accuracy of the grader's verdicts for honest students (``tests/honest_student.py``).

An honest student's solution, written the plain way the handout reads, gets full marks, and so
does one that differs from it only in legitimate ways (sigmoid from primitive operations,
``np.dot`` for ``@``, an extra identity recorded, a helper module, debug output, ...). Each
mistake of ``MISTAKES``, one a student makes, loses exactly the tests that should catch it, and
the first line of the failure says what was wrong and where. Each of them got full marks until
2026-12-02 (the grader checked no broadcasting, no large logits, no batch, no upstream gradient
other than 1, no parameter used twice and no ``zero_grad``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "autograder" / "runner.py"
for folder in (ROOT, Path(__file__).resolve().parent):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import textwrap  # noqa: E402

from honest_student import ALTERNATIVE, ALTERNATIVE_FILES, SOLUTION, hand_in  # noqa: E402
from hostile_handins import tar_of  # noqa: E402

ENGINE = "autograd_engine.py"


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("verdicts") / "handout"
    done = subprocess.run([sys.executable, "-m", "autograder.make_handout", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


def grade(folder: Path, *sections: str) -> dict[str, dict]:
    """Grade ``folder/mytorch`` (the given sections, or all of them): Gradescope's entry of each
    test, by test id."""
    results = folder / "results.json"
    chosen = list(sections) or ["--extras"]
    command = [sys.executable, str(RUNNER), "--mytorch", str(folder), "--jobs", "2", "--json", str(results), *chosen]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return by_id(results)


def by_id(results: Path) -> dict[str, dict]:
    """Gradescope's entry of each test in ``results`` (a results.json), by test id."""
    return {entry["name"].replace(": ", "/", 1): entry for entry in json.loads(results.read_text())["tests"]}


def lost(tests: dict[str, dict]) -> set[str]:
    return {name for name, entry in tests.items() if entry["score"] < entry["max_score"]}


def test_an_honest_solution_gets_full_marks(starter, tmp_path):
    tests = grade(hand_in(starter, tmp_path / "honest"))
    assert len(tests) == 48 and not lost(tests), {name: tests[name]["output"][:300] for name in lost(tests)}


def test_legitimate_alternatives_get_full_marks(starter, tmp_path):
    """Sigmoid as neg, exp, add, div; derivatives recomputed from the input; np.dot, np.einsum,
    np.matmul; the bias as a (1, out) view; an extra identity after Linear; broadcasting undone
    by hand; kernels returning lists or float32; the loss through a helper module (float32),
    its labels recorded without NO_GRAD and given no gradient, returned as a view of the array
    recorded; an engine of another style; type hints; prints, warnings and logging."""
    folder = hand_in(starter, tmp_path / "alternative", ALTERNATIVE, files=ALTERNATIVE_FILES)
    tests = grade(folder)
    assert len(tests) == 48 and not lost(tests), {name: tests[name]["output"][:300] for name in lost(tests)}
    assert "sigmoid recorded as 4 operations" not in json.dumps(tests)  # a passing test shows no output


BROADCAST = "with b of shape (4,) broadcast over the rows of a (3, 4): gradient of input 1: got shape (3, 4), "
BROADCAST += "expected shape (4,)"
LARGE = " with logits near +-1000 (stable for any logits): "
BATCH = " on a batch of 3 examples (the mean over the batch): "

MISTAKES = {
    # kernels, one test each: several mistakes in one hand-in
    "kernels": (
        {
            "sub_backward": "return grad_output, -grad_output",  # no unbroadcast
            "div_backward": "return grad_output / b, -grad_output * a / b**2",
            "mul_backward": "return grad_output * b, grad_output * a",
            "exp_backward": "y = np.exp(x) if out is None else np.exp(out)\nreturn (grad_output * y,)",
        },
        [],
        ["operations"],
        {
            "operations/sub": f"sub_backward(g, a, b) {BROADCAST}",
            "operations/div": f"div_backward(g, a, b) {BROADCAST}",
            "operations/mul": f"mul_backward(g, a, b) {BROADCAST}",
            "operations/exp": "exp_backward(g, a, out=e**a), given the forward's result: gradient of input 0: ",
        },
    ),
    "softmax without the row maximum": (
        {
            "softmax_cross_entropy_and_log_probs": """
            log_probs = x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))
            return np.array([-np.sum(y * log_probs) / _batch(x)]), log_probs
        """
        },
        [],
        ["loss"],
        {
            "loss/SoftmaxCrossEntropy forward": f"SoftmaxCrossEntropy(y, y_hat){LARGE}",
            "loss/SoftmaxCrossEntropy backward": f"gradient of y_hat{LARGE}",
        },
    ),
    "cross-entropy summed over the batch": (
        {
            "softmax_cross_entropy_and_log_probs": """
                shifted = x - np.max(x, axis=-1, keepdims=True)
                log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
                return np.array([-np.sum(y * log_probs)]), log_probs
            """,
            "SoftmaxCrossEntropy_backward": "return -grad_output * log_probs, grad_output * (np.exp(log_probs) - y)",
        },
        [],
        ["loss"],
        {
            "loss/SoftmaxCrossEntropy forward": f"SoftmaxCrossEntropy(y, y_hat){BATCH}",
            "loss/SoftmaxCrossEntropy backward": f"gradient of y_hat{BATCH}",
        },
    ),
    "cross-entropy backward without grad_output": (
        {"SoftmaxCrossEntropy_backward": "n = _batch(x)\nreturn -log_probs / n, (np.exp(log_probs) - y) / n"},
        [],
        ["loss"],
        {"loss/SoftmaxCrossEntropy backward": "gradient of y_hat of 2.5 * loss (times the upstream gradient): "},
    ),
    "cross-entropy shifts y_hat in place": (
        {
            "softmax_cross_entropy_and_log_probs": """
            x -= np.max(x, axis=-1, keepdims=True)
            log_probs = x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True))
            return np.array([-np.sum(y * log_probs) / _batch(x)]), log_probs
        """
        },
        [],
        ["loss"],
        {
            "loss/SoftmaxCrossEntropy forward": "y_hat after the forward pass: ",
            "loss/SoftmaxCrossEntropy backward": "y_hat after the forward pass: ",
        },
    ),
    "backward writes a parameter's gradient over": (
        {"Autograd.backward": SOLUTION["Autograd.backward"].replace("dst += g", "dst[...] = g")},
        [],
        ["autograd"],
        {"autograd/backward": "dW (W used by two operations, x @ W + x2 @ W): "},
    ),
    "zero_grad keeps the gradients": (
        {},
        [(ENGINE, "        self.gradient_buffer.clear()\n", "")],
        ["autograd"],
        {"autograd/backward": "gradient of x after zero_grad, the same forward and backward(1) again: "},
    ),
    "Linear scales x in place": (
        {"Linear.forward": "x *= 1.0001\n" + textwrap.dedent(SOLUTION["Linear.forward"])},
        [],
        ["linear"],
        {
            "linear/forward": "x after Linear.forward(x): ",
            "linear/skip connection forward": "x after the forward pass: ",
            "linear/backward": "dW after backward(1): ",
            "linear/skip connection backward": "x after the forward pass: ",
        },
    ),
}
"""A student's mistake: (changes to SOLUTION, patches of given code, the sections graded, the
tests it must lose with the start of each one's failure message)."""


@pytest.fixture(scope="module")
def mistakes(starter, tmp_path_factory) -> dict[str, dict[str, dict]]:
    """Every mistake of ``MISTAKES`` graded: Gradescope's entries by test id, by mistake. The mistakes
    graded on the same sections go in one ``--handin-dir`` batch, each its own archive and report (one
    runner's start-up for all of them: four runs instead of eight)."""
    tmp = tmp_path_factory.mktemp("mistakes")
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, (_, _, sections, _) in MISTAKES.items():
        groups.setdefault(tuple(sections), []).append(name)
    graded = {}
    for number, (sections, names) in enumerate(groups.items()):
        inbox, out = tmp / f"inbox-{number}", tmp / f"grades-{number}"
        inbox.mkdir()
        for index, name in enumerate(names):
            changes, patches, _, _ = MISTAKES[name]
            tar_of(hand_in(starter, tmp / f"mistake-{number}-{index}", changes, patches), inbox / f"{index}.tar")
        command = [sys.executable, str(RUNNER), "--handin-dir", str(inbox), "--out-dir", str(out), "--jobs", "2",
                   *sections]  # fmt: skip
        done = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        graded.update({name: by_id(out / f"{index}.tar.json") for index, name in enumerate(names)})
    return graded


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_mistake_loses_exactly_the_tests_that_catch_it_saying_what_was_wrong(mistakes, name):
    tests, expected = mistakes[name], MISTAKES[name][3]
    assert lost(tests) == set(expected), {n: tests[n]["output"][:300] for n in lost(tests) ^ set(expected)}
    for test, start in expected.items():
        first = tests[test]["output"].splitlines()[0]
        assert first.startswith(start), (test, first)
        assert "Traceback" not in tests[test]["output"]


def test_a_kernel_writing_into_its_upstream_gradient_loses_its_backward_test(tmp_path):
    """``grad_output[x <= 0] = 0`` in ``relu_backward``: where the engine keeps the gradient
    array that a sum's backward hands to both its terms (MyTorch's does; the honest student's
    adds it to a zero spot, and there the mistake changes nothing), the other term's gradient
    changes with it."""
    from autograder.mutants import broken_copy

    writes = "\n\ndef {name}(grad_output, x):\n    grad_output[x <= 0] = 0\n    return (grad_output,)\n"
    tests = grade(broken_copy(ROOT, tmp_path / "copy", "relu_backward", writes), "activation")
    assert lost(tests) == {"activation/ReLU backward"}
    first = tests["activation/ReLU backward"]["output"].splitlines()[0]
    assert first.startswith("gradient of c in ReLU(x) + c (the upstream gradient both terms share): "), first


def test_a_failure_by_an_exception_says_first_what_was_raised_and_where_in_mytorch():
    from autograder.grading import collect, judge
    from autograder.protocol import error_text

    test = next(t for t in collect(["operations"]) if t.name == "mul")
    text = (
        "Traceback (most recent call last):\n"
        '  File "/grader/autograder/compute/kernels.py", line 27, in backward_kernel\n'
        "    result = _gradients(function(arrays['g'], ...))\n"
        '  File "/tmp/w/test-1/work/mytorch/nn/functional.py", line 230, in mul_backward\n'
        "    return np.dot(grad_output, b), a\n"
        '  File "/venv/lib/python3.11/site-packages/numpy/core/multiarray.py", line 741, in dot\n'
        "ValueError: shapes (3,4) and (3,4) not aligned: 4 (dim 1) != 3 (dim 0)"
    )
    with pytest.raises(AssertionError) as failure:
        judge(test, test.inputs(), error_text(text))
    first, *rest = str(failure.value).splitlines()
    assert first == (
        '"ValueError: shapes (3,4) and (3,4) not aligned: 4 (dim 1) != 3 (dim 0)" '
        "(raised in mytorch/nn/functional.py, line 230, in mul_backward)"
    )
    assert "\n".join(rest) == "\n".join("> " + line for line in text.split("\n")[:-1])  # then the traceback, quoted


def test_an_exception_of_several_lines_is_named_first_not_its_last_line():
    """The failure's first line was the last line of the error text: for a message of several lines,
    its last line alone, without the exception's name (np.testing's 'Max relative difference: 2', or
    a hand-in's 'PASS  operations/mul  1/1' heading its own failed test)."""
    from autograder.grading import collect, judge
    from autograder.protocol import error_text

    test = next(t for t in collect(["operations"]) if t.name == "mul")
    frames = (
        "Traceback (most recent call last):\n"
        '  File "/tmp/w/test-1/work/mytorch/nn/functional.py", line 230, in mul_backward\n'
        "    raise ValueError(message)\n"
    )
    for message, first in [
        ("ValueError: \nPASS  operations/mul  1/1", "ValueError: | PASS  operations/mul  1/1"),
        ("AssertionError: \nNot equal to tolerance rtol=1e-07\n\n Max relative difference: 2",
         "AssertionError: | Not equal to tolerance rtol=1e-07 | Max relative difference: 2"),
    ]:  # fmt: skip
        with pytest.raises(AssertionError) as failure:
            judge(test, test.inputs(), error_text(frames + message))
        lines = str(failure.value).splitlines()
        assert lines[0] == f'"{first}" (raised in mytorch/nn/functional.py, line 230, in mul_backward)'
        assert "\n".join(lines[1:]) == "\n".join("> " + line for line in frames.rstrip("\n").split("\n"))


def test_a_finished_starter_runs_the_tensor_front_end_and_the_modules_fast_path(starter, tmp_path):
    """The starter leaves out ``Autograd.record``'s fast path (it would give ``add_operation``'s
    spots away); what is left records through the student's own ``add_operation``, so a student
    who has written the stubs can use the Tensor front-end and the modules as well (it raised
    AttributeError: the Tape had no ``record``)."""
    folder = hand_in(starter, tmp_path / "finished")
    program = textwrap.dedent("""
        import numpy as np
        import mytorch
        from mytorch import Autograd
        from mytorch.nn.modules import Linear, MSELoss
        assert mytorch.__file__.startswith(%r), mytorch.__file__
        x = mytorch.tensor([1.0, -2.0, 3.0], dtype=mytorch.float64, requires_grad=True)
        ((x * x).sum() + x.tanh().sum()).backward()
        print(x.grad.numpy().tolist())
        engine = Autograd()
        layer = Linear(3, 2, engine, rng=0)
        loss = MSELoss(engine)
        loss(np.ones((4, 2)), layer(np.arange(12.0).reshape(4, 3)))
        loss.backward()
        print(layer.db.tolist())
    """) % str(folder)
    done = subprocess.run([sys.executable, "-c", program], cwd=folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    grad, db = (json.loads(line) for line in done.stdout.splitlines())
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(grad, 2 * x + 1 - np.tanh(x) ** 2, rtol=1e-12)
    from mytorch import Autograd
    from mytorch.nn.modules import Linear

    layer = Linear(3, 2, Autograd(), rng=0)  # the same seeded weights, for the closed form
    y_hat = np.arange(12.0).reshape(4, 3) @ layer.W.T + layer.b
    np.testing.assert_allclose(db, (2 * (y_hat - 1) / y_hat.size).sum(axis=0), rtol=1e-12)


def test_a_file_name_of_several_lines_never_leaves_the_quotes():
    """A hand-in's function compiled from a "file" named ``x\\nPASS  operations/mul  1/1\\ny``: the runner's own
    ``(raised in ...)`` took the name as a path and put its PASS line, bare, at the start of a line of the failure.
    Now a frame's path is one line; every line of the hand-in's text is quoted."""
    from autograder.grading import collect, judge
    from autograder.protocol import error_text

    test = next(t for t in collect(["operations"]) if t.name == "mul")
    text = (
        "Traceback (most recent call last):\n"
        '  File "/grader/autograder/compute/kernels.py", line 25, in backward_kernel\n'
        '  File "x\nPASS  operations/mul  1/1  (0.01 s)\ny", line 1, in mul_backward\n'
        "ValueError: no"
    )
    with pytest.raises(AssertionError) as failure:
        judge(test, test.inputs(), error_text(text))
    lines = str(failure.value).splitlines()
    assert lines[0].startswith('"') and lines[0].endswith('| ValueError: no"'), lines[0]  # (no frame of mytorch/)
    assert all(line.startswith("> ") for line in lines[1:]), lines


def test_the_runner_names_where_an_error_was_raised_only_in_the_students_package():
    """The traceback is the hand-in's text: one it made up named the grader's own ``judge`` as where its error was
    raised (``(raised in autograder/grading.py, line 212, in judge)``: a grader bug, in the runner's own words).
    Now the runner names only a file of the student's package, which can only blame the hand-in itself; other
    frames stay in the quoted traceback under the line."""
    from autograder.grading import collect, judge
    from autograder.protocol import error_text

    test = next(t for t in collect(["operations"]) if t.name == "mul")
    for path in ["/opt/grader/autograder/grading.py", "/work/mytorch/nn/../../opt/grader/autograder/grading.py",
                 "/work/mytorch/./x.py", "/venv/lib/python3.11/site-packages/numpy/core/x.py"]:  # fmt: skip
        text = (
            "Traceback (most recent call last):\n"
            f'  File "{path}", line 212, in judge\n'
            "    raise AssertionError(message)\n"
            "KeyError: 'x'"
        )
        with pytest.raises(AssertionError) as failure:
            judge(test, test.inputs(), error_text(text))
        first, *rest = str(failure.value).splitlines()
        assert first == "\"KeyError: 'x'\"", (path, first)
        assert rest == ["> " + line for line in text.splitlines()[:-1]]  # the traceback, quoted


def test_a_frames_path_or_function_cannot_add_words_to_where_the_runner_says_it_was_raised():
    """``(raised in ...)`` is the runner's own words, unquoted, on a failure's first line; a frame's path and
    function come from the hand-in's traceback, which it can make up (a function compiled from a "file" of any name,
    a code object's name replaced). A path ``/w/mytorch/q.py, line 1, in q) (raised in autograder/grading.py`` below
    the package passed the check that the frame is the student's, and the runner's line then said the error was
    also raised in ``autograder/grading.py``, in ``judge`` (the grader bug ``_raised_where`` keeps out). Now a frame
    whose path or function is not plainly a file and a name is not named there; the quoted traceback shows it."""
    from autograder.grading import collect, judge
    from autograder.protocol import error_text

    test = next(t for t in collect(["operations"]) if t.name == "mul")
    forged = ") (raised in autograder/grading.py, line 212, in judge"
    for path, function in [(f"/w/mytorch/q.py, line 1, in q{forged}", "f"), ("/w/mytorch/q.py", f"f{forged}")]:
        text = f'Traceback (most recent call last):\n  File "{path}", line 3, in {function}\nValueError: no'
        with pytest.raises(AssertionError) as failure:
            judge(test, test.inputs(), error_text(text))
        first = str(failure.value).splitlines()[0]
        assert first == '"ValueError: no"', first
    text = (
        'Traceback (most recent call last):\n  File "/w/mytorch/nn/x_1.py", line 3, in Linear.<locals>.f\nKeyError: 1'
    )
    with pytest.raises(AssertionError) as failure:  # a plain frame is still named
        judge(test, test.inputs(), error_text(text))
    assert (
        str(failure.value).splitlines()[0]
        == '"KeyError: 1" (raised in mytorch/nn/x_1.py, line 3, in Linear.<locals>.f)'
    )
