"""``copy.deepcopy`` of a Tensor's array that keeps which tensors share memory.

NumPy's own ``deepcopy`` of a view copies the view alone: ``copy.deepcopy((x, x[0]))`` gave
two tensors with separate memory, so a write into the copied view missed the copied base (and
a module's buffer that is a view of another buffer came apart). PyTorch copies a tensor's
storage once per ``deepcopy`` (its memo holds the storage): here the memory an array's root
spans is copied once per ``deepcopy`` call, keyed in its memo by the root, and every array of
that memory becomes a view of the one copy, at the same offset, with the same strides.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from mytorch.saved import _root, locked_by_graph
from mytorch.view_positions import extent

__all__ = ["deepcopy_array"]

_MEMO_TAG = "mytorch.memory_copy"
"""The memo's entry for this module's copies: ``{id(root): (root, bytes of the copy, lowest address)}``."""


def deepcopy_array(array: np.ndarray, memo: dict[int, Any]) -> np.ndarray:
    """A copy of ``array`` for ``copy.deepcopy`` with ``memo``: a view of a copy of its root's
    memory, which every array of that memory copied with the same memo shares.

    The copy is writeable unless ``array`` is read-only by its own making (a read-only view, a
    broadcast's stride-0 axes); a lock a live graph holds on it is not copied. Object arrays and
    empty ones are copied as NumPy copies them.
    """
    done = memo.get(id(array))
    if done is not None:
        return done
    if array.dtype.hasobject or not array.size:
        return copy.deepcopy(array, memo)
    root = _root(array)
    copies: dict[int, tuple[np.ndarray, np.ndarray, int]] = memo.setdefault(id(_MEMO_TAG), {})
    entry = copies.get(id(root))
    if entry is None:
        low, high = extent(root)  # (root has elements: array has)
        entry = (root, _bytes_of(root, low, high).copy(), low)  # (root kept: its id stays its own while the memo lives)
        copies[id(root)] = entry
    _, memory, low = entry
    start = array.__array_interface__["data"][0] - low
    new: np.ndarray = np.ndarray(array.shape, array.dtype, buffer=memory, offset=start, strides=array.strides)
    if not array.flags.writeable and not locked_by_graph(array):
        new.flags.writeable = False
    memo[id(array)] = new
    return new


def _bytes_of(root: np.ndarray, low: int, high: int) -> Any:
    """The bytes ``[low, high)`` of ``root``'s memory (any layout), as a uint8 array not copied."""
    interface = {"data": (low, True), "shape": (high - low,), "typestr": "|u1", "version": 3}
    return np.asarray(_Interface(interface, root))


class _Interface:
    """An object exposing ``interface`` as ``__array_interface__``, keeping ``owner`` alive."""

    def __init__(self, interface: dict[str, Any], owner: np.ndarray) -> None:
        self.__array_interface__ = interface
        self.owner = owner
