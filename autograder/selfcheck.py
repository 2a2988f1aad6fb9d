"""A student's own check on macOS or Windows: ``python autograder/runner.py [section ...]``.

The grader's containment (a worker process per test, rlimits, seccomp, namespaces, ``/proc``) is
Linux's: on another system ``runner.py`` comes here instead, and runs each graded test of the
``mytorch`` next to ``autograder/`` in this process, as ``python -m pytest autograder`` does, with
the runner's verdict lines, messages, summary table and Autolab line. It is a check of one's own
code, not a grade: nothing is contained, a test's code can change the next one's, and on Windows
no test has a time limit. Hand-ins (``--handin``, ``--handin-dir``) and ``--mytorch`` need Linux;
this module refuses them in one line. Until 2026-12-04 the starter's runner could not run at all
off Linux (the worker's first call is Linux's ``prctl``; Windows has no ``resource`` module).
"""

from __future__ import annotations

import argparse
import io
import signal
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from .grading import SECTIONS, Outcome, collect, judge
from .protocol import error_text
from .report import autolab_line, outcome_line, summary_table

__all__ = ["main"]

GRADER_DIR = Path(__file__).resolve().parent
LINUX_ONLY = ("--handin", "--handin-dir", "--mytorch", "--sandbox", "--config", "--jobs")
"""Options of the Linux runner this check does not take (the first three grade other people's code)."""


class _TimedOut(BaseException):
    """A test ran past its time limit (where ``signal.setitimer`` exists); not an ``Exception``, which
    the code under test might catch."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runner.py",
        description="Check your own mytorch (the one next to autograder/) on this system, in this process: "
        "the course grades on Linux, each test contained.",
    )
    parser.add_argument("sections", nargs="*", metavar="section", help=f"sections to run: {', '.join(SECTIONS)}")
    parser.add_argument("--extras", action="store_true", help="also run MyTorch's extra sections")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S", help="seconds each test may run")
    parser.add_argument("--quiet", action="store_true", help="print only the Autolab line")
    parser.add_argument("--list", action="store_true", help="list the graded tests and their points, then exit")
    return parser


def _run_one(test, timeout: float) -> Outcome:
    """One test, both halves here; its verdict and message as the runner gives them."""
    start = time.monotonic()
    inputs = test.inputs()
    try:
        timer = hasattr(signal, "setitimer")
        if timer:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            computed = test.computes({k: v.copy() for k, v in inputs.items()}, **test.params)
        finally:
            if timer:
                signal.setitimer(signal.ITIMER_REAL, 0)
        computed = {str(key): np.asarray(value) for key, value in computed.items()}  # (as a worker sends them)
    except _TimedOut:
        return Outcome(test, False, f"TIMEOUT: still running after {timeout:g} s", time.monotonic() - start)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - the student's code failed: the runner's message for it
        computed = error_text("".join(traceback.format_exception(type(error), error, error.__traceback__)[-12:]))
    try:
        judge(test, inputs, computed)
    except AssertionError as failure:
        return Outcome(test, False, str(failure), time.monotonic() - start)
    return Outcome(test, True, "", time.monotonic() - start)


def main(argv: list[str] | None = None) -> int:
    """Check the ``mytorch`` next to ``autograder/``; the exit status is the Linux runner's (0: it ran)."""
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    linux_only = [a for a in argv if a.split("=", 1)[0] in LINUX_ONLY]
    if linux_only:
        print(
            f"runner.py: error: {linux_only[0].split('=', 1)[0]} needs Linux, where the grader contains each test; "
            f"on {sys.platform}, `python autograder/runner.py` checks your own mytorch (next to autograder/)",
            file=sys.stderr,
        )
        return 1
    args = parser.parse_args(argv)
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    for stream in (sys.stdout, sys.stderr):  # (a Windows console's code page lacks much: escaped, never an error)
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    chosen = args.sections or [s for s in SECTIONS if SECTIONS[s].course or args.extras]
    if args.list:  # (as the Linux runner lists them)
        for test in collect(chosen):
            print(f"{test.id:<50} {test.points:g}")
        return 0
    root = GRADER_DIR.parent
    if not (root / "mytorch" / "__init__.py").is_file():
        print(f"runner.py: error: there is no mytorch package to check in {root}", file=sys.stderr)
        return 1
    sys.path.insert(0, str(root))
    try:  # before any time limit, as a worker imports it before its test's limit starts
        import mytorch.nn  # noqa: F401
    except BaseException:  # noqa: BLE001, S110 - each test then fails with the error, as the runner's would
        pass
    say = (lambda *a, **k: None) if args.quiet else print

    def alarm(signum, frame):
        raise _TimedOut

    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, alarm)
    limit = f"{args.timeout:g} s limit" if hasattr(signal, "setitimer") else "no time limit"
    say(f"Checking {root / 'mytorch'} in this process ({sys.platform}: not contained, {limit}; a self-check, not a")
    say("grade: the course grades on Linux, each test in a contained process)")
    outcomes = []
    try:
        for test in collect(chosen):
            outcome = _run_one(test, args.timeout)
            outcomes.append(outcome)
            say(outcome_line(outcome), flush=True)
    except KeyboardInterrupt:
        print("runner.py: stopped; no score was given", file=sys.stderr)
        return 130
    say()
    say(summary_table(outcomes))
    print(autolab_line(outcomes), flush=True)
    return 0
