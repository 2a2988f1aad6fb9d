"""The registry of graded tests: sections, points, and how a test is judged.

A graded test has two halves, kept apart so that the verdict never depends on the student's
code:

* **what the student's code computes**: a function of ``autograder.compute`` that takes the
  test's input arrays, calls ``mytorch`` and returns the arrays it computed. The runner runs
  it in a contained worker process (see ``isolation``) and receives only those arrays;
* **what the right answer is**: the test function itself, written in the ``test_*.py``
  files from closed forms in NumPy. It receives the same inputs and returns the expected
  arrays; ``judge`` compares them with what the worker returned, in the runner only.

``@graded(section, points, name, inputs=..., computes=...)`` records the test in ``REGISTRY``
and gives pytest a plain test function of the same name that does both halves in-process, so
``python -m pytest autograder`` reads and runs like any other test suite.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .checks import assert_close
from .protocol import ERROR_KEY, MAX_ERROR_BYTES, cut

__all__ = [
    "REGISTRY",
    "SECTIONS",
    "TEST_MODULES",
    "GradedTest",
    "Outcome",
    "Section",
    "collect",
    "graded",
    "judge",
    "run_in_process",
]


@dataclass(frozen=True)
class Section:
    """A group of graded tests.

    Attributes:
        name: the key used on the command line and in the Autolab scores.
        title: what it grades, for the report.
        course: True for the course's own 50 points, False for MyTorch's extra sections.
    """

    name: str
    title: str
    course: bool


SECTIONS: dict[str, Section] = {
    s.name: s
    for s in [
        Section("autograd", "the engine: add_operation and backward", True),
        Section("operations", "backward kernels of the basic operations", True),
        Section("linear", "the Linear layer, alone and with a skip connection", True),
        Section("activation", "Identity, Sigmoid, Tanh, ReLU", True),
        Section("loss", "SoftmaxCrossEntropy", True),
        Section("loss_extra", "MSELoss and batched SoftmaxCrossEntropy", False),
        Section("activation_extra", "LeakyReLU, Softplus, GELU", False),
        Section("kernels", "further kernels: add, broadcasting, reductions, softmax, ...", False),
        Section("mlp", "an MLP of Linear layers: gradients and learning a small task", False),
    ]
}
"""Every section, in report order: first the course's, then MyTorch's extras."""

TEST_MODULES = (
    "test_autograd",
    "test_operations",
    "test_linear",
    "test_activation",
    "test_loss",
    "test_extra_losses",
    "test_extra_activations",
    "test_extra_kernels",
    "test_extra_mlp",
)
"""The modules of this package that hold graded tests."""


Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class GradedTest:
    """One graded test worth ``points`` in ``section``.

    Attributes:
        inputs: makes the test's input arrays (seeded: the same on every run; or drawn afresh,
            ``checks.fresh_rng``, where the right answer would otherwise be a constant).
        computes: the worker side, a function of ``autograder.compute``:
            ``computes(inputs, **params)`` returns the arrays the student's code computed.
        params: keyword parameters for ``computes`` (kernel and class names), JSON-able.
        reference: the right answer: ``reference(**inputs)`` returns the expected arrays by
            name; one that also takes ``computed`` receives the worker's arrays and may fail
            the test itself (for a property, such as a trained network's accuracy).
        rtol, atol: the tolerance for floating-point values.
        visibility: when Gradescope shows the test to students (set by a grading configuration).
    """

    section: str
    name: str
    points: float
    inputs: Callable[[], Arrays]
    computes: Callable[..., Arrays]
    reference: Callable[..., Arrays]
    params: dict[str, Any] = field(default_factory=dict)
    rtol: float = 1e-6
    atol: float = 1e-9
    visibility: str = "visible"

    @property
    def id(self) -> str:
        """``section/name``: how the runner and the reports refer to the test."""
        return f"{self.section}/{self.name}"

    @property
    def worker_call(self) -> dict[str, Any]:
        """What a worker is told to run: the module and function of ``computes`` and ``params``."""
        return {"module": self.computes.__module__, "function": self.computes.__name__, "params": self.params}


REGISTRY: dict[str, GradedTest] = {}
"""Every graded test by id, in the order the modules define them."""


def graded(
    section: str,
    points: float,
    name: str,
    *,
    inputs: Callable[[], Arrays],
    computes: Callable[..., Arrays],
    rtol: float = 1e-6,
    atol: float = 1e-9,
    **params: Any,
) -> Callable[[Callable[..., Arrays]], Callable[[], None]]:
    """Register the decorated reference as a test worth ``points`` in ``section``.

    Returns a plain test function (same name) that pytest runs: it makes the inputs, runs
    ``computes`` here, in-process, and judges the result.

    Raises:
        ValueError: an unknown section, negative points, ``computes`` outside
            ``autograder.compute``, or a test id used twice.
    """
    if section not in SECTIONS:
        raise ValueError(f"graded: unknown section {section!r}; known: {', '.join(SECTIONS)}")
    if points < 0:
        raise ValueError(f"graded({section}/{name}): points must be >= 0, got {points}")
    if not computes.__module__.startswith(f"{__package__}.compute"):
        raise ValueError(f"graded({section}/{name}): computes must be a function of {__package__}.compute")

    def register(reference: Callable[..., Arrays]) -> Callable[[], None]:
        test = GradedTest(section, name, float(points), inputs, computes, reference, params, rtol, atol)
        known = REGISTRY.get(test.id)
        where = (reference.__module__, reference.__qualname__)
        if known is not None and (known.reference.__module__, known.reference.__qualname__) != where:
            raise ValueError(f"graded: test id {test.id!r} is used twice")
        REGISTRY[test.id] = test

        def pytest_test() -> None:
            run_in_process(test)

        pytest_test.__name__, pytest_test.__qualname__ = reference.__name__, reference.__qualname__
        pytest_test.__module__, pytest_test.__doc__ = reference.__module__, reference.__doc__
        pytest_test.graded_test = test
        return pytest_test

    return register


def collect(sections: list[str] | None = None) -> list[GradedTest]:
    """Import the test modules and return the graded tests of ``sections`` (all by default).

    Raises:
        ValueError: an unknown section name.
    """
    unknown = [s for s in sections or [] if s not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    for module in TEST_MODULES:
        importlib.import_module(f"{__package__}.{module}")
    wanted = set(sections or SECTIONS)
    order = list(SECTIONS)
    tests = [t for t in REGISTRY.values() if t.section in wanted]
    return sorted(tests, key=lambda t: order.index(t.section))


def judge(test: GradedTest, inputs: Arrays, computed: Arrays) -> None:
    """Compare what the student's code computed with the right answer.

    Raises:
        AssertionError: the student's code failed (the last ``MAX_ERROR_BYTES`` of its error
            text), left a value out, or computed one that differs from the reference; the
            message says which and how.
    """
    if ERROR_KEY in computed:  # cut here too: the worker that cut it is the hand-in's (it sent 7 MiB)
        raw = computed[ERROR_KEY].astype(np.uint8).ravel()[-MAX_ERROR_BYTES:]
        text = bytes(raw).decode("utf-8", errors="replace").rstrip()
        last = text.splitlines()[-1] if text else ""
        if last.startswith("NotImplementedError"):
            raise AssertionError(cut(last, SHOWN_LINE))  # a stub's message says it all (and starts with its name)
        how, what = _what_was_raised(text)  # the exception goes first, then the traceback (whole where it was cut)
        below = quoted_lines(how if len(what) <= SHOWN_LINE else text)
        raise AssertionError(f"{quoted(what)}{_raised_where(text)}\n{below}".rstrip())  # what, where, how
    if "computed" in inspect.signature(test.reference).parameters:
        expected = test.reference(**inputs, computed=computed)
    else:
        expected = test.reference(**inputs)
    kernel = test.params.get("kernel")  # name it, and its arguments, in the student's words
    called = f"{kernel}({', '.join(['g', *test.params.get('order', [])])}): " if kernel else ""
    for what, want in expected.items():
        got = computed.get(what)
        what = what if kernel and what.startswith(f"{kernel}(") else called + what  # a further call names itself
        if got is None:
            raise AssertionError(f"{what}: the code under test did not produce it (got None)")
        want = np.asarray(want)
        if want.dtype.kind in "biu":
            _assert_equal(what, got, want)
        else:
            assert_close(what, got, want, rtol=test.rtol, atol=test.atol)


SHOWN_LINE = 300
"""The most characters of the hand-in's exception that a failure's first line quotes (the lines under it then
quote the exception whole, after its traceback)."""
QUOTE = "> "
"""What begins each line of the hand-in's own text (a traceback, what it printed) in a failure's reason."""


def quoted(text: str) -> str:
    """One line of the hand-in's, for the first line of a failure: between double quotes, its backslashes and
    quotes escaped, cut to ``SHOWN_LINE`` characters. Until 2026-12-04 it began the line bare: an exception
    class named ``PASS  operations/mul  1/1`` (its ``__module__`` set to ``builtins``, so that the traceback
    names no module) made a failed test's output in ``results.json`` begin with that line."""
    return '"' + cut(text, SHOWN_LINE).replace("\\", "\\\\").replace('"', '\\"') + '"'


