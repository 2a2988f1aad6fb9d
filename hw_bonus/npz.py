"""Safe ``.npz`` files: written atomically, read without pickle, refused clearly when damaged.

``save_npz`` writes to a temporary file in the target's folder and renames it over the
target with ``os.replace``, so a crash mid-write never leaves a half-written file under the
real name. ``load_npz`` reads every array eagerly with ``allow_pickle=False`` and turns any
sign of damage (not a zip, truncated, a missing array) into a ``ValueError`` naming the file.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from hw_bonus.atomic import atomic_write
from mytorch.arguments import masked, odd_array, unreadable

__all__ = ["load_npz", "save_npz"]

_DAMAGE = (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, NotImplementedError, RuntimeError, zlib.error)
"""What reading a damaged archive raises: zipfile's words for a damaged directory entry are
BadZipFile, NotImplementedError (an unknown version or compression) and RuntimeError (the flag of
an encrypted member); a damaged deflate stream is zlib.error; a damaged .npy header ValueError."""


def save_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], compress: bool = False) -> Path:
    """Write ``arrays`` to ``path`` atomically (temporary file, fsync, then rename)."""
    for key, array in arrays.items():
        if masked(array):  # (np.savez writes the data alone: the masked entries would load as numbers)
            raise TypeError(f"save_npz: array {key!r} is {odd_array(array)}")
    savez = np.savez_compressed if compress else np.savez
    return atomic_write(path, lambda f: savez(f, **arrays))


def load_npz(path: str | os.PathLike, required: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Every array in the ``.npz`` file at ``path``, loaded eagerly without pickle.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        ValueError: ``path`` is a folder, or the file is not a readable ``.npz`` (corrupt,
            truncated, holding pickled objects, a damaged header naming an unknown compression)
            or lacks one of the ``required`` arrays.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path}: a folder, not a .npz file")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):  # np.load would read a .npy or try a pickle instead
        raise ValueError(f"{path}: not a readable .npz file (not a zip archive: another format, corrupt or truncated?)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except _DAMAGE as err:
        raise ValueError(f"{path}: not a readable .npz file (corrupt or truncated?): {unreadable(err)}") from None
    missing = [key for key in required if key not in arrays]
    if missing:
        raise ValueError(f"{path}: missing array(s) {', '.join(missing)}; found {', '.join(sorted(arrays)) or 'none'}")
    return arrays
