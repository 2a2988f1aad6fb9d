"""Gradescope's side of the grader: ``python3 -m autograder.deploy.gradescope_run --root ROOT``.

``run_autograder`` calls this for every submission. It finds what the student uploaded in
``ROOT/submission/``: a ``mytorch/`` folder, which it packs into an archive as
``create_tarball.sh`` does, or else a hand-in archive (``handin.tar`` from ``create_tarball.sh``, or
any one ``.tar``/``.tar.gz``/``.tgz``/``.tar.bz2``/``.tar.xz``), so that both take the same road:
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

from ..archives import ARCHIVE_SUFFIXES, other_format, wrong_format

__all__ = ["SubmissionError", "find_submission", "main"]

GRADER = Path(__file__).resolve().parents[1]
ARCHIVES = ARCHIVE_SUFFIXES
"""The archives taken for a hand-in: those ``runner.py --handin`` reads. Until 2026-12-04 a ``handin.tar.xz`` or
``.tar.bz2`` was passed over: 0 points, 'neither handin.tar nor a mytorch/ folder'."""
CONFIG = "grading.json"
"""The kit's grading configuration, beside ``autograder/`` (``build.py`` puts it there)."""


class SubmissionError(Exception):
    """Nothing gradable was uploaded (the message tells the student what to upload)."""


def _skipped_folder(name: str) -> bool:
    """A folder never searched for the hand-in: hidden ones (``.git``, ``.venv``) and the ``__MACOSX/``
    of a zip made on macOS (its ``mytorch/`` holds ``._`` files of attributes, not Python)."""
    return name.startswith(".") or name == "__MACOSX"


def _is_package(folder: Path) -> bool:
    return (folder / "__init__.py").is_file() and not (folder / "__init__.py").is_symlink()


def _packages(submission: Path) -> list[Path]:
    """The ``mytorch/`` folders of the upload, shallowest first, none inside another (those are the
    package's own folders); folders holding ``__init__.py`` come before any that do not. When the upload
    has none, a folder holding the package's files without the folder itself (``__init__.py`` and
    ``autograd_engine.py``: a zip of ``mytorch/``'s contents), shallowest first."""
    found, loose = [], []
    for top, dirs, names in os.walk(submission):  # never follows links
        dirs[:] = sorted(d for d in dirs if not _skipped_folder(d) and not Path(top, d).is_symlink())
        if Path(top).name == "mytorch" and Path(top) != submission:
            found.append(Path(top))
            dirs[:] = []  # (its own folders are the package's)
        elif {"__init__.py", "autograd_engine.py"} <= set(names):
            loose.append(Path(top))
    found = sorted(found, key=lambda p: (not _is_package(p), len(p.parts)))
    if found:
        return found
    return sorted(loose, key=lambda p: len(p.parts))


def _archive_note(archive: Path, folder: Path, submission: Path, scratch: Path) -> str:
    """One line for the student on an uploaded archive that was not graded because a ``mytorch/``
    folder was uploaded too: whether it holds the folder's code."""
    note = (
        f"The upload holds both the folder {folder.relative_to(submission).as_posix()!r} and the archive "
        f"{archive.relative_to(submission).as_posix()!r}: the folder was graded (the code Gradescope shows), "
        "not the archive"
    )
    from autograder.sandbox import HandinError, extract_handin, find_package  # (the runner's own reading)

    def files(top: Path) -> dict[str, Path]:
        found = {}
        for where, _, names in os.walk(top):  # never follows links
            for path in (Path(where, name) for name in names):
                relative = PurePosixPath(path.relative_to(top).as_posix())
                if path.is_file() and not path.is_symlink() and not _left_out(relative) and path != archive:
                    found[str(relative)] = path
        return found

    def same(a: Path, b: Path) -> bool:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()

    with tempfile.TemporaryDirectory(dir=scratch) as copy:  # (removed before grading starts)
        try:
            root = find_package(extract_handin(archive, copy))
        except Exception as error:  # noqa: BLE001 - the note's detail only: grading goes on
            if not isinstance(error, HandinError):
                return f"{note}."
            return f"{note} (which the grader would refuse: {' '.join(str(error).split())[:200]})."
        try:
            theirs, ours = files(root / "mytorch"), files(folder)
            differ = sorted(n for n in theirs.keys() | ours.keys() if n not in theirs or n not in ours or
                            not same(theirs[n], ours[n]))  # fmt: skip
        except Exception:  # noqa: BLE001 - (a folder os.walk fails on): the note without the comparison
            return f"{note}."
    if not differ:
        return f"{note} (they hold the same files)."
    names = ", ".join(repr(n) for n in differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else "")
    return (
        f"{note}, which differs from the folder in {len(differ)} file{'s' if len(differ) > 1 else ''} "
        f"({names}): left from an earlier create_tarball.sh? Upload the folder or a fresh handin.tar, not both."
    )


