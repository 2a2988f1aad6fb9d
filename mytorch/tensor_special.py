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
from mytorch.porting import _in_place
from mytorch.tensor import Tensor, _apply, _elementwise
from mytorch.tensor_composed import logaddexp
from mytorch.tensor_index import gather, scatter_add
from mytorch.tensor_math import where
from mytorch.tensor_order import _between
from mytorch.tensor_shape import cat, stack
from mytorch.tensor_sort import sort

__all__ = [
    "corrcoef",
    "cov",
    "digamma",
    "erfinv",
    "lgamma",
    "logcumsumexp",
    "mvlgamma",
    "nanquantile",
    "polygamma",
    "scatter_reduce",
]

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
    value and gradient is that of ``logaddexp``.

    Infinities are scanned apart, each scan seeing the others as the dtype's lowest number (a
    constant): a window of two equal infinities has NaN gradients (inf - inf), which the one scan
    carried to elements whose gradient is 0 (``[0, -inf, -inf]``: NaN for both -inf, PyTorch's 0;
    ``[inf, inf, 0]``: NaN for the 0). After the first +inf the result is inf, each +inf's
    gradient 1 per term (NaN for two or more); before, the finite elements' scan; over a leading
    run of -inf, -inf with the gradient NaN there, as PyTorch's."""
    x = _floating(input)
    d = check_dim("logcumsumexp", dim, max(x.ndim, 1))
    if x.ndim == 0:
        return x * 1.0
    data = x._data
    if data.dtype.kind != "f" or not np.isinf(data).any():
        return _logaddexp_scan(x, d)
    lowest = Tensor(np.full((), np.finfo(data.dtype).min, data.dtype))
    up, down = np.isposinf(data), np.isneginf(data)
    clean = ~np.logical_or.accumulate(np.isnan(data), axis=d)  # (after a NaN every gradient is NaN)
    out = _logaddexp_scan(_pick((up | down) & clean, lowest, x), d)
    after_inf = np.logical_or.accumulate(up, axis=d) & clean
    if after_inf.any():
        out = _pick(after_inf, _logaddexp_scan(_pick(up, x, lowest), d), out)
    leading = np.logical_and.accumulate(down, axis=d)
    if leading.any():
        out = _pick(leading, _logaddexp_scan(_pick(leading, x, lowest), d), out)
    return out


def _pick(mask: np.ndarray, a: Tensor, b: Tensor) -> Tensor:
    return cast(Tensor, where(Tensor(mask), a, b))


def _logaddexp_scan(x: Tensor, d: int) -> Tensor:
    """Each round combines every element with the one ``shift`` places before it; the first
    ``shift`` are kept as they are (they were combined with a -inf, which took ``logaddexp``'s
    path for infinities, whose second derivative is 0 at ties)."""
    n, out, shift = x.shape[d], x, 1
    if n < 2:  # (a new tensor, not x itself: a later write into x must not change it)
        return x.clone()
    while shift < n:
        later = logaddexp(out.narrow(d, shift, n - shift), out.narrow(d, 0, n - shift))
        out = cat([out.narrow(d, 0, shift), later], d)
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
        picked = _between(below, above, Tensor(frac.astype(x.dtype)))
        picked = cast(Tensor, where(Tensor(count == 0), Tensor(np.full((), np.nan, x.dtype)), picked))
        if not keepdim:
            picked = picked.squeeze(d)
        elif flat:
            picked = picked.reshape((1,) * _floating(input).ndim)  # (0-d for a 0-d input, as PyTorch's)
        rows.append(picked)
    return rows[0] if qs.ndim == 0 else stack(rows, 0)


