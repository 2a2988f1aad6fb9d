"""``special.gammainc`` / ``gammaincc`` (also ``mytorch.igamma`` / ``igammac``, ``t.igamma(x)`` /
``t.igammac(x)``): the regularized lower and upper incomplete gamma functions
``P(a, x) = gamma(a, x) / Gamma(a)`` and ``Q(a, x) = 1 - P(a, x)``, as PyTorch's; ``Gamma.cdf``,
``Chi2.cdf`` and ``InverseGamma.cdf`` read them.

Values in float64 (a float32 input's cast back), elementwise over the broadcast of ``a`` and ``x``:
below x = a + 1 the series ``P = e^-x x^a / Gamma(a + 1) sum_n x^n / ((a + 1) ... (a + n))``,
from there Lentz's continued fraction for ``Q``; the other one is 1 minus it, except Q for a < 1
below x = a + 1, from its own series. The prefactor
``e^-x x^a / Gamma(a)`` is taken from Stirling's series for a >= 15, ``a (log1p(t) - t)`` with
t = (x - a) / a (ln(x / a) for |t| >= 1/2), so that it does not lose digits to the cancellation of a ln x - x against
ln Gamma(a). Edges as PyTorch's: P(0, x > 0) = 1, P(a > 0, 0) = 0, P(a, inf) = 1, P(inf, x) = 0;
NaN for a negative argument, NaN, a = x = 0 and a = x = inf.

The gradient in x is the density ``x^(a-1) e^-x / Gamma(a)`` (its negative for Q); in ``a`` there
is none: a backward that would need it raises ``NotImplementedError``, as PyTorch's does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.function import Context, Function
from mytorch.tensor import Tensor

__all__ = ["gammainc", "gammaincc", "igamma", "igammac"]

_EPS = 1e-16
_TINY = 1e-300
_STIRLING_FROM = 15.0
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_lgamma = np.frompyfunc(math.lgamma, 1, 1)


def _zeta(k: int, n: int = 1000) -> float:
    """Riemann's zeta(k), k >= 2: the first n terms (smallest first) and the Euler-Maclaurin tail."""
    head = float(np.sum(np.arange(n, 0, -1, dtype=np.float64) ** -k))
    return head + n ** (1 - k) / (k - 1) - 0.5 * n**-k + k * n ** (-k - 1) / 12


_EULER = 0.5772156649015329
_LGAMMA1P = [-_EULER] + [(-1) ** k * _zeta(k) / k for k in range(2, 30)]  # ln Gamma(1 + a) = sum c_k a^k


def _lgamma1p(a: np.ndarray) -> np.ndarray:
    """ln Gamma(1 + a) without rounding 1 + a (its power series below a = 0.2, 1e-17 there)."""
    small = np.where(a < 0.2, a, 0.0)
    series = np.zeros(a.shape)
    for c in reversed(_LGAMMA1P):
        series = (series + c) * small
    return np.where(a < 0.2, series, _lgamma(a + 1).astype(np.float64))


def _log_prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """ln(x^a e^-x / Gamma(a)) for a > 0, x > 0 (float64 arrays of one shape)."""
    out = a * np.log(x) - x - _lgamma(a).astype(np.float64)
    large = a >= _STIRLING_FROM
    if large.any():
        b, y = a[large], x[large]
        t = (y - b) / b
        inv, inv2 = 1 / b, 1 / (b * b)
        correction = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))))
        logs = np.where(np.abs(t) < 0.5, np.log1p(t), np.log(y / b))  # (1 + t rounds off far from 0)
        out[large] = b * (logs - t) + 0.5 * np.log(b) - _LOG_SQRT_2PI - correction
    return out


def _series(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) by the power series (x < a + 1)."""
    term = 1 / a
    total = term.copy()
    denominator = a.copy()
    active = np.ones(a.shape, bool)
    for _ in range(_iterations(a)):
        denominator = denominator + 1
        term = np.where(active, term * x / denominator, 0.0)
        total = total + term
        active &= np.abs(term) > np.abs(total) * _EPS
        if not active.any():
            break
    total[active] = np.nan  # (not converged: no number rather than a wrong one)
    return total * np.exp(_log_prefactor(a, x))


def _iterations(a: np.ndarray) -> int:
    """How many terms the series or the continued fraction may take: near x = a both need about
    8.5 sqrt(a) (the terms fall as exp(-n^2 / 2a)), so a fixed cap gave P(1e7, 1e7) = 0.49926
    (true 0.50004) silently. Past ``_MAX_ITERATIONS`` (a above about 5e8) the value is NaN."""
    largest = float(a.max()) if a.size else 0.0
    return min(_MAX_ITERATIONS, 10_000 + int(12 * np.sqrt(largest)))


_MAX_ITERATIONS = 300_000


def _small_a_upper(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) for a < 1, x < a + 1 without 1 minus a P near 1: 1 - x^a / Gamma(a + 1) (by expm1)
    minus x^a / Gamma(a) sum_n>=1 (-x)^n / (n! (a + n)) (x < 2: 40 terms reach 1e-17)."""
    power = a * np.log(x)
    head = -np.expm1(power - _lgamma1p(a))
    term, total = np.ones(a.shape), np.zeros(a.shape)
    for n in range(1, 41):
        term = term * -x / n
        total = total + term / (a + n)
    return head - total * np.exp(power - _lgamma(a).astype(np.float64))


