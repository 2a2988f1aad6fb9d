"""``mytorch.special``: PyTorch's ``torch.special`` names for the functions MyTorch has (loaded on
first use of ``mytorch.special``). Each is the function of the same meaning elsewhere in
MyTorch (``special.expit`` is ``mytorch.sigmoid``, ``special.gammaln`` is ``mytorch.lgamma``), so
it records the same kernels (the Bessel functions ``i0``, ``i0e``, ``i1``, ``i1e``:
``mytorch/special_bessel.py``; the incomplete gamma functions ``gammainc``, ``gammaincc``:
``mytorch/special_gamma.py``); ``ndtr`` is composed of ``erfc``, and ``ndtri`` is a kernel of its own.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.special_bessel import i0, i0e, i1, i1e
from mytorch.special_gamma import gammainc, gammaincc
from mytorch.tensor import Tensor, _apply, erf, erfc, exp, expm1, log, log1p, sigmoid
from mytorch.tensor_composed import _x_times_log, _ZeroWithSlope, exp2, logit, sinc, xlogy
from mytorch.tensor_math import log_softmax, logsumexp, round, softmax, where  # noqa: A004 - PyTorch's name
from mytorch.tensor_special import digamma, erfinv, lgamma, mvlgamma, polygamma

__all__ = [
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
]

expit, gammaln, psi, multigammaln = sigmoid, lgamma, digamma, mvlgamma


def ndtr(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The standard normal distribution function, erfc(-x / sqrt 2) / 2."""
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    return erfc(x * -math.sqrt(0.5)) * 0.5


