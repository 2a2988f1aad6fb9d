"""Order statistics and searches with PyTorch's names: ``quantile``, ``kthvalue``, ``msort``
(through ``sort``, so the gradient goes to the chosen elements), ``cross`` (products of
rearranged elements), and the constants ``searchsorted``, ``bucketize``, ``histc``,
``unique_consecutive``; the dtype helpers ``promote_types``, ``result_type``, ``can_cast``; and
the Tensor attributes ``element_size()`` and ``stride()`` (in elements, as PyTorch counts).
"""

from __future__ import annotations

import builtins
from typing import Any, Literal, NamedTuple, cast

import numpy as np

from mytorch.arguments import check_dim
from mytorch.dtypes import as_dtype
from mytorch.tensor import Tensor, check_setting
from mytorch.tensor_math import ValuesIndices, where
from mytorch.tensor_pointwise import _tensor
from mytorch.tensor_sort import sort

__all__ = [
    "bucketize",
    "can_cast",
    "cross",
    "histc",
    "histogram",
    "kthvalue",
    "msort",
    "promote_types",
    "quantile",
    "result_type",
    "searchsorted",
    "unique_consecutive",
]

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _between(below: Tensor, above: Tensor, frac: Any) -> Tensor:
    """``below + (above - below) frac``; where an end is infinite, ``below (1 - frac) + above frac``
    (``below`` where frac is 0), which is that infinity where -inf + inf would make NaN (the
    quantile between -inf and 1 is -inf) and gives the ends PyTorch's gradients 1 - frac and frac,
    as everywhere else, equal ends included. Opposite infinities stay NaN."""
    out = below + (above - below) * frac
    infinite = np.isinf(np.asarray(below._data)) | np.isinf(np.asarray(above._data))
    if not infinite.any():
        return out
    moved = np.asarray(frac._data if isinstance(frac, Tensor) else frac) != 0
    out = cast(Tensor, where(Tensor(infinite & moved), below * (1 - frac) + above * frac, out))
    return cast(Tensor, where(Tensor(infinite & ~moved), below, out))


def quantile(
    input: Any,  # noqa: A002
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """The ``q``-quantiles (a number or a 1-D tensor in [0, 1]; a tensor adds a leading axis) along
    ``dim`` (of all elements without it), interpolating between the sorted neighbours as PyTorch's
    ``interpolation`` says; NaN where a slice holds NaN."""
    x = _tensor(input)
    ndim = x.ndim
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"quantile: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}")
    qs = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ValueError("quantile: q must be a number or a 1-D tensor of values in [0, 1]")
    if dim is None:
        x, d = x.reshape(-1), 0
    else:
        d = check_dim("quantile", dim, max(x.ndim, 1))
    values = sort(x, d).values
    n = x.shape[d] if x.ndim else 1
    rows = []
    for level in qs.reshape(-1):
        position = float(level) * (n - 1)
        low, high = int(np.floor(position)), int(np.ceil(position))
        frac = position - low
        if interpolation == "lower" or (interpolation == "nearest" and round(position) == low):
            high, frac = low, 0.0
        elif interpolation == "higher" or interpolation == "nearest":
            low, frac = high, 0.0
        elif interpolation == "midpoint":
            frac = 0.5 if high != low else 0.0
        below = values.select(d, low) if values.ndim else values
        above = values.select(d, high) if values.ndim else values
        picked = below if frac == 0.0 else _between(below, above, frac)
        nan = np.isnan(np.asarray(x._data)).any(axis=d) if x.ndim else np.isnan(x._data)
        if np.any(nan):  # the slice's last sorted element, a NaN: the gradient goes to it, as PyTorch's
            last = values.select(d, n - 1) if values.ndim else values
            picked = cast(Tensor, where(Tensor(np.asarray(nan)), last, picked))
        if keepdim and ndim:  # (a 0-d input's result stays 0-d, as PyTorch's)
            picked = picked.unsqueeze(d) if dim is not None else picked.reshape((1,) * ndim)
        rows.append(picked)
    if qs.ndim == 0:
        return rows[0]
    from mytorch.tensor_shape import stack

    return stack(rows, 0)


def _above(a: Any, b: Any) -> builtins.bool:
    """``a`` after ``b`` in ascending order, NaN after every number."""
    return a > b or (a != a and b == b)


