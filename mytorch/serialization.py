"""``mytorch.save`` / ``mytorch.load``: tensors and state dicts as NumPy ``.npz`` files, no pickle.

The file is a NumPy ``.npz`` archive (not PyTorch's format: ``torch.load`` cannot read it, nor
``mytorch.load`` a ``torch.save`` file). It holds one array per value, named ``0``, ``1``, ...,
and three small arrays that say what they were: ``__mytorch__`` (the format and whether a
single tensor or a dict was saved), ``__names__`` (the dict's keys, in order) and ``__kinds__``
(``tensor``, ``tensor+grad`` for one that required a gradient, ``array``, ``int``, ``float`` or
``bool``). Every array is read back with ``allow_pickle=False``, so loading a file cannot run
code. ``save`` to a path writes a temporary file beside the target and moves it into place with
``os.replace``: a crash mid-write leaves the old file (or none), never half of one. ``save`` to
an open binary file (``io.BytesIO``, ``open(path, "wb")``) builds the archive in memory and
writes it with one ``write`` call; ``load`` from one reads the rest of it and parses that.

A checkpoint that nests (``{"epoch": 5, "model": model.state_dict(), "optimizer":
opt.state_dict(), "losses": [...]}``) is written as format 2: the arrays as above, named ``0``,
``1``, ..., and ``__tree__``, a JSON text of the structure (dicts with their keys in order,
lists, tuples, ``Size`` shapes, strings, numbers, booleans, None) in which ``{"ref": i}`` stands
for array ``i``.
JSON is read as data, so this too loads without running code; a reader of format 1 only refuses
such a file instead of misreading it.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from mytorch.arguments import masked, odd_array, unreadable
from mytorch.atomic import atomic_write
from mytorch.size import Size
from mytorch.tensor import Tensor

__all__ = ["load", "save"]

FORMAT = "mytorch.save 1"
TREE_FORMAT = "mytorch.save 2"
_NUMBERS = {bool: "bool", int: "int", float: "float"}


def _path(op: str, f: Any) -> str | None:
    """``f`` as a path, or None for an open file (``op`` has the method ``write`` or ``read`` needs)."""
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    method = "write" if op == "save" else "read"
    if callable(getattr(f, method, None)):
        if isinstance(f, io.TextIOBase):  # (its write refuses bytes, its read gives str)
            raise TypeError(f"mytorch.{op}: {_named(f)} is open in text mode; open it in binary mode ('{method[0]}b')")
        return None
    raise TypeError(
        f"mytorch.{op}: give a file path (str or os.PathLike) or a binary file object with a {method}() method, "
        f"got {type(f).__name__}"
    )


def _named(f: Any) -> str:
    """How messages name the open file ``f``: its path, if it has one."""
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"the {type(f).__name__}"


def _entry(name: Any, value: Any) -> tuple[str, np.ndarray]:
    """``(kind, array)`` for one value to save."""
    if isinstance(value, Tensor):
        kind, array = ("tensor+grad" if value.requires_grad else "tensor"), value._data
    elif isinstance(value, np.ndarray):
        if masked(value):  # (np.savez writes the data alone: the masked entries came back as numbers)
            raise TypeError(f"mytorch.save: {name} is {odd_array(value)}")
        kind, array = "array", value
    elif type(value) in _NUMBERS:
        kind, array = _NUMBERS[type(value)], np.asarray(value)
    else:
        raise _unsaved(name, value)
    if array.dtype.hasobject:
        raise TypeError(f"mytorch.save: {name} holds Python objects (dtype object), which it does not save")
    return kind, array


def _unsaved(name: str, value: Any) -> TypeError:
    """The refusal of ``value``, which ``save`` does not write (no pickle: no Python objects)."""
    hint = ": save its state_dict() instead" if hasattr(value, "state_dict") else ""
    return TypeError(
        f"mytorch.save: {name} is a {type(value).__name__}{hint}; it saves Tensors, NumPy arrays, numbers, "
        "strings, None, and dicts, lists and tuples of them (a state_dict, a checkpoint), not other objects"
    )


def _is_leaf(value: Any) -> bool:
    """Whether format 1 stores ``value`` as an array (an int beyond int64 goes into format 2's JSON)."""
    if type(value) is int:
        return -(2**63) <= value < 2**63
    return isinstance(value, (Tensor, np.ndarray)) or type(value) in _NUMBERS


class _Tree:
    """A nested checkpoint as a JSON-able tree and the arrays it refers to (``save``'s format 2)."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, np.ndarray]] = []

    def node(self, name: str, value: Any) -> Any:
        """The JSON node of ``value`` (called ``name`` in messages); its arrays go to ``entries``."""
        if isinstance(value, (Tensor, np.ndarray)):
            self.entries.append(_entry(name, value))
            return {"ref": len(self.entries) - 1}
        if value is None or type(value) in (bool, int, float, str):
            return {"value": value}
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":  # (np.float64(0.5): 0.5)
            number = value.item()
            if type(number) not in (bool, int, float):  # (a longdouble: JSON's "not JSON serializable")
                raise TypeError(
                    f"mytorch.save: {name} is a {value.dtype} scalar, which no Python number holds exactly; "
                    "save it as an array (np.asarray(value)), which keeps its dtype"
                )
            return {"value": number}
        if isinstance(value, Mapping):
            for key in value:
                if type(key) not in (str, int):
                    raise TypeError(f"mytorch.save: {name} has a key {key!r}; keys must be strings or integers")
            return {"dict": [[key, self.node(f"{name}[{key!r}]", item)] for key, item in value.items()]}
        if isinstance(value, Size):  # (t.shape: loaded as a Size, not a plain tuple)
            return {"size": [int(n) for n in value]}
        if isinstance(value, (list, tuple)):
            kind = "tuple" if isinstance(value, tuple) else "list"
            return {kind: [self.node(f"{name}[{i}]", item) for i, item in enumerate(value)]}
        raise _unsaved(name, value)


def _grown(node: Any, values: list[Any]) -> Any:
    """The value the JSON ``node`` of a format-2 file stands for (``values``: its arrays, restored)."""
    (kind, content), *rest = node.items()
    if rest or kind not in ("ref", "value", "dict", "list", "tuple", "size"):
        raise ValueError(f"unknown node {node!r}")
    if kind == "ref":
        if type(content) is not int or not 0 <= content < len(values):  # (values[-1], values[True]: another array)
            raise ValueError(f"a reference to array {content!r} of {len(values)}")
        return values[content]
    if kind == "value":
        return content
    if kind == "dict":
        return {key: _grown(child, values) for key, child in content}
    if kind == "size":
        if type(content) is not list or not all(type(n) is int and n >= 0 for n in content):
            raise ValueError(f"a size of {content!r}, not of whole numbers from 0 up")
        return Size(content)
    items = [_grown(child, values) for child in content]
    return tuple(items) if kind == "tuple" else items


def save(obj: Any, f: str | os.PathLike[str] | IO[bytes]) -> None:
    """Write ``obj`` (a Tensor, a dict of names to Tensors, arrays or numbers such as a
    ``state_dict()``, or a checkpoint nesting such dicts in dicts, lists and tuples with strings,
    numbers and None) to ``f`` as a NumPy ``.npz`` archive. Not PyTorch's file format.

    ``f`` is a path, used as given (no ``.npz`` is appended) and written atomically, or a file
    object open for binary writing (``io.BytesIO``, ``open(path, "wb")``), to which the whole
    archive goes in one ``write`` at its current position; it is neither closed nor rewound.

    Raises:
        TypeError: ``f`` is neither a path nor a binary file object, or ``obj`` holds something
            other than the above (a dict key other than a string or an integer among them).
        ValueError: ``obj`` contains itself, or nests deeper than Python's recursion limit.
    """
    path = _path("save", f)
    arrays = _arrays(obj)
    if path is not None:
        atomic_write(path, lambda stream: np.savez(stream, **arrays))  # type: ignore[arg-type]
        return
    buffer = io.BytesIO()  # (checked and built first: a refusal writes nothing into the caller's file)
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    f.write(buffer.getvalue())  # type: ignore[union-attr]


def _arrays(obj: Any) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` archive ``save`` writes for ``obj``, by name."""
    if isinstance(obj, Mapping) and _is_flat(obj):
        names = list(obj)
        entries, what = [_entry(repr(name), obj[name]) for name in names], "dict"
    elif isinstance(obj, (Mapping, list, tuple)):
        tree = _Tree()
        try:
            text = json.dumps(tree.node("the object", obj))
        except RecursionError:
            raise ValueError("mytorch.save: the object nests too deep to save, or contains itself") from None
        arrays = {str(i): array for i, (_, array) in enumerate(tree.entries)}
        arrays["__mytorch__"] = np.array([TREE_FORMAT, "tree"])
        arrays["__kinds__"] = np.array([kind for kind, _ in tree.entries], dtype=str)
        arrays["__tree__"] = np.array(text)
        return arrays
    else:
        names, entries, what = [""], [_entry("the object", obj)], "single"
    arrays = {str(i): array for i, (_, array) in enumerate(entries)}
    arrays["__mytorch__"] = np.array([FORMAT, what])
    arrays["__names__"] = np.array(names, dtype=str)
    arrays["__kinds__"] = np.array([kind for kind, _ in entries], dtype=str)
    return arrays


def _is_flat(obj: Mapping) -> bool:
    """Whether ``obj`` is a dict that format 1 keeps: string keys (none ending in a NUL, which
    NumPy's strings drop) to Tensors, arrays and numbers, such as a ``state_dict()``."""
    keys_fit = all(isinstance(name, str) and not name.endswith("\0") for name in obj)
    return keys_fit and all(map(_is_leaf, obj.values()))


_NUMBER_DTYPES = {"int": "iu", "float": "f", "bool": "b"}


def _restored(kind: str, array: np.ndarray) -> Any:
    """The value of ``kind`` that ``array`` holds (ValueError if it cannot be one: a damaged or foreign file)."""
    if kind in ("tensor", "tensor+grad"):
        if array.dtype.kind not in "biufc":
            raise ValueError(f"a tensor of dtype {array.dtype}")
        if not array.dtype.isnative:  # (a file written where the other byte order is native)
            array = array.astype(array.dtype.newbyteorder("="))
        return Tensor(array, requires_grad=kind == "tensor+grad")
    if kind == "array":
        return array
    if kind in _NUMBER_DTYPES:
        if array.ndim or array.dtype.kind not in _NUMBER_DTYPES[kind]:  # (int(2.5) would be 2)
            raise ValueError(f"{kind!r} stored as {array.dtype} of shape {tuple(array.shape)}")
        return {"int": int, "float": float, "bool": bool}[kind](array.item())
    raise ValueError(f"unknown kind {kind!r}")


def _refusal(where: str, why: str) -> ValueError:
    return ValueError(f"mytorch.load: {where} is not a file mytorch.save wrote ({why})")


def load(f: str | os.PathLike[str] | IO[bytes], map_location: Any = None, weights_only: Any = None, **_: Any) -> Any:
    """What ``save`` wrote to ``f``: a Tensor (``requires_grad`` as saved), or a dict of names
    to Tensors, arrays and numbers, in the saved order. Arrays are read with
    ``allow_pickle=False``. ``f`` is a path or a file object open for binary reading (an
    ``io.BytesIO`` rewound with ``seek(0)`` after ``save``, as in PyTorch), read from its
    current position to its end and not closed. ``map_location`` and ``weights_only`` are
    accepted for PyTorch's signature and change nothing (MyTorch has one device and loads
    values only).

    Raises:
        TypeError: ``f`` is neither a path nor a binary file object.
        FileNotFoundError: there is no such file.
        ValueError: the file is not one ``save`` wrote (another ``.npz``, a PyTorch
            ``torch.save`` file, a truncated or damaged file, an empty stream), naming the file.
    """
    path = _path("load", f)
    if path is None:
        content = f.read()  # type: ignore[union-attr]
        if not isinstance(content, (bytes, bytearray, memoryview)):
            got = type(content).__name__
            raise TypeError(f"mytorch.load: {_named(f)} gave {got}, not bytes; open it in binary mode ('rb')")
        if not content:  # (the commonest slip: the BytesIO just written to, still at its end)
            why = "nothing is left to read from its current position; after save, rewind it with seek(0)"
            raise _refusal(_named(f), why)
        return _read(_named(f), io.BytesIO(content))
    with open(path, "rb") as stream:  # (ours to close, whatever NumPy makes of it)
        return _read(repr(path), stream)


def _strings(value: Any) -> bool:
    """Whether ``value`` (an array's ``tolist()``) is a list of strings."""
    return isinstance(value, list) and all(type(item) is str for item in value)


def _read_tree(archive: Any, files: set[str]) -> Any:
    """A format-2 file's checkpoint (ValueError, turned into ``load``'s refusal, if it is not one)."""
    kinds = archive["__kinds__"].tolist()
    if "__tree__" not in files or not _strings(kinds) or set(map(str, range(len(kinds)))) - files:
        raise ValueError("its entries do not match its header")
    values = [_restored(kind, archive[str(i)]) for i, kind in enumerate(kinds)]
    try:
        return _grown(json.loads(str(archive["__tree__"])), values)
    except (AttributeError, TypeError, IndexError, RecursionError, json.JSONDecodeError) as error:
        raise ValueError(f"its structure does not read: {error}") from None


def _read(path: str, stream: Any) -> Any:
    """``load`` from the open file ``stream``, which messages call ``path``."""
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
            if header == [TREE_FORMAT, "tree"]:
                return _read_tree(archive, files)
            if not isinstance(header, list) or header[:1] != [FORMAT] or header[1:] not in (["single"], ["dict"]):
                raise _refusal(path, f"an unknown header {header!r}")
            names, kinds = archive["__names__"].tolist(), archive["__kinds__"].tolist()
            fits = _strings(names) and _strings(kinds) and len(names) == len(kinds)
            if not fits or (header[1] == "single" and len(kinds) != 1) or set(map(str, range(len(kinds)))) - files:
                raise _refusal(path, "its entries do not match its header")
            values = [_restored(kind, archive[str(i)]) for i, kind in enumerate(kinds)]
    except ValueError as error:
        if str(error).startswith("mytorch.load"):
            raise
        if "max_header_size" in str(error):  # (NumPy's words advise allow_pickle=True)
            raise _refusal(path, unreadable(error)) from None
        if "pickle" in str(error):  # NumPy's words for a file that is no .npy or .npz, or holds objects
            why = "not an .npz archive of plain arrays; reading it would need pickle, which load refuses"
            raise _refusal(path, why) from None
        raise _refusal(path, str(error)) from None
    except (zipfile.BadZipFile, EOFError, KeyError, OSError, zlib.error, NotImplementedError, RuntimeError) as error:
        # (zipfile's words for a damaged directory entry: an unknown version or compression is a
        # NotImplementedError, the encryption flag a RuntimeError; a damaged deflate stream zlib.error)
        raise _refusal(path, f"{type(error).__name__}: {error}") from None
    if header[1] == "single":
        return values[0]
    return dict(zip(names, values))
