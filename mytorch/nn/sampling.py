"""``F.affine_grid`` and ``F.grid_sample`` (2-D), as PyTorch's spatial transformer tutorial uses them.

Both are written with recorded Tensor operations (a matrix product; ``gather`` of the four
neighbours and their bilinear weights), so the gradients reach the input, the grid and the
affine matrices ``theta``, and second derivatives come with them.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from mytorch.tensor import Tensor
from mytorch.tensor_math import where

__all__ = ["affine_grid", "grid_sample"]


def _base(n: int, align_corners: bool) -> np.ndarray:
    """The normalised coordinates of ``n`` pixel centres in [-1, 1] (PyTorch's ``linspace_from_neg_one``)."""
    steps = np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return steps if align_corners else steps * (n - 1) / n


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) of the affine maps ``theta`` (N, 2, 3) for an output of
    ``size`` (N, C, H, W): ``theta @ (x, y, 1)`` at each output pixel's normalised coordinates.

    Raises:
        ValueError: ``theta`` is not (N, 2, 3), or ``size`` is not 4-D with ``theta``'s N.
    """
    n, _, h, w = (int(s) for s in size) if len(size) == 4 else (0, 0, 0, 0)
    if len(size) != 4 or theta.ndim != 3 or tuple(theta.shape) != (n, 2, 3):
        raise ValueError(
            f"affine_grid: theta must be (N, 2, 3) for a size (N, C, H, W), got {tuple(theta.shape)} and {size}"
        )
    xs, ys = _base(w, bool(align_corners)), _base(h, bool(align_corners))
    base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], 1.0), axis=-1).reshape(1, h * w, 3)
    grid = Tensor(base.astype(theta.dtype)) @ theta.transpose(1, 2)  # (N, H W, 2)
    return grid.reshape(n, h, w, 2)


def _unnormalised(coordinate: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coordinate + 1) * ((size - 1) / 2)
    return ((coordinate + 1) * size - 1) / 2


def _clipped(coordinate: Tensor, limit: int) -> Tensor:
    """``padding_mode="border"``'s clamp to [0, limit], with PyTorch's gradient: 1 strictly
    inside, 0 at and beyond either bound (``clamp`` passes it at a bound: the grid of a point on
    the border got a gradient where PyTorch's is 0)."""
    values = coordinate._data
    inside = Tensor((values > 0) & (values < limit))
    return cast(Tensor, where(inside, coordinate, Tensor(np.clip(values, 0, limit).astype(values.dtype))))


def grid_sample(
    input: Tensor,  # noqa: A002 - PyTorch's name
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """``input`` (N, C, H, W) read at the normalised points ``grid`` (N, Ho, Wo, 2; x then y, in
    [-1, 1]), as PyTorch's: ``mode`` "bilinear" or "nearest", ``padding_mode`` "zeros" (points
    outside read 0) or "border" (clamped to the edge).

    Raises:
        ValueError: other shapes, modes or padding modes (PyTorch's "reflection" and "bicubic" are
            not supported).
    """
    if mode not in ("bilinear", "nearest") or padding_mode not in ("zeros", "border"):
        raise ValueError(
            f"grid_sample: MyTorch has mode 'bilinear' or 'nearest' and padding_mode 'zeros' or 'border', got "
            f"{mode!r} and {padding_mode!r}"
        )
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise ValueError(
            f"grid_sample: input must be (N, C, H, W) and grid (N, Ho, Wo, 2), got {tuple(input.shape)}, "
            f"{tuple(grid.shape)}"
        )
    n, c, h, w = input.shape
    ho, wo = grid.shape[1], grid.shape[2]
    corners = bool(align_corners)
    x = _unnormalised(grid[..., 0], w, corners)
    y = _unnormalised(grid[..., 1], h, corners)
    if padding_mode == "border":
        x, y = _clipped(x, w - 1), _clipped(y, h - 1)
    flat = input.reshape(n, c, h * w)

    def read(ix: np.ndarray, iy: np.ndarray) -> Tensor:
        """The input at integer places (N, Ho, Wo), 0 outside, as (N, C, Ho, Wo)."""
        inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        place = np.where(inside, np.clip(iy, 0, h - 1) * w + np.clip(ix, 0, w - 1), 0).reshape(n, 1, ho * wo)
        values = flat.gather(2, Tensor(np.broadcast_to(place, (n, c, ho * wo)).astype(np.int64)))
        return values.reshape(n, c, ho, wo) * Tensor(inside[:, None].astype(input.dtype))

    if mode == "nearest":
        out = read(np.rint(x._data).astype(np.int64), np.rint(y._data).astype(np.int64))
        if not grid.requires_grad:
            return out
        # the grid's gradient is 0 (piecewise constant), as PyTorch's zeros, not None: a factor of
        # exactly 1 whose gradient to the grid is selected away (so not NaN for an infinite one)
        unused = cast(Tensor, where(Tensor(np.zeros(grid.shape, bool)), grid, Tensor(np.zeros((), grid.dtype))))
        return out * (unused.sum(-1).unsqueeze(1) + 1)
    x0, y0 = np.floor(x._data).astype(np.int64), np.floor(y._data).astype(np.int64)
    wx1, wy1 = (x - Tensor(x0.astype(x.dtype))).unsqueeze(1), (y - Tensor(y0.astype(y.dtype))).unsqueeze(1)
    wx0, wy0 = 1 - wx1, 1 - wy1
    top = read(x0, y0) * wx0 + read(x0 + 1, y0) * wx1
    bottom = read(x0, y0 + 1) * wx0 + read(x0 + 1, y0 + 1) * wx1
    return top * wy0 + bottom * wy1
