"""``special.i0``, ``i0e``, ``i1``, ``i1e`` (and ``mytorch.i0``, ``t.i0()``): the modified Bessel
functions of the first kind of order 0 and 1, and their exponentially scaled forms
``e^-|x| I_v(x)``, as PyTorch's; also the series ``log_bessel_i`` of ``distributions.VonMises``
reads.

Values in float64 (a float32 input's cast back): for |x| up to 30 the power series
``I_v(x) = (x/2)^v sum_m (x^2/4)^m / (m! (m + v)!)`` (64 terms, Horner's rule), above it the
large-argument expansion ``e^|x| / sqrt(2 pi |x|) sum_m (-1)^m prod_j (4v^2 - (2j - 1)^2) / (m! (8|x|)^m)``
(12 terms), I1 odd; within 1e-14 of each other at the switch. I0(+-inf) is inf, I1(+-inf) +-inf,
their scaled forms 0. Gradients of every order, each a recorded function of the others:
I0' = I1, I1' = I0 - I1 / x (1/2 at 0), i0e' = i1e - sign(x) i0e, i1e' = i0e - i1e (sign(x) + 1/x).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.function import Context, Function
from mytorch.tensor import Tensor

__all__ = ["i0", "i0e", "i1", "i1e"]

SWITCH = 30.0
SERIES = {v: [1.0 / (math.factorial(m) * math.factorial(m + v)) for m in range(64)] for v in (0, 1)}
EXPANSION = {
    v: [
        (-1) ** m * math.prod(4 * v * v - (2 * j - 1) ** 2 for j in range(1, m + 1)) / (math.factorial(m) * 8**m)
        for m in range(12)
    ]
    for v in (0, 1)
}


def horner(coefficients: list[float], y: Any) -> Any:
    """sum_m coefficients[m] y^m (of an array, or of a Tensor, recorded)."""
    total = y * 0 + coefficients[-1]
    for c in reversed(coefficients[:-1]):
        total = total * y + c
    return total


def _values(x: np.ndarray, order: int, scaled: bool) -> np.ndarray:
    a = np.abs(x.astype(np.float64))
    small = a <= SWITCH
    near = np.where(small, a, 0.0)
    far = np.where(small, 2 * SWITCH, a)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        series = horner(SERIES[order], near * near / 4) * (near / 2) ** order
        expansion = horner(EXPANSION[order], 1 / far) / np.sqrt(2 * math.pi * far)
        if scaled:
            out = np.where(small, series * np.exp(-near), expansion)
        else:
            out = np.where(small, series, np.where(np.isinf(a), np.inf, expansion * np.exp(far)))
        if order == 1:
            out = np.copysign(out, x)
        return np.where(np.isnan(x), np.nan, out).astype(x.dtype)


def _where(mask: np.ndarray, a: Any, b: Any) -> Any:
    if isinstance(b, Tensor):
        from mytorch.tensor_math import where

        return where(Tensor(mask), Tensor(np.asarray(a, b.dtype)), b)
    return np.where(mask, a, b).astype(b.dtype)


def _sign(x: Any) -> Any:
    return x.sign() if isinstance(x, Tensor) else np.sign(x)


def _bessel(x: Any, order: int, scaled: bool) -> Any:
    return _Bessel.apply(x, order=order, scaled=scaled) if isinstance(x, Tensor) else _values(x, order, scaled)


def _derivative(x: Any, order: int, scaled: bool) -> Any:
    """d/dx of (e^-|x|) I_order(x), of an array, or of a Tensor (a recorded backward)."""
    slope = _bessel(x, 1 - order, scaled)
    if order == 1:
        zero = (x._data if isinstance(x, Tensor) else x) == 0
        safe = _where(zero, 1.0, x)
        slope = slope - _where(zero, 0.5, _bessel(safe, 1, scaled) / safe)
    if scaled:
        slope = slope - _sign(x) * _bessel(x, order, scaled)
    return slope


class _Bessel(Function):
    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        ctx.save_for_backward(inputs[0])
        ctx.order, ctx.scaled = params["order"], params["scaled"]
        return _values(inputs[0], params["order"], params["scaled"])

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        return grad_output * _derivative(ctx.saved_arrays[0], ctx.order, ctx.scaled)

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        return tangents[0] * _derivative(ctx.saved_arrays[0], getattr(ctx, "order"), getattr(ctx, "scaled"))  # noqa: B009


def _apply(op: str, input: Any, order: int, scaled: bool) -> Tensor:  # noqa: A002
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if x.dtype.kind in "biu":
        x = Tensor(x._data.astype(get_default_dtype()))
    elif x.dtype.kind != "f":
        raise TypeError(f"special.{op}: expected a real tensor, got {x.dtype}")
    return _Bessel.apply(x, order=order, scaled=scaled)


def i0(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """I0(x), the modified Bessel function of the first kind of order 0 (gradient I1(x))."""
    return _apply("i0", input, 0, False)


def i0e(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """e^-|x| I0(x), finite for every finite x (gradient i1e(x) - sign(x) i0e(x))."""
    return _apply("i0e", input, 0, True)


def i1(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """I1(x), the modified Bessel function of the first kind of order 1 (gradient I0(x) - I1(x) / x)."""
    return _apply("i1", input, 1, False)


def i1e(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """e^-|x| I1(x) (gradient i0e(x) - i1e(x) (sign(x) + 1/x), 1/2 at 0)."""
    return _apply("i1e", input, 1, True)
