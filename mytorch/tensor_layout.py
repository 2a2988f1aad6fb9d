"""More shape functions with PyTorch's names, composed of ``tensor_shape``'s (so their gradients,
forward mode and higher derivatives are those ops'): ``unflatten``, ``swapaxes``/``swapdims``,
``moveaxis``, ``ravel``, ``broadcast_to``, ``broadcast_tensors``, ``atleast_1d/2d/3d``,
``dstack``, ``column_stack``, ``row_stack``, ``tensor_split``, ``hsplit``, ``vsplit``, ``dsplit``,
``rot90``, ``unfold`` (a method), ``diag_embed``, ``take_along_dim``, ``block_diag``,
``cartesian_prod``, ``tril_indices``, ``triu_indices``, and the methods ``sum_to_size`` and
``is_same_size``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mytorch.arguments import ShapeRuntimeError, check_dim, size_arg
from mytorch.op_names import named
from mytorch.tensor import Tensor, _apply
from mytorch.tensor_index import flip, gather
from mytorch.tensor_pointwise import _tensor as _t
from mytorch.tensor_shape import cat, expand, movedim, permute, reshape, stack, transpose, unsqueeze

__all__ = [
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "block_diag",
    "broadcast_tensors",
    "broadcast_to",
    "cartesian_prod",
    "column_stack",
    "combinations",
    "diag_embed",
    "dsplit",
    "dstack",
    "hsplit",
    "moveaxis",
    "ravel",
    "rot90",
    "row_stack",
    "swapaxes",
    "swapdims",
    "take_along_dim",
    "tensor_split",
    "tril_indices",
    "triu_indices",
    "unflatten",
    "vsplit",
]


def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Axis ``dim`` split into axes of ``sizes`` (one may be -1), the inverse of ``flatten``."""
    shape = _t(input).shape
    d = check_dim("unflatten", dim, len(shape))
    sizes = tuple(int(n) for n in sizes)
    known = math.prod(n for n in sizes if n != -1)
    if (
        sizes.count(-1) > 1
        or any(n < -1 for n in sizes)
        or (known != shape[d] if -1 not in sizes else (known == 0 or shape[d] % known))
    ):
        raise ShapeRuntimeError(
            f"unflatten: sizes {list(sizes)} do not multiply up to the length of dim {d} ({shape[d]}) of the input "
            f"of shape {shape} (one size may be -1)"
        )
    return reshape(input, shape[:d] + sizes + shape[d + 1 :])


swapaxes = swapdims = transpose
moveaxis = movedim


def ravel(input: Any) -> Tensor:  # noqa: A002
    """The elements as one axis (``reshape(-1)``)."""
    return reshape(input, -1)