def scatter_reduce(
    input: Any,  # noqa: A002 - PyTorch's name
    dim: int,
    index: Any,
    src: Any,
    reduce: str,
    *,
    include_self: bool = True,
) -> Tensor:
    """PyTorch's ``scatter_reduce``: ``src`` reduced into a copy of ``input`` at the places ``index``
    names along ``dim`` (``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``;
    ``include_self=False`` leaves the input's value out where something lands). Composed of
    ``scatter_add`` with constant weights: a mean's gradient is shared by its terms, a maximum's
    evenly by the elements equal to it, as PyTorch's; a product is ``prod`` over a one-hot
    stack (k x n along ``dim`` for k sources and n places), exact beside zeros to every order.

    Raises:
        ValueError: another reduction.
    """
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise ValueError(f"scatter_reduce: reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', got {reduce!r}")
    x = _floating(input) if not isinstance(input, Tensor) else input
    source = src if isinstance(src, Tensor) else Tensor(np.asarray(src, dtype=x.dtype))
    idx = index if isinstance(index, Tensor) else Tensor(np.asarray(index))
    d = check_dim("scatter_reduce", dim, max(x.ndim, 1))
    if source.dtype != x.dtype:
        raise TypeError(f"scatter_reduce: src has dtype {source.dtype}, the input {x.dtype}: they must be the same")
    zeros = np.zeros(x.shape, dtype=x.dtype)
    part = source._data[tuple(slice(0, n) for n in idx.shape)]
    if x.dtype.kind in "biu":  # no gradient: reduced in the dtype (the float weights below truncate to 0)
        return Tensor(_reduce_integers(x._data, d, idx._data, part, reduce, include_self))
    if reduce == "prod":
        return _scatter_prod(x, d, idx._data, source[tuple(slice(0, n) for n in idx.shape)], include_self)
    hits = np.asarray(scatter_add(Tensor(zeros), d, idx, Tensor(np.ones_like(part)))._data)
    hit = hits > 0
    keep_self = 1.0 if include_self else 0.0
    if reduce == "sum":
        w_in, w_src = np.where(hit, keep_self, 1.0), np.ones_like(part)
    elif reduce == "mean":
        count = hits + keep_self
        w_in = np.where(hit, keep_self / np.maximum(count, 1), 1.0)
        w_src = 1.0 / np.take_along_axis(count, idx._data, d)
    else:
        combine = np.maximum if reduce == "amax" else np.minimum
        fill = -np.inf if reduce == "amax" else np.inf
        best = np.where(hit & (keep_self > 0), x._data, np.full(x.shape, fill, dtype=x.dtype))
        reduced = best.copy()
        combine.at(reduced, _scatter_key(part.shape, d, idx._data), part)
        result = np.where(hit, reduced, x._data)
        in_tie = hit & (keep_self > 0) & _same(x._data, result)
        src_tie = _same(part, np.take_along_axis(result, idx._data, d))
        ties = in_tie.astype(x.dtype)
        ties = ties + np.asarray(scatter_add(Tensor(zeros), d, idx, Tensor(src_tie.astype(x.dtype)))._data)
        w_in = np.where(hit, in_tie / np.maximum(ties, 1), 1.0)
        w_src = src_tie / np.take_along_axis(np.maximum(ties, 1), idx._data, d)
    weights_src = np.zeros(source.shape, dtype=x.dtype)
    weights_src[tuple(slice(0, n) for n in idx.shape)] = w_src
    return _weighted(x, w_in) + scatter_add(Tensor(zeros), d, idx, _weighted(source, weights_src))


def _scatter_prod(x: Tensor, d: int, index: np.ndarray, part: Tensor, include_self: bool) -> Tensor:
    """``scatter_reduce(..., "prod")``, recorded: along ``d`` (moved last), place j of each row takes
    the product of the sources landing on it, a one-hot stack's ``prod`` (1 where none lands)."""
    moved, sources, places = x.movedim(d, -1), part.movedim(d, -1), np.moveaxis(index, d, -1)
    region = tuple(slice(0, n) for n in places.shape[:-1])
    within = moved[region]
    onehot = places[..., :, None] == np.arange(moved.shape[-1])
    one = Tensor(np.ones((), x.dtype))
    products = cast(Tensor, where(Tensor(onehot), sources.unsqueeze(-1), one)).prod(-2)
    hit = Tensor(onehot.any(-2))
    reduced = cast(Tensor, where(hit, within * products if include_self else products, within))
    if places.shape[:-1] != moved.shape[:-1]:  # (an index smaller than the input: the rest kept)
        whole = moved.clone()
        whole[region] = reduced
        reduced = whole
    return reduced.movedim(-1, d)


