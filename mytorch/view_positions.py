"""Where a view's elements lie in the array it views: the arithmetic of in-place changes through views.

A view made by basic indexing, ``narrow``, ``select``, ``transpose``, ``reshape`` without a copy,
``unsqueeze`` and the like is a NumPy array on its base's memory. Its elements are found in the
base from the two arrays' addresses, shapes and strides alone, whatever chain of views made it.
``relation(base, view)`` answers with one operation of the kernel table that makes ``view`` of
``base``: a basic index (``base[1:3, 2]``), a reshape or a transpose of the whole, else an index of
integer arrays (``positions``). ``mytorch.tensor_views`` records in-place changes of views with it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["extent", "meets", "overlaps", "positions", "relation"]


def _address(array: np.ndarray) -> int:
    return int(array.__array_interface__["data"][0])


def _offsets(shape: tuple[int, ...], steps: tuple[int, ...], start: int) -> np.ndarray:
    """The element offsets (from ``start``) of an array of ``shape`` taking ``steps`` elements per index."""
    offsets = np.full(shape, start, dtype=np.intp)
    for axis, (length, step) in enumerate(zip(shape, steps, strict=True)):
        if length > 1 and step:
            along = np.arange(length, dtype=np.intp) * step
            offsets += along.reshape((length,) + (1,) * (len(shape) - axis - 1))
    return offsets


def _steps(array: np.ndarray, size: int) -> tuple[int, ...] | None:
    """``array``'s strides in elements of ``size`` bytes, or None if one is not a whole number of them."""
    steps = []
    for stride in array.strides:
        if stride % size:
            return None
        steps.append(stride // size)
    return tuple(steps)


def _c_order(array: np.ndarray, steps: tuple[int, ...]) -> bool:
    """Whether ``array``'s elements lie in memory in row-major order, one after another (its element
    offsets are then its flat indices)."""
    expected = 1
    for length, step in zip(reversed(array.shape), reversed(steps), strict=True):
        if length > 1 and step != expected:
            return False
        expected *= length
    return True


def positions(base: np.ndarray, view: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """The index of ``view``'s elements in ``base``: ``base[positions(base, view)]`` has ``view``'s
    shape and values, element for element.

    Returns:
        A tuple of ``base.ndim`` integer arrays of ``view``'s shape; None when ``view`` is not made of
        ``base``'s elements: another dtype (``view_as_real``, ``.view(dtype)``), memory outside
        ``base``, an element of ``base`` seen at two places of ``base`` (an expanded base), or a 0-d
        ``base`` (which a view of another shape cannot index).
    """
    if view.dtype != base.dtype or base.ndim == 0:
        return None
    size = base.itemsize
    base_steps, view_steps = _steps(base, size), _steps(view, size)
    start, remainder = divmod(_address(view) - _address(base), size)
    if base_steps is None or view_steps is None or remainder:
        return None
    wanted = _offsets(view.shape, view_steps, start)
    if not wanted.size:
        return tuple(wanted for _ in base.shape)
    if _c_order(base, base_steps):
        flat = wanted
        if flat.min() < 0 or flat.max() >= base.size:
            return None
    else:  # (a transposed or strided base: its elements' offsets, sorted, looked up)
        offsets = _offsets(base.shape, base_steps, 0).ravel()
        order = np.argsort(offsets, kind="stable")
        known = offsets[order]
        if not np.all(known[1:] != known[:-1]):
            return None
        found = np.minimum(np.searchsorted(known, wanted), known.size - 1)
        if not np.array_equal(known[found], wanted):
            return None
        flat = order[found]
    return tuple(np.unravel_index(flat, base.shape))


def overlaps(array: np.ndarray) -> bool:
    """Whether two elements of ``array`` share memory (an expanded tensor, ``as_strided``): an
    in-place change of it would write one place twice."""
    if array.size <= 1:
        return False
    dims = sorted(
        (abs(stride), length) for stride, length in zip(array.strides, array.shape, strict=True) if length > 1
    )
    reach = 0  # (the bytes the smaller axes span, past their first element)
    for stride, length in dims:
        if stride <= reach or stride < array.itemsize:
            break
        reach += stride * (length - 1)
    else:
        return False
    steps = _steps(array, array.itemsize)
    if steps is None:  # (strides off the element grid: elements overlap in part, or not at all)
        return True
    offsets = _offsets(array.shape, steps, 0).ravel()
    return bool(np.unique(offsets).size != offsets.size)


def extent(array: np.ndarray) -> tuple[int, int]:
    """The addresses ``[first, end)`` of the bytes ``array``'s elements lie in ((0, 0) when it has none)."""
    if array.size == 0:
        return 0, 0
    first = end = _address(array)
    for length, stride in zip(array.shape, array.strides, strict=True):
        if stride < 0:
            first += stride * (length - 1)
        else:
            end += stride * (length - 1)
    return first, end + array.itemsize


def meets(one: tuple[int, int], other: tuple[int, int]) -> bool:
    """Whether two ``extent``s share a byte."""
    return one[0] < other[1] and other[0] < one[1] and one[0] < one[1] and other[0] < other[1]


def _basic_index(base: np.ndarray, view: np.ndarray, start: int, steps: tuple[int, ...]) -> tuple[Any, ...] | None:
    """A basic index (integers, slices, None) that makes ``view`` of the row-major ``base``, or None;
    ``start`` and ``steps``: ``view``'s first element and strides, in elements of ``base``."""
    shape = base.shape
    sizes = [math.prod(shape[axis + 1 :]) for axis in range(base.ndim)]
    coords = []
    for size in sizes:
        coord, start = divmod(start, size)
        coords.append(coord)
    index: list[Any] = []
    axis = 0  # (the next axis of ``base`` a slice may take: slices keep the axes' order)
    for length, step in zip(view.shape, steps, strict=True):
        if length == 1:
            index.append(None)
            continue
        for along in range(axis, base.ndim):
            k, rest = divmod(step, sizes[along])
            if not rest and k and 0 <= coords[along] + k * (length - 1) < shape[along]:
                break
        else:
            return None
        index += coords[axis:along]
        stop = coords[along] + k * (length - 1) + (1 if k > 0 else -1)
        index.append(slice(coords[along], None if stop < 0 else stop, k))
        axis = along + 1
    index += coords[axis:]
    index.append(Ellipsis)  # (a view even when every axis takes an integer: 0-d, not a NumPy scalar)
    made = base[tuple(index)]
    same = made.shape == view.shape and _address(made) == _address(view)
    if not same or any(n > 1 and a != b for n, a, b in zip(view.shape, made.strides, view.strides, strict=True)):
        return None
    return tuple(index)


def relation(base: np.ndarray, view: np.ndarray) -> tuple[str, dict[str, Any]] | None:
    """How ``view`` is made of ``base``: a kernel of ``mytorch.nn.functional`` and its parameters, so
    that ``kernel(base, **params)`` has ``view``'s values, element for element: ``index`` with a basic
    index, ``reshape`` or ``transpose`` of the whole of ``base``, else ``index`` with ``positions``.
    None where ``positions`` is None (another dtype, memory outside ``base``, a 0-d ``base``)."""
    if view.dtype != base.dtype or base.ndim == 0:
        return None
    size = base.itemsize
    base_steps, view_steps = _steps(base, size), _steps(view, size)
    start, remainder = divmod(_address(view) - _address(base), size)
    if base_steps is not None and view_steps is not None and not remainder and _c_order(base, base_steps):
        if view.size == base.size and not start and _c_order(view, view_steps):
            return "reshape", {"shape": view.shape}
        axes = None if start else _permutation(base, view)
        if axes is not None:
            return "transpose", {"axes": axes}
        if 0 <= start < max(base.size, 1):
            index = _basic_index(base, view, start, view_steps)
            if index is not None:
                return "index", {"index": index}
    found = positions(base, view)
    return None if found is None else ("index", {"index": found})


def _permutation(base: np.ndarray, view: np.ndarray) -> tuple[int, ...] | None:
    """The axes ``axes`` with ``np.transpose(base, axes)`` laid out as ``view`` (which starts where
    ``base`` does), or None."""
    if view.ndim != base.ndim or view.ndim < 2:
        return None
    by_layout = {(n, stride): axis for axis, (n, stride) in enumerate(zip(base.shape, base.strides, strict=True))}
    if len(by_layout) != base.ndim:
        return None
    axes = tuple(by_layout.get(key, -1) for key in zip(view.shape, view.strides, strict=True))
    return axes if sorted(axes) == list(range(base.ndim)) else None
