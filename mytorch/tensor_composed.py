"""Functions with PyTorch's names composed of the kernel table's operations (gradients, forward
mode and higher derivatives are theirs): ``exp2``,
``tan``, ``logit``, ``xlogy``, ``logaddexp``, ``logaddexp2``, ``hypot``, ``deg2rad``, ``rad2deg``,
``copysign``, ``fmax``, ``fmin``, ``float_power``, ``sinc``, the aliases ``positive``, ``negative``,
``absolute``, ``fix``, ``sgn``, ``greater``, ``less``, ...; the products ``addmm``, ``addmv``,
``baddbmm``, ``addbmm``, ``tensordot``, ``inner``, ``kron``, ``matrix_power``; the scans and
reductions ``cummax``, ``cummin``, ``nansum``, ``nanmean``, ``diff``, ``dist``; and the constants
(no gradient) ``logical_and``/``or``/``xor``/``not``, ``isneginf``, ``isposinf``, ``isreal``,
``isin``, ``signbit``.

``asin``, ``acos``, ``atan`` and ``erfc`` are kernels (``mytorch.tensor``), aliased here as
``arcsin``, ...; ``sinh``, ``cosh``, ``atanh`` and ``acosh`` are kernels too, run from here; ``atan2`` is the
kernel of that name, with PyTorch's promotion.
"""

from __future__ import annotations

import builtins
import math
from typing import Any, cast

import numpy as np

from mytorch.arguments import check_dim
from mytorch.function import Context, Function
from mytorch.op_names import named
from mytorch.tensor import Tensor, _apply, acos, asin, atan, check_setting, cos, exp, log, log1p, maximum, sin, sqrt
from mytorch.tensor import abs as _abs
from mytorch.tensor_index import gather
from mytorch.tensor_math import (
    ValuesIndices,
    clamp,
    ge,
    gt,
    isnan,
    le,
    lt,
    ne,
    norm,
    sign,
    trunc,
)
from mytorch.tensor_math import sum as _sum
from mytorch.tensor_math import (
    where as _where_any,
)
from mytorch.tensor_order import result_type
from mytorch.tensor_pointwise import _tensor as _t
from mytorch.tensor_shape import cat, permute, reshape

__all__ = [
    "absolute",
    "acosh",
    "arccos",
    "arcsin",
    "arctan",
    "arctan2",
    "atan2",
    "sinc",
    "cholesky",
    "cholesky_inverse",
    "cholesky_solve",
    "matrix_exp",
    "det",
    "inverse",
    "logdet",
    "slogdet",
    "arccosh",
    "arcsinh",
    "arctanh",
    "asinh",
    "atanh",
    "addbmm",
    "addmm",
    "addmv",
    "baddbmm",
    "copysign",
    "cosh",
    "cummax",
    "cummin",
    "deg2rad",
    "diff",
    "dist",
    "exp2",
    "fix",
    "float_power",
    "fmax",
    "fmin",
    "greater",
    "greater_equal",
    "hypot",
    "inner",
    "heaviside",
    "isin",
    "isneginf",
    "isposinf",
    "isreal",
    "kron",
    "less",
    "less_equal",
    "logaddexp",
    "logaddexp2",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logit",
    "matrix_power",
    "nanmean",
    "nansum",
    "negative",
    "not_equal",
    "positive",
    "rad2deg",
    "sgn",
    "signbit",
    "sinh",
    "tan",
    "tensordot",
    "xlogy",
]

_LN2 = math.log(2.0)


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002
    return cast(Tensor, _where_any(condition, input, other))


def _floating(x: Any) -> Tensor:
    """``x`` as a Tensor; bools and integers in the default float dtype, as PyTorch's float functions take them."""
    t = _t(x)
    if t.dtype.kind in "biu":
        from mytorch.dtypes import get_default_dtype

        return t.to(get_default_dtype())
    return t


def _in_single(f: Any, a: Tensor, b: Tensor) -> Tensor:
    """``f(a, b)`` of two float16 tensors computed in float32 and rounded once to float16, as
    PyTorch computes float16 (its squares, sums and slopes overflowed or underflowed float16)."""
    single = np.dtype(np.float32)
    return cast(Tensor, f(a.to(single), b.to(single))).to(np.float16)