def _scatter_key(shape: tuple[int, ...], d: int, index: np.ndarray) -> tuple[np.ndarray, ...]:
    """The advanced index of the places ``index`` names along ``d`` (each position's own
    coordinate along the other axes), for ``ufunc.at``."""
    positions = [np.arange(n).reshape([-1 if a == i else 1 for a in range(len(shape))]) for i, n in enumerate(shape)]
    positions[d] = index
    return tuple(np.broadcast_arrays(*positions))


def _reduce_integers(
    x: np.ndarray, d: int, index: np.ndarray, part: np.ndarray, reduce: str, include_self: bool
) -> np.ndarray:
    """``scatter_reduce`` of integers (or bools), as PyTorch's: the mean is floor-divided."""
    key = _scatter_key(part.shape, d, index)
    hits = np.zeros(x.shape, dtype=np.int64)
    np.add.at(hits, key, 1)
    hit = hits > 0
    wide = x.astype(np.int64) if x.dtype.kind == "b" else x.copy()
    ufunc = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}[reduce]
    if not include_self:
        info = np.iinfo(wide.dtype)
        wide[hit] = {"amax": info.min, "amin": info.max, "prod": 1}.get(reduce, 0)
    ufunc.at(wide, key, part.astype(wide.dtype))
    if reduce == "mean":
        wide = np.where(hit, np.floor_divide(wide, np.maximum(hits + int(include_self), 1)), wide)
    return wide.astype(x.dtype)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a == b``, NaN equal to NaN (a NaN that wins a maximum takes the gradient)."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def _weighted(t: Tensor, weights: np.ndarray) -> Tensor:
    """``t * weights``, with 0 (not NaN) where a weight 0 meets an inf or NaN: a value left out of
    the reduction (``include_self=False``, or not the maximum) adds nothing, and gets gradient 0."""
    weights = np.asarray(weights, dtype=t.dtype)
    left_out = weights == 0
    if left_out.any() and not np.isfinite(np.asarray(t._data)[left_out]).all():
        t = cast(Tensor, where(Tensor(~left_out), t, Tensor(np.zeros((), t.dtype))))
    return t * Tensor(weights)


def cov(input: Any, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:  # noqa: A002
    """PyTorch's ``torch.cov``: the covariance of the variables in the rows of ``input`` (one
    variable: a 1-D input) over the observations in its columns, divided by N - ``correction``.

    Raises:
        NotImplementedError: ``fweights`` or ``aweights`` (not supported by MyTorch).
    """
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights and aweights are not supported by MyTorch")
    x = _floating(input)
    if x.ndim > 2:
        raise ValueError(f"cov: expected a 1-D or 2-D input, got shape {tuple(x.shape)}")
    if x.dtype == np.float16:  # in float32: float16 products overflow from 256 (a variance of 62,500 was inf)
        return cov(x.to(np.float32), correction=correction).to(np.float16)
    rows = x.reshape(1, -1) if x.ndim < 2 else x
    centred = rows - rows.mean(1, keepdim=True)
    c = (centred @ centred.transpose(0, 1)) / (rows.shape[1] - correction)
    if rows.shape[1] == 0:  # no observations: NaN, as PyTorch's (the empty product would give 0)
        c = c + float("nan")
    return c.reshape(()) if x.ndim < 2 or rows.shape[0] == 1 else c  # one variable: 0-d, as PyTorch's


def corrcoef(input: Any) -> Tensor:  # noqa: A002
    """PyTorch's ``torch.corrcoef``: Pearson's correlation of the rows (``cov`` scaled by the
    standard deviations, clipped to [-1, 1]); float16 in float32 (its covariances overflow)."""
    x = _floating(input)
    if x.dtype == np.float16:
        return corrcoef(x.to(np.float32)).to(np.float16)
    c = cov(x)
    if c.ndim == 0:
        return c / c
    d = c.diagonal().sqrt()
    return (c / d.unsqueeze(1) / d.unsqueeze(0)).clamp(-1.0, 1.0)


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
    "scatter_reduce": scatter_reduce,
    "cov": cov,
    "corrcoef": corrcoef,
    "scatter_reduce_": _in_place("scatter_reduce_", scatter_reduce),
}
"""The Tensor methods of this file (bound by ``mytorch.tensor_methods``)."""