def ndtri(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The inverse of ``ndtr``, the standard normal quantile (a kernel: sqrt 2 erfinv(2 p - 1)
    in the middle, a Newton solve of erfc in the tails, so that p = 1e-300 gives -37.05, not
    -inf); -inf at 0, +inf at 1, NaN outside [0, 1]. Integer input gives the default float dtype."""
    p = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if p.dtype.kind in "biu":
        p = p.to(get_default_dtype())
    return _apply("ndtri", (p,))


def _as_float64(x: Tensor) -> Tensor:
    """``x`` in float64 (recorded), for a function whose float32 form would underflow early."""
    return x if x.dtype == np.float64 else x.to(np.float64)


def _selected(keep: np.ndarray, x: Tensor, filler: float) -> Tensor:
    """``x`` where ``keep``, ``filler`` elsewhere: a branch of a ``where`` is computed only on
    inputs it is meant for, so that the other branch's inf or NaN reaches neither the value nor,
    through a zero times inf, the gradient."""
    return cast(Tensor, where(Tensor(keep), x, Tensor(np.full((), filler, x.dtype))))


def _floating(input: Any) -> Tensor:  # noqa: A002
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    return x.to(get_default_dtype()) if x.dtype.kind in "biu" else x


def entr(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The elementwise entropy term -x ln x: 0 at 0 (gradient +inf), -inf below 0 (gradient NaN)
    and at inf (gradient -inf), as PyTorch's ``special.entr``."""
    x = _floating(input)
    data = np.asarray(x._data)
    positive = ((data > 0) & (data < np.inf)) | np.isnan(data)
    safe = _selected(positive, x, 1.0)
    out = -(safe * log(safe))
    rest = ~positive
    if rest.any():  # 0 at 0, -inf below and at inf, with PyTorch's slopes -(1 + ln x): +inf, NaN, -inf
        slope = np.where(data == 0, np.inf, np.where(data == np.inf, -np.inf, np.where(rest, np.nan, 0.0)))
        slope = slope.astype(data.dtype)
        edge = _ZeroWithSlope.apply(x, slope=slope) + Tensor(np.where(data == 0, 0.0, -np.inf).astype(data.dtype))
        out = cast(Tensor, where(Tensor(rest), edge, out))
    return out


_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def log_ndtr(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """ln of the standard normal distribution function, in float64 (then the input's dtype):
    log1p(-erfc(x / sqrt 2) / 2) from 0 up, ln(erfc(-x / sqrt 2) / 2) down to -37.5, and below,
    where erfc underflows, the asymptotic series -x²/2 - ln(-x) - ln sqrt(2 pi) +
    ln(1 - 1/x² + 3/x⁴ - 15/x⁶ + 105/x⁸ - 945/x¹⁰); log_ndtr(-40) is -804.608, not -inf."""
    given = _floating(input)
    x = _as_float64(given)
    data = np.asarray(x._data)
    upper = (data >= 0) | np.isnan(data)
    far = data < -37.5
    middle = ~upper & ~far
    high = _selected(upper, x, 0.0)
    out = log1p(erfc(high * math.sqrt(0.5)) * -0.5)
    if middle.any():
        mid = _selected(middle, x, -1.0)
        out = cast(Tensor, where(Tensor(middle), log(erfc(mid * -math.sqrt(0.5)) * 0.5), out))
    if far.any():
        low = _selected(far, x, -40.0)
        u = (low * low).reciprocal()
        series = 1 - u * (1 - u * (3 - u * (15 - u * (105 - u * 945))))
        tail = low * low * -0.5 - log(-low) - _LOG_SQRT_2PI + log(series)
        out = cast(Tensor, where(Tensor(far), tail, out))
    return out if out.dtype == given.dtype else out.to(given.dtype)


def _erfcx_positive(z: Tensor) -> Tensor:
    """erfcx(z) for z >= 0 in float64: exp(z²) erfc(z) up to 26 (z² taken exactly, its rounding
    error multiplied back in, so exp does not magnify it), then 1 / (z sqrt pi) times the
    asymptotic series 1 - x + 3x² - ... (x = 1/(2z²), seven terms: 2e-17 at 26)."""
    data = np.asarray(z._data)
    near = (data <= 26.0) | np.isnan(data)
    small = _selected(near, z, 1.0)
    values = np.asarray(small._data)
    split = values * 134217729.0  # Dekker: z = top + bottom with 26-bit halves, so top² is exact
    top = split - (split - values)
    bottom = values - top
    square = values * values
    error = ((top * top - square) + 2 * top * bottom) + bottom * bottom
    out = exp(small * small) * Tensor(1.0 + error) * erfc(small)
    if not near.all():
        finite = ~near & (data < np.inf)
        large = _selected(finite, z, 30.0)
        x = (large * large * 2).reciprocal()
        series = 1 - x * (1 - x * (3 - x * (15 - x * (105 - x * (945 - x * 10395)))))
        out = cast(Tensor, where(Tensor(near), out, series / (large * math.sqrt(math.pi))))
        if (data == np.inf).any():  # 0 there, and its slope (the series' at inf was inf * 0)
            out = cast(Tensor, where(Tensor(data == np.inf), Tensor(np.zeros((), data.dtype)), out))
    return out


def erfcx(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The scaled complementary error function exp(x²) erfc(x), in float64 (then the input's
    dtype): finite for large x, where exp(x²) overflows (erfcx(1e5) = 5.6419e-6); below 0,
    2 exp(x²) - erfcx(-x) (inf from about -26.6)."""
    given = _floating(input)
    x = _as_float64(given)
    data = np.asarray(x._data)
    upper = (data >= 0) | np.isnan(data)
    out = _erfcx_positive(_selected(upper, x, 0.0))
    if not upper.all():
        negative = _selected(~upper, x, -1.0)
        reflected = exp(negative * negative) * 2 - _erfcx_positive(-negative)
        out = cast(Tensor, where(Tensor(upper), out, reflected))
    return out if out.dtype == given.dtype else out.to(given.dtype)


def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """``x * log1p(y)``, 0 where x is 0 and y is not NaN, as ``xlogy`` with log1p (its gradients'
    conventions likewise)."""
    return _x_times_log(input, other, log1p, -1.0)


def __getattr__(name: str) -> Any:
    """A name this module lacks: an error saying MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.special", name)


_ = (erf, exp, expm1, log1p)  # re-exported
