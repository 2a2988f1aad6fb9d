"""``mytorch.save`` / ``mytorch.load``: tensors and state dicts as NumPy ``.npz`` files, no pickle.

The file is a NumPy ``.npz`` archive (not PyTorch's format: ``torch.load`` cannot read it, nor
``mytorch.load`` a ``torch.save`` file). It holds one array per value, named ``0``, ``1``, ...,
and three small arrays that say what they were: ``__mytorch__`` (the format and whether a
single tensor or a dict was saved), ``__names__`` (the dict's keys, in order) and ``__kinds__``
(``tensor``, ``tensor+grad`` for one that required a gradient, ``array``, ``int``, ``float`` or
``bool``). Every array is read back with ``allow_pickle=False``, so loading a file cannot run
code. ``save`` writes a temporary file beside the target and moves it into place with
``os.replace``: a crash mid-write leaves the old file (or none), never half of one.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from mytorch.atomic import atomic_write
from mytorch.tensor import Tensor

__all__ = ["load", "save"]

FORMAT = "mytorch.save 1"
_NUMBERS = {bool: "bool", int: "int", float: "float"}


def _path(op: str, f: Any) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    raise TypeError(f"mytorch.{op}: give a file path (str or os.PathLike), got {type(f).__name__}")


def _entry(name: Any, value: Any) -> tuple[str, np.ndarray]:
    """``(kind, array)`` for one value to save."""
    if isinstance(value, Tensor):
        kind, array = ("tensor+grad" if value.requires_grad else "tensor"), value.data
    elif isinstance(value, np.ndarray):
        kind, array = "array", value
    elif type(value) in _NUMBERS:
        kind, array = _NUMBERS[type(value)], np.asarray(value)
    else:
        raise TypeError(
            f"mytorch.save: {name} is a {type(value).__name__}; it saves Tensors, NumPy arrays, Python numbers "
            "and flat dicts of them (a state_dict), not nested containers or other objects"
        )
    if array.dtype.hasobject:
        raise TypeError(f"mytorch.save: {name} holds Python objects (dtype object), which it does not save")
    return kind, array


def save(obj: Any, f: str | os.PathLike[str]) -> None:
    """Write ``obj`` (a Tensor, or a dict of names to Tensors, arrays or numbers such as a
    ``state_dict()``) to the file ``f`` as a NumPy ``.npz`` archive, atomically. Not PyTorch's
    file format. ``f`` is used as given (no ``.npz`` is appended).

    Raises:
        TypeError: ``f`` is not a path, or ``obj`` holds something other than the above.
        ValueError: a key ends in a NUL character (``"a\\0"``), which the file cannot keep.
    """
    path = _path("save", f)
    if isinstance(obj, Mapping):
        names = list(obj)
        if not all(isinstance(name, str) for name in names):
            raise TypeError(f"mytorch.save: a dict's keys must be strings, got {[type(n).__name__ for n in names]}")
        for name in names:  # (NumPy's strings drop trailing NULs: the key would come back changed)
            if name.endswith("\0"):
                raise ValueError(f"mytorch.save: the key {name!r} ends in a NUL character, which the file cannot keep")
        entries = [_entry(repr(name), obj[name]) for name in names]
        what = "dict"
    else:
        names, entries, what = [""], [_entry("the object", obj)], "single"
    arrays = {str(i): array for i, (_, array) in enumerate(entries)}
    arrays["__mytorch__"] = np.array([FORMAT, what])
    arrays["__names__"] = np.array(names, dtype=str)
    arrays["__kinds__"] = np.array([kind for kind, _ in entries], dtype=str)
    atomic_write(path, lambda stream: np.savez(stream, **arrays))  # type: ignore[arg-type]


def _restored(kind: str, array: np.ndarray) -> Any:
    if kind in ("tensor", "tensor+grad"):
        return Tensor(array, requires_grad=kind == "tensor+grad")
    if kind == "array":
        return array
    if kind in ("int", "float", "bool"):
        return {"int": int, "float": float, "bool": bool}[kind](array.item())
    raise ValueError(f"unknown kind {kind!r}")


def _refusal(path: str, why: str) -> ValueError:
    return ValueError(f"mytorch.load: {path!r} is not a file mytorch.save wrote ({why})")


def load(f: str | os.PathLike[str], map_location: Any = None, weights_only: Any = None, **_: Any) -> Any:
    """What ``save`` wrote to ``f``: a Tensor (``requires_grad`` as saved), or a dict of names
    to Tensors, arrays and numbers, in the saved order. Arrays are read with
    ``allow_pickle=False``. ``map_location`` and ``weights_only`` are accepted for PyTorch's
    signature and change nothing (MyTorch has one device and loads values only).

    Raises:
        TypeError: ``f`` is not a path.
        FileNotFoundError: there is no such file.
        ValueError: the file is not one ``save`` wrote (another ``.npz``, a PyTorch
            ``torch.save`` file, a truncated or damaged file), naming the file.
    """
    path = _path("load", f)
    with open(path, "rb") as stream:  # (ours to close, whatever NumPy makes of it)
        return _read(path, stream)


def _read(path: str, stream: Any) -> Any:
    """``load`` from the open file ``stream`` of ``path``."""
    try:
        archive = np.load(stream, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise _refusal(path, "a single .npy array, not an .npz archive")
        with archive:
            files = set(archive.files)
            if "__mytorch__" not in files:
                if any(name.endswith("data.pkl") for name in files):
                    raise _refusal(path, "it looks like PyTorch's torch.save format, which MyTorch does not read")
                raise _refusal(path, f"an .npz archive without MyTorch's header; it holds {sorted(files)[:5]}")
            header = archive["__mytorch__"].tolist()
            if header[:1] != [FORMAT] or len(header) != 2:
                raise _refusal(path, f"an unknown header {header}")
            names, kinds = archive["__names__"].tolist(), archive["__kinds__"].tolist()
            fits = isinstance(names, list) and isinstance(kinds, list) and len(names) == len(kinds)
            if not fits or (header[1] == "single" and len(kinds) != 1) or set(map(str, range(len(kinds)))) - files:
                raise _refusal(path, "its entries do not match its header")
            values = [_restored(kind, archive[str(i)]) for i, kind in enumerate(kinds)]
    except ValueError as error:
        if str(error).startswith("mytorch.load"):
            raise
        if "pickle" in str(error):  # NumPy's words for a file that is no .npy or .npz, or holds objects
            why = "not an .npz archive of plain arrays; reading it would need pickle, which load refuses"
            raise _refusal(path, why) from None
        raise _refusal(path, str(error)) from None
    except (zipfile.BadZipFile, EOFError, KeyError, OSError) as error:
        raise _refusal(path, f"{type(error).__name__}: {error}") from None
    if header[1] == "single":
        return values[0]
    return dict(zip(names, values))
