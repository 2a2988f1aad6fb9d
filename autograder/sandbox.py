"""Safe extraction of a student's ``handin.tar`` into a fresh folder.

Every member is checked before anything is written: an absolute path, a ``..`` component, a
link (symbolic or hard), a device file, a FIFO, too many members or too many bytes makes the
whole archive refused with a ``HandinError`` that says which member and why. Files are then
written one by one, each opened with ``O_EXCL`` under the destination folder, so nothing is
ever written outside it or over an earlier member.
"""

from __future__ import annotations

import os
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["HandinError", "Limits", "extract_handin", "find_package"]


class HandinError(Exception):
    """The hand-in cannot be graded: the archive is unreadable, unsafe, or lacks ``mytorch/``."""


@dataclass(frozen=True)
class Limits:
    """What an archive may hold.

    Attributes:
        max_members: the number of files and folders.
        max_total_bytes: the files' total size.
        max_file_bytes: one file's size.
    """

    max_members: int = 2000
    max_total_bytes: int = 50 * 2**20
    max_file_bytes: int = 20 * 2**20


def _member_problem(member: tarfile.TarInfo) -> str | None:
    """Why ``member`` may not be extracted, or None."""
    name = member.name
    path = PurePosixPath(name)
    if not name or "\x00" in name:
        return "has an empty or invalid name"
    if "\\" in name:
        return "has a backslash in its path"
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if ".." in path.parts:
        return "has a '..' component (it would be written outside the hand-in folder)"
    if member.issym() or member.islnk():
        return f"is a {'symbolic' if member.issym() else 'hard'} link to {member.linkname!r}"
    if member.isdev():
        return "is a device file or a FIFO"
    if not (member.isfile() or member.isdir()):
        return "is neither a regular file nor a folder"
    return None


def _checked_members(archive: tarfile.TarFile, limits: Limits) -> list[tarfile.TarInfo]:
    members = []
    total = 0
    for member in archive:
        members.append(member)
        if len(members) > limits.max_members:
            raise HandinError(f"the archive has more than {limits.max_members} members")
        problem = _member_problem(member)
        if problem:
            raise HandinError(f"refused: member {member.name!r} {problem}")
        if member.size > limits.max_file_bytes:
            raise HandinError(
                f"refused: member {member.name!r} is {member.size} bytes, over the limit of "
                f"{limits.max_file_bytes} bytes per file"
            )
        total += member.size
        if total > limits.max_total_bytes:
            raise HandinError(f"refused: the archive's files exceed {limits.max_total_bytes} bytes in total")
    return members


def _inside(root: Path, relative: str) -> Path:
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise HandinError(f"refused: member {relative!r} resolves outside the hand-in folder")
    return target


def extract_handin(archive_path: str | os.PathLike, destination: str | os.PathLike, limits: Limits = Limits()) -> Path:
    """Check every member of the tar archive, then extract it into ``destination``.

    Args:
        archive_path: the hand-in (a tar archive, optionally gzip/bz2/xz compressed).
        destination: an empty folder, created if missing.
        limits: the size and count limits.

    Returns:
        The destination folder, resolved.

    Raises:
        HandinError: the archive is unreadable or unsafe (nothing is extracted then).
        FileNotFoundError: ``archive_path`` does not exist.
    """
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise FileNotFoundError(f"hand-in archive {archive_path} does not exist")
    root = Path(destination)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    if any(root.iterdir()):
        raise HandinError(f"the extraction folder {root} is not empty")
    try:
        with tarfile.open(archive_path) as archive:
            members = _checked_members(archive, limits)
            for member in members:
                target = _inside(root, member.name)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                _inside(root, str(Path(member.name).parent)).mkdir(parents=True, exist_ok=True)
                _write(archive, member, target)
    except tarfile.TarError as error:
        raise HandinError(f"{archive_path.name} is not a readable tar archive ({error})") from None
    return root


def _write(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    """Copy one regular file's bytes to a new file (never over an existing one)."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        raise HandinError(f"refused: member {member.name!r} appears twice in the archive") from None
    source = archive.extractfile(member)
    with os.fdopen(fd, "wb") as out:
        if source is not None:
            shutil.copyfileobj(source, out)


def find_package(root: Path, package: str = "mytorch") -> Path:
    """The folder that holds ``<package>/__init__.py``: ``root`` itself, or one level down
    (an archive made from outside the hand-out folder).

    Raises:
        HandinError: no such package, or more than one at the same depth.
    """
    for pattern in (f"{package}/__init__.py", f"*/{package}/__init__.py"):
        found = sorted(p.parent.parent for p in root.glob(pattern))
        if len(found) > 1:
            raise HandinError(f"the archive holds several {package}/ packages: {', '.join(map(str, found))}")
        if found:
            return found[0]
    raise HandinError(
        f"the archive has no {package}/ package ({package}/__init__.py at its top level, as create_tarball.sh makes it)"
    )