def _continued_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by the continued fraction (x >= a + 1), evaluated by the modified Lentz method."""
    b = x + 1 - a
    c = np.full(a.shape, 1 / _TINY)
    d = 1 / b
    h = d.copy()
    active = np.ones(a.shape, bool)
    for i in range(1, _iterations(a)):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1 / d
        delta = np.where(active, d * c, 1.0)
        h = h * delta
        active &= np.abs(delta - 1) > _EPS
        if not active.any():
            break
    h[active] = np.nan
    return h * np.exp(_log_prefactor(a, x))


def _values(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """P(a, x) (Q if ``upper``) in float64, with PyTorch's values at the edges."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    with np.errstate(all="ignore"):
        inner = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        near = inner & (x < a + 1)
        far = inner & ~near
        series, fraction = _series(a[near], x[near]), _continued_fraction(a[far], x[far])
        out = np.zeros(a.shape)  # each value from the side where it is not 1 minus a number near 1
        out[near] = 1 - series if upper else series
        if upper:
            small = near & (a < 1)
            out[small] = _small_a_upper(a[small], x[small])
        out[far] = fraction if upper else 1 - fraction
        one = ((a == 0) & (x > 0)) | ((x == np.inf) & (a < np.inf))
        zero = ((x == 0) & (a > 0)) | ((a == np.inf) & (x < np.inf))
        nan = np.isnan(a) | np.isnan(x) | (a < 0) | (x < 0) | ((a == 0) & (x == 0)) | ((a == np.inf) & (x == np.inf))
        out = np.where(one, 0.0 if upper else 1.0, out)
        out = np.where(zero & ~one, 1.0 if upper else 0.0, out)
        return np.where(nan, np.nan, out)


def _density(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dP/dx = x^(a-1) e^-x / Gamma(a), 0 where x is 0 for a > 1, inf for a < 1 (as a limit)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    with np.errstate(all="ignore"):
        out = np.zeros(a.shape)
        inner = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        out[inner] = np.exp(_log_prefactor(a[inner], x[inner])) / x[inner]
        out = np.where((x == 0) & (a > 0), np.where(a < 1, np.inf, np.where(a == 1, 1.0, 0.0)), out)
        return np.where(np.isnan(a) | np.isnan(x) | (a < 0) | (x < 0), np.nan, out)


class _IncompleteGamma(Function):
    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        a, x = inputs
        ctx.save_for_backward(a, x)
        ctx.upper = params["upper"]
        return _values(a, x, params["upper"]).astype(x.dtype)

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        a, x = ctx.saved_arrays
        if ctx.needs_input_grad[0]:
            _refuse_a(ctx.upper)
        slope = _density(np.asarray(a), np.asarray(x)).astype(x.dtype)
        return None, grad_output * (-slope if ctx.upper else slope)

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        a, x = ctx.saved_arrays
        upper = getattr(ctx, "upper")  # noqa: B009
        if np.any(tangents[0] != 0):
            _refuse_a(upper)
        slope = _density(a, x).astype(x.dtype)
        return tangents[1] * (-slope if upper else slope)


def _name(upper: bool) -> str:
    return "gammaincc" if upper else "gammainc"


def _refuse_a(upper: bool) -> None:
    raise NotImplementedError(f"special.{_name(upper)}: no derivative in a (input) is implemented, as in PyTorch")


def _apply(input: Any, other: Any, upper: bool) -> Tensor:  # noqa: A002
    from mytorch.tensor_layout import broadcast_tensors

    tensors = []
    for value in (input, other):
        t = value if isinstance(value, Tensor) else Tensor(np.asarray(value))
        if t.dtype.kind in "biu":
            t = t.to(get_default_dtype())
        elif t.dtype.kind != "f":
            raise TypeError(f"special.{_name(upper)}: expected real tensors, got {t.dtype}")
        tensors.append(t)
    a, x = tensors
    dtype = np.promote_types(a.dtype, x.dtype)
    a, x = broadcast_tensors(a.to(dtype), x.to(dtype))
    return _IncompleteGamma.apply(a, x, upper=upper)


def gammainc(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """P(a, x), the regularized lower incomplete gamma function of ``a = input`` and ``x = other``
    (broadcast; gradient in x the density x^(a-1) e^-x / Gamma(a), none in a)."""
    return _apply(input, other, False)


def gammaincc(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function (gradient in x
    minus the density, none in a)."""
    return _apply(input, other, True)


igamma, igammac = gammainc, gammaincc
