"""The runner's command line (``python autograder/runner.py --help``).

Three things to grade, always the same way (see ``isolation``): each test's student side runs
in a contained worker process that returns only the arrays it computed; this process makes
the inputs, computes the right answers, compares, decides and writes every report.

* no option: the ``mytorch`` next to this ``autograder/`` folder (a student's hand-out);
  ``--mytorch DIR`` grades ``DIR/mytorch`` instead;
* ``--handin handin.tar``: the ``mytorch`` inside the archive, extracted safely into a fresh
  temporary folder;
* ``--handin-dir DIR``: every archive in DIR, one report and one Gradescope JSON per hand-in
  (named after the whole archive name, so ``a.tar`` and ``a.tar.gz`` keep theirs) and a
  ``scores.csv`` for the whole folder; an archive that cannot be graded scores 0 with the
  reason, and the batch goes on.

``--sandbox`` chooses the containment (``containment``); when the chosen one leaves
something unprotected the runner says what, once, on stderr. The Autolab line
``{"scores": ...}`` is the last line printed, after every worker and everything it started
has been killed.

The exit status is 0 whenever grading ran, however many tests failed (a refused archive
scores 0 with the reason in its report); it is 1 when the runner itself cannot run (nothing
to grade, the requested sandbox unavailable), 2 for a bad command line, and 130 when it was
stopped (Ctrl-C or SIGTERM: every worker is killed, no score is printed), and 141 when its
standard output was closed (``runner.py --list | head -3``): one line on stderr, no traceback.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import errno
import hashlib
import importlib.metadata
import io
import json
import os
import re
import secrets
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from .archives import ARCHIVE_SUFFIXES, is_archive, other_format, wrong_format
from .checks import salt_inputs
from .config import ConfigError, GradingConfig, load_config
from .containment import MAX_SLOTS, MODES, Containment, SandboxUnavailableError, become_subreaper, kill_leftovers
from .grading import SECTIONS, GradedTest, Outcome, collect
from .isolation import SEARCH_SECONDS, ReferenceSearchError, Settings, grade, hide, look_for_references, probe
from .report import autolab_line, gradescope_results, outcome_line, section_scores, summary_table
from .sandbox import HandinError, extract_handin, find_package

__all__ = ["main"]

GRADER_DIR = Path(__file__).resolve().parent
_PR_SET_DUMPABLE = 4


class RunnerError(Exception):
    """The runner cannot grade (exit status 1)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(  # (prog: as called, runner.py or mytorch-grade)
        description="Grade MyTorch: the course's 50 points (autograd, operations, linear, activation, loss); "
        "MyTorch's extra sections with --extras. The last line printed is Autolab's score JSON.",
    )
    add = parser.add_argument
    add(
        "sections", nargs="*", metavar="section", help=f"sections to run (default: the course's): {', '.join(SECTIONS)}"
    )
    add("--extras", action="store_true", help="also run MyTorch's extra sections (default: the course's 50 points)")
    add("--course", action="store_true", help=argparse.SUPPRESS)  # the default now; kept for old scripts
    add("--config", metavar="FILE", help="a grading configuration (.toml or .json): sections, points, visibility")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--handin", metavar="TAR", help="grade the mytorch inside this hand-in archive")
    source.add_argument("--handin-dir", metavar="DIR", help="grade every hand-in archive in DIR")
    source.add_argument("--mytorch", metavar="DIR", help="grade DIR/mytorch (default: the one next to autograder/)")
    add("--sandbox", choices=MODES, default="auto",
        help="how test processes are contained: namespaces (unshare), uid (root only), none; "
        "auto (default) picks the strongest that works here")  # fmt: skip
    add("--isolate", action="store_true", help=argparse.SUPPRESS)  # every test runs in a worker now
    add("--timeout", type=float, default=10.0, metavar="S",
        help="seconds each test may run, importing the hand-in included (default 10)")  # fmt: skip
    add("--startup-timeout", type=float, default=30.0, metavar="S",
        help="seconds a test process may take to start: Python, NumPy and its sandbox (default 30)")  # fmt: skip
    add("--handin-timeout", type=float, default=300.0, metavar="S",
        help="seconds all tests of one hand-in may take together, start-ups included (default 300)")  # fmt: skip
    add("--memory", type=int, default=2048, metavar="MB", help="address space per test process (default 2048)")
    add("--handin-memory", type=int, default=2048, metavar="MB",
        help="memory of all of a hand-in's processes together, where the runner (as root) can make a cgroup "
        "(default 2048)")  # fmt: skip
    add("--disk", type=int, default=64, metavar="MB",
        help="the largest file a test may write, and all its folder may hold (default 64)")  # fmt: skip
    add("--max-procs", type=int, default=8, metavar="N",
        help="processes and threads per test process, with a uid or user namespace of its own "
        "(default 8)")  # fmt: skip
    add("--jobs", type=int, default=1, metavar="N", help="test processes at once (default 1)")
    add("--reference-search-seconds", type=float, default=SEARCH_SECONDS, metavar="S",
        help="seconds the search for copies of the reference solution in what workers read may take before "
        f"the runner stops without grading (default {SEARCH_SECONDS:g})")  # fmt: skip
    add("--json", metavar="FILE", help="also write Gradescope's results.json to FILE")
    add("--out-dir", metavar="DIR", help="with --handin-dir: where reports go (default: the hand-in folder)")
    add("--list", action="store_true", help="list the graded tests and their points, then exit")
    add("--quiet", action="store_true",
        help="print only the scores: the Autolab line (with --handin-dir, the scores.csv line); "
        "refusals and errors still go out")  # fmt: skip
    add("--version", action="version", version=f"%(prog)s (MyTorch {_version()})")
    return parser


