"""Elements picked by a mask or by flat positions, and counts, with PyTorch's names:
``masked_select``, ``take``, ``argwhere``/``nonzero``, ``count_nonzero``, ``unique``, ``bincount``.

``masked_select`` and ``take`` are recorded (kernels ``expand``, ``reshape``, ``index``: the
gradient goes back to the picked places, repeats adding up); the others answer with positions
or counts, which have no gradient, and return constant tensors, as PyTorch's do.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from mytorch.arguments import check_dim
from mytorch.op_names import named
from mytorch.tensor import Tensor, _apply

__all__ = ["argwhere", "bincount", "count_nonzero", "masked_select", "nonzero", "take", "unique"]


def _data(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def masked_select(input: Any, mask: Any) -> Tensor:  # noqa: A002
    """The elements of ``input`` where the bool ``mask`` holds, as a 1-D tensor in row order; the
    mask and the input broadcast together, as in PyTorch.

    Raises:
        TypeError: the mask is not bool. ValueError: the shapes do not broadcast.
    """
    x, m = _data(input), _data(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_select: the mask must be a bool tensor, got dtype {m.dtype}")
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise ValueError(
            f"masked_select: a mask of shape {tuple(m.shape)} does not broadcast with shape {tuple(x.shape)}"
        ) from None
    source = _tensor(input)
    if shape != x.shape:
        source = _apply("expand", (source,), {"shape": shape})
    return _apply("index", (source,), named({"index": np.broadcast_to(m, shape)}, "MaskedSelectBackward0"))


def take(input: Any, index: Any) -> Tensor:  # noqa: A002
    """The elements of ``input`` read as one flat row, at the integer positions ``index`` (any
    shape, which the result takes; negative positions count from the end, as in PyTorch).

    Raises:
        TypeError: the index is not integers. IndexError: a position outside the tensor.
    """
    x, i = _data(input), _data(index)
    if i.dtype.kind not in "iu":
        raise TypeError(f"take: the index must be an integer tensor, got dtype {i.dtype}")
    if i.size and (i.min() < -x.size or i.max() >= x.size):
        raise IndexError(f"take: positions must lie in [-{x.size}, {x.size}) for a tensor of shape {tuple(x.shape)}")
    flat = _apply("reshape", (_tensor(input),), {"shape": (-1,)})
    return _apply("index", (flat,), named({"index": i.astype(np.int64, copy=False)}, "TakeBackward0"))


def argwhere(input: Any) -> Tensor:  # noqa: A002
    """The coordinates of the nonzero elements, one row each (shape (n, ndim)), int64."""
    return Tensor(np.argwhere(_data(input)).astype(np.int64, copy=False))


def nonzero(input: Any, *, as_tuple: builtins.bool = False) -> Tensor | tuple[Tensor, ...]:  # noqa: A002
    """``argwhere(input)``; with ``as_tuple``, one int64 vector of coordinates per axis (NumPy's
    ``nonzero``, usable as an index)."""
    if not as_tuple:
        return argwhere(input)
    x = _data(input)
    return tuple(Tensor(i.astype(np.int64, copy=False)) for i in np.nonzero(x.reshape(1) if x.ndim == 0 else x))


def count_nonzero(input: Any, dim: Any = None) -> Tensor:  # noqa: A002
    """How many elements are nonzero (along ``dim``: an int or a tuple of ints), int64."""
    x = _data(input)
    if dim is not None:
        dims = (dim,) if isinstance(dim, (builtins.int, np.integer)) else tuple(dim)
        # (dim=() counts over every axis, as PyTorch's and as sum(dim=()): NumPy's axis=() counted nothing)
        dim = tuple(check_dim("count_nonzero", builtins.int(d), max(x.ndim, 1)) for d in dims) or None
    return Tensor(np.asarray(np.count_nonzero(x, axis=dim), dtype=np.int64))


def unique(
    input: Any,  # noqa: A002
    sorted: builtins.bool = True,  # noqa: A002
    return_inverse: builtins.bool = False,
    return_counts: builtins.bool = False,
    dim: Any = None,
) -> Tensor | tuple[Tensor, ...]:
    """The distinct values of ``input``, sorted (flattened; with ``dim``, the distinct slices
    along it), and with ``return_inverse`` where each element's value is in them (``input``'s
    shape), with ``return_counts`` how often each occurs; each NaN is distinct, as in PyTorch. No
    gradient (a constant tensor).

    Raises:
        IndexError: ``dim`` outside the axes.
    """
    x = _data(input)
    axis = None if dim is None else check_dim("unique", dim, max(x.ndim, 1))
    # each NaN is a value of its own (NaN != NaN), as PyTorch's: NumPy's default counts them as one
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis, equal_nan=False)
    out = [Tensor(values)]
    if return_inverse:
        shape = x.shape if axis is None else (x.shape[axis],)
        out.append(Tensor(inverse.reshape(shape).astype(np.int64, copy=False)))
    if return_counts:
        out.append(Tensor(counts.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Any, weights: Any = None, minlength: builtins.int = 0) -> Tensor:  # noqa: A002
    """How often each of ``0..max(input)`` occurs in the 1-D non-negative integer ``input`` (at
    least ``minlength`` counts); with ``weights``, their sums instead, in float32 for float32
    weights and in float64 for any others, as PyTorch's (integer weights gave int64 sums, float16
    ones float16 sums, until 2026-12-05).

    Raises:
        TypeError: the input is not integers. ValueError: negative values, or not one axis.
    """
    x = _data(input)
    if x.dtype.kind not in "iu":
        raise TypeError(f"bincount: the input must be an integer tensor, got dtype {x.dtype}")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise ValueError(f"bincount: the input must be one axis of non-negative integers, got shape {tuple(x.shape)}")
    w = None if weights is None else _data(weights)
    counts = np.bincount(x, weights=w, minlength=minlength)
    kind = np.dtype(np.int64 if w is None else np.float32 if w.dtype == np.float32 else np.float64)
    return Tensor(counts.astype(kind, copy=False))
