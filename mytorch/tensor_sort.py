"""Ordering with PyTorch's names: ``sort``, ``argsort``, ``topk``.

None has a derivative of its own. The order is found on the values (NumPy's stable argsort),
and the values are then *taken* at those indices with the kernel table's ``index`` row, as
``max(x, dim)`` and ``gather`` are: the gradient of each sorted value goes back to the
element it came from (``index``'s backward scatters it), forward mode and second
derivatives are that row's, and the indices are an int64 constant.

``sort``'s ties keep their original order (a stable sort) in both directions; ``topk`` picks
among ties as PyTorch's CPU kernel does. NaN counts as larger than every number, as in PyTorch
(last ascending, first descending).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from mytorch.arguments import ShapeRuntimeError, check_dim
from mytorch.tensor import Tensor, _apply
from mytorch.tensor_index import _coordinates
from mytorch.tensor_math import ValuesIndices

__all__ = ["argsort", "sort", "topk"]


def _data(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _axis(op: str, dim: Any, ndim: int) -> int:
    """``dim`` as an axis of an ``ndim``-D tensor (a 0-d tensor has the one axis -1 / 0)."""
    if isinstance(dim, builtins.bool) or not hasattr(dim, "__index__"):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    return check_dim(op, int(dim.__index__()), builtins.max(ndim, 1))


def _order(x: np.ndarray, d: int, descending: builtins.bool) -> np.ndarray:
    """The int64 indices that sort ``x`` along ``d``, ties in their original order."""
    if not descending:
        return np.argsort(x, axis=d, kind="stable").astype(np.int64, copy=False)
    # ascending on the reversed axis puts equal values latest-first; reversing that result gives
    # the values largest-first with equal ones earliest-first (and NaN first, as PyTorch's)
    reversed_order = np.argsort(np.flip(x, d), axis=d, kind="stable")
    return ((x.shape[d] - 1) - np.flip(reversed_order, d)).astype(np.int64)


def _taken(input: Any, order: np.ndarray, d: int) -> Tensor:  # noqa: A002 - PyTorch's name
    """``input``'s elements at ``order`` along ``d`` (kernel ``index``: gradients scatter back)."""
    return _apply("index", (input,), {"index": _coordinates(order, d)})


def _checked(op: str, input: Any) -> np.ndarray:  # noqa: A002
    x = _data(input)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{op}: expected a tensor of numbers or bools, got dtype {x.dtype} (shape {tuple(x.shape)})")
    return x


def sort(
    input: Any,  # noqa: A002 - PyTorch's name
    dim: int = -1,
    descending: builtins.bool = False,
    *,
    stable: builtins.bool = False,
) -> ValuesIndices:
    """``(values, indices)``: ``input`` sorted along ``dim`` (ascending unless ``descending``),
    and where each value was, as PyTorch's ``torch.sort``. The sort is always stable (``stable``
    is accepted for PyTorch's signature). Gradients flow to the values (kernel ``index``); the
    indices are an int64 constant. A 0-d tensor gives itself and index 0."""
    x = _checked("sort", input)
    d = _axis("sort", dim, x.ndim)
    if x.ndim == 0:
        return ValuesIndices(_apply("clone", (input,)), Tensor(np.zeros((), dtype=np.int64)))
    order = _order(x, d, bool(descending))
    return ValuesIndices(_taken(input, order, d), Tensor(order))


def argsort(
    input: Any,  # noqa: A002
    dim: int = -1,
    descending: builtins.bool = False,
    *,
    stable: builtins.bool = False,
) -> Tensor:
    """The int64 indices that sort ``input`` along ``dim`` (``sort(...).indices``; stable)."""
    x = _checked("argsort", input)
    d = _axis("argsort", dim, x.ndim)
    if x.ndim == 0:
        return Tensor(np.zeros((), dtype=np.int64))
    return Tensor(_order(x, d, bool(descending)))