def _version() -> str:
    """MyTorch's version: the installed distribution's, else the one next to this grader (read,
    not imported: the grader never imports the code it may grade)."""
    try:
        return importlib.metadata.version("mytorch")
    except importlib.metadata.PackageNotFoundError:
        init = GRADER_DIR.parent / "mytorch" / "__init__.py"
        found = re.search(r'^__version__ = "([^"]+)"', init.read_text(), re.M) if init.is_file() else None
        return found[1] if found else "unknown"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in UTF-8 through a fresh temporary file in the same folder,
    flushed to disk and renamed over ``path``: a reader sees the old file or the whole new one.
    (In the locale's encoding until 2026-12-02: under an ASCII locale a hand-in that printed a
    ``✓`` stopped the batch at its report.)"""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)  # (never longer than a name may be)
    except OSError as error:  # (named the temporary file, in a traceback)
        raise RunnerError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:  # (a lone surrogate: escaped)
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as error:  # (a folder of that name: a traceback until 2026-12-05)
        os.unlink(tmp)
        raise RunnerError(_cannot_write(path, error)) from None
    except BaseException:
        os.unlink(tmp)
        raise


def _cannot_write(path: Path, error: OSError) -> str:
    """Why ``path`` could not be written, in one line."""
    return f"cannot write {path}: {'it is a folder' if error.errno == errno.EISDIR else error.strerror or error}"


def _escaped(text: str) -> str:
    """``text`` (an archive's name, an error's text) as reports show it: printable characters as
    they are, the others escaped as Python writes them (``\\n``, ``\\x1b``, ``\\u202e``, and
    ``\\udcff`` for a byte that is not UTF-8). A file name may hold any of them: a newline added
    lines to the reports and the printout, and a name that is not UTF-8 could not be written, so
    one archive stopped the batch before ``scores.csv``. A backslash is doubled, so that no two
    names look alike (``a\\nb`` and a newline between ``a`` and ``b``)."""
    return "".join(c if c.isprintable() and c != "\\" else repr(c)[1:-1] for c in text)


def _csv_cell(name: str, escaped: bool = False) -> str:
    """An archive's name (or a reason already ``escaped``) for ``scores.csv``: ``_escaped``, and quoted
    with a leading ``'`` when it starts with ``=``, ``+``, ``-`` or ``@``, which a spreadsheet would run
    as a formula."""
    text = name if escaped else _escaped(name)
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


_NAME_MAX = 255
"""The most bytes a file name may have (Linux, macOS)."""


def _report_path(out_dir: Path, archive: Path, suffix: str) -> Path:
    """``out_dir/ARCHIVE.txt`` (or ``.json``), ARCHIVE being the archive's whole name; a name
    with no room left for ``.json`` is cut and followed by ``~`` and a hash of the whole name
    (for both reports alike), so that its reports are written and keep apart from another's (a
    name of 251 bytes stopped the batch before ``scores.csv``)."""
    name = os.fsencode(archive.name)
    if len(name) + len(".json") <= _NAME_MAX:
        return out_dir / (archive.name + suffix)
    digest = hashlib.sha256(name).hexdigest()[:12]
    return out_dir / (os.fsdecode(name[: _NAME_MAX - len(".json") - 13]) + "~" + digest + suffix)


def _refused(tests: list[GradedTest]) -> list[Outcome]:
    """Every test failed, for a hand-in that was not graded (``reason`` heads its report)."""
    return [Outcome(t, False, "not graded: the hand-in was refused (see above)", 0.0) for t in tests]


def _grade_archive(archive: Path, tests: list[GradedTest], run: dict, emit: Callable) -> tuple:
    """Extract the hand-in safely and grade it in workers.

    Returns ``(outcomes, header, refusal)``: a refused archive scores zero on every test and
    ``refusal`` (also the header) says why in one line; otherwise ``refusal`` is None.
    """
    suffix = other_format(archive.name)
    if suffix is not None:  # (never read: refused by its name)
        refusal = f"HAND-IN {_escaped(archive.name)} NOT GRADED: {wrong_format(suffix)}\n"
        return _refused(tests), refusal, refusal
    with tempfile.TemporaryDirectory(prefix="mytorch-handin-") as scratch:
        try:
            files = extract_handin(archive, Path(scratch) / "files")
            package_parent = find_package(files)
        except HandinError as error:
            refusal = f"HAND-IN {_escaped(archive.name)} NOT GRADED: {_escaped(str(error))}\n"
            return _refused(tests), refusal, refusal
        folder = package_parent.relative_to(files).as_posix()
        where = "" if folder == "." else f" (its {_escaped(folder)}/mytorch)"
        outcomes = grade(tests, package_parent, run["settings"], run["containment"], emit)
    return outcomes, f"Graded the mytorch in hand-in {_escaped(archive.name)}{where}\n{run['inputs']}", None


def _versions() -> str:
    """The report's line naming the Python and NumPy the workers run: a hand-in that works on the
    student's machine and fails here (a SyntaxError of a newer Python, an alias NumPy 2 removed, such as
    ``np.float_``) is explained by it. Until 2026-12-04 no report said which."""
    import platform

    import numpy

    return f"The tests ran under Python {platform.python_version()} and NumPy {numpy.__version__}.\n"


def _grader_failed(archive: Path, error: BaseException) -> str:
    """The one-line refusal for an archive the grader itself failed on."""
    reason = _escaped(" ".join(f"{type(error).__name__}: {error}".split())[:300])
    return f"HAND-IN {_escaped(archive.name)} NOT GRADED: the grader failed on it ({reason})\n"


def _report_text(header: str, outcomes: list[Outcome]) -> str:
    lines = [header] + [outcome_line(o) for o in outcomes] + ["", summary_table(outcomes), autolab_line(outcomes)]
    return "\n".join(lines) + "\n"


def _grade_folder(folder: Path, tests: list[GradedTest], args: argparse.Namespace, run: dict) -> None:
    """Grade every archive in ``folder``: NAME.txt (report) and NAME.json (Gradescope) per
    hand-in, NAME being the archive's whole name, and scores.csv, in ``--out-dir``."""
    # Every entry named like an archive, whatever it is: a dangling link, a named pipe or a folder named
    # ``*.tar`` was left out without a row until 2026-12-04 (the student read as one who handed nothing
    # in); reading it refuses it, saying why (``sandbox._snapshot``).
    # (Whatever the case of the suffix: ``ALICE.TAR`` was passed over without a row until 2026-12-05.) An archive of
    # another format (``alice.zip``, ``bob.7z``) gets a row too, refused by its name (none until 2026-12-05).
    archives = sorted(p for p in folder.iterdir() if is_archive(p.name) or other_format(p.name))
    if not archives:
        raise RunnerError(f"no hand-in archives ({', '.join(ARCHIVE_SUFFIXES)}) in {folder}")
    out_dir = Path(args.out_dir) if args.out_dir else folder
    if (out_dir / "scores.csv").is_dir() and not (out_dir / "scores.csv").is_symlink():  # (before any grading)
        raise RunnerError(_cannot_write(out_dir / "scores.csv", OSError(errno.EISDIR, "")))
    sections = [s for s in SECTIONS if any(t.section == s for t in tests)]
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["handin", *sections, "total", "max", "not_graded"])
    for archive in archives:
        try:
            outcomes, header, refusal = _grade_archive(archive, tests, run, lambda outcome: None)
        except Exception as error:  # noqa: BLE001 - one archive never stops the batch
            header = refusal = _grader_failed(archive, error)
            outcomes = _refused(tests)
        kill_leftovers()
        report = _report_path(out_dir, archive, ".txt")
        gradescope = (
            json.dumps(gradescope_results(outcomes, header, **run["shown"]), indent=2, ensure_ascii=False) + "\n"
        )
        # Reports go to the hand-in folder by default, where a student may have made a folder of a report's name:
        # until 2026-12-05 that stopped the batch (a traceback, no scores.csv); now that report alone is missing.
        for path, text in (
            (report, _report_text(header, outcomes)),
            (_report_path(out_dir, archive, ".json"), gradescope),
        ):
            try:
                write_atomic(path, text)
            except RunnerError as error:
                print(f"runner.py: {_escaped(str(error))}; the batch goes on", file=sys.stderr, flush=True)
        scores = {s.name: s.score for s in section_scores(outcomes)}
        total, best = sum(o.score for o in outcomes), sum(t.points for t in tests)
        # Why a hand-in has no score at all (refused, or the grader failed on it): until 2026-12-04 its row
        # read as a hand-in that failed every test, and only its report said otherwise.
        reason = refusal.split(" NOT GRADED: ", 1)[-1].strip() if refusal else ""
        writer.writerow(
            [_csv_cell(archive.name), *(f"{scores.get(s, 0):g}" for s in sections), f"{total:g}", f"{best:g}",
             _csv_cell(reason, escaped=True)]
        )  # fmt: skip
        if not args.quiet:
            note = "   NOT GRADED (see the report)" if refusal else ""
            shown = f"{_escaped(archive.name):<40} {total:g}/{best:g}{note}"
            print(f"{shown}   report: {_escaped(str(report))}", flush=True)
    write_atomic(out_dir / "scores.csv", table.getvalue())
    print(f"scores of {len(archives)} hand-ins: {out_dir / 'scores.csv'}", flush=True)


