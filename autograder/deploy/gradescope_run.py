"""Gradescope's side of the grader: ``python3 -m autograder.deploy.gradescope_run --root ROOT``.

``run_autograder`` calls this for every submission. It finds what the student uploaded in
``ROOT/submission/``: a hand-in archive (``handin.tar`` from ``create_tarball.sh``, or any one
``.tar``/``.tar.gz``/``.tgz``/``.tar.bz2``/``.tar.xz``), or else a ``mytorch/`` folder, which it
packs into an archive as ``create_tarball.sh`` does, so that both take the same road:
``autograder/runner.py --handin`` (safe extraction, each test in a contained process). The
runner's Gradescope results become
``ROOT/results/results.json``, written atomically and last, so nothing the submission does can
leave its own version there. Whatever goes wrong, a results.json is written (0 points and
the reason) and the exit status is 0, as Gradescope expects.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path, PurePosixPath

__all__ = ["SubmissionError", "find_submission", "main"]

GRADER = Path(__file__).resolve().parents[1]
ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
"""The archives taken for a hand-in: those ``runner.py --handin`` reads (``cli.ARCHIVE_SUFFIXES``). Until
2026-12-04 a ``handin.tar.xz`` or ``.tar.bz2`` was passed over: 0 points, 'neither handin.tar nor a
mytorch/ folder'."""
CONFIG = "grading.json"
"""The kit's grading configuration, beside ``autograder/`` (``build.py`` puts it there)."""


class SubmissionError(Exception):
    """Nothing gradable was uploaded (the message tells the student what to upload)."""


def find_submission(submission: Path, scratch: Path, skipped: list[str] | None = None) -> Path:
    """The hand-in archive to grade: the uploaded one (outside any ``mytorch/`` folder), or the
    uploaded ``mytorch/`` packed into ``scratch/handin.tar`` as ``create_tarball.sh`` packs it:
    without symbolic links (which the runner refuses, and with them the whole hand-in: until
    2026-12-04 an uploaded folder holding one scored 0), hidden files and folders, and Python
    caches. What was left out is added to ``skipped``.

    Raises:
        SubmissionError: no archive and no ``mytorch/`` folder, or several archives.
    """
    files, folders = [], []
    for top, dirs, names in os.walk(submission):  # never follows links
        files += [Path(top, n) for n in names if not Path(top, n).is_symlink() and Path(top, n).is_file()]
        folders += [Path(top, d) for d in dirs if d == "mytorch" and not Path(top, d).is_symlink()]
    files.sort()
    folders.sort(key=lambda p: len(p.parts))
    # An archive inside a mytorch/ folder is the package's own data (saved runs, weights), not a hand-in:
    # until 2026-12-04 an uploaded mytorch/ holding one such archive had that archive graded (refused: 0).
    archives = [p for p in files if p.name.endswith(ARCHIVES) and "mytorch" not in p.relative_to(submission).parts]
    named = [p for p in archives if p.name == "handin.tar"]
    if len(named) == 1 or len(archives) == 1:
        return (named or archives)[0]
    if archives:
        names = ", ".join(repr(p.relative_to(submission).as_posix()) for p in archives)  # (quoted: any byte)
        raise SubmissionError(f"the submission holds several archives ({names}); upload only handin.tar")
    if not folders:
        raise SubmissionError(
            "the submission holds neither handin.tar nor a mytorch/ folder; run `sh create_tarball.sh` "
            "and upload the handin.tar it writes"
        )
    archive = scratch / "handin.tar"
    left_out = [] if skipped is None else skipped

    def packed(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
        name = PurePosixPath(member.name)
        if member.issym() or any(part.startswith(".") or part == "__pycache__" for part in name.parts):
            left_out.append(member.name)
            return None
        return None if name.suffix in (".pyc", ".pyo") else member

    with tarfile.open(archive, "w") as tar:
        tar.add(folders[0], arcname="mytorch", filter=packed)
    return archive


def _write_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", errors="backslashreplace")
    os.replace(tmp, path)


def _failure(reason: str, seconds: float) -> dict:
    return {
        "score": 0,
        "execution_time": round(seconds),
        "output": f"The submission was not graded: {reason}",
        "stdout_visibility": "visible",
        "tests": [],
    }


def grade(root: Path) -> dict:
    """Grade ``root/submission`` and return Gradescope's results (never raises on a bad submission)."""
    start = time.monotonic()
    config = GRADER.parent / CONFIG if (GRADER.parent / CONFIG).is_file() else None
    with tempfile.TemporaryDirectory(prefix="mytorch-gradescope-") as scratch:
        skipped: list[str] = []
        try:
            archive = find_submission(root / "submission", Path(scratch), skipped)
        except SubmissionError as error:
            print(f"gradescope_run: {error}", flush=True)
            return _failure(str(error), time.monotonic() - start)
        except Exception as error:  # noqa: BLE001 - an upload os.walk or tarfile fails on: a reason, not no results
            reason = " ".join(f"{type(error).__name__}: {error}".split())[:300]
            print(f"gradescope_run: the upload could not be packed for grading ({reason})", flush=True)
            return _failure(f"the upload could not be packed for grading ({reason})", time.monotonic() - start)
        results = Path(scratch) / "results.json"
        command = [sys.executable, str(GRADER / "runner.py"), "--handin", str(archive), "--json", str(results)]
        command += ["--jobs", str(min(4, os.cpu_count() or 1))]
        if config is not None:
            command += ["--config", str(config)]
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
        print(done.stdout, end="", flush=True)  # Gradescope keeps it as the run's stdout
        sys.stderr.write(done.stderr)
        if done.returncode != 0 or not results.is_file():
            reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}"
            return _failure(f"the grader stopped ({reason}); please tell the course staff", time.monotonic() - start)
        data = json.loads(results.read_text(encoding="utf-8"))  # (the runner writes UTF-8 whatever the locale)
    if skipped:
        names = ", ".join(repr(name) for name in skipped[:20]) + (", ..." if len(skipped) > 20 else "")
        note = f"Left out of the uploaded mytorch/ (links, hidden files, caches, as create_tarball.sh does): {names}\n"
        print(note, end="", flush=True)
        data["output"] = note + data.get("output", "")
    data["execution_time"] = round(time.monotonic() - start)
    return data


def main(argv: list[str] | None = None) -> int:
    """Grade and write ``ROOT/results/results.json``; always exit 0 once it is written."""
    parser = argparse.ArgumentParser(prog="python3 -m autograder.deploy.gradescope_run")
    parser.add_argument(
        "--root",
        default=os.environ.get("MYTORCH_AUTOGRADER_ROOT", "/autograder"),
        help="Gradescope's /autograder (default: $MYTORCH_AUTOGRADER_ROOT or /autograder)",
    )
    args = parser.parse_args(argv)
    root = Path(args.root)
    data = grade(root)
    _write_atomic(root / "results" / "results.json", data)
    print(f"gradescope_run: {data['score']} points; results in {root / 'results' / 'results.json'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