def broadcast_to(input: Any, size: Any) -> Tensor:  # noqa: A002
    """``input`` expanded to ``size`` (``expand``)."""
    return expand(input, *size_arg("broadcast_to", (size,)))


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape."""
    shape = np.broadcast_shapes(*(_t(x).shape for x in tensors))
    return tuple(expand(_t(x), *shape) for x in tensors)


def _at_least(n: int, tensors: tuple[Any, ...]) -> Any:
    out = []
    for x in tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors:
        t = _t(x)
        if t.ndim == 0:
            t = reshape(t, (1,) * n)
        elif t.ndim == 1 and n >= 2:
            t = reshape(t, (1, t.shape[0], 1) if n == 3 else (1, t.shape[0]))
        elif t.ndim == 2 and n == 3:
            t = unsqueeze(t, -1)
        out.append(t)
    return out[0] if len(out) == 1 and not (len(tensors) == 1 and isinstance(tensors[0], (list, tuple))) else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 axis (a 0-d one becomes (1,))."""
    return _at_least(1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 axes (a vector (n,) becomes (1, n))."""
    return _at_least(2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 axes ((n,) becomes (1, n, 1), (m, n) becomes (m, n, 1))."""
    return _at_least(3, tensors)


def dstack(tensors: Sequence[Any]) -> Tensor:
    """The tensors joined along axis 2, after ``atleast_3d``."""
    return cat(list(atleast_3d(list(tensors))), 2)


def column_stack(tensors: Sequence[Any]) -> Tensor:
    """The tensors as columns: vectors (n,) become (n, 1), then joined along axis 1."""
    return cat([reshape(t, (-1, 1)) if _t(t).ndim <= 1 else t for t in tensors], 1)


def row_stack(tensors: Sequence[Any]) -> Tensor:
    """``vstack``: vectors as rows, joined along axis 0."""
    return cat(list(atleast_2d(list(tensors))), 0)


def tensor_split(input: Any, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``input`` cut along ``dim`` into ``n`` nearly equal pieces (the first ``length % n`` one
    longer; ``n`` a number or a 0-d tensor), or at the listed indices (negative ones from the end,
    as slices count); every piece is a view (kernel ``index``)."""
    t = _t(input)
    d = check_dim("tensor_split", dim, t.ndim)
    length = t.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0:
            raise ValueError(f"tensor_split: the number of sections must be positive, got {n}")
        sizes = [length // n + (1 if k < length % n else 0) for k in range(n)]
        bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    else:
        cuts = [int(i) for i in indices_or_sections]
        bounds = [0, *cuts, length]
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        start, stop = (min(max(k + length if k < 0 else k, 0), length) for k in (start, stop))
        pieces.append(t[(slice(None),) * d + (slice(start, max(start, stop)),)])
    return tuple(pieces)


def _split_along(op: str, input: Any, sections: Any, dim: int, least: int) -> tuple[Tensor, ...]:  # noqa: A002
    t = _t(input)
    if t.ndim < least:
        raise ValueError(f"{op}: needs a tensor of at least {least} axes, got {t.ndim}")
    if isinstance(sections, (int, np.integer)) and t.shape[dim] % int(sections):
        raise ValueError(f"{op}: axis {dim} of length {t.shape[dim]} does not split into {sections} equal parts")
    return tensor_split(t, sections, dim)


def hsplit(input: Any, sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along axis 1 (axis 0 of a vector); a number of sections must divide it."""
    return _split_along("hsplit", input, sections, 1 if _t(input).ndim > 1 else 0, 1)


def vsplit(input: Any, sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along axis 0 of a tensor of at least 2 axes."""
    return _split_along("vsplit", input, sections, 0, 2)


def dsplit(input: Any, sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """``tensor_split`` along axis 2 of a tensor of at least 3 axes."""
    return _split_along("dsplit", input, sections, 2, 3)


def rot90(input: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:  # noqa: A002
    """``input`` rotated by 90 degrees ``k`` times in the plane of ``dims``, from the first axis
    towards the second (``flip`` and ``transpose``)."""
    t = _t(input)
    a, b = (check_dim("rot90", d, t.ndim) for d in dims)
    if a == b:
        raise ValueError(f"rot90: dims must be two different axes, got {tuple(dims)}")
    k %= 4
    if k == 0:  # (a copy, as PyTorch's: a view followed the input's later in-place changes)
        return _apply("clone", (t,), named({}, "Rot90Backward0"))
    if k == 2:
        return flip(t, a, b)
    return transpose(flip(t, b), a, b) if k == 1 else flip(transpose(t, a, b), b)


def unfold(self: Any, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last axis
    (``Tensor.unfold``): axis ``dimension`` then counts the windows.

    A single window (whatever ``step``), or windows that do not overlap and fit a (count, step)
    reshape of the axis (``step >= size``, count * step at most its length: every ``step ==
    size``), are a view, as PyTorch's (``x.unfold(2, k, k).mul_(2)`` changes x; ``narrow``,
    ``reshape`` and ``movedim``). Other windows are a read-only copy (kernel ``index``), so that
    a write into them raises instead of missing ``x``; a later change of ``x`` does not reach such
    a copy (PyTorch's view follows it).
    """
    t = _t(self)
    d = check_dim("unfold", dimension, max(t.ndim, 1))
    length = t.shape[d] if t.ndim else 1
    if size < 0 or size > length or step <= 0:
        raise ValueError(f"unfold: size {size} and step {step} do not fit axis {d} of length {length}")
    starts = np.arange(0, length - size + 1, step)
    windows = starts[:, None] + np.arange(size)  # (count, size)
    if t.ndim == 0:
        return reshape(t, (1,))
    count = len(starts)
    before = (slice(None),) * d
    if count == 1 or (step >= size and count * step <= length):
        cut = length if count == 1 else count * step  # (one window: the axis as one row)
        rows = reshape(t[before + (slice(0, cut),)], (*t.shape[:d], count, cut // count, *t.shape[d + 1 :]))
        return movedim(rows[before + (slice(None), slice(0, size))], d + 1, -1)
    taken = t[before + (windows,)]  # the axis becomes (count, size)
    result = movedim(taken, d + 1, -1)
    result._data.flags.writeable = False
    return result


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Matrices whose ``offset`` diagonal (in axes ``dim1``, ``dim2`` of the result) holds the
    last axis of ``input``: a batch of vectors becomes a batch of diagonal matrices (the vector with
    a 0 appended, indexed by a constant (n, n) array of positions: the dtype is kept, and an inf or
    NaN stays on the diagonal)."""
    t = _t(input)
    k = t.shape[-1]
    n = k + abs(offset)
    rows, cols = np.nonzero(np.eye(n, k=offset, dtype=bool))
    places = np.full((n, n), k)  # position k: the appended 0
    places[rows, cols] = np.arange(k)
    padded = cat([t, Tensor(np.zeros((*t.shape[:-1], 1), t.numpy().dtype))], -1)
    placed = padded[..., places]
    ndim = placed.ndim
    d1, d2 = check_dim("diag_embed", dim1, ndim), check_dim("diag_embed", dim2, ndim)
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 must differ, got {dim1} and {dim2}")
    batch = iter(range(ndim - 2))  # axis j of the result is axis order[j] of ``placed``
    order = [ndim - 2 if j == d1 else ndim - 1 if j == d2 else next(batch) for j in range(ndim)]
    return placed if order == list(range(ndim)) else permute(placed, *order)


def take_along_dim(input: Any, indices: Any, dim: Any = None) -> Tensor:  # noqa: A002
    """``gather`` with the indices broadcast against ``input`` (except along ``dim``); without
    ``dim``, the flattened tensor indexed by the flattened indices."""
    t = _t(input)
    idx = indices if isinstance(indices, Tensor) else Tensor(np.asarray(indices))
    if dim is None:
        return gather(reshape(t, -1), 0, reshape(idx, -1))
    d = check_dim("take_along_dim", dim, t.ndim)
    shape_t, shape_i = list(t.shape), list(idx.shape)
    shape_t[d] = shape_i[d] = 1
    common = list(np.broadcast_shapes(tuple(shape_t), tuple(shape_i)))
    wide_t, wide_i = common.copy(), common.copy()
    wide_t[d], wide_i[d] = t.shape[d], idx.shape[d]
    return gather(expand(t, *wide_t), d, Tensor(np.broadcast_to(idx.numpy(), tuple(wide_i)).copy()))


def block_diag(*tensors: Any) -> Tensor:
    """The matrices (numbers and vectors count as rows) on the diagonal of one matrix, zeros elsewhere."""
    blocks = [reshape(_t(x), (1, -1)) if _t(x).ndim < 2 else _t(x) for x in tensors]
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        dtype = b.numpy().dtype
        right = width - left - b.shape[1]
        rows.append(
            cat([Tensor(np.zeros((b.shape[0], left), dtype)), b, Tensor(np.zeros((b.shape[0], right), dtype))], 1)
        )
        left += b.shape[1]
    return cat(rows, 0)


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every combination of one element from each vector, as rows (in row-major order)."""
    vectors = [_t(x) for x in tensors]
    if len(vectors) == 1:
        return vectors[0]
    shape = tuple(v.shape[0] for v in vectors)
    columns = []
    for k, v in enumerate(vectors):
        view = reshape(v, tuple(n if j == k else 1 for j, n in enumerate(shape)))
        columns.append(reshape(expand(view, *shape), -1))
    return stack(columns, 1)


def combinations(input: Any, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """The ``r``-element combinations of a vector's elements, one per row, in ``itertools``' order
    (``with_replacement``: elements may repeat); rows picked by one recorded indexing, so
    gradients reach the vector. No rows (shape ``(0, r)``) when ``r`` exceeds its length, an empty
    vector for ``r=0``, as PyTorch's.

    Raises:
        ValueError: not a vector, or a negative ``r``.
    """
    x = _t(input)
    if x.ndim != 1:
        raise ValueError(f"combinations: expects a vector (1 axis), got shape {tuple(x.shape)}")
    if r < 0:
        raise ValueError(f"combinations: r must be non-negative, got {r}")
    if r == 0:
        return Tensor(np.empty(0, dtype=x.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[Tensor(rows)]


def _indices(op: str, which: Any, row: int, col: int, offset: int, dtype: Any) -> Tensor:
    for name, n in (("row", row), ("col", col)):  # (NumPy takes a negative size as 0)
        if n < 0:
            raise ValueError(f"{op}: {name} must be non-negative, got {n}")
    r, c = which(row, offset, col)
    return Tensor(np.stack([r, c]).astype(np.int64 if dtype is None else np.dtype(dtype)))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """The (2, N) coordinates of the lower triangle of a ``row`` x ``col`` matrix, row by row."""
    return _indices("tril_indices", np.tril_indices, row, col, offset, dtype)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None) -> Tensor:
    """The (2, N) coordinates of the upper triangle of a ``row`` x ``col`` matrix, row by row."""
    return _indices("triu_indices", np.triu_indices, row, col, offset, dtype)


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """``self`` summed down to ``size`` (which must broadcast to ``self``'s shape), as a gradient is
    summed back to its input's shape."""
    shape = size_arg("sum_to_size", size)
    extra = self.ndim - len(shape)
    if extra < 0 or any(n not in (1, m) for n, m in zip(shape, self.shape[extra:])):
        raise ValueError(f"sum_to_size: size {shape} does not broadcast to the tensor's shape {tuple(self.shape)}")
    axes = tuple(range(extra)) + tuple(extra + k for k, n in enumerate(shape) if n == 1 and self.shape[extra + k] != 1)
    out = self.sum(axes, keepdim=True) if axes else self
    return reshape(out, shape)


def is_same_size(self: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have one shape."""
    return tuple(self.shape) == tuple(other.shape)


METHODS = {
    "unflatten": unflatten,
    "swapaxes": swapaxes,
    "swapdims": swapdims,
    "moveaxis": moveaxis,
    "ravel": ravel,
    "broadcast_to": broadcast_to,
    "tensor_split": tensor_split,
    "hsplit": hsplit,
    "vsplit": vsplit,
    "dsplit": dsplit,
    "rot90": rot90,
    "unfold": unfold,
    "diag_embed": diag_embed,
    "take_along_dim": take_along_dim,
    "sum_to_size": sum_to_size,
    "is_same_size": is_same_size,
    "mH": property(lambda self: transpose(self, -2, -1), doc="The last two axes swapped (real tensors: mT)."),
    "H": property(lambda self: transpose(self, 0, 1), doc="The transpose of a matrix (real tensors: T)."),
}
"""The functions above that are also ``Tensor`` methods (bound by ``mytorch.tensor_methods``)."""
