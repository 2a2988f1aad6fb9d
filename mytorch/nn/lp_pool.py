"""``F.lp_pool1d``/``2d``/``3d`` and ``nn.LPPool1d``/``2d``/``3d``, as PyTorch's: the p-norm of each window,
``(sum x^p)^(1/p)``, composed of ``avg_pool`` (no padding) of ``x^p`` times the window's size,
so recorded, with gradients of every order. A window of zeros has the gradient 0, as PyTorch's
(whose ``sign(s) relu(|s|)`` stops the p-th root's infinite slope there; MyTorch's gave NaN until
2026-12-04, so ``lp_pool2d(relu(x))`` trained on NaN); an odd p's negative window sum gives NaN."""

from __future__ import annotations

import math
from typing import Any

from mytorch.nn.convolution import _PoolNd, _sized, _tuple, avg_pool1d, avg_pool2d, avg_pool3d
from mytorch.tensor import Tensor
from mytorch.tensor_composed import where

__all__ = ["LPPool1d", "LPPool2d", "LPPool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d"]

_POOLS = {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}
_AXES = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)", 3: "(N, C, D, H, W) or (C, D, H, W)"}


def _lp_pool(op: str, nd: int, input: Any, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool) -> Tensor:  # noqa: A002
    window = _tuple(op, "kernel_size", kernel_size, nd)
    pool = _POOLS[nd]
    x = input if isinstance(input, Tensor) else Tensor(input)
    mean = pool(x ** float(norm_type), window, window if stride is None else stride, 0, ceil_mode)
    kept = where(mean != 0, mean, 0.0)  # (a zero window: the root's infinite slope meets a constant)
    return (kept * math.prod(window)) ** (1.0 / float(norm_type))


def _lp_pool_function(nd: int) -> Any:
    """``F.lp_pool1d``, ``2d`` or ``3d`` (PyTorch's signature: the modules read it)."""
    op = f"lp_pool{nd}d"

    def lp_pool(input: Any, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:  # noqa: A002
        return _lp_pool(op, nd, input, norm_type, kernel_size, stride, ceil_mode)

    lp_pool.__name__ = lp_pool.__qualname__ = op
    lp_pool.__doc__ = f"The ``norm_type``-norm of each window of {_AXES[nd]} input (stride = window by default)."
    return lp_pool


lp_pool1d, lp_pool2d, lp_pool3d = _lp_pool_function(1), _lp_pool_function(2), _lp_pool_function(3)


class _LPPoolNd(_PoolNd):
    """An LP pool module: its ``stride`` stays None when not given (PyTorch's repr shows it)."""

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__(norm_type, kernel_size, stride, ceil_mode)
        self.stride = stride


_NAMES = ("norm_type", "kernel_size", "stride", "ceil_mode")
LPPool1d = _sized(
    _LPPoolNd,
    "LPPool1d",
    "PyTorch's ``nn.LPPool1d``: ``F.lp_pool1d`` as a module.",
    function=staticmethod(lp_pool1d),
    repr_names=_NAMES,
)
LPPool2d = _sized(
    _LPPoolNd,
    "LPPool2d",
    "PyTorch's ``nn.LPPool2d``: ``F.lp_pool2d`` as a module.",
    function=staticmethod(lp_pool2d),
    repr_names=_NAMES,
)
LPPool3d = _sized(
    _LPPoolNd,
    "LPPool3d",
    "PyTorch's ``nn.LPPool3d``: ``F.lp_pool3d`` as a module.",
    function=staticmethod(lp_pool3d),
    repr_names=_NAMES,
)