def _left_out(name: PurePosixPath) -> bool:
    """What packing leaves out, as ``create_tarball.sh`` does: hidden files and folders, caches."""
    return any(part.startswith(".") or part == "__pycache__" for part in name.parts) or name.suffix in (".pyc", ".pyo")


def find_submission(
    submission: Path, scratch: Path, skipped: list[str] | None = None, notes: list[str] | None = None
) -> Path:
    """The hand-in archive to grade.

    An uploaded ``mytorch/`` folder (the shallowest, outside hidden folders and ``__MACOSX/``) is
    packed into ``scratch/handin.tar`` as ``create_tarball.sh`` packs it: without symbolic links (which
    the runner refuses, and with them the whole hand-in: until 2026-12-04 an uploaded folder holding
    one scored 0), hidden files and folders, and Python caches. What was left out is added to
    ``skipped``. The folder wins over an archive uploaded beside it: the folder is the code the student
    wrote and Gradescope shows, an archive is made from it, and one left from an earlier
    ``create_tarball.sh`` (in the starter's root, where the script writes it, or committed to the
    repository Gradescope pulls) held the old code (until 2026-12-04 the archive won, and a student who
    uploaded a fixed folder was graded on the stale archive). ``notes`` gets a line saying so, and
    whether the two differ. Without a folder, the uploaded archive (``handin.tar``, or the only one
    outside any ``mytorch/`` folder) is graded as it is.

    Raises:
        SubmissionError: no archive and no ``mytorch/`` folder, several archives and no folder, or
            several ``mytorch/`` folders at the same depth.
    """
    files: list[Path] = []
    for top, dirs, names in os.walk(submission):  # never follows links
        dirs[:] = [d for d in dirs if not _skipped_folder(d) and d != "mytorch"]  # (a mytorch/'s archives are its data)
        files += [Path(top, n) for n in names if not Path(top, n).is_symlink() and Path(top, n).is_file()]
    archives = sorted(p for p in files if p.name.lower().endswith(ARCHIVES))  # (HANDIN.TAR: 0 points until 2026-12-05)
    folders = _packages(submission)
    if not folders:
        named = [p for p in archives if p.name == "handin.tar"]
        if len(named) == 1 or len(archives) == 1:
            return (named or archives)[0]
        if archives:
            names = ", ".join(repr(p.relative_to(submission).as_posix()) for p in archives)  # (quoted: any byte)
            raise SubmissionError(f"the submission holds several archives ({names}); upload only handin.tar")
        others = [(p, other_format(p.name)) for p in files]
        other = next(((p, suffix) for p, suffix in sorted(others) if suffix is not None), None)
        if other is not None:  # (until 2026-12-05: 'neither handin.tar nor a mytorch/ folder', for a handin.7z)
            raise SubmissionError(
                f"the submission holds {other[0].relative_to(submission).as_posix()!r}, and no mytorch/ folder: "
                f"{wrong_format(other[1])}; upload that handin.tar, or the mytorch/ folder"
            )
        raise SubmissionError(
            "the submission holds neither handin.tar nor a mytorch/ folder; run `sh create_tarball.sh` "
            "and upload the handin.tar it writes"
        )
    chosen = folders[0]
    same = [p for p in folders if len(p.parts) == len(chosen.parts) and _is_package(p) == _is_package(chosen)]
    if len(same) > 1:
        names = ", ".join(repr(p.relative_to(submission).as_posix()) for p in same)
        raise SubmissionError(f"the submission holds several mytorch/ folders ({names}); upload only one")
    archive = scratch / "handin.tar"
    left_out = [] if skipped is None else skipped

    beside = {"mytorch/" + p.relative_to(chosen).as_posix() for p in archives if chosen in p.parents}

    def packed(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
        name = PurePosixPath(member.name)
        if member.issym() or any(part.startswith(".") or part == "__pycache__" for part in name.parts):
            left_out.append(member.name)
            return None
        return None if name.suffix in (".pyc", ".pyo") or member.name in beside else member

    with tarfile.open(archive, "w") as tar:
        tar.add(chosen, arcname="mytorch", filter=packed)
    if notes is not None:
        notes += [_archive_note(uploaded, chosen, submission, scratch) for uploaded in archives]
        if not archives:  # (the report's header names the kit's handin.tar, which the student never made)
            where = chosen.relative_to(submission).as_posix()
            notes.append(f"Graded the folder {where!r} of the upload, packed as create_tarball.sh packs it.")
    return archive


def _write_atomic(path: Path, data: dict) -> None:
    """``data`` as JSON in ``path``, through a new temporary file of a name no one can foresee in its folder.
    Until 2026-12-05 that file was ``.results.json.<pid>.tmp``, opened without ``O_EXCL``: a link planted at that
    name (a process of the submission's, where it could write the results folder) made the kit, as root, write
    the results over the link's target, and ``results.json`` became that link."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:
            out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o644)  # (mkstemp's 0600: Gradescope's harness may read it as another user)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _failure(reason: str, seconds: float) -> dict:
    return {
        "score": 0,
        "execution_time": round(seconds),
        "output": f"The submission was not graded: {reason}",
        "stdout_visibility": "visible",
        "tests": [],
    }


CGROUP = Path("/sys/fs/cgroup")


def _cpus(cgroup: Path = CGROUP) -> float:
    """The CPUs this container may use: its cgroup's CPU quota (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``
    over ``cpu.cfs_period_us``) when one is set, else the CPUs it may run on. Gradescope gives a
    submission half a CPU by default, and ``os.cpu_count()`` counts the host's."""
    count = float(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    try:
        if (cgroup / "cpu.max").is_file():
            quota, period = (cgroup / "cpu.max").read_text().split()[:2]
        else:
            quota = (cgroup / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (cgroup / "cpu" / "cpu.cfs_period_us").read_text().strip()
        if quota not in ("max", "-1") and int(period) > 0:
            return min(count, int(quota) / int(period))
    except (OSError, ValueError):
        pass
    return count


def _jobs(cgroup: Path = CGROUP) -> int:
    """Workers at once: one per CPU the container may use, 1 to 4. A test's time limit is wall time,
    so workers beyond the CPU quota slow every test: with the host's CPU count (4 workers on half a
    CPU, until 2026-12-04) each test ran at an eighth of a CPU, and a hand-in a little slower than the
    reference could pass its tests on one worker and time out on four."""
    return max(1, min(4, int(_cpus(cgroup))))


def grade(root: Path) -> dict:
    """Grade ``root/submission`` and return Gradescope's results (never raises on a bad submission)."""
    start = time.monotonic()
    config = GRADER.parent / CONFIG if (GRADER.parent / CONFIG).is_file() else None
    with tempfile.TemporaryDirectory(prefix="mytorch-gradescope-") as scratch:
        skipped: list[str] = []
        notes: list[str] = []
        try:
            archive = find_submission(root / "submission", Path(scratch), skipped, notes)
        except SubmissionError as error:
            print(f"gradescope_run: {error}", flush=True)
            return _failure(str(error), time.monotonic() - start)
        except Exception as error:  # noqa: BLE001 - an upload os.walk or tarfile fails on: a reason, not no results
            reason = " ".join(f"{type(error).__name__}: {error}".split())[:300]
            print(f"gradescope_run: the upload could not be packed for grading ({reason})", flush=True)
            return _failure(f"the upload could not be packed for grading ({reason})", time.monotonic() - start)
        for note in notes:
            print(note, flush=True)
        results = Path(scratch) / "results.json"
        command = [sys.executable, str(GRADER / "runner.py"), "--handin", str(archive), "--json", str(results)]
        command += ["--jobs", str(_jobs())]
        if config is not None:
            command += ["--config", str(config)]
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
        print(done.stdout, end="", flush=True)  # Gradescope keeps it as the run's stdout
        sys.stderr.write(done.stderr)
        if done.returncode != 0 or not results.is_file():
            reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}"
            return _failure(f"the grader stopped ({reason}); please tell the course staff", time.monotonic() - start)
        data = json.loads(results.read_text(encoding="utf-8"))  # (the runner writes UTF-8 whatever the locale)
    if notes:
        data["output"] = "".join(note + "\n" for note in notes) + data.get("output", "")
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
