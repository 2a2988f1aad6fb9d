"""The registry of graded tests: sections, points, and how one test is run and judged.

A graded test is a plain function that raises (usually ``AssertionError``) when the code under
test is wrong. ``@graded(section, points, name)`` records it in ``REGISTRY`` and returns it
unchanged, so ``pytest`` collects and runs it like any other test, and the runner finds it
with its points.
"""

from __future__ import annotations

import contextlib
import importlib
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = [
    "REGISTRY",
    "SECTIONS",
    "TEST_MODULES",
    "GradedTest",
    "Outcome",
    "Section",
    "collect",
    "execute",
    "graded",
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


@dataclass(frozen=True)
class GradedTest:
    """One graded test: a function worth ``points`` in ``section``."""

    section: str
    name: str
    points: float
    function: Callable[[], None]

    @property
    def id(self) -> str:
        """``section/name``: how the runner and the reports refer to the test."""
        return f"{self.section}/{self.name}"


REGISTRY: dict[str, GradedTest] = {}
"""Every graded test by id, in the order the modules define them."""


def graded(section: str, points: float, name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register the decorated test function as worth ``points`` in ``section``.

    Raises:
        ValueError: an unknown section, negative points, or a test id used twice.
    """
    if section not in SECTIONS:
        raise ValueError(f"graded: unknown section {section!r}; known: {', '.join(SECTIONS)}")
    if points < 0:
        raise ValueError(f"graded({section}/{name}): points must be >= 0, got {points}")

    def register(function: Callable[[], None]) -> Callable[[], None]:
        test = GradedTest(section, name, float(points), function)
        known = REGISTRY.get(test.id)
        where = (function.__module__, function.__qualname__)
        if known is not None and (known.function.__module__, known.function.__qualname__) != where:
            raise ValueError(f"graded: test id {test.id!r} is used twice")
        REGISTRY[test.id] = test
        return function

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


@dataclass
class Outcome:
    """The result of running one graded test.

    Attributes:
        test: the test.
        passed: whether it passed (a test scores all its points or none).
        output: why it failed (the reason and traceback), or "" when it passed.
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


class TimeLimitExceeded(BaseException):
    """Raised inside a test that ran past its time limit (a BaseException, so that a
    student's ``except Exception`` cannot swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt Python code that runs longer than ``seconds`` (POSIX main thread only;
    the sandboxed runner also kills the whole process)."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(f"the test ran longer than its time limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def execute(test: GradedTest, timeout: float | None = None) -> Outcome:
    """Run ``test`` in this process and judge it: it passes when it returns normally."""
    start = time.perf_counter()
    try:
        with _time_limit(timeout):
            test.function()
    except AssertionError as error:
        output = f"{error}\n{_trimmed_traceback(error)}"
        return Outcome(test, False, output, time.perf_counter() - start)
    except (Exception, TimeLimitExceeded) as error:
        output = f"{type(error).__name__}: {error}\n{_trimmed_traceback(error)}"
        return Outcome(test, False, output, time.perf_counter() - start)
    return Outcome(test, True, "", time.perf_counter() - start)


def _trimmed_traceback(error: BaseException) -> str:
    """Where ``error`` was raised: the traceback's frames below ``execute`` (the exception
    itself is already on the line above)."""
    frames = traceback.extract_tb(error.__traceback__)[1:]
    return "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
