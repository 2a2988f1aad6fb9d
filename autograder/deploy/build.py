"""Build the files to upload to Gradescope or Autolab.

    python -m autograder.deploy.build gradescope OUT.zip [--config grading.toml]
    python -m autograder.deploy.build autolab OUT_DIR [--config grading.toml]

Gradescope: a zip with ``setup.sh`` and ``run_autograder`` at its root (Gradescope's
requirement), the grader (``autograder/``, without the staff tools) and the configuration, if
given, as ``grading.json``. Autolab: ``OUT_DIR/autograde.tar`` (the grader and
the configuration) and ``OUT_DIR/autograde-Makefile``, the two files an Autolab assessment's
autograder takes. Neither holds the reference solution: the grader needs none.
"""

from __future__ import annotations

import argparse
import errno
import io
import json
import os
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

from autograder.config import ConfigError, load_config, read_file
from autograder.grading import collect
from autograder.make_handout import source_files

__all__ = ["GRADER_ONLY", "build_autolab", "build_gradescope", "grader_files"]

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
GRADER_ONLY = (
    "autograder/make_handout.py",
    "autograder/mutants.py",
    "autograder/deploy/build.py",
    "autograder/selfcheck.py",  # (the starter's runner off Linux; the platforms grade on Linux)
    "autograder/deploy/gradescope",
    "autograder/deploy/autolab",
)
"""What stays out of the kits: the staff's tools, the platforms' own files (placed apart) and the students'
check off Linux."""


def grader_files() -> list[str]:
    """The grader's files, relative to the repository root."""
    return source_files(REPOSITORY, ("autograder",), GRADER_ONLY)


def _members(config: Path | None) -> list[tuple[str, bytes, int]]:
    """``(name in the kit, content, mode)`` for the grader and the configuration.

    The configuration is checked here (one that would stop every grading fails the build) and
    shipped as ``grading.json``, which the platform's Python reads whatever its version
    (TOML needs Python 3.11, and Gradescope's Ubuntu 22.04 image has 3.10).
    """
    members = [(name, (REPOSITORY / name).read_bytes(), 0o644) for name in grader_files()]
    if config is not None:
        checked = load_config(config)  # as the runner applies it: a test of a section that does not run stops it
        checked.apply(collect(checked.sections_to_run()))
        members.append(("grading.json", (json.dumps(read_file(config), indent=2) + "\n").encode(), 0o644))
    return members


def _replace_atomically(out: Path, write) -> None:
    if out.is_dir():  # (os.replace's error named the temporary file)
        raise IsADirectoryError(errno.EISDIR, "a folder, not a file", str(out))
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, out)
    except OSError as error:
        if error.filename != str(tmp):
            raise
        raise type(error)(error.errno, error.strerror, str(out)) from None
    finally:
        tmp.unlink(missing_ok=True)


def build_gradescope(out: Path, config: Path | None = None) -> list[str]:
    """Write Gradescope's autograder zip to ``out``; returns the names it holds."""
    members = [(name, (HERE / "gradescope" / name).read_bytes(), 0o755) for name in ("setup.sh", "run_autograder")]
    members += _members(config)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data, mode in members:
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
                info.external_attr = mode << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)

    _replace_atomically(out, write)
    return [name for name, _, _ in members]


def build_autolab(out_dir: Path, config: Path | None = None) -> list[str]:
    """Write ``autograde.tar`` and ``autograde-Makefile`` into ``out_dir``; returns the tar's names."""
    members = _members(config)
    if out_dir.exists() and not out_dir.is_dir():  # (mkdir's error: "File exists")
        raise NotADirectoryError(errno.ENOTDIR, "a file, not a folder", str(out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> None:
        with tarfile.open(tmp, "w") as tar:
            for name, data, mode in members:
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), mode, 1_704_067_200
                tar.addfile(info, io.BytesIO(data))

    _replace_atomically(out_dir / "autograde.tar", write)
    shutil.copyfile(HERE / "autolab" / "autograde-Makefile", out_dir / "autograde-Makefile")
    return [name for name, _, _ in members]


def main(argv: list[str] | None = None) -> int:
    """Build a kit; exit 0 when written, 1 on an error (a bad configuration, an unwritable path)."""
    parser = argparse.ArgumentParser(prog="python -m autograder.deploy.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("platform", choices=["gradescope", "autolab"])
    parser.add_argument("out", help="gradescope: the zip to write; autolab: the folder to write into")
    parser.add_argument("--config", type=Path, help="a grading configuration (.toml or .json) to ship with the grader")
    args = parser.parse_args(argv)
    try:
        if args.platform == "gradescope":
            names = build_gradescope(Path(args.out), args.config)
            print(f"build: wrote {args.out} ({len(names)} files); upload it as the assignment's Gradescope autograder")
        else:
            names = build_autolab(Path(args.out), args.config)
            print(
                f"build: wrote {Path(args.out) / 'autograde.tar'} ({len(names)} files) and "
                f"{Path(args.out) / 'autograde-Makefile'}; upload both as the assessment's autograder on Autolab"
            )
    except (ConfigError, OSError) as error:
        print(f"build: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
