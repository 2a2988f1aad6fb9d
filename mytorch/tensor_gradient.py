"""``gradient``: PyTorch's ``torch.gradient``, the derivative of sampled values by finite
differences (second-order central differences inside, one-sided ones of order ``edge_order`` at the
ends; NumPy's ``gradient`` formulas, also for uneven coordinates). It is a fixed linear combination
of slices of the input, so it is recorded: gradients flow through it."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.tensor import Tensor
from mytorch.tensor_shape import cat

__all__ = ["gradient"]


def _slice(x: Tensor, dim: int, start: int, stop: int | None) -> Tensor:
    index = (slice(None),) * dim + (slice(start, stop),)
    return x[index]


def _along(values: np.ndarray, dim: int, ndim: int, dtype: np.dtype) -> Tensor:
    """Coefficients shaped to broadcast along ``dim`` of an ``ndim``-dimensional tensor."""
    shape = [1] * ndim
    shape[dim] = len(values)
    return Tensor(np.asarray(values, dtype=dtype).reshape(shape))


def _one_axis(f: Tensor, dim: int, coordinates: np.ndarray, edge_order: int) -> Tensor:
    n = f.shape[dim]
    dx = np.diff(coordinates)
    dx1, dx2 = dx[:-1], dx[1:]
    ndim, dtype = f.ndim, f.dtype

    def part(start: int, stop: int | None, weights: Any) -> Tensor:
        return _slice(f, dim, start, stop) * _along(np.atleast_1d(weights), dim, ndim, dtype)

    inner = (
        part(0, n - 2, -dx2 / (dx1 * (dx1 + dx2)))
        + part(1, n - 1, (dx2 - dx1) / (dx1 * dx2))
        + part(2, None, dx1 / (dx2 * (dx1 + dx2)))
    )
    if edge_order == 1:
        first = (part(1, 2, 1.0) - part(0, 1, 1.0)) / float(dx[0])
        last = (part(n - 1, n, 1.0) - part(n - 2, n - 1, 1.0)) / float(dx[-1])
    else:
        a, b = float(dx[0]), float(dx[1])
        first = (
            part(0, 1, -(2 * a + b) / (a * (a + b))) + part(1, 2, (a + b) / (a * b)) + part(2, 3, -a / (b * (a + b)))
        )
        a, b = float(dx[-2]), float(dx[-1])
        last = (
            part(n - 3, n - 2, b / (a * (a + b)))
            + part(n - 2, n - 1, -(a + b) / (a * b))
            + part(n - 1, n, (2 * b + a) / (b * (a + b)))
        )
    return cat([first, inner, last], dim=dim)


def gradient(input: Any, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple[Tensor, ...]:  # noqa: A002
    """The derivative of ``input`` along each of ``dim`` (default: every axis), one Tensor per axis,
    as PyTorch's ``torch.gradient``: ``spacing`` is one step for all axes, one per axis, or the
    coordinates of the samples along each axis (1-D tensors, possibly uneven).

    Raises:
        ValueError: ``edge_order`` not 1 or 2, an axis shorter than ``edge_order + 1``, or spacing
            that does not match the axes.
    """
    f = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if f.dtype.kind not in "fc":
        f = f.double() if f.dtype.kind in "iub" and f.dtype.itemsize > 4 else f.float()
    if edge_order not in (1, 2):
        raise ValueError(f"torch.gradient only supports edge_order=1 and edge_order=2, got {edge_order}")
    dims = list(range(f.ndim)) if dim is None else [dim] if isinstance(dim, (int, np.integer)) else list(dim)
    dims = [int(d) % f.ndim for d in dims]
    steps = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(steps) != len(dims):
        raise ValueError(f"gradient: spacing has {len(steps)} entries for {len(dims)} dimensions")
    results = []
    for d, step in zip(dims, steps):
        n = f.shape[d]
        if n < edge_order + 1:
            raise ValueError(
                f"gradient: each dimension needs at least edge_order + 1 = {edge_order + 1} samples, "
                f"dimension {d} has {n}"
            )
        if isinstance(step, (Tensor, np.ndarray)) and np.ndim(step._data if isinstance(step, Tensor) else step) == 1:
            coordinates = np.asarray(step._data if isinstance(step, Tensor) else step, dtype=np.float64)
            if len(coordinates) != n:
                raise ValueError(f"gradient: {len(coordinates)} coordinates for dimension {d} of {n} samples")
        else:
            h = float(step._data if isinstance(step, Tensor) else step)
            coordinates = np.arange(n, dtype=np.float64) * h
        results.append(_one_axis(f, d, coordinates, edge_order))
    return tuple(results)