def quoted_lines(text: str) -> str:
    """Text of the hand-in's (a traceback, what it printed), every line after ``QUOTE``: no line of it can
    begin as one of the runner's own lines (``PASS  operations/mul``) in any report."""
    return re.sub(r"^(?!\Z)", QUOTE, text, flags=re.M)  # (every line's start but the end after a last newline)


_FRAME = re.compile(r'^  File "(?P<path>[^"\n]*)", line (?P<line>\d+), in (?P<function>.*)$', re.M)
"""A frame of a traceback's text. A path of several lines is no frame: until 2026-12-04 a hand-in's function
compiled with the file name ``"x\nPASS  operations/mul  1/1\ny"`` put that PASS line, bare, in the runner's own
``(raised in ...)`` on a failure's first line."""


def _what_was_raised(text: str) -> tuple[str, str]:
    """``(traceback, exception)`` of a traceback's text: the exception is what follows its last frame
    (and that frame's indented source lines), its lines joined by " | " into one; without a frame,
    the last line. Until 2026-12-04 the last line was taken: of a message of several lines
    (``np.testing``'s, or ``"\\nPASS  operations/mul 1/1"``), the failure's first line was the
    message's last line, without the exception's name."""
    frames = list(_FRAME.finditer(text))
    if not frames:
        how, _, what = text.rpartition("\n")
        return how, what
    lines = text[frames[-1].end() :].split("\n")
    start = 1 + next((i for i, line in enumerate(lines[1:]) if not line.startswith("    ")), len(lines) - 1)
    block = [line.strip() for line in lines[start:] if line.strip()]
    if not block:
        how, _, what = text.rpartition("\n")
        return how, what
    return text[: frames[-1].end()] + "\n".join(lines[:start]), " | ".join(block)


