"""Matrix helpers with PyTorch's names: ``tril``, ``triu``, ``diag``, ``diagonal``, ``trace``, ``mv``,
``cdist``.

Each is recorded with existing kernels (``where`` through ``masked_fill``, ``index``,
``index_scatter``, ``sum``, ``matmul``), so gradients, forward mode and second derivatives come
with them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.arguments import check_dim
from mytorch.tensor import Tensor, _apply
from mytorch.tensor_math import checked_product, masked_fill

__all__ = ["cdist", "diag", "diagonal", "mv", "trace", "tril", "triu"]


def _data(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def _triangle(op: str, input: Any, diagonal: int, lower: bool) -> Tensor:  # noqa: A002
    x = _data(input)
    if x.ndim < 2:
        raise ValueError(f"{op}: the input must have at least 2 axes (a matrix or a batch), got shape {tuple(x.shape)}")
    n, m = x.shape[-2:]
    keep = np.tri(n, m, diagonal, dtype=bool) if lower else ~np.tri(n, m, diagonal - 1, dtype=bool)
    return masked_fill(_tensor(input), ~keep, 0)


def tril(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two axes (``diagonal`` above the main one kept too; others
    zero): ``scores.masked_fill(tril(ones(n, n)) == 0, -inf)`` masks the future in attention."""
    return _triangle("tril", input, diagonal, lower=True)


def triu(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two axes, from ``diagonal`` up (others zero)."""
    return _triangle("triu", input, diagonal, lower=False)


def _diagonal_places(n: int, m: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(max(0, -offset), min(n, m - offset))
    return rows, rows + offset


def _strided_diagonal(flat: Tensor, n: int, m: int, offset: int) -> Tensor:
    """The diagonal of (n, m) matrices laid out in the last axis of ``flat`` row after row: a
    strided slice of it (a view, as PyTorch's ``diagonal``)."""
    start, count = (offset, min(n, m - offset)) if offset >= 0 else (-offset * m, min(n + offset, m))
    if count <= 0:
        return flat[..., 0:0]
    return flat[..., start : start + (count - 1) * (m + 1) + 1 : m + 1]


def _matrix_diagonal(op: str, input: Any, offset: int) -> Tensor:  # noqa: A002
    x = _data(input)
    if x.ndim != 2:
        raise ValueError(f"{op}: the input must be a matrix, got shape {tuple(x.shape)}")
    n, m = x.shape
    return _apply("index", (_tensor(input),), {"index": _diagonal_places(n, m, offset)})


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal of the matrices spanned by axes ``dim1`` and ``dim2`` (``offset`` > 0 above
    the main one), as the last axis after the others, as ``torch.diagonal``. Where the two axes
    are one run of memory (a matrix or a batch of matrices in row order, or their transposes: a
    strided slice of the view merging them), a view, as PyTorch's: ``K.diagonal().add_(1e-6)``
    changes K, and ``d`` follows a later write into K. Otherwise a copy (kernel ``index``) that is
    read-only, so that a write into it raises instead of missing the tensor (a write into the
    tensor is not seen by such a copy: PyTorch's diagonal is always a view).

    Raises:
        ValueError: fewer than 2 axes. RuntimeError: ``dim1`` and ``dim2`` name one axis.
    """
    t = _tensor(input)
    if t.ndim < 2:
        raise ValueError(f"diagonal: the input must have at least 2 axes, got shape {tuple(t.shape)}")
    d1, d2 = check_dim("diagonal", int(dim1), t.ndim), check_dim("diagonal", int(dim2), t.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be identical, got {dim1} and {dim2}")
    if t.ndim == 2 and d1 == 0 and t.numel() and t._data.flags.c_contiguous:
        n, m = t.shape
        return _strided_diagonal(t.reshape(-1), n, m, offset)
    others = [d for d in range(t.ndim) if d not in (d1, d2)]
    for a, b, k in ((d1, d2, offset), (d2, d1, -offset)):  # (the same elements, in the same order)
        strides, shape = t._data.strides, t.shape
        if t.numel() and (shape[a] == 1 or shape[b] == 1 or strides[a] == shape[b] * strides[b]):
            moved = t.permute(*others, a, b)  # its last two axes one run of memory: a view merges them
            return _strided_diagonal(moved.reshape(*moved.shape[:-2], -1), shape[a], shape[b], k)
    if t.ndim == 2 and d1 == 0:
        copy = _matrix_diagonal("diagonal", input, offset)
    else:  # (the two axes last, then the matrix diagonal of each)
        others = [d for d in range(t.ndim) if d not in (d1, d2)]
        moved = t.permute(*others, d1, d2)
        n, m = moved.shape[-2:]
        rows, columns = _diagonal_places(n, m, offset)
        copy = moved[(Ellipsis, rows, columns)]
    copy._data.flags.writeable = False
    return copy


def diag(input: Any, diagonal: int = 0) -> Tensor:  # noqa: A002
    """A vector's diagonal matrix (the vector on diagonal ``diagonal``; kernel ``index_scatter``),
    or a matrix's diagonal as a vector (``diagonal(input, diagonal)``), as ``torch.diag``.

    Raises:
        ValueError: the input has neither 1 nor 2 axes.
    """
    x = _data(input)
    if x.ndim == 2:
        return _matrix_diagonal("diag", input, diagonal)
    if x.ndim != 1:
        raise ValueError(f"diag: the input must be a vector or a matrix, got shape {tuple(x.shape)}")
    size = len(x) + abs(diagonal)
    places = _diagonal_places(size, size, diagonal)
    return _apply("index_scatter", (_tensor(input),), {"index": places, "shape": (size, size)})


def trace(input: Any) -> Tensor:  # noqa: A002
    """The sum of a matrix's diagonal."""
    return _matrix_diagonal("trace", input, 0).sum()


def mv(input: Any, vec: Any) -> Tensor:  # noqa: A002
    """The product of a matrix (n, m) and a vector (m,); kernel ``matmul``.

    Raises:
        ValueError: not a matrix and a vector of matching length.
        DtypeMismatchError: two tensors of different dtypes.
    """
    a, v = _data(input), _data(vec)
    if a.ndim != 2 or v.ndim != 1 or a.shape[1] != v.shape[0]:
        raise ValueError(
            f"mv: expects a matrix (n, m) and a vector (m,), got shapes {tuple(a.shape)} and {tuple(v.shape)}"
        )
    return checked_product("mv", input, vec)


def cdist(x1: Any, x2: Any, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of ``x1`` (..., n, d) and each row of ``x2`` (..., m, d):
    shape (..., n, m). Recorded as a broadcast difference and ``norm`` (memory n * m * d), so
    always exact: ``compute_mode`` is accepted and changes nothing (PyTorch's matrix-product form
    for p = 2 and more than 25 rows loses digits to cancellation).

    Raises:
        ValueError: the last axes differ, or fewer than 2 axes.
    """
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise ValueError(f"cdist: compute_mode must be one of {', '.join(modes)}, got {compute_mode!r}")
    a, b = _data(x1), _data(x2)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"cdist: expects (..., n, d) and (..., m, d), got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    first = _tensor(x1).unsqueeze(-2)
    second = _tensor(x2).unsqueeze(-3)
    return (first - second).norm(p, dim=-1)
