"""Absolute-error losses: ``F.l1_loss`` / ``nn.L1Loss``, ``F.smooth_l1_loss`` / ``nn.SmoothL1Loss``
and ``F.huber_loss`` / ``nn.HuberLoss``.

Each is composed of the kernel table's recorded operations (``sub``, ``abs``, ``mul``,
``where``, ``mean`` or ``sum``), so their gradients, forward mode and second derivatives are
those rows'. With d = input - target:

    l1:        |d|
    smooth l1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta   (beta = 0: l1)
    huber:     0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)

PyTorch's choices hold: the gradient at d = 0 is 0; at |d| = beta (delta) the linear piece is
taken, so the second derivative there is 0; the second derivative of the linear pieces is 0
(``abs`` records its slope), of the quadratic ones 1 / beta (1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.nn.functional_tensor import _check_reduction, _reduce, _same_shapes, _tensor
from mytorch.nn.losses import _Loss
from mytorch.tensor import Tensor, _apply

__all__ = ["HuberLoss", "L1Loss", "SmoothL1Loss", "huber_loss", "l1_loss", "smooth_l1_loss"]


def _errors(name: str, input: Any, target: Any, reduction: str) -> Tensor:  # noqa: A002
    """input - target, recorded, after the checks every one of these losses makes."""
    _check_reduction(name, reduction)
    x = _tensor(name, input)
    _same_shapes(name, x, target)
    return x - target


def _weighted(losses: Tensor, weight: Any, reduction: str, mean_over_weight: bool) -> Tensor:
    """``losses * weight`` reduced; the mean divides by the weights' sum (``l1_loss``) or by the
    count (``huber_loss``), as PyTorch's two functions do."""
    if weight is None:
        return _reduce(losses, reduction)
    if np.shape(np.asarray(weight)) != losses.shape:
        raise ValueError(
            f"Weights and input must have the same size: weight {np.shape(weight)}, input {tuple(losses.shape)}"
        )
    weighted = losses * weight
    if reduction == "mean" and mean_over_weight:
        return weighted.sum() / (weight.sum() if isinstance(weight, Tensor) else np.sum(weight))
    return _reduce(weighted, reduction)


def _quadratic_near_zero(d: Tensor, width: float, linear_scale: float, quadratic: Any) -> Tensor:
    """``quadratic(d)`` where |d| < width, else linear_scale (|d| - width / 2). The quadratic piece
    is taken of d where it is inside and 0 elsewhere, so that an infinite d, whose square the
    linear piece replaces, gives the linear piece's gradient (0 times inf was NaN), as in PyTorch."""
    inside = np.abs(d._data) < width
    near = d if inside.all() else _apply("where", (d, 0.0), {"condition": inside})
    linear = abs(d) - 0.5 * width
    if linear_scale != 1:
        linear = linear * linear_scale
    return _apply("where", (quadratic(near), linear), {"condition": inside})


def l1_loss(input: Any, target: Any, reduction: str = "mean", weight: Any = None) -> Tensor:  # noqa: A002
    """|input - target|, averaged (or summed) over every element; ``weight`` (input's shape)
    scales each term, and the mean then divides by the weights' sum."""
    return _weighted(abs(_errors("l1_loss", input, target, reduction)), weight, reduction, True)


def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:  # noqa: A002
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); ``beta=0`` is
    ``l1_loss``.

    Raises:
        RuntimeError: a negative or NaN ``beta`` (PyTorch's message and type; NaN made the loss NaN).
    """
    if not beta >= 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = _errors("smooth_l1_loss", input, target, reduction)
    if beta == 0:
        return _reduce(abs(d), reduction)
    return _reduce(_quadratic_near_zero(d, beta, 1.0, lambda z: 0.5 * z * z / beta), reduction)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0, weight: Any = None) -> Tensor:  # noqa: A002
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target); ``weight``
    (input's shape) scales each term, the mean still dividing by the count.

    Raises:
        RuntimeError: ``delta <= 0`` (PyTorch's message and type).
    """
    if not delta > 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = _errors("huber_loss", input, target, reduction)
    return _weighted(_quadratic_near_zero(d, delta, delta, lambda z: 0.5 * z * z), weight, reduction, False)


class L1Loss(_Loss):
    """The mean (or sum) of |input - target| over every element; shapes must match."""

    function = staticmethod(l1_loss)


class SmoothL1Loss(_Loss):
    """``F.smooth_l1_loss`` with ``beta`` (1.0): quadratic for errors under beta, linear beyond."""

    function = staticmethod(smooth_l1_loss)

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def options(self) -> dict[str, Any]:
        """``{"beta": beta}``."""
        return {"beta": self.beta}


class HuberLoss(_Loss):
    """``F.huber_loss`` with ``delta`` (1.0): 0.5 d^2 under delta, delta (|d| - delta / 2) beyond."""

    function = staticmethod(huber_loss)

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def options(self) -> dict[str, Any]:
        """``{"delta": delta}``."""
        return {"delta": self.delta}
