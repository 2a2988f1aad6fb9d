"""The runner's command line (``python autograder/runner.py --help``).

Three ways to grade:

* no option: the ``mytorch`` next to this ``autograder/`` folder (a student's hand-out), in
  this process; ``--mytorch DIR`` grades ``DIR/mytorch`` instead; ``--isolate`` runs each
  test in a process of its own;
* ``--handin handin.tar``: the ``mytorch`` inside the archive, extracted safely into a fresh
  temporary folder, each test in its own process with a time limit;
* ``--handin-dir DIR``: every archive in DIR, one report and one ``results.json`` per hand-in
  and a ``scores.csv`` for the whole folder.

The exit status is 0 whenever grading ran, however many tests failed (a refused archive
scores 0 with the reason in its report); it is 1 when the runner itself cannot run (nothing
to grade, a ``mytorch`` imported from the wrong place) and 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .grading import SECTIONS, GradedTest, Outcome, collect, execute
from .isolation import WrongPackageError, run_isolated
from .report import autolab_line, gradescope_results, outcome_line, section_scores, summary_table
from .sandbox import HandinError, extract_handin, find_package

__all__ = ["main"]

GRADER_DIR = Path(__file__).resolve().parent
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


class RunnerError(Exception):
    """The runner cannot grade (exit status 1)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runner.py",
        description="Grade MyTorch: the course's 50 points (autograd, operations, linear, activation, loss) "
        "and MyTorch's extra sections. The last line printed is Autolab's score JSON.",
    )
    add = parser.add_argument
    add("sections", nargs="*", metavar="section", help=f"sections to run (default: all): {', '.join(SECTIONS)}")
    add("--course", action="store_true", help="run only the course's sections (50 points)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--handin", metavar="TAR", help="grade the mytorch inside this hand-in archive (sandboxed)")
    source.add_argument("--handin-dir", metavar="DIR", help="grade every hand-in archive in DIR (sandboxed)")
    source.add_argument("--mytorch", metavar="DIR", help="grade DIR/mytorch (default: the one next to autograder/)")
    add("--isolate", action="store_true", help="run each test in its own process (implied by --handin)")
    add("--timeout", type=float, default=10.0, metavar="S", help="seconds each test may run (default 10)")
    add("--memory", type=int, default=2048, metavar="MB", help="address space per test process (default 2048)")
    add("--jobs", type=int, default=1, metavar="N", help="test processes at once when isolated (default 1)")
    add("--json", metavar="FILE", help="also write Gradescope's results.json to FILE")
    add("--out-dir", metavar="DIR", help="with --handin-dir: where reports go (default: the hand-in folder)")
    add("--list", action="store_true", help="list the graded tests and their points, then exit")
    return parser


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _grade_in_process(tests: list[GradedTest], root: Path, timeout: float, emit: Callable) -> list[Outcome]:
    """Run the tests here, after making ``root/mytorch`` the one ``import mytorch`` finds."""
    sys.path.insert(0, str(root))
    try:
        import mytorch
    except Exception:  # noqa: BLE001 - the tests that need mytorch fail with the error
        mytorch = None
    if mytorch is not None and root not in Path(mytorch.__file__).resolve().parents:
        raise RunnerError(f"`import mytorch` finds {mytorch.__file__}, not {root / 'mytorch'}; run in a fresh process")
    outcomes = []
    for test in tests:
        outcomes.append(execute(test, timeout))
        emit(outcomes[-1])
    return outcomes


def _grade_archive(archive: Path, tests: list[GradedTest], args: argparse.Namespace, emit: Callable) -> tuple:
    """Extract the hand-in safely and grade it in sandboxed processes.

    Returns ``(outcomes, header, refusal)``: a refused archive scores zero on every test and
    ``refusal`` (also the header) says why; otherwise ``refusal`` is None.
    """
    with tempfile.TemporaryDirectory(prefix="mytorch-handin-") as scratch:
        files, site = Path(scratch) / "files", Path(scratch) / "site"
        try:
            package_parent = find_package(extract_handin(archive, files))
        except HandinError as error:
            outcomes = [Outcome(t, False, "not graded: the hand-in was refused (see above)", 0.0) for t in tests]
            refusal = f"HAND-IN {archive} NOT GRADED: {error}\n"
            return outcomes, refusal, refusal
        # Only the package goes on the children's path: nothing else from the archive.
        site.mkdir()
        (package_parent / "mytorch").rename(site / "mytorch")
        outcomes = run_isolated(tests, site, args.timeout, args.jobs, args.memory, emit)
    return outcomes, f"Graded the mytorch in hand-in {archive}\n", None