def _floating_pair(input: Any, other: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Both operands of a float function of two as Tensors of the dtype PyTorch computes it in:
    their promoted dtype (``result_type``: float16 beside uint8 stays float16, float32 beside a
    float64 tensor is float64), the default float dtype where that is a bool or integer one."""
    dtype = result_type(input, other)
    if dtype.kind in "biu":
        from mytorch.dtypes import get_default_dtype

        dtype = np.dtype(get_default_dtype())
    a, b = _t(input), _t(other)
    return (a if a.dtype == dtype else a.to(dtype)), (b if b.dtype == dtype else b.to(dtype))


# --------------------------------------------------------------------------- elementwise
def _rounded_as(y: Tensor, exact: np.ndarray) -> Tensor:
    """``y`` with its value moved to ``exact`` (rounded to y's dtype) by adding their difference, a
    constant, where both are finite: the gradient (of any order) is ``y``'s."""
    with np.errstate(invalid="ignore"):
        exact = exact.astype(y.dtype)
        gap = np.where(np.isfinite(exact) & np.isfinite(y._data), exact - y._data, 0).astype(y.dtype)
    return y + Tensor(gap) if gap.any() else y


def exp2(input: Any) -> Tensor:  # noqa: A002
    """``2 ** x`` (correctly rounded, exact at integers, inf from x = 1024 in float64, as PyTorch's)."""
    return 2.0 ** _floating(input)


def sinh(input: Any) -> Tensor:  # noqa: A002
    """The hyperbolic sine, the kernel ``sinh`` (NumPy's, finite to 710.47 in float64; its
    derivative the kernel ``cosh``, and so on: every order exact near 0); float16 computed in
    float32 and rounded once, as PyTorch's."""
    x = _floating(input)
    if x.dtype == np.float16:  # in float32, rounded once, as PyTorch (the slope at 11 was 4 ulps low)
        return sinh(x.to(np.float32)).to(np.float16)
    return _apply("sinh", (x,))


def cosh(input: Any) -> Tensor:  # noqa: A002
    """The hyperbolic cosine, the kernel ``cosh`` (finite to 710.47 in float64, as PyTorch's; its
    derivative the kernel ``sinh``, exact near 0)."""
    x = _floating(input)
    if x.dtype == np.float16:  # (as sinh)
        return cosh(x.to(np.float32)).to(np.float16)
    return _apply("cosh", (x,))


def asinh(input: Any) -> Tensor:  # noqa: A002
    """The inverse hyperbolic sine, ``log1p(a + a^2 / (1 + sqrt(1 + a^2)))`` of a = |x|, negated
    for x < 0 (exact for tiny x, no cancellation for negative x; the branches are chosen by
    ``where``, so the derivative at 0 is 1); log(2a) past 1 / sqrt(eps), where a^2 would overflow."""
    x = _floating(input)
    positive = Tensor(np.asarray(x._data) >= 0)
    a = where(positive, x, -x)
    large = _large(a)
    if large is not None:  # a * a would overflow: log(2a) there, as exact (PyTorch: finite to the dtype's max)
        magnitude = where(large, _log_twice(a, large), _small_asinh(where(large, _one(a), a)))
    else:
        magnitude = _small_asinh(a)
    return where(positive, magnitude, -magnitude)


def _small_asinh(a: Tensor) -> Tensor:
    return log1p(a + a * a / (1 + sqrt(1 + a * a)))


def _large(x: Tensor) -> Tensor | None:
    """Where ``x`` is past 1 / sqrt(eps) (asinh is log(2x) there to the dtype's
    precision, and its formula's squares overflow further on), or None where no element is."""
    large = np.asarray(x._data) > 1 / math.sqrt(float(np.finfo(x.dtype).eps))
    return Tensor(large) if large.any() else None


def _one(x: Tensor) -> Tensor:
    return Tensor(np.ones((), x.dtype))


def _log_twice(x: Tensor, large: Tensor) -> Tensor:
    """``log(x) + ln 2`` where ``large``, computed on 1 elsewhere (so no NaN reaches a gradient)."""
    return log(where(large, x, _one(x))) + _LN2


def acosh(input: Any) -> Tensor:  # noqa: A002
    """The inverse hyperbolic cosine (x >= 1; NaN below), the kernel ``acosh`` (NumPy's value,
    finite to the dtype's largest number): its slope 1 / sqrt(x² - 1) is exact near 1, and its
    second derivative at 1 is -inf, as PyTorch's (composed of log1p and sqrt, it was NaN there)."""
    return _apply("acosh", (_floating(input),))


def atanh(input: Any) -> Tensor:  # noqa: A002
    """The inverse hyperbolic tangent (|x| < 1), the kernel ``atanh``: its derivative 1 / (1 - x²),
    and the second 2x / (1 - x²)², exact near 0 (the difference of two log1p cancelled there)."""
    return _apply("atanh", (_floating(input),))


arcsinh, arccosh, arctanh = asinh, acosh, atanh


def atan2(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The angle of the point (other, input), ``atan(input / other)`` in the right quadrant, in
    [-pi, pi]; the gradients ``other / r^2`` in input and ``-input / r^2`` in other (NaN at the
    origin, as PyTorch's)."""
    common = result_type(input, other)  # PyTorch's promotion: a number keeps a float32 tensor float32
    if common.kind in "biu":
        from mytorch.dtypes import get_default_dtype

        common = np.dtype(get_default_dtype())
    return _apply("atan2", (_t(input).to(common), _t(other).to(common)))


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2


_SINC_SERIES = (-1 / 6, 1 / 120, -1 / 5040, 1 / 362880)


def sinc(input: Any) -> Tensor:  # noqa: A002
    """The normalized sinc, ``sin(pi x) / (pi x)``, 1 at 0. Where |pi x| < 0.1 it is a Taylor series
    (error below 1e-17), so its derivatives of every order are right at and near 0. Both forms are
    computed whatever the values, so that the recorded operations do not depend on them; the
    choice between them is a mask made from the values, which replay refuses (node ``SincBackward0``)."""
    x = _floating(input)
    if x.dtype == np.float16:  # in float32, rounded once, as PyTorch: pi x overflowed float16 from 20851
        return sinc(x.to(np.float32)).to(np.float16)  # (NaN; PyTorch's is 0) and was 3e-4 at 1 and 2
    z = x * math.pi
    small = np.asarray(np.abs(z._data) < 0.1)
    choice = named({"condition": small}, "SincBackward0")
    # the series of z where it is used and of 0 elsewhere: of a large z it overflows to inf, and the
    # unused branch's gradient, 0 times its inf slope, would be NaN
    near = _apply("where", (z, Tensor(np.zeros((), z.dtype))), choice)
    z2 = near * near
    series = 1 + z2 * (_SINC_SERIES[0] + z2 * (_SINC_SERIES[1] + z2 * (_SINC_SERIES[2] + z2 * _SINC_SERIES[3])))
    away = _apply("where", (Tensor(np.ones((), z.dtype)), z), choice)  # no 0 / 0 in the unused branch
    return _apply("where", (series, sin(away) / away), choice)


def tan(input: Any) -> Tensor:  # noqa: A002
    """The tangent, ``sin(x) / cos(x)``."""
    x = _floating(input)
    return sin(x) / cos(x)


def logit(input: Any, eps: float | None = None) -> Tensor:  # noqa: A002
    """``log(p / (1 - p))``, as ``log(p) - log1p(-p)``, with PyTorch's values and gradients at the
    edges: with ``eps`` >= 0, p is first clamped to [eps, 1 - eps] (gradient 0 outside, NaN at a
    NaN); for eps > 0.5 PyTorch's rule (eps where p < eps, else 1 - eps) gives a constant. Without
    ``eps`` (or with eps < 0, which PyTorch ignores) the gradient is NaN where p is outside [0, 1]."""
    p = _floating(input)
    data = np.asarray(p._data)
    if eps is not None:  # (a float, as PyTorch reads it; 70000.0 for float16 clamped to [inf, -inf])
        check_setting("logit", "eps", float(eps), p._data.dtype)
    if eps is None or eps < 0:
        outside = (data < 0) | (data > 1)
        if outside.any():  # log(p) is NaN there, but 1/p was a finite gradient
            p = p * Tensor(np.where(outside, math.nan, 1.0).astype(p.dtype))
        if (np.signbit(data) & (data == 0)).any():  # -0.0 + 0.0 is 0.0: the slope at -0.0 was 1 / -0.0 = -inf
            p = p + 0.0  # (PyTorch's, and 1 / (p (1 - p))'s, is +inf)
        return log(p) - log1p(-p)
    lo, hi = float(eps), 1.0 - float(eps)
    nan = np.isnan(data)
    if lo > hi:  # every number is below lo or above hi: a constant, its gradient 0 (NaN stays NaN)
        fixed = np.where(data < lo, lo, hi).astype(p.dtype)
        z = where(Tensor(~nan), Tensor(fixed), p)
    else:
        z = clamp(p, lo, hi)
        if nan.any():  # clamp's gradient there is 0, PyTorch's logit's NaN
            z = where(Tensor(nan), p, z)
    return log(z) - log1p(-z)


class _ZeroWithSlope(Function):
    """0 in value, ``g * slope`` in gradient (``slope`` a constant array): where a product's value
    is fixed by convention but its derivative is not (``xlogy(0, inf)`` is 0, its x-gradient
    ``log(inf)`` is inf; ``0 * log(inf)`` would make the value NaN)."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        ctx.save_for_backward(params["slope"])
        return np.zeros_like(inputs[0])

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        return grad_output * ctx.saved_arrays[0]

    @staticmethod
    def jvp(ctx: Context, tangent: np.ndarray) -> np.ndarray:
        return tangent * ctx.saved_arrays[0]


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``x * log(y)``, 0 where x is 0 and y is not NaN (even where y is 0 or inf), as PyTorch's; the
    gradient in x is ``log(y)`` (inf at x = 0, y = inf), 0 where x is 0 and y <= 0, as PyTorch's."""
    return _x_times_log(input, other, log, 0.0)


def _x_times_log(input: Any, other: Any, logarithm: Any, pole: float) -> Tensor:  # noqa: A002
    """``x * logarithm(y)`` with ``xlogy``'s conventions, ``pole`` the y where the logarithm is
    -inf (0 for log, -1 for log1p; it is 0 at pole + 1)."""
    x, y = _floating_pair(input, other)
    x_zero, y_data = np.asarray(x._data) == 0, np.asarray(y._data)
    cut = x_zero & ((y_data <= pole) | np.isposinf(y_data))
    if cut.any():
        y = where(Tensor(cut), Tensor(np.full((), pole + 1.0, y.dtype)), y)
    out = x * logarithm(y)
    at_inf = np.broadcast_to(x_zero & np.isposinf(y_data), out.shape)
    if at_inf.any():  # the value there is 0 (y replaced by 1 above), the x-gradient log(inf) = inf
        slope = np.where(at_inf, np.inf, 0.0).astype(x.dtype)
        out = where(Tensor(at_inf), _ZeroWithSlope.apply(x.expand(*out.shape), slope=slope), out)
    return out


def logaddexp(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``log(exp(a) + exp(b))`` without overflow: the ``logsumexp`` of the pair, whose derivatives
    of every order are the softmax's, at a tie too (``max(a, b) + log1p(exp(-|a - b|))`` had the
    second derivative 0 at a = b, for 1/4), with NumPy's exact value; where an operand is infinite,
    ``max(a, b) + log1p(exp(-|a - b|))`` (gradient 1 for a lone +inf), and where both are the same
    infinity, that infinity."""
    a, b = _floating_pair(input, other)
    infinite = np.isinf(a._data) | np.isinf(b._data)
    if not infinite.any():
        return _smooth_logaddexp(a, b)
    if infinite.all():
        return _edge_logaddexp(a, b)
    mask = Tensor(infinite)
    zero = Tensor(np.zeros((), a.dtype))
    return where(mask, _edge_logaddexp(a, b), _smooth_logaddexp(where(mask, zero, a), where(mask, zero, b)))


def _smooth_logaddexp(a: Tensor, b: Tensor) -> Tensor:
    """m + log(e**(a - m) + e**(b - m)) for finite a and b, m = max(a, b) a constant: the weights
    e**(a - m) / (...) sum to 1 where m + log 2 rounds to m (at a = b = 1e300: 0.5 each; e**(a - y)
    would give 1 each), with NumPy's exact value."""
    high = Tensor(np.maximum(a._data, b._data))
    with np.errstate(over="ignore"):
        exact = np.asarray(np.logaddexp(a._data, b._data))
    return _rounded_as(log(exp(a - high) + exp(b - high)) + high, exact)


def _edge_logaddexp(a: Tensor, b: Tensor) -> Tensor:
    """``max(a, b) + log1p(exp(-|a - b|))``; where a and b are the same infinity, that infinity
    with gradient NaN in both operands, as PyTorch's, in forward mode too (its tangent was 1, the
    a - b = NaN of the other branch reached only the reverse mode)."""
    same_inf = np.isinf(a._data) & (a._data == b._data)
    if not same_inf.any():
        return maximum(a, b) + log1p(exp(-_abs(a - b)))
    mask, zero = Tensor(same_inf), Tensor(np.zeros((), a.dtype))
    finite = _edge_logaddexp(where(mask, zero, a), where(mask, zero, b))
    slope = np.where(same_inf, np.nan, 0.0).astype(a.dtype)
    nan_a, nan_b = (_ZeroWithSlope.apply(t.expand(*same_inf.shape), slope=slope) for t in (a, b))
    return where(mask, a + nan_a + nan_b, finite)


def logaddexp2(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``log2(2**a + 2**b)`` without overflow."""
    a, b = _floating_pair(input, other)
    if a.dtype == np.float16:  # (a ln 2 rounded to float16: logaddexp2(-1, -1) was -3e-4)
        return _in_single(logaddexp2, a, b)
    return logaddexp(a * _LN2, b * _LN2) * (1.0 / _LN2)


def hypot(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``sqrt(a**2 + b**2)`` without overflow or underflow of the squares: where the larger of |a|,
    |b| is far from 1, both are first divided by a power of two near it (a constant, so the
    gradients a / r and b / r are untouched): hypot(1e200, 2e200) is 2.2e200, not inf. An
    infinite operand gives inf, beside a NaN too (IEEE's and PyTorch's hypot; it was NaN)."""
    a, b = _floating_pair(input, other)
    if a.dtype == np.float16:  # (the slope of hypot(6e-8, 0) underflowed to 0 in float16, for 1)
        return _in_single(hypot, a, b)
    infinite = np.isinf(a._data) | np.isinf(b._data)
    if infinite.any():
        finite = hypot(where(Tensor(infinite), _one(a), a), where(Tensor(infinite), _one(b), b))
        # there the gradients are PyTorch's a / r and b / r: NaN for the infinite (and a NaN)
        # operand, 0 for a finite one (they were 0 for both: the constant inf)
        shape = np.broadcast_shapes(a.shape, b.shape)
        edge = Tensor(np.full((), np.inf, finite.dtype))
        with np.errstate(invalid="ignore"):
            for t in (a, b):
                slope = np.where(infinite, np.broadcast_to(t._data, shape) / np.inf, 0.0).astype(finite.dtype)
                edge = edge + _ZeroWithSlope.apply(t.expand(*shape), slope=slope)
        return where(Tensor(infinite), edge, finite)
    big = np.maximum(np.abs(a._data), np.abs(b._data))
    info = np.finfo(big.dtype)
    far = (big > info.max**0.25) | ((big < info.tiny**0.25) & (big > 0))
    if not far.any():
        return sqrt(a * a + b * b)
    # 2^(e - 1) for big = m 2^e, m in [1/2, 1): 2^e itself overflowed at the dtype's largest binade
    # (hypot(1e308, 1e308) was inf / inf = NaN, hypot(6e4, 1) in float16 too)
    scale = Tensor(np.where(far, np.ldexp(np.ones((), big.dtype), np.frexp(big)[1] - 1), 1).astype(big.dtype))
    x, y = a / scale, b / scale
    return sqrt(x * x + y * y) * scale


def deg2rad(input: Any) -> Tensor:  # noqa: A002
    """Degrees to radians."""
    return _floating(input) * (math.pi / 180.0)


def rad2deg(input: Any) -> Tensor:  # noqa: A002
    """Radians to degrees."""
    return _floating(input) * (180.0 / math.pi)


def copysign(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``|a|`` with the sign of ``b`` (the sign bit: -0.0 counts as negative), as PyTorch's; the
    gradient in a is ``sign(a) * sign(result)``, 0 at a = 0; in b zeros."""
    a, b = _floating_pair(input, other)
    negative = np.signbit(b._data)
    signs = Tensor(np.where(negative, -1.0, 1.0).astype(a.dtype))
    out = _abs(a) * signs
    if b.requires_grad:  # b's gradient is zeros, as PyTorch's (not None): b selected nowhere
        nowhere = np.zeros(np.broadcast_shapes(out.shape, b.shape), dtype=bool)
        out = _apply("where", (b, out), {"condition": nowhere})
    return out


def fmax(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The larger of a and b, ignoring a NaN (NaN only where both are); ties take a's gradient, as PyTorch's."""
    a, b = _t(input), _t(other)
    return where(Tensor(np.asarray((a._data >= b._data) | np.isnan(b._data))), a, b)


def fmin(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The smaller of a and b, ignoring a NaN (NaN only where both are); ties take a's gradient, as PyTorch's."""
    a, b = _t(input), _t(other)
    return where(Tensor(np.asarray((a._data <= b._data) | np.isnan(b._data))), a, b)


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """``input ** exponent`` in float64."""
    base = _t(input).double()
    return base ** (exponent.double() if isinstance(exponent, Tensor) else exponent)


def positive(input: Any) -> Tensor:  # noqa: A002
    """``input`` itself."""
    return _t(input)


def negative(input: Any) -> Tensor:  # noqa: A002
    """``-input``."""
    return -_t(input)


absolute = _abs
fix = trunc


def sgn(input: Any) -> Tensor:  # noqa: A002
    """``sign`` of a real tensor; x / |x| (0 at 0) of a complex one, recorded, with PyTorch's gradient
    (the sign kernel's gradient is 0: it was 0 for complex input too)."""
    x = _t(input)
    if x.dtype.kind != "c":
        return cast(Tensor, sign(x))
    a = _abs(x)
    zero = a == 0
    return where(zero, 0, x / (a + zero))


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


# --------------------------------------------------------------------------- products
def _scaled_sum(product: Tensor, input: Any, beta: Any, alpha: Any, op: str, opmath: bool = True) -> Tensor:  # noqa: A002
    """``beta * input + alpha * product`` for ``op`` (``addmm``, ...), ``beta`` and ``alpha`` checked as
    PyTorch checks them (``check_setting``: 1e39 for float32 was inf, or NaN where beta = 1e39
    met 0); ``opmath``: a float16 product takes them in float32 (``addmv``: in float16)."""
    for name, setting in (("beta", beta), ("alpha", alpha)):
        if setting != 1 and setting != 0:
            check_setting(op, name, setting, product._data.dtype, opmath=opmath)
    out = product if alpha == 1 else product * alpha
    if beta == 0:  # input is not read, as in PyTorch (a NaN in it does not show)
        if isinstance(input, Tensor) and input.requires_grad:  # its gradient is zeros, as PyTorch's (not None)
            nowhere = np.zeros(np.broadcast_shapes(out.shape, input.shape), dtype=bool)
            out = _apply("where", (input, out), {"condition": nowhere})
        return out
    return out + (input if beta == 1 else input * beta)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)``."""
    return _scaled_sum(_t(mat1) @ mat2, input, beta, alpha, "addmm")


def addmv(input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (mat @ vec)``."""
    return _scaled_sum(_t(mat) @ vec, input, beta, alpha, "addmv", opmath=False)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * (batch1 @ batch2)``, a batch of matrix products."""
    return _scaled_sum(_t(batch1) @ batch2, input, beta, alpha, "baddbmm")


def addbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``beta * input + alpha * sum over the batch of batch1[i] @ batch2[i]``."""
    return _scaled_sum(_sum(_t(batch1) @ batch2, 0), input, beta, alpha, "addbmm")


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """The sum of products over ``dims``: the last ``dims`` axes of a with the first ``dims`` of b,
    or the listed pairs (``dims=([1], [0])``); one ``matmul`` after moving those axes together."""
    x, y = _t(a), _t(b)
    if isinstance(dims, (int, np.integer)):
        n = int(dims)
        left, right = list(range(x.ndim - n, x.ndim)), list(range(n))
    else:
        listed = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
        left = [check_dim("tensordot", d, x.ndim) for d in listed[0]]
        right = [check_dim("tensordot", d, y.ndim) for d in listed[1]]
    if [x.shape[i] for i in left] != [y.shape[j] for j in right]:
        raise ValueError(f"tensordot: axes {left} of {tuple(x.shape)} and {right} of {tuple(y.shape)} differ in length")
    keep_x = [i for i in range(x.ndim) if i not in left]
    keep_y = [j for j in range(y.ndim) if j not in right]
    size = int(np.prod([x.shape[i] for i in left], dtype=np.int64))
    xm = reshape(permute(x, *keep_x, *left), (-1, size))
    ym = reshape(permute(y, *right, *keep_y), (size, -1))
    return reshape(xm @ ym, tuple(x.shape[i] for i in keep_x) + tuple(y.shape[j] for j in keep_y))


def inner(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The sum of products over the last axes (a number times a tensor for 0-d operands)."""
    x, y = _t(input), _t(other)
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    return tensordot(x, y, ([-1], [-1]))


def kron(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The Kronecker product: block (i, j) is ``a[i, j] * b`` (any number of axes)."""
    x, y = _t(input), _t(other)
    n = builtins.max(x.ndim, y.ndim)
    xs, ys = (1,) * (n - x.ndim) + x.shape, (1,) * (n - y.ndim) + y.shape
    spread_x = reshape(x, tuple(k for m in xs for k in (m, 1)))
    spread_y = reshape(y, tuple(k for m in ys for k in (1, m)))
    return reshape(spread_x * spread_y, tuple(p * q for p, q in zip(xs, ys)))


def matrix_power(input: Any, n: int) -> Tensor:  # noqa: A002
    """The square matrix (or batch) to the integer power ``n``, by repeated squaring (of the
    inverse, ``linalg.inv``, for a negative ``n``, as PyTorch's).

    Raises:
        ValueError: not square matrices.
        LinAlgError: a negative ``n`` and a singular matrix.
    """
    x = _t(input)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"matrix_power: needs square matrices, got shape {tuple(x.shape)}")
    if n < 0:
        return matrix_power(inverse(x), -n)
    if n == 0:  # the identity, in the graph (gradient 0) when x requires grad, as PyTorch's
        eye = Tensor(np.broadcast_to(np.eye(x.shape[-1], dtype=x.dtype), x.shape).copy())
        return where(Tensor(np.ones((), bool)), eye, x) if x.requires_grad else eye
    result, square = None, x
    while n:
        if n & 1:
            result = square if result is None else result @ square
        n >>= 1
        if n:
            square = square @ square
    assert result is not None
    return result


def det(input: Any) -> Tensor:  # noqa: A002
    """``linalg.det``."""
    from mytorch import linalg

    return linalg.det(input)


def inverse(input: Any) -> Tensor:  # noqa: A002
    """``linalg.inv``."""
    from mytorch import linalg

    return linalg.inv(input)


def slogdet(input: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``linalg.slogdet``: (sign, log |det|)."""
    from mytorch import linalg

    return linalg.slogdet(input)


def logdet(input: Any) -> Tensor:  # noqa: A002
    """log det: NaN for a negative determinant (gradient 0 there, as PyTorch's), -inf for 0; the
    gradient ``G A^-T``."""
    from mytorch import linalg

    sign, logabs = linalg.slogdet(input)
    negative = np.asarray(sign._data < 0)
    if not negative.any():
        return logabs
    return where(Tensor(negative), Tensor(np.full((), np.nan, logabs.dtype)), logabs)


def cholesky(input: Any, upper: bool = False) -> Tensor:  # noqa: A002
    """``linalg.cholesky``."""
    from mytorch import linalg

    return linalg.cholesky(input, upper=upper)


def cholesky_solve(B: Any, L: Any, upper: bool = False) -> Tensor:  # noqa: N803 - PyTorch's names
    """X with ``A X = B`` given A's Cholesky factor ``L`` (lower, ``A = L L^T``; with ``upper``,
    ``A = U^T U``), as PyTorch's ``torch.cholesky_solve``: two triangular solves, recorded (the
    gradients reach B and the factor's triangle), batched over leading axes."""
    from mytorch import linalg
    from mytorch.tensor_shape import transpose

    factor = L if isinstance(L, Tensor) else Tensor(np.asarray(L))
    other = transpose(factor, -2, -1)
    lower, upper_factor = (other, factor) if upper else (factor, other)
    middle = linalg.solve_triangular(lower, B, upper=False)
    return linalg.solve_triangular(upper_factor, middle, upper=True)


def cholesky_inverse(L: Any, upper: bool = False) -> Tensor:  # noqa: N803 - PyTorch's name
    """The inverse of ``A = L L^T`` (``U^T U`` with ``upper``) from its Cholesky factor, as
    PyTorch's ``torch.cholesky_inverse``: ``cholesky_solve`` of the identity, recorded."""
    factor = L if isinstance(L, Tensor) else Tensor(np.asarray(L))
    identity = np.broadcast_to(np.eye(factor.shape[-1], dtype=factor.dtype), tuple(factor.shape))
    return cholesky_solve(Tensor(np.ascontiguousarray(identity)), factor, upper)


def matrix_exp(input: Any) -> Tensor:  # noqa: A002
    """``linalg.matrix_exp``."""
    from mytorch import linalg

    return linalg.matrix_exp(input)


# --------------------------------------------------------------------------- scans and reductions
def _cumulative(op: str, input: Any, dim: Any, better: Any) -> ValuesIndices:  # noqa: A002
    x = _t(input)
    d = check_dim(op, dim, max(x.ndim, 1))  # (0 or -1 for a 0-d x, as PyTorch)
    if x.ndim == 0:  # itself, in its dtype (x * 1 made a bool int64)
        return ValuesIndices(x.clone(), Tensor(np.zeros((), np.int64)))
    data = np.moveaxis(x._data, d, -1)
    running = better.accumulate(data, axis=-1)
    holds = (data == running) | np.isnan(data)  # the latest place holding the running value (or a NaN)
    positions = np.where(holds, np.arange(data.shape[-1]), 0)
    indices = np.moveaxis(np.maximum.accumulate(positions, axis=-1), -1, d).astype(np.int64)
    return ValuesIndices(gather(x, d, Tensor(indices)), Tensor(indices))


def cummax(input: Any, dim: Any) -> ValuesIndices:  # noqa: A002
    """``(values, indices)``: the running maximum along ``dim`` and where it was found (the latest
    place among ties, NaN propagating, as PyTorch's); the gradient goes to those places (``gather``)."""
    return _cumulative("cummax", input, dim, np.maximum)


def cummin(input: Any, dim: Any) -> ValuesIndices:  # noqa: A002
    """``(values, indices)``: the running minimum along ``dim``, as ``cummax``."""
    return _cumulative("cummin", input, dim, np.minimum)


def nansum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``sum`` with NaNs counted as 0 (their gradient is 0)."""
    x = _t(input)
    nan = isnan(x)._data
    if nan.any():
        x = where(Tensor(nan), Tensor(np.zeros((), x.dtype)), x)
    return _sum(x, dim, keepdim, dtype=dtype)


def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """The mean of the elements that are not NaN (NaN where all are, and there the gradient of
    every element is NaN, as PyTorch's: that of the sum's 0 / 0).

    Raises:
        RuntimeError: a bool or integer tensor, as ``mean``'s (and PyTorch's, even with ``dtype``).
    """
    x = _t(input)
    if x.dtype.kind in "biu":
        raise RuntimeError(
            f"nanmean: needs a floating-point tensor, as in PyTorch; got {x.dtype}: "
            "convert it first (x.float().nanmean(...))"
        )
    x = x if dtype is None else x.to(dtype)
    if x.dtype == np.float16:  # summed and divided in float32, rounded once: in float16 a count
        # past 65,504 is inf (the mean came out 0) and the sum overflowed before the mean did
        return nanmean(x.to(np.float32), dim, keepdim).to(np.float16)
    nan = np.isnan(x._data)
    count = _sum(Tensor(~nan), dim, keepdim).to(x.dtype)
    none_left = np.asarray(_sum(Tensor(~nan), dim, True)._data == 0)
    if not none_left.any():
        return nansum(x, dim, keepdim) / count
    # NaNs are dropped where some element is left; an all-NaN slice keeps its NaNs, times the
    # 0 that drops them, so that its gradient is (g / 0) * 0 = NaN and not 0
    keep = np.broadcast_to(none_left, nan.shape)
    kept = where(Tensor(nan & ~keep), Tensor(np.zeros((), x.dtype)), x) * Tensor((~nan).astype(x.dtype))
    return _sum(kept, dim, keepdim) / count


def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:  # noqa: A002
    """The differences of neighbours along ``dim``, ``n`` times (with ``prepend``/``append`` joined
    first); of bools, where neighbours differ, as PyTorch's."""
    x = _t(input)
    d = check_dim("diff", dim, x.ndim)
    if n < 0:
        raise RuntimeError(f"diff: the order n must be non-negative, got {n}")
    if prepend is not None or append is not None:
        x = cat([_t(p) for p in (prepend, x, append) if p is not None], d)
    for _ in range(n):
        later, earlier = x[(slice(None),) * d + (slice(1, None),)], x[(slice(None),) * d + (slice(None, -1),)]
        x = later != earlier if x.dtype == bool else later - earlier  # (bools: where neighbours differ)
    return x


def dist(input: Any, other: Any, p: float = 2.0) -> Tensor:  # noqa: A002
    """The ``p``-norm of ``input - other``."""
    return norm(_t(input) - other, p)


# --------------------------------------------------------------------------- constants
def _truth(x: Any) -> np.ndarray:
    return np.asarray(_t(x)._data != 0)


def logical_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Where both are nonzero (a bool tensor)."""
    return Tensor(_truth(input) & _truth(other))


def logical_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Where either is nonzero (a bool tensor)."""
    return Tensor(_truth(input) | _truth(other))


def logical_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Where exactly one is nonzero (a bool tensor)."""
    return Tensor(_truth(input) ^ _truth(other))


def logical_not(input: Any) -> Tensor:  # noqa: A002
    """Where the element is zero (a bool tensor)."""
    return Tensor(~_truth(input))


def isneginf(input: Any) -> Tensor:  # noqa: A002
    """Where the element is -inf."""
    return Tensor(np.isneginf(_t(input)._data))


def isposinf(input: Any) -> Tensor:  # noqa: A002
    """Where the element is +inf."""
    return Tensor(np.isposinf(_t(input)._data))


def isreal(input: Any) -> Tensor:  # noqa: A002
    """Where the element has no imaginary part (everywhere, for a real tensor)."""
    return Tensor(np.asarray(np.isreal(_t(input)._data)))


def signbit(input: Any) -> Tensor:  # noqa: A002
    """Where the sign bit is set (negative numbers and -0.0)."""
    return Tensor(np.signbit(_t(input)._data))


def heaviside(input: Any, values: Any) -> Tensor:  # noqa: A002
    """The step function: 0 where ``input`` < 0, 1 where > 0, ``values`` (broadcast) where it is
    0; in the inputs' dtype. A constant: its slope is 0 wherever it has one (PyTorch has no
    gradient for it and raises at ``backward``)."""
    x, v = _t(input), _t(values)
    if x.dtype != v.dtype:
        raise TypeError(f"heaviside: input and values must have one dtype, got {x.dtype} and {v.dtype}")
    return Tensor(np.asarray(np.where(x._data == 0, v._data, (x._data > 0).astype(x.dtype)), dtype=x.dtype))


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Where an element of ``elements`` is among ``test_elements`` (a bool tensor)."""
    values = _t(elements)._data
    return Tensor(np.asarray(np.isin(values, _t(test_elements)._data, invert=invert)))


def is_nonzero(self: Tensor) -> bool:
    """Whether the one element is nonzero.

    Raises:
        RuntimeError: the tensor does not have exactly one element.
    """
    if self.numel() != 1:
        raise RuntimeError(f"is_nonzero: needs a tensor of one element, got {self.numel()}")
    return builtins.bool(self._data.reshape(-1)[0] != 0)


METHODS = {**{name: globals()[name] for name in __all__ if name != "isin"}, "is_nonzero": is_nonzero}
"""The functions above that are also ``Tensor`` methods (bound by ``mytorch.tensor_methods``)."""