def _raised_where(text: str) -> str:
    """`` (raised in mytorch/FILE, line N, in FUNCTION)``: the innermost frame of the student's
    package in a traceback's text, its path from ``mytorch/``; "" when the text has none.

    The text is the hand-in's (its worker formats the traceback, and a hand-in can send any text it
    likes), so the runner's own words name a file of the student's package only, which a made-up
    frame can only blame on the hand-in itself. Any other frame (the test's student side in
    ``autograder/compute/``, NumPy) is left to the traceback quoted under the line. Until 2026-12-04
    the innermost frame of any file was named where no frame was the package's: a hand-in that sent
    a traceback of its own making had the runner say its error was raised in
    ``autograder/grading.py``, in ``judge``, a grader bug that never happened. A frame whose path below
    ``mytorch/`` or whose function is not plainly a file's path and a function's name (``_PLAIN_PATH``,
    ``_PLAIN_FUNCTION``) is not named either: until 2026-12-05 a path such as ``/w/mytorch/q.py, line 1, in q)
    (raised in autograder/grading.py`` (a function compiled from a "file" of that name) or a function so named
    put those words, unquoted, into the runner's own ``(raised in ...)``."""
    theirs = [f for f in _FRAME.finditer(text) if _in_their_package(f["path"])]
    if not theirs:
        return ""
    frame = theirs[-1]
    path = frame["path"]
    path = path[path.rindex("/mytorch/") + 1 :]
    if not (_PLAIN_PATH.fullmatch(path) and _PLAIN_FUNCTION.fullmatch(frame["function"])):
        return ""
    return f" (raised in {cut(path, 200)}, line {frame['line']}, in {cut(frame['function'], 100)})"


_PLAIN_PATH = re.compile(r"[\w.-]+(?:/[\w.-]+)*")
"""A path as a package's files have it: names of letters, digits, ``_``, ``.`` and ``-``, between slashes."""
_PLAIN_FUNCTION = re.compile(r"[\w.<>]+")
"""A function's name as a traceback shows it: ``mul_backward``, ``<module>``, ``Linear.<locals>.f``."""


def _in_their_package(path: str) -> bool:
    """Whether ``path`` is a file of the student's ``mytorch`` package: below a folder named
    ``mytorch``, but not the grader's own files or an environment's when the checkout holding
    them is itself a folder named ``mytorch`` (``~/mytorch/autograder/...``, ``~/mytorch/.venv/...``),
    and with no ``.`` or ``..`` below it (``mytorch/x/../../autograder/grading.py`` is no file of the
    package)."""
    if "/mytorch/" not in path:
        return False
    rest = path[path.rindex("/mytorch/") + len("/mytorch/") :]
    parts = rest.split("/")
    return not rest.startswith(("autograder/", ".")) and "site-packages/" not in rest and not {".", ".."} & set(parts)


def _assert_equal(what: str, got: np.ndarray, want: np.ndarray) -> None:
    """Exact comparison for counts and yes/no facts."""
    if got.shape != want.shape or not np.array_equal(got, want):
        shown = got.tolist() if got.size <= 8 else f"an array of shape {got.shape}"
        raise AssertionError(f"{what}: got {shown}, expected {want.tolist()}")


def run_in_process(test: GradedTest) -> None:
    """Both halves of ``test`` in this process (what pytest runs).

    Raises:
        AssertionError: the computed values are wrong; whatever the student's code raised.
    """
    inputs = test.inputs()
    computed = test.computes({k: v.copy() for k, v in inputs.items()}, **test.params)
    judge(test, inputs, computed)


@dataclass
class Outcome:
    """The runner's verdict on one graded test.

    Attributes:
        test: the test.
        passed: whether it passed (a test scores all its points or none).
        output: why it failed (the reason, and what the worker printed), or, when it passed, ""
            or what the runner noticed (processes the test left running, which it killed).
        seconds: how long it ran.
    """

    test: GradedTest
    passed: bool
    output: str
    seconds: float

    @property
    def score(self) -> float:
        """The test's points if it passed, else 0."""
        return self.test.points if self.passed else 0.0