def _report_text(header: str, outcomes: list[Outcome]) -> str:
    lines = [header] + [outcome_line(o) for o in outcomes] + ["", summary_table(outcomes), autolab_line(outcomes)]
    return "\n".join(lines) + "\n"


def _grade_folder(folder: Path, tests: list[GradedTest], args: argparse.Namespace) -> None:
    """Grade every archive in ``folder``: NAME.txt (report) and NAME.json (Gradescope) per
    hand-in, and scores.csv, in ``--out-dir``."""
    archives = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES))
    if not archives:
        raise RunnerError(f"no hand-in archives ({', '.join(ARCHIVE_SUFFIXES)}) in {folder}")
    out_dir = Path(args.out_dir) if args.out_dir else folder
    sections = [s for s in SECTIONS if any(t.section == s for t in tests)]
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["handin", *sections, "total", "max"])
    for archive in archives:
        stem = next(archive.name[: -len(s)] for s in ARCHIVE_SUFFIXES if archive.name.endswith(s))
        outcomes, header, _ = _grade_archive(archive, tests, args, lambda outcome: None)
        _write_atomic(out_dir / f"{stem}.txt", _report_text(header, outcomes))
        _write_atomic(out_dir / f"{stem}.json", json.dumps(gradescope_results(outcomes, header), indent=2) + "\n")
        scores = {s.name: s.score for s in section_scores(outcomes)}
        total, best = sum(o.score for o in outcomes), sum(t.points for t in tests)
        writer.writerow([archive.name, *(f"{scores.get(s, 0):g}" for s in sections), f"{total:g}", f"{best:g}"])
        print(f"{archive.name:<40} {total:g}/{best:g}   report: {out_dir / (stem + '.txt')}", flush=True)
    _write_atomic(out_dir / "scores.csv", table.getvalue())
    print(f"scores of {len(archives)} hand-ins: {out_dir / 'scores.csv'}")


def _run(args: argparse.Namespace) -> None:
    sections = list(args.sections) or [s for s in SECTIONS if SECTIONS[s].course or not args.course]
    tests = collect(sections)
    if args.list:
        for test in tests:
            print(f"{test.id:<50} {test.points:g}")
        return
    if args.handin_dir:
        _grade_folder(Path(args.handin_dir), tests, args)
        return

    def emit(outcome: Outcome) -> None:
        print(outcome_line(outcome), flush=True)

    if args.handin:
        archive = Path(args.handin)
        if not archive.is_file():
            raise RunnerError(f"hand-in archive {archive} does not exist")
        print(f"Grading the hand-in {archive} (each test in its own process, {args.timeout:g} s limit)", flush=True)
        outcomes, header, refusal = _grade_archive(archive, tests, args, emit)
        if refusal:
            print(refusal, end="")
    else:
        root = Path(args.mytorch).resolve() if args.mytorch else GRADER_DIR.parent
        if not (root / "mytorch" / "__init__.py").is_file():
            raise RunnerError(f"there is no mytorch package to grade in {root} (expected {root / 'mytorch'})")
        header = f"Grading {root / 'mytorch'}\n"
        print(header, end="", flush=True)
        if args.isolate:
            outcomes = run_isolated(tests, root, args.timeout, args.jobs, args.memory, emit)
        else:
            outcomes = _grade_in_process(tests, root, args.timeout, emit)
    print()
    print(summary_table(outcomes))
    if args.json:
        _write_atomic(Path(args.json), json.dumps(gradescope_results(outcomes, header), indent=2) + "\n")
        print(f"Gradescope results written to {args.json}")
    print(autolab_line(outcomes), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the grader; returns the exit status (see the module docstring)."""
    parser = _parser()
    args = parser.parse_args(argv)
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.timeout <= 0 or args.jobs < 1 or args.memory < 1:
        parser.error("--timeout must be positive, --jobs and --memory at least 1")
    try:
        _run(args)
    except (RunnerError, WrongPackageError) as error:
        print(f"runner.py: error: {error}", file=sys.stderr)
        return 1
    return 0
