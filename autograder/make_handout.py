"""Build the students' starter code from the reference solution.

    python -m autograder.make_handout OUT

writes the hand-out into the folder OUT (which must not exist yet, or be empty): the same
layout as this repository's ``mytorch/``, ``hw_bonus/``, ``autograder/`` and
``create_tarball.sh``, with every part a student writes replaced by a stub.

Solution markers (one convention, in the spirit of otter-grader's): in the reference source,

    def exp_backward(grad_output, x, out=None):
        \"\"\"dx = g * e**x (the saved output).\"\"\"
        # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
        return (grad_output * (np.exp(x) if out is None else out),)
        # END SOLUTION

the lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION`` become, in the starter, one line at
the marker's indentation::

        raise NotImplementedError("not implemented yet: exp_backward (mytorch/nn/functional.py): "
                                  "return the gradient of x, as a one-element tuple")

The text after the marker (``: ...``) is the prompt; signatures, docstrings and everything
outside the markers are kept. ``# BEGIN SOLUTION NO PROMPT`` marks lines that are simply left
out (a helper that would give the answer away, a module-level line). A region with a prompt
must lie inside a function and end its block: code after it would be unreachable, and the
builder refuses such a region, as it refuses unbalanced or nested markers, naming file and line.

Files in ``REFERENCE_ONLY`` (staff tools, the source documents' demos) are not copied; besides ``.py``
files, only data files (``DATA_SUFFIXES``) are, and any other file stops the build, naming it.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BEGIN",
    "DATA_SUFFIXES",
    "END",
    "REFERENCE_ONLY",
    "SHIPPED",
    "HandoutError",
    "Region",
    "build_handout",
    "source_files",
    "strip_solutions",
]

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
NO_PROMPT = "NO PROMPT"
DEFAULT_PROMPT = "write this part (see the handout)"

REPOSITORY = Path(__file__).resolve().parents[1]
SHIPPED = ("mytorch", "hw_bonus", "autograder", "create_tarball.sh")
"""What the starter holds, relative to the repository root."""

REFERENCE_ONLY = (
    "autograder/make_handout.py",
    "autograder/mutants.py",
    "autograder/deploy",
    "hw_bonus/demos",
)
"""Files and folders under ``SHIPPED`` that stay with the staff."""

_SKIPPED_NAMES = ("__pycache__",)
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
DATA_SUFFIXES = (".npz", ".npy", ".csv", ".gz", ".json", ".txt", ".md", ".typed", ".sh", ".toml", ".cfg")
"""The files besides ``.py`` (whose solutions are stripped) that the starter ships as they are: data, notes
and configuration (``py.typed``, ``mnist_5k.npz``, ``create_tarball.sh``). Any other file stops the build,
named: until 2026-12-04 every file was copied as it was, so an editor's backup of the reference
(``functional.py~``, ``#functional.py#``), a merge's ``functional.py.orig``, a notebook or a compiled module
reached every student with its solutions (checked: ``functional.py~`` shipped its 30 regions whole)."""


class HandoutError(ValueError):
    """The reference source's markers are malformed (the message names file and line)."""


@dataclass(frozen=True)
class Region:
    """One marked part: lines ``begin`` to ``end`` (1-based, markers included)."""

    begin: int
    end: int
    indent: str
    prompt: str | None  # None: left out without a stub


def find_regions(text: str, path: str) -> list[Region]:
    """The marked regions of ``text``, in order.

    Raises:
        HandoutError: a nested or unclosed ``BEGIN``, an ``END`` without one, or an ``END``
            indented differently from its ``BEGIN``.
    """
    regions, open_at = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if stripped.startswith(BEGIN):
            if open_at is not None:
                raise HandoutError(f"{path}:{number}: {BEGIN} inside the region opened at line {open_at[0]}")
            rest = stripped[len(BEGIN) :].strip().lstrip(":").strip()
            open_at = (number, indent, None if rest == NO_PROMPT else rest or DEFAULT_PROMPT)
        elif stripped.startswith(END):
            if open_at is None:
                raise HandoutError(f"{path}:{number}: {END} without a {BEGIN} before it")
            begin, begin_indent, prompt = open_at
            if indent != begin_indent:
                raise HandoutError(f"{path}:{number}: {END} is indented differently from its {BEGIN} (line {begin})")
            regions.append(Region(begin, number, indent, prompt))
            open_at = None
    if open_at is not None:
        raise HandoutError(f"{path}:{open_at[0]}: {BEGIN} is never closed by {END}")
    return regions


def _functions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function of the module with its qualified name (``Linear.forward``)."""
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((prefix + child.name, child))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(tree, "")
    return found


def _stub(region: Region, text_lines: list[str], tree: ast.Module, path: str) -> str:
    """The ``raise NotImplementedError(...)`` line that replaces ``region``."""
    around = [(name, f) for name, f in _functions(tree) if f.lineno < region.begin <= f.end_lineno]
    if not around:
        raise HandoutError(
            f"{path}:{region.begin}: a region with a prompt must be inside a function; mark module-level "
            f"lines with '{BEGIN} {NO_PROMPT}'"
        )
    name, function = max(around, key=lambda item: item[1].lineno)  # the innermost
    for number in range(region.end + 1, function.end_lineno + 1):
        line = text_lines[number - 1]
        code = line.strip()
        if code and not code.startswith("#"):
            if len(line) - len(line.lstrip()) >= len(region.indent):
                raise HandoutError(
                    f"{path}:{number}: code follows the region of lines {region.begin}-{region.end} in {name}; "
                    "it would be unreachable after the stub: end the region at the end of its block"
                )
            break
    message = f"not implemented yet: {name} ({path}): {region.prompt}"
    return f"{region.indent}raise NotImplementedError({message!r})"


def strip_solutions(text: str, path: str) -> tuple[str, int]:
    """``text`` with every marked region replaced by its stub (or left out); returns the new
    text and the number of regions.

    Raises:
        HandoutError: malformed markers, or a result that is not valid Python.
    """
    regions = find_regions(text, path)
    if not regions:
        return text, 0
    lines = text.splitlines()
    tree = ast.parse(text, filename=path)
    out, position = [], 1
    for region in regions:
        out += lines[position - 1 : region.begin - 1]
        if region.prompt is not None:
            out.append(_stub(region, lines, tree, path))
        position = region.end + 1
    out += lines[position - 1 :]
    result = "\n".join(out) + "\n"
    try:
        ast.parse(result, filename=path)
    except SyntaxError as error:
        raise HandoutError(f"{path}: the starter version does not parse ({error})") from None
    return result, len(regions)


def source_files(source: Path, items: tuple[str, ...], excluded: tuple[str, ...]) -> list[str]:
    """The files of ``items`` (files or folders under ``source``), as relative paths, without
    those under ``excluded``, links, hidden files and Python caches."""
    files = []
    for item in items:
        top = source / item
        candidates = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in candidates:
            relative = path.relative_to(source).as_posix()
            parts = relative.split("/")
            if any(p in _SKIPPED_NAMES or p.startswith(".") for p in parts) or path.suffix in _SKIPPED_SUFFIXES:
                continue
            if path.is_symlink() or any(relative == e or relative.startswith(e + "/") for e in excluded):
                continue
            files.append(relative)
    return files


def build_handout(out: Path, source: Path = REPOSITORY) -> dict[str, int]:
    """Write the starter into ``out`` (created; it must not exist or must be empty).

    Returns ``{relative path: regions stubbed}`` for every file that had markers.

    Raises:
        HandoutError: malformed markers in the source (nothing is written then).
        FileExistsError: ``out`` exists and is not an empty folder.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} exists and is not an empty folder; choose a new one")
    stubbed: dict[str, int] = {}
    staged = {}
    for relative in source_files(source, SHIPPED, REFERENCE_ONLY):
        path = source / relative
        if path.suffix != ".py" and path.suffix not in DATA_SUFFIXES:
            raise HandoutError(
                f"{relative}: not shipped: the starter holds Python source, stripped of its solutions, and data "
                f"({', '.join(DATA_SUFFIXES)}); any other file (a backup or copy of a source file, a notebook, a "
                "compiled module) would reach students as it is. Remove it, or list it in REFERENCE_ONLY"
            )
        if path.suffix == ".py":
            text, count = strip_solutions(path.read_text(encoding="utf-8"), relative)
            staged[relative] = text.encode("utf-8")
            if count:
                stubbed[relative] = count
        else:
            staged[relative] = path.read_bytes()
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as error:  # (named the temporary folder)
        raise HandoutError(f"cannot write {out}: {error.strerror or error}") from None
    try:
        for relative, data in staged.items():
            target = scratch / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            shutil.copymode(source / relative, target)
        if out.exists():
            out.rmdir()
        os.replace(scratch, out)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return stubbed


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.make_handout OUT``: exit 0 when written, 1 on an error."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder.make_handout",
        description="Write the students' starter code (solution parts replaced by stubs) into OUT.",
    )
    parser.add_argument("out", metavar="OUT", help="the folder to create (must not exist, or be empty)")
    args = parser.parse_args(argv)
    missing = [item for item in SHIPPED if not (REPOSITORY / item).exists()]
    if missing:  # an installed wheel holds the packages, not the repository's create_tarball.sh
        print(
            f"make_handout: error: {', '.join(missing)} not found in {REPOSITORY}: the starter is built from a "
            "checkout of MyTorch (git or the sdist), not from an installed wheel",
            file=sys.stderr,
        )
        return 1
    try:
        stubbed = build_handout(Path(args.out))
    except (HandoutError, OSError) as error:
        print(f"make_handout: error: {error}", file=sys.stderr)
        return 1
    for relative, count in sorted(stubbed.items()):
        print(f"  stubbed  {relative}  ({count} part{'s' if count > 1 else ''})")
    total = sum(stubbed.values())
    print(f"make_handout: wrote the starter to {args.out} ({total} parts for students to write)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
