"""Ordering with PyTorch's names: ``sort``, ``argsort``, ``topk``.

None has a derivative of its own. The order is found on the values (NumPy's stable argsort),
and the values are then *taken* at those indices with the kernel table's ``index`` row, as
``max(x, dim)`` and ``gather`` are: the gradient of each sorted value goes back to the
element it came from (``index``'s backward scatters it), forward mode and second
derivatives are that row's, and the indices are an int64 constant.

Ties keep their original order (a stable sort) in both directions; NaN counts as larger than
every number, as in PyTorch (last ascending, first descending).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from mytorch.arguments import check_dim
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
        raise TypeError(f"{op}: expected a tensor of numbers or bools, got dtype {x.dtype} (shape {x.shape})")
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
        return ValuesIndices(_apply("identity", (input,)), Tensor(np.zeros((), dtype=np.int64)))
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


def topk(
    input: Any,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: builtins.bool = True,
    sorted: builtins.bool = True,  # noqa: A002 - PyTorch's name
) -> ValuesIndices:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along
    ``dim``, as PyTorch's ``torch.topk``. They always come sorted, largest (smallest) first,
    ties earliest first; ``sorted=False`` allows that (PyTorch leaves the order unspecified).
    Gradients flow to the values (kernel ``index``).

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
        raise ValueError(f"topk: k = {k} is out of range for dim {d} of size {n} (input of shape {x.shape})")
    if x.ndim == 0:  # the element itself for k = 0 or 1, as PyTorch gives
        return ValuesIndices(_apply("identity", (input,)), Tensor(np.zeros((), dtype=np.int64)))
    order = np.take(_order(x, d, bool(largest)), np.arange(k), axis=d)
    return ValuesIndices(_taken(input, order, d), Tensor(order))
