"""Statistics and scans with PyTorch's names: ``median``, ``nanmedian``, ``mode``, ``aminmax``,
``std_mean``, ``var_mean`` (composed of recorded operations) and ``cumprod`` (its kernel).
"""

from __future__ import annotations

import builtins
from typing import Any, NamedTuple

import numpy as np

from mytorch.arguments import check_dim
from mytorch.tensor import Tensor, _apply
from mytorch.tensor_math import ValuesIndices, _as_asked, _ordered, _summed, amax, amin, mean, std, var
from mytorch.tensor_sort import sort

__all__ = ["aminmax", "cumprod", "median", "mode", "nanmedian", "std_mean", "var_mean"]


class MinMax(NamedTuple):
    """What ``aminmax`` returns."""

    min: Tensor
    max: Tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def median(input: Any, dim: Any = None, keepdim: builtins.bool = False) -> Tensor | ValuesIndices:  # noqa: A002
    """The median (of an even count, the lower of the two middle values, as PyTorch's; NaN if a
    NaN is present; of no elements NaN): over all elements, or along ``dim`` as ``(values,
    indices)``. Over all elements the gradient is shared evenly by the elements equal to the
    median (by the NaNs, for a NaN), as PyTorch's; along ``dim`` it goes to the element at the
    returned index.

    Raises:
        IndexError: ``dim`` outside the axes.
    """
    x = _ordered("median", _tensor(input))
    if dim is None:
        flat = _apply("reshape", (x,), {"shape": (-1,)})
        data = flat._data
        if not data.size and data.dtype.kind == "f":
            return flat.sum() * np.asarray(np.nan, data.dtype)
        nans = int(np.isnan(data).sum()) if flat.dtype.kind == "f" else 0
        middle = len(data) - nans if nans else (len(data) - 1) // 2
        value = np.sort(data)[middle]
        # amax of the copies of the value is that value exactly, its gradient split evenly among
        # them; the mean of the NaNs is NaN, with gradient 1/k to each
        ties = flat.masked_select(Tensor(np.isnan(data) if nans else data == value))
        return ties.mean() if nans else ties.amax()
    d = check_dim("median", dim, builtins.max(x.ndim, 1))
    ordered = sort(x, d)
    n = x.shape[d] if x.ndim else 1
    places = np.full([1 if k == d else s for k, s in enumerate(x.shape)], (n - 1) // 2, dtype=np.int64)
    if x.dtype.kind == "f":
        valid = (~np.isnan(x._data)).sum(axis=d, keepdims=True)
        places = np.where(valid < n, valid, places)  # the first NaN, where there is one (sorted last)
    values = ordered.values.gather(d, Tensor(places))
    indices = ordered.indices.gather(d, Tensor(places))
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return ValuesIndices(values, indices)


def nanmedian(input: Any, dim: Any = None, keepdim: builtins.bool = False) -> Tensor | ValuesIndices:  # noqa: A002
    """``median`` with the NaNs left out: the lower middle value of the others (NaN where there
    are none); over all elements, or along ``dim`` as ``(values, indices)``, the gradient as
    ``median``'s. (Of an all-NaN slice the index is one of its NaNs; PyTorch's CPU kernel picks
    another.)

    Raises:
        IndexError: ``dim`` outside the axes.
    """
    x = _ordered("nanmedian", _tensor(input))
    if x.dtype.kind != "f":
        return median(x, dim, keepdim)
    if dim is None:
        flat = _apply("reshape", (x,), {"shape": (-1,)})
        data = flat._data
        kept = data[~np.isnan(data)]
        if not kept.size:
            return median(flat)
        value = np.sort(kept)[(len(kept) - 1) // 2]
        return flat.masked_select(Tensor(data == value)).amax()
    d = check_dim("nanmedian", dim, builtins.max(x.ndim, 1))
    ordered = sort(x, d)  # (NaNs last)
    n = x.shape[d] if x.ndim else 1
    valid = (~np.isnan(x._data)).sum(axis=d, keepdims=True) if x.ndim else np.array(int(not np.isnan(x._data)))
    places = np.where(valid > 0, (valid - 1) // 2, (n - 1) // 2).astype(np.int64)
    values = ordered.values.gather(d, Tensor(places))
    indices = ordered.indices.gather(d, Tensor(places))
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return ValuesIndices(values, indices)


def mode(input: Any, dim: Any = -1, keepdim: builtins.bool = False) -> ValuesIndices:  # noqa: A002
    """The most frequent value along ``dim`` (of several, the smallest) and the index of its last
    occurrence, as PyTorch's CPU kernel reports; the gradient goes to that element. Each NaN is a
    value of its own (NaN != NaN), as in PyTorch and ``unique``: three NaNs do not outnumber two 1s.

    Raises:
        IndexError: ``dim`` outside the axes.
    """
    x = _tensor(input)
    d = check_dim("mode", dim, builtins.max(x.ndim, 1))
    data: np.ndarray = np.moveaxis(x._data.reshape(tuple(x.shape) or (1,)), d, -1)
    rows = data.reshape(-1, data.shape[-1])
    picks = np.empty(len(rows), dtype=np.int64)
    for k, row in enumerate(rows):
        # (sorted, NaNs last and each counted once: the first of the most is the smallest)
        values, counts = np.unique(row, return_counts=True, equal_nan=False)
        best = values[np.argmax(counts)]
        hits = np.flatnonzero((row == best) | (np.isnan(row) & np.isnan(best)))
        picks[k] = hits[-1]
    places = np.expand_dims(picks.reshape(data.shape[:-1]), d)
    chosen = x.reshape(x.shape or (1,)).gather(d, Tensor(places))
    indices = Tensor(places)
    if not keepdim or not x.ndim:
        chosen, indices = chosen.squeeze(d), indices.squeeze(d)
    return ValuesIndices(chosen, indices)


def aminmax(input: Any, *, dim: Any = None, keepdim: builtins.bool = False) -> MinMax:  # noqa: A002
    """``(amin, amax)`` over all elements or along ``dim``."""
    return MinMax(amin(input, dim, keepdim), amax(input, dim, keepdim))


def _with_mean(name: str, spread: Any) -> Any:
    def pair(
        input: Any,  # noqa: A002
        dim: Any = None,
        unbiased: Any = None,
        keepdim: builtins.bool = False,
        *,
        correction: Any = None,
    ) -> tuple[Tensor, Tensor]:
        # a bool in dim's place is PyTorch's ``unbiased`` (``var_mean(x, False)``): over every element
        over = None if isinstance(dim, builtins.bool) else dim
        return spread(input, dim, unbiased, keepdim, correction=correction), mean(input, over, keepdim)

    pair.__name__ = pair.__qualname__ = f"{name}_mean"
    pair.__doc__ = f"``({name}, mean)`` over ``dim`` (``unbiased`` / ``correction`` as in ``{name}``)."
    return pair


std_mean = _with_mean("std", std)
var_mean = _with_mean("var", var)


def cumprod(input: Any, dim: Any, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running products along ``dim`` (kernel ``cumprod``: one vectorised operation; its gradient is
    exact where the input has zeros, as PyTorch's, and at infinities and past an overflow or
    underflow, where PyTorch's is NaN or off); bools and integers multiply in int64.

    Raises:
        IndexError: ``dim`` outside the axes.
    """
    x = _summed(_tensor(input), dtype, "cumprod")
    d = check_dim("cumprod", dim, max(x.ndim, 1))
    result = _apply("cumprod", (x,), {"axis": d if x.ndim else 0})
    return result if dtype is None else _as_asked(result, dtype, "cumprod")
