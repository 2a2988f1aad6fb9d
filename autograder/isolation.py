"""Run each graded test in its own Python process, with a time limit.

``run_isolated`` starts ``python child.py TEST_ID ROOT RESULT MEMORY_MB`` once per test, with
``PYTHONPATH`` pointing at ``ROOT`` (the folder holding the ``mytorch`` to grade), in a new
process group. The child (``child.py``) imports ``mytorch``, checks that it came from
``ROOT``, prints ``ready``, runs the one test and writes its outcome as JSON to ``RESULT``. The
time limit counts from ``ready``, so a slow start (a fresh interpreter importing NumPy on a busy
machine) costs no points; the start itself may take up to ``STARTUP_LIMIT`` seconds (an import
of the hand-in that never returns is stopped there). A child that runs past its limit is
killed with its whole process group; one that allocates more than ``MEMORY_MB`` of
address space gets a ``MemoryError``; a child that dies (a crash in compiled code,
``os._exit``) is reported with its exit status. Either way only that test's points are lost.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .grading import GradedTest, Outcome

__all__ = ["STARTUP_LIMIT", "WrongPackageError", "run_isolated"]

_HERE = Path(__file__).resolve().parent
_TAIL = 3000  # characters of a dead child's stderr kept in the report
STARTUP_LIMIT = 60.0
"""Seconds a test process may take to start (import NumPy, the grader and the hand-in)."""


class WrongPackageError(RuntimeError):
    """A child imported a ``mytorch`` from somewhere else than the folder being graded."""


def _child_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(
        PYTHONPATH=str(root),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONNOUSERSITE="1",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def _wait_until_ready(process: subprocess.Popen, limit: float) -> bool:
    """Read the child's stdout up to its ``ready`` line; False if it takes over ``limit`` s.

    A child that exits before saying ``ready`` also returns True: its outcome (a crash, an
    import error) is read as usual.
    """
    fd = process.stdout.fileno()
    deadline = time.monotonic() + limit
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while b"\n" not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return False
            chunk = os.read(fd, 4096)
            if not chunk:
                return True
            seen += chunk
    return True


def _timeout(test: GradedTest, reason: str, start: float) -> Outcome:
    return Outcome(test, False, f"TIMEOUT: {reason}", time.perf_counter() - start)


def _run_one(test: GradedTest, root: Path, timeout: float, memory_mb: int, workdir: Path) -> Outcome:
    result = workdir / f"result-{abs(hash(test.id))}-{time.monotonic_ns()}.json"
    command = [sys.executable, "-B", str(_HERE / "child.py"), test.id, str(root), str(result), str(memory_mb)]
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=_child_env(root),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        if not _wait_until_ready(process, STARTUP_LIMIT):
            _kill_group(process)
            process.communicate()
            return _timeout(test, f"importing the hand-in took over {STARTUP_LIMIT:g} s (does it never return?)", start)
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        return _timeout(
            test, f"the test was stopped after its time limit of {timeout:g} s (does a function it calls "
            "never return?)", start
        )
    finally:
        _kill_group(process)  # anything the test left running in its group
    seconds = time.perf_counter() - start
    if not result.is_file():
        status = process.returncode
        how = f"killed by signal {-status}" if status < 0 else f"exit status {status}"
        tail = stderr.decode(errors="replace")[-_TAIL:]
        return Outcome(test, False, f"CRASH: the test's process died ({how}) before reporting.\n{tail}", seconds)
    report = json.loads(result.read_text())
    result.unlink()
    if report.get("wrong_package"):
        raise WrongPackageError(report["wrong_package"])
    return Outcome(test, bool(report["passed"]), report["output"], seconds)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_isolated(
    tests: list[GradedTest],
    root: Path,
    timeout: float,
    jobs: int = 1,
    memory_mb: int = 2048,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run every test in its own process (``jobs`` at a time) grading ``root/mytorch``.

    Args:
        tests: the graded tests.
        root: the folder holding the ``mytorch`` package to grade.
        timeout: seconds each test may run.
        jobs: how many test processes run at once.
        memory_mb: the address space each test process may use (POSIX), in MiB.
        on_outcome: called with each outcome as soon as it is known, in ``tests`` order.

    Returns:
        The outcomes, in ``tests`` order.

    Raises:
        WrongPackageError: a child imported ``mytorch`` from outside ``root``.
    """
    root = Path(root).resolve()
    with tempfile.TemporaryDirectory(prefix="mytorch-grading-") as scratch, ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [pool.submit(_run_one, test, root, timeout, memory_mb, Path(scratch)) for test in tests]
        outcomes = []
        for future in futures:
            outcome = future.result()
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return outcomes