def _protect_runner() -> None:
    """Adopt what workers leave behind (subreaper), and make this process's /proc entries
    (its open files: stdout) unusable to processes of the same user (not dumpable)."""
    import ctypes

    become_subreaper()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _containment(requested: str) -> Containment:
    try:
        containment = Containment.choose(requested, probe)
    except SandboxUnavailableError as error:
        raise RunnerError(str(error)) from None
    if containment.missing:
        print(f"runner.py: note: --sandbox {containment.mode}: {containment.missing}", file=sys.stderr, flush=True)
    return containment


def _silent(*args: object, **kwargs: object) -> None:
    """``print`` under ``--quiet``: nothing."""


def _refuse_special_files(package: Path) -> None:
    """Refuse a package folder holding a named pipe, socket or device: each worker gets a copy
    of the folder, and copying one stopped every test with a traceback."""
    for folder, names, files in os.walk(package):
        for name in names + files:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                raise RunnerError(f"{path} is not a file, a folder or a link (a named pipe, socket or device); "
                                  "remove it from the package folder")  # fmt: skip


def _hide_the_runners_folders(args: argparse.Namespace, root: Path) -> None:
    """Keep every folder this run reads hand-ins from or writes reports to out of the workers'
    reach (``isolation.hide``), the folder for reports made first so that it is hidden too."""
    folders = [Path(args.handin_dir)] if args.handin_dir else [Path(args.handin).parent] if args.handin else [root]
    if args.out_dir:
        Path(args.out_dir).mkdir(parents=True, exist_ok=True)
        folders.append(Path(args.out_dir))
    if args.json:
        folders.append(Path(args.json).parent)
    hide(*(folder for folder in folders if folder.is_dir()))


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any grading, a ``--json`` or ``--out-dir`` this run could not write: the
    scores of a whole batch were lost to a traceback at the end (``--json /proc/x.json``)."""
    folders = [Path(args.out_dir)] if args.out_dir else []
    if args.json:
        if Path(args.json).is_dir():
            raise RunnerError(f"--json {args.json} is a folder; give a file path")
        folders.append(Path(args.json).parent)
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as error:
            raise RunnerError(f"cannot write into {folder}: {error.strerror or error}") from None


def _run(args: argparse.Namespace) -> None:
    try:
        config = load_config(args.config) if args.config else GradingConfig()
        config = dataclasses.replace(config, extras=config.extras or args.extras)
        tests = config.apply(collect(list(args.sections) or config.sections_to_run()))
    except ConfigError as error:
        raise RunnerError(str(error)) from None
    shown = {"visibility": config.visibility, "stdout_visibility": config.stdout_visibility}
    if args.list:
        for test in tests:
            print(f"{test.id:<50} {test.points:g}")
        return
    if args.handin and Path(args.handin).is_dir():
        raise RunnerError(
            f"hand-in archive {args.handin} is a folder; give the archive, or grade an extracted hand-in with "
            f"--mytorch {args.handin}"
        )
    if args.handin and not Path(args.handin).is_file():
        raise RunnerError(f"hand-in archive {args.handin} does not exist")
    if args.handin_dir and not Path(args.handin_dir).is_dir():
        what = "is not a folder" if Path(args.handin_dir).exists() else "does not exist"
        raise RunnerError(f"--handin-dir {args.handin_dir} {what}")
    _check_outputs(args)
    root = Path(args.mytorch).resolve() if args.mytorch else GRADER_DIR.parent
    if not (args.handin or args.handin_dir) and not (root / "mytorch" / "__init__.py").is_file():
        raise RunnerError(f"there is no mytorch package to grade in {root} (expected {root / 'mytorch'})")
    if not (args.handin or args.handin_dir) and (root / "mytorch").is_symlink():
        # the workers' copy, made as root, would be of wherever it points (another student's folder)
        raise RunnerError(f"{root / 'mytorch'} is a symbolic link; grade the folder that holds what it points to")
    if not (args.handin or args.handin_dir):
        _refuse_special_files(root / "mytorch")
    _protect_runner()
    _hide_the_runners_folders(args, root)
    try:  # (before any worker, the probe's included: none may start while a copy of the reference could be in reach)
        look_for_references(args.reference_search_seconds)
    except ReferenceSearchError as error:
        raise RunnerError(str(error)) from None
    settings = Settings(timeout=args.timeout, startup=args.startup_timeout, handin_timeout=args.handin_timeout,
                        memory_mb=args.memory, max_procs=args.max_procs, jobs=args.jobs,
                        handin_memory_mb=args.handin_memory, file_mb=args.disk)  # fmt: skip
    inputs = _versions()
    if config.inputs == "fresh":  # (a hand-in cannot know them: the seeds ship with the starter, the salt never)
        salt = secrets.randbits(63)
        salt_inputs(salt)
        inputs += f"The tests' inputs were drawn afresh for this run (salt {salt}).\n"
    run = {"settings": settings, "containment": _containment(args.sandbox), "shown": shown, "inputs": inputs}
    if args.handin_dir:
        _grade_folder(Path(args.handin_dir), tests, args, run)
        return

    say = _silent if args.quiet else print

    def emit(outcome: Outcome) -> None:
        say(outcome_line(outcome), flush=True)

    if args.handin:
        archive = Path(args.handin)
        say(
            f"Grading the hand-in {_escaped(str(archive))} (each test in a worker, {args.timeout:g} s limit)",
            flush=True,
        )
        say(inputs, end="", flush=True)
        try:
            outcomes, header, refusal = _grade_archive(archive, tests, run, emit)
        except Exception as error:  # noqa: BLE001 - a verdict, never a traceback
            refusal = _grader_failed(archive, error)
            outcomes, header = _refused(tests), refusal
        if refusal:
            print(refusal, end="")
    else:
        header = f"Grading {root / 'mytorch'}\n{inputs}"
        say(header, end="", flush=True)
        outcomes = grade(tests, root, settings, run["containment"], emit)
    kill_leftovers()
    say()
    say(summary_table(outcomes))
    if args.json:
        results = gradescope_results(outcomes, header, **shown)
        write_atomic(Path(args.json), json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        say(f"Gradescope results written to {args.json}")
    print(autolab_line(outcomes), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the grader; returns the exit status (see the module docstring)."""
    parser = _parser()
    args = parser.parse_args(argv)
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    for option in ("timeout", "startup_timeout", "handin_timeout", "reference_search_seconds"):
        if getattr(args, option) <= 0:
            parser.error(f"--{option.replace('_', '-')} must be positive, got {getattr(args, option):g}")
    for option in ("jobs", "memory", "handin_memory", "max_procs", "disk"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1, got {getattr(args, option)}")
    if args.jobs > MAX_SLOTS:
        parser.error(f"--jobs must be at most {MAX_SLOTS}, got {args.jobs}")
    for stream in (sys.stdout, sys.stderr):  # a hand-in's text the terminal's encoding lacks: escaped, never an error
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stopped) if main_thread else None
    try:
        _run(args)
        sys.stdout.flush()  # a closed pipe shows here at the latest
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (no second error at exit's flush)
        print("runner.py: stdout was closed (broken pipe); stopped", file=sys.stderr)
        return 141
    except RunnerError as error:
        print(f"runner.py: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("runner.py: stopped; no score was given", file=sys.stderr)
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    return 0


def _stopped(signum: int, frame: object) -> None:
    """SIGTERM: stop like Ctrl-C (the workers are killed on the way out)."""
    raise KeyboardInterrupt