# --------------------------------------------------------------------------- PyTorch's CPU topk, for ties
# Among equal values, which indices ``torch.topk`` reports is decided by the C++ library's
# selection algorithms it runs (``partial_sort`` when 64 k <= n, else ``nth_element`` and a
# ``sort`` of the first k - 1): they are written out below, on a list of (value, index) pairs
# ordered by ``_first`` (NaN before numbers for the largest, after them for the smallest). Only
# rows with ties among the chosen values go through them.


def _first(largest: builtins.bool) -> Any:
    if largest:
        return lambda a, b: (a[0] != a[0] and b[0] == b[0]) or a[0] > b[0]
    return lambda a, b: (a[0] == a[0] and b[0] != b[0]) or a[0] < b[0]


def _sift_down(q: list[Any], start: int, hole: int, length: int, value: Any, less: Any) -> None:
    """Put ``value`` into the heap q[start:start + length] from ``hole`` down, then up (the
    library's adjust-heap and push-heap)."""
    top, child = hole, hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(q[start + child], q[start + child - 1]):
            child -= 1
        q[start + hole] = q[start + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        q[start + hole] = q[start + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(q[start + parent], value):
        q[start + hole] = q[start + parent]
        hole = parent
        parent = (hole - 1) // 2
    q[start + hole] = value


def _heap_select(q: list[Any], first: int, middle: int, last: int, less: Any) -> None:
    length = middle - first
    if length >= 2:
        for parent in range((length - 2) // 2, -1, -1):
            _sift_down(q, first, parent, length, q[first + parent], less)
    for i in range(middle, last):
        if less(q[i], q[first]):
            value, q[i] = q[i], q[first]
            _sift_down(q, first, 0, length, value, less)


def _partial_sort(q: list[Any], first: int, middle: int, last: int, less: Any) -> None:
    _heap_select(q, first, middle, last, less)
    while middle - first > 1:
        middle -= 1
        value, q[middle] = q[middle], q[first]
        _sift_down(q, first, 0, middle - first, value, less)


def _partition_around_median(q: list[Any], first: int, last: int, less: Any) -> int:
    """The library's quicksort step: the median of q[first + 1], the middle and the last moved to
    q[first], then the rest partitioned around it; returns the cut."""
    a, b, c = first + 1, first + (last - first) // 2, last - 1
    if less(q[a], q[b]):
        median = b if less(q[b], q[c]) else c if less(q[a], q[c]) else a
    else:
        median = a if less(q[a], q[c]) else c if less(q[b], q[c]) else b
    q[first], q[median] = q[median], q[first]
    pivot, low, high = q[first], first + 1, last
    while True:
        while less(q[low], pivot):
            low += 1
        high -= 1
        while less(pivot, q[high]):
            high -= 1
        if low >= high:
            return low
        q[low], q[high] = q[high], q[low]
        low += 1


def _insertion_sort(q: list[Any], first: int, last: int, less: Any, guarded: builtins.bool = True) -> None:
    for i in range(first + 1 if guarded else first, last):
        value = q[i]
        if guarded and less(value, q[first]):
            q[first + 1 : i + 1] = q[first:i]
            q[first] = value
            continue
        j = i
        while less(value, q[j - 1]):
            q[j] = q[j - 1]
            j -= 1
        q[j] = value


def _nth_element(q: list[Any], nth: int, less: Any) -> None:
    first, last = 0, len(q)
    depth = 2 * (last.bit_length() - 1)
    while last - first > 3:
        if depth == 0:
            _heap_select(q, first, nth + 1, last, less)
            q[first], q[nth] = q[nth], q[first]
            return
        depth -= 1
        cut = _partition_around_median(q, first, last, less)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(q, first, last, less)


def _introsort(q: list[Any], first: int, last: int, depth: int, less: Any) -> None:
    while last - first > 16:
        if depth == 0:
            _partial_sort(q, first, last, last, less)
            return
        depth -= 1
        cut = _partition_around_median(q, first, last, less)
        _introsort(q, cut, last, depth, less)
        last = cut


def _sort(q: list[Any], first: int, last: int, less: Any) -> None:
    if last - first < 2:
        return
    _introsort(q, first, last, 2 * ((last - first).bit_length() - 1), less)
    if last - first > 16:
        _insertion_sort(q, first, first + 16, less)
        _insertion_sort(q, first + 16, last, less, guarded=False)
    else:
        _insertion_sort(q, first, last, less)


def _pytorch_topk_row(row: list[Any], k: int, largest: builtins.bool) -> list[int]:
    """The indices PyTorch's CPU ``topk`` reports for one row (sorted)."""
    less = _first(largest)
    q = [(v, i) for i, v in enumerate(row)]
    if 64 * k <= len(q):
        _partial_sort(q, 0, k, len(q), less)
    else:
        _nth_element(q, k - 1, less)
        _sort(q, 0, k - 1, less)
    return [i for _, i in q[:k]]


def _topk_order(x: np.ndarray, k: int, d: int, largest: builtins.bool) -> np.ndarray:
    """The indices of the k largest (smallest) along ``d``, sorted; among equal values those
    PyTorch's CPU kernel reports."""
    order = np.take(_order(x, d, largest), np.arange(k), axis=d)
    if k == 0:
        return order
    rows = np.moveaxis(x, d, -1).reshape(-1, x.shape[d])
    chosen = np.moveaxis(order, d, -1).reshape(-1, k)
    picked = np.take_along_axis(rows, chosen, -1)
    with np.errstate(invalid="ignore"):
        tied = (rows == picked[:, -1:]).sum(-1) > 1  # the k-th value shared: which of them is chosen
        if k > 1:  # or a tie within the chosen: their order
            ordered = np.sort(picked, -1)
            tied |= (ordered[:, 1:] == ordered[:, :-1]).any(-1)
    if rows.dtype.kind == "f":  # NaNs count as equal
        tied |= np.isnan(picked).any(-1) & (np.isnan(rows).sum(-1) > 1)
    if tied.any():
        chosen = chosen.copy()
        for r in np.flatnonzero(tied):
            chosen[r] = _pytorch_topk_row(rows[r].tolist(), k, largest)
        moved = chosen.reshape(*np.moveaxis(x, d, -1).shape[:-1], k)
        order = np.ascontiguousarray(np.moveaxis(moved, -1, d))
    return order


def topk(
    input: Any,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: builtins.bool = True,
    sorted: builtins.bool = True,  # noqa: A002 - PyTorch's name
) -> ValuesIndices:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along
    ``dim``, as PyTorch's ``torch.topk``. They always come sorted, largest (smallest) first;
    ``sorted=False`` allows that (PyTorch leaves the order unspecified). Among equal values the
    indices are those PyTorch's CPU kernel reports (``_pytorch_topk_row``), so the gradient,
    which flows to the values (kernel ``index``), reaches the same elements.

    Raises:
        TypeError: ``k`` is not an integer.
        ValueError: ``k`` outside ``[0, input.shape[dim]]``.
    """
    x = _checked("topk", input)
    d = _axis("topk", dim, x.ndim)
    if isinstance(k, builtins.bool) or not hasattr(k, "__index__"):
        raise TypeError(f"topk: k must be an int, got {type(k).__name__}")
    k = int(k.__index__())
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise ShapeRuntimeError(
            f"topk: k = {k} is out of range for dim {d} of size {n} (input of shape {tuple(x.shape)})"
        )
    if x.ndim == 0:  # the element itself for k = 0 or 1, as PyTorch gives
        return ValuesIndices(_apply("clone", (input,)), Tensor(np.zeros((), dtype=np.int64)))
    order = _topk_order(x, k, d, bool(largest))
    return ValuesIndices(_taken(input, order, d), Tensor(order))
