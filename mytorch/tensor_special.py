"""The gamma-function family and the inverse error function on Tensors: ``lgamma``, ``digamma``
(``psi``), ``polygamma(n, x)``, ``mvlgamma(x, p)``, ``erfinv`` (``mytorch.special`` gives them
PyTorch's other names); and ``logcumsumexp`` and ``nanquantile``, composed of kernels.

``lgamma``, ``digamma``, ``polygamma`` and ``erfinv`` are kernels of the table
(``mytorch/nn/functional.py``): each backward rule calls the next kernel (the derivative of
``lgamma`` is ``digamma``, of ``polygamma(n)`` ``polygamma(n + 1)``, of ``erfinv`` a product
with its own output), so derivatives of every order come with them, in both modes.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from mytorch.arguments import check_dim
from mytorch.dtypes import get_default_dtype
from mytorch.tensor import Tensor, _apply, _elementwise
from mytorch.tensor_composed import logaddexp
from mytorch.tensor_index import gather
from mytorch.tensor_math import where
from mytorch.tensor_shape import cat, stack
from mytorch.tensor_sort import sort

__all__ = ["digamma", "erfinv", "lgamma", "logcumsumexp", "mvlgamma", "nanquantile", "polygamma"]

lgamma = _elementwise("lgamma")
lgamma.__doc__ = "ln |Gamma(x)|, elementwise (+inf at 0, -1, -2, ...); its derivative is ``digamma``."
digamma = _elementwise("digamma")
digamma.__doc__ = "psi(x) = d/dx ln Gamma(x), elementwise (-inf at 0, NaN at the negative integers)."
erfinv = _elementwise("erfinv")
erfinv.__doc__ = "The inverse of ``erf`` on [-1, 1] (+-inf at +-1, NaN outside)."


def _floating(x: Any) -> Tensor:
    t = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    return t.to(get_default_dtype()) if t.dtype.kind in "biu" else t


def polygamma(n: int, input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """psi^(n)(x), the n-th derivative of ``digamma`` (n = 0: ``digamma``), PyTorch's argument order.

    Raises:
        ValueError: n is not a non-negative integer.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return _apply("polygamma", (_floating(input),), {"n": int(n)})


def mvlgamma(input: Any, p: int) -> Tensor:  # noqa: A002 - PyTorch's name
    """The multivariate log-gamma function of dimension ``p``: p (p - 1) / 4 ln(pi) + sum over
    j < p of lgamma(x - j / 2).

    Raises:
        ValueError: p < 1, or some element is not above (p - 1) / 2, as PyTorch refuses it.
    """
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise ValueError(f"mvlgamma: p must be a positive integer, got {p!r}")
    x = _floating(input)
    if (x._data <= (p - 1) / 2).any():
        raise ValueError(f"mvlgamma: all elements must be greater than (p - 1) / 2 = {(p - 1) / 2}")
    terms = [lgamma(x - j / 2) for j in range(p)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total + p * (p - 1) / 4 * math.log(math.pi)


def logcumsumexp(input: Any, dim: int) -> Tensor:  # noqa: A002 - PyTorch's name
    """``log(cumsum(exp(x), dim))`` without overflow or underflow: a scan of ``logaddexp`` in
    log2(n) rounds (each element combined with the one 1, 2, 4, ... places before it), so every
    value and gradient is that of ``logaddexp``."""
    x = _floating(input)
    if x.ndim == 0:
        return x * 1.0
    d = check_dim("logcumsumexp", dim, x.ndim)
    n, out, shift = x.shape[d], x, 1
    while shift < n:
        shape = list(x.shape)
        shape[d] = shift
        before = Tensor(np.full(shape, -np.inf, dtype=x.dtype))
        out = logaddexp(out, cat([before, out.narrow(d, 0, n - shift)], d))
        shift *= 2
    return out


def nanquantile(
    input: Any,  # noqa: A002 - PyTorch's name
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """``quantile`` of the values that are not NaN (NaN for a slice of NaNs only): the sorted
    values (NaNs last) read at ``q (count - 1)``, ``count`` the slice's numbers, through
    ``gather``, so the gradient goes to the chosen elements."""
    x = _floating(input)
    modes = ("linear", "lower", "higher", "midpoint", "nearest")
    if interpolation not in modes:
        raise ValueError(f"nanquantile: interpolation must be one of {modes}, got {interpolation!r}")
    qs = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ValueError("nanquantile: q must be a number or a 1-D tensor of values in [0, 1]")
    flat = dim is None or x.ndim == 0
    if dim is None or flat:
        x, d = x.reshape(-1), 0
    else:
        d = check_dim("nanquantile", dim, x.ndim)
    values = sort(x, d).values  # NaNs last
    count = np.sum(~np.isnan(x._data), axis=d, keepdims=True)
    rows = []
    for level in qs.reshape(-1):
        position = float(level) * np.maximum(count - 1, 0)
        low, high = np.floor(position), np.ceil(position)
        frac = position - low
        if interpolation == "lower":
            high, frac = low, frac * 0
        elif interpolation == "higher":
            low, frac = high, frac * 0
        elif interpolation == "nearest":
            low = high = np.where(np.round(position) == low, low, high)  # (round half to even, as PyTorch)
            frac = frac * 0
        elif interpolation == "midpoint":
            frac = np.where(high != low, 0.5, 0.0)
        below = gather(values, d, Tensor(low.astype(np.int64)))
        above = gather(values, d, Tensor(high.astype(np.int64)))
        picked = below + (above - below) * Tensor(frac.astype(x.dtype))
        picked = cast(Tensor, where(Tensor(count == 0), Tensor(np.full((), np.nan, x.dtype)), picked))
        if not keepdim:
            picked = picked.squeeze(d)
        elif flat:
            picked = picked.reshape((1,) * max(_floating(input).ndim, 1))
        rows.append(picked)
    return rows[0] if qs.ndim == 0 else stack(rows, 0)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``t.polygamma(n)``: ``polygamma(n, t)``."""
    return polygamma(n, self)


METHODS = {
    "lgamma": lgamma,
    "digamma": digamma,
    "erfinv": erfinv,
    "mvlgamma": mvlgamma,
    "polygamma": _polygamma_method,
    "logcumsumexp": logcumsumexp,
    "nanquantile": nanquantile,
}
"""The Tensor methods of this file (bound by ``mytorch.tensor_methods``)."""