def _selected_position(row: list[Any], k: int) -> int:
    """Where in ``row`` the element a median-of-three quickselect for rank ``k`` (from 0) leaves at
    place ``k`` came from: the partition PyTorch's CPU ``kthvalue`` runs, which decides which of
    several equal elements is reported."""
    values, where_from = list(row), list(range(len(row)))

    def swap(i: int, j: int) -> None:
        values[i], values[j] = values[j], values[i]
        where_from[i], where_from[j] = where_from[j], where_from[i]

    low, high = 0, len(values) - 1
    while high > low:
        if high == low + 1:
            if _above(values[low], values[high]):
                swap(low, high)
            break
        swap(low + (high - low) // 2, low + 1)  # the pivot: the median of the first, middle and last
        if _above(values[low + 1], values[high]):
            swap(low + 1, high)
        if _above(values[low], values[high]):
            swap(low, high)
        if _above(values[low + 1], values[low]):
            swap(low + 1, low)
        pivot, i, j = values[low], low + 1, high
        while True:
            i += 1
            while _above(pivot, values[i]):
                i += 1
            j -= 1
            while _above(values[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(low, j)
        if j <= k:
            low = i
        if j >= k:
            high = j - 1
    return where_from[k]


def _kth_positions(data: np.ndarray, k: int, d: int) -> np.ndarray:
    """The index along ``d`` of each slice's ``k``-th smallest element (k from 1); among equal
    elements (or NaNs) the one PyTorch's CPU ``kthvalue`` reports."""
    rows = np.moveaxis(data, d, -1)
    shape = rows.shape[:-1]
    rows = rows.reshape(-1, rows.shape[-1])
    positions = np.argsort(rows, axis=-1, kind="stable")[:, k - 1]
    chosen = rows[np.arange(len(rows)), positions]
    ties = (rows == chosen[:, None]).sum(axis=-1) > 1
    if rows.dtype.kind in "fc":
        ties |= np.isnan(chosen)
    for r in np.flatnonzero(ties):  # only there can another equal element be the one reported
        positions[r] = _selected_position(rows[r].tolist(), k - 1)
    return positions.reshape(shape)


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:  # noqa: A002
    """``(values, indices)``: the ``k``-th smallest element along ``dim`` (k from 1) and where it
    was; among equal elements the index PyTorch's CPU kernel gives (that of its quickselect, not
    the first), and the gradient goes to the element at that index. NaN counts as the largest."""
    x = _tensor(input)
    d = check_dim("kthvalue", dim, max(x.ndim, 1))
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue: k={k} is outside 1..{n}")
    if not x.ndim:
        return sort(x, d)
    indices = Tensor(np.expand_dims(_kth_positions(np.asarray(x._data), k, d), d))
    values = x.gather(d, indices)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return ValuesIndices(values, indices)


def msort(input: Any) -> Tensor:  # noqa: A002
    """``input`` sorted along its first axis."""
    return sort(input, 0).values


def cross(input: Any, other: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (without it, the first axis of length 3, as
    ``torch.cross``'s old default; ``linalg.cross`` takes the last)."""
    a, b = _tensor(input), _tensor(other)
    shape = np.broadcast_shapes(a.shape, b.shape)
    if dim is None:
        dim = next((k for k, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ValueError(f"cross: no axis of length 3 in shape {shape}")
    d = check_dim("cross", dim, len(shape))
    for t in (a, b):  # each its own 3 (PyTorch refuses a length-1 axis broadcast there)
        k = d - (len(shape) - t.ndim)
        if k < 0 or t.shape[k] != 3:
            raise ValueError(
                f"cross: both inputs need length 3 along axis {d}, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
            )
    a, b = a.expand(*shape), b.expand(*shape)
    nxt, prev = np.array([1, 2, 0]), np.array([2, 0, 1])
    pick = (slice(None),) * d
    return a[pick + (nxt,)] * b[pick + (prev,)] - a[pick + (prev,)] * b[pick + (nxt,)]


def searchsorted(
    sorted_sequence: Any,
    values: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Any = None,
) -> Tensor:
    """Where each of ``values`` would go in ``sorted_sequence`` (1-D, or one sorted row per row of
    ``values``) to keep it sorted: the first such place, or the last with ``right`` / ``side="right"``."""
    seq = np.asarray(_tensor(sorted_sequence)._data)
    vals = np.asarray(_tensor(values)._data)
    how: Literal["left", "right"] = "right" if right or side == "right" else "left"
    if sorter is not None:
        seq = np.take_along_axis(seq, np.asarray(_tensor(sorter)._data), -1)
    if seq.ndim <= 1:
        found = np.searchsorted(seq.reshape(-1), vals, side=how)
    else:
        rows_seq, rows_val = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        found = np.stack([np.searchsorted(s, v, side=how) for s, v in zip(rows_seq, rows_val)]).reshape(vals.shape)
    return Tensor(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False, right: bool = False) -> Tensor:  # noqa: A002
    """The bucket of each element among 1-D ``boundaries`` (``searchsorted(boundaries, input)``).

    Raises:
        ValueError: ``boundaries`` not 1-D (a matrix was searched row by row, PyTorch raises).
    """
    ndim = boundaries.ndim if isinstance(boundaries, Tensor) else np.ndim(boundaries)
    if ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got a {ndim}-D tensor")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input: Any, bins: int = 100, min: float = 0.0, max: float = 0.0) -> Tensor:  # noqa: A002
    """Counts of the elements in ``bins`` equal bins over [min, max] (the data's range when they are
    equal, 0 and 0 by default, as PyTorch's); elements outside are left out; in ``input``'s float
    dtype."""
    x = _tensor(input)
    for name, bound in (("min", min), ("max", max)):  # (1e39 for float32 made bins of inf)
        check_setting("histc", name, bound, x._data.dtype)
    data = np.asarray(x._data, dtype=np.float64).reshape(-1)
    low, high = float(min), float(max)
    if low == high and data.size:  # (any equal pair: it took [min - 1, max + 1] unless both were 0)
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    counts, _ = np.histogram(data, bins=bins, range=(low, high))
    return Tensor(counts.astype(x.dtype if x.dtype.kind == "f" else np.float32))


class HistogramResult(NamedTuple):
    """``histogram``'s ``(hist, bin_edges)``, by name as in PyTorch."""

    hist: Tensor
    bin_edges: Tensor


def histogram(
    input: Any,  # noqa: A002
    bins: Any = 100,
    *,
    range: tuple[float, float] | None = None,  # noqa: A002 - PyTorch's name
    weight: Any = None,
    density: bool = False,
) -> HistogramResult:
    """The counts (or summed ``weight``s; a density with ``density``) of the elements in ``bins``
    equal bins over ``range`` (the data's own by default), or between the edges of a ``bins``
    tensor; the last bin holds its right edge, as PyTorch's and NumPy's. Both results in the
    input's dtype; no gradient, as in PyTorch.

    Raises:
        TypeError: a tensor that is not floating-point (PyTorch's raises too).
    """
    x = _tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"histogram: needs a floating-point tensor, got {x.dtype} (convert it first: x.float())")
    edges = _tensor(bins)._data if isinstance(bins, Tensor) else int(bins)
    weights = None if weight is None else np.asarray(_tensor(weight)._data).reshape(-1)
    hist, bin_edges = np.histogram(np.asarray(x._data).reshape(-1), edges, range, density=density, weights=weights)
    return HistogramResult(Tensor(hist.astype(x.dtype)), Tensor(bin_edges.astype(x.dtype)))


def unique_consecutive(
    input: Any,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The elements with each run of equal neighbours kept once (of the flattened tensor, or of
    slices along ``dim``); with ``return_inverse`` each element's run, with ``return_counts`` the
    runs' lengths."""
    x = np.asarray(_tensor(input)._data)
    if dim is None:
        flat = x.reshape(-1)
        starts = np.concatenate([[True], flat[1:] != flat[:-1]]) if flat.size else np.zeros(0, bool)
        values, shape = flat[starts], x.shape
    else:
        d = check_dim("unique_consecutive", dim, x.ndim)
        moved = np.moveaxis(x, d, 0).reshape(x.shape[d], -1)
        starts = np.concatenate([[True], (moved[1:] != moved[:-1]).any(axis=1)]) if len(moved) else np.zeros(0, bool)
        values, shape = np.moveaxis(np.moveaxis(x, d, 0)[starts], 0, d), (x.shape[d],)
    out: list[Tensor] = [Tensor(np.ascontiguousarray(values))]
    if return_inverse:
        out.append(Tensor((np.cumsum(starts) - 1).reshape(shape).astype(np.int64)))
    if return_counts:
        positions = np.flatnonzero(starts)
        out.append(Tensor(np.diff(np.append(positions, starts.size)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The dtype both promote to, PyTorch's rule: a float (or complex) dtype beside a bool or integer
    one is that float dtype (int64 and float32 give float32; NumPy says float64); else NumPy's."""
    a, b = np.dtype(as_dtype(type1, "promote_types")), np.dtype(as_dtype(type2, "promote_types"))
    if a.kind in "fc" and b.kind in "biu":
        return a
    if b.kind in "fc" and a.kind in "biu":
        return b
    return np.promote_types(a, b)


def result_type(tensor1: Any, tensor2: Any) -> np.dtype:
    """The dtype of an arithmetic result of the two (tensors or numbers), by MyTorch's promotion
    (found by adding stand-ins of one element, outside the graph)."""
    if not isinstance(tensor1, (Tensor, np.ndarray)) and isinstance(tensor2, (Tensor, np.ndarray)):
        tensor1, tensor2 = tensor2, tensor1  # a Python number first would be taken as a float64 tensor

    def stand_in(x: Any) -> Any:
        if isinstance(x, Tensor):
            return Tensor(np.zeros((1,) * x.ndim, x.dtype))
        return np.zeros((1,) * x.ndim, x.dtype) if isinstance(x, np.ndarray) else x

    with np.errstate(all="ignore"):
        return (_tensor(stand_in(tensor1)) + stand_in(tensor2)).dtype


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch allows an in-place result of dtype ``from_`` into ``to``: not float into
    integer or bool, not integer into bool."""
    a, b = np.dtype(as_dtype(from_, "can_cast")), np.dtype(as_dtype(to, "can_cast"))
    rank = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    return builtins.bool(rank[a.kind] <= rank[b.kind])


METHODS = {
    "histogram": histogram,
    "quantile": quantile,
    "kthvalue": kthvalue,
    "msort": msort,
    "cross": cross,
    "element_size": lambda self: self.dtype.itemsize,
    "stride": lambda self, dim=None: (
        tuple(s // self.dtype.itemsize for s in self._data.strides)
        if dim is None
        else self._data.strides[dim] // self.dtype.itemsize
    ),
}
"""The functions above that are also ``Tensor`` methods (bound by ``mytorch.tensor_methods``)."""
