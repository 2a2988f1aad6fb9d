"""Math functions with PyTorch's names and arguments: reductions with ``dim=``/``keepdim=``,
``max``/``min`` with values and indices, ``norm``, ``var``/``std``, ``where``, ``clamp``, ...

Each is recorded through the kernel table (the kernel named in its docstring) and is also a
method of ``Tensor``. NumPy's ``axis=``/``keepdims=`` are accepted as well.

Differences from PyTorch: ``softmax``/``log_softmax`` default to the last axis when no ``dim``
is given, and take a bool or integer tensor into the default float dtype (as ``F.softmax`` does)
where PyTorch raises.
"""

from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple

import numpy as np

from mytorch.arguments import IndexOutOfRangeError, ShapeRuntimeError, check_dim, dim_arg, keepdim_arg
from mytorch.dtypes import as_dtype, check_same_dtype, get_default_dtype, unordered
from mytorch.nn.functional import KERNELS as _K
from mytorch.tensor import (
    _DOUBLE,
    _HALF,
    Tensor,
    _apply,
    _arrays,
    _assign,
    _check_bool_subtraction,
    _check_can_store,
    _check_inplace,
    _check_storable,
    _copy,
    _GradMode,
    _integer_bounds,
    _promoted,
    _promoted_dtype,
    _run,
    _scaled,
    _tracked,
    _wants_grad,
    _widens_half,
    _wrapping,
    check_setting,
    maximum,
    minimum,
    sqrt,
)

__all__ = [
    "ValuesIndices",
    "add",
    "all",
    "allclose",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "bmm",
    "ceil",
    "clamp",
    "clip",
    "cumsum",
    "div",
    "dot",
    "eq",
    "equal",
    "floor",
    "floor_divide",
    "fmod",
    "ge",
    "gt",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "le",
    "log_softmax",
    "logsumexp",
    "lt",
    "masked_fill",
    "max",
    "mean",
    "min",
    "mm",
    "mul",
    "ne",
    "neg",
    "norm",
    "numel",
    "pow",
    "prod",
    "remainder",
    "round",
    "sign",
    "softmax",
    "std",
    "sub",
    "sum",
    "trunc",
    "var",
    "where",
]


class ValuesIndices(NamedTuple):
    """What ``max(x, dim)`` and ``min(x, dim)`` return: the values and where they were found."""

    values: Tensor
    indices: Tensor


def _data(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _with_dtype(x: Any, dtype: Any, op: str) -> Any:
    """``x`` converted to ``dtype`` first (PyTorch's ``dtype=`` argument of reductions)."""
    dtype = as_dtype(dtype, op)
    if dtype is None or _data(x).dtype == dtype:
        return x
    return x.to(dtype) if isinstance(x, Tensor) else np.asarray(x, dtype=dtype)


def _floating_only(x: Any, op: str) -> Any:
    """``x``, if its dtype is floating (or complex); a RuntimeError for a bool or integer tensor, as
    PyTorch's ``mean``, ``var``, ``std`` and ``norm`` raise (NumPy's answer was float64, and ``norm(p=1)``
    an integer)."""
    if _data(x).dtype.kind in "biu":
        raise RuntimeError(
            f"{op}: needs a floating-point (or complex) tensor, as in PyTorch; got {_data(x).dtype}: convert "
            f"it first (x.float().{op}(...))"
        )
    return x


def _ordered(op: str, x: Any) -> Any:
    """``x``, unless it is complex: complex numbers have no order, and NumPy's (by real part, then
    imaginary part) gave numbers PyTorch refuses to give (``clamp``, ``max``, ``argmax``,
    ``softmax`` of a complex tensor, a relu that kept 1+2j and zeroed -3+0.5j)."""
    data = _data(x)
    if data.dtype.kind == "c":
        raise unordered(op, data.dtype)
    return x


def _float_or_default(x: Any, dtype: Any, op: str) -> Any:
    """``_with_dtype``, a bool or integer tensor without a ``dtype`` taken into the default float dtype."""
    if dtype is None and _data(x).dtype.kind in "biu":
        dtype = get_default_dtype()
    return _with_dtype(x, dtype, op)


def _summed(x: Any, dtype: Any, op: str) -> Any:
    """``_with_dtype`` for the sums and products: without a ``dtype``, a bool or integer input
    adds up in int64, as in PyTorch (NumPy's uint8 sum is uint64, where ``s - 50`` wraps
    around)."""
    if dtype is None and _data(x).dtype.kind in "biu":
        dtype = np.int64
    return _with_dtype(x, dtype, op)


def _as_asked(result: Tensor, dtype: Any, op: str) -> Tensor:
    """``result`` of a sum or product in the ``dtype`` asked for (not None): NumPy adds bools and integers
    narrower than 64 bits up in int64 (uint8 in uint64), where PyTorch's ``dtype=`` is the result's
    dtype (``sum(dtype=uint8)`` wraps around, ``sum(dtype=bool)`` is a bool). Integer results only:
    nothing to differentiate."""
    if result._data.dtype.kind not in "biu":
        return result
    dtype = as_dtype(dtype, op)
    return result if result._data.dtype == dtype else result.to(dtype)


# --------------------------------------------------------------------------- reductions
def _of_0d(op: str, input: Any, axes: Any) -> Any:
    """``axes`` for ``input``: dim 0 or -1 of a 0-d tensor is the tensor itself, as in PyTorch, so
    every axis (None; NumPy's mean and var refused axis 0 of a 0-d array)."""
    if axes is not None and _data(input).ndim == 0:
        for k in axes if isinstance(axes, tuple) else (axes,):
            check_dim(op, k, 1)
        return None
    return axes


def _reduced(op: str, dim: Any, axis: Any) -> Any:
    """The axes a reduction works on (``dim_arg``): PyTorch's empty ``dim=()`` (or ``[]``)
    means every axis, NumPy's ``axis=()`` none (as ``np.sum`` on a Tensor must keep it)."""
    axes = dim_arg(op, dim, axis)
    return None if axes == () and axis is None else axes


def sum(  # noqa: A001 - PyTorch's name
    input: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The sum over ``dim`` (an axis, a tuple of axes, or all); kernel ``sum``."""
    params = {"axis": _reduced("sum", dim, axis), "keepdims": keepdim_arg("sum", keepdim, keepdims)}
    result = _apply("sum", (_summed(input, dtype, "sum"),), params)
    return result if dtype is None else _as_asked(result, dtype, "sum")


def mean(
    input: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The mean over ``dim`` (an axis, a tuple of axes, or all); kernel ``mean``."""
    params = {
        "axis": _of_0d("mean", input, _reduced("mean", dim, axis)),
        "keepdims": keepdim_arg("mean", keepdim, keepdims),
    }
    return _apply("mean", (_floating_only(_with_dtype(input, dtype, "mean"), "mean"),), params)


def _extreme(
    op: str,
    input: Any,
    dim: Any,
    keepdim: bool,
    axis: Any,
    keepdims: Any,
) -> Tensor | ValuesIndices:
    """``max``/``min``: of everything (kernel ``max``/``min``), or along one axis with indices.

    Along an axis the values are taken at the indices (kernel ``index``), so the gradient goes
    to the element the index names, as in PyTorch, even when several elements tie.
    """
    dim = dim_arg(op, dim, axis)
    keep = keepdim_arg(op, keepdim, keepdims)
    _ordered(op, input)
    if dim is None:
        if not np.ndim(_data(input)) and isinstance(input, Tensor):  # itself, its gradient g (NaN too), as PyTorch's
            return _apply("clone", (input,))
        result = _apply(op, (input,), {"axis": None, "keepdims": False})
        if result.dtype.kind == "f" and np.isnan(result._data):  # the NaNs share the gradient, as PyTorch's
            nans = np.nonzero(np.isnan(_data(input)))  # max() gives it (its amax, as MyTorch's, NaN everywhere)
            return _apply("mean", (_apply("index", (input,), {"index": nans}),), {"axis": None, "keepdims": False})
        return result
    if isinstance(dim, tuple):
        raise TypeError(f"{op}: with dim, give one axis (amax/amin reduce several), got {dim}")
    data = _data(input)
    if data.ndim == 0:  # dim 0 or -1 of a 0-d tensor: itself, at index 0, as in PyTorch
        check_dim(op, dim, 1)
        return ValuesIndices(_apply("clone", (input,)), Tensor(np.zeros((), np.int64)))
    d = check_dim(op, dim, data.ndim)
    picks = (np.argmax if op == "max" else np.argmin)(_nonempty(op, data, d), axis=d)
    rest = data.shape[:d] + data.shape[d + 1 :]
    index = []
    for i, n in enumerate(data.shape):
        if i == d:
            index.append(picks)
        else:
            j = i if i < d else i - 1
            index.append(np.arange(n).reshape([n if k == j else 1 for k in range(len(rest))]))
    values = _apply("index", (input,), {"index": tuple(index)})
    indices = picks.astype(np.int64)
    if keep:
        values = _apply("reshape", (values,), {"shape": data.shape[:d] + (1,) + rest[d:]})
        indices = np.expand_dims(indices, d)
    return ValuesIndices(values, Tensor(indices))


def max(  # noqa: A001
    input: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor | ValuesIndices:
    """``max(x)``: the largest element; ``max(x, dim)``: (values, indices) along ``dim``;
    ``max(x, y)`` with a tensor y: the elementwise ``maximum``."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _extreme("max", input, dim, keepdim, axis, keepdims)


def min(  # noqa: A001
    input: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor | ValuesIndices:
    """``min(x)``: the smallest element; ``min(x, dim)``: (values, indices) along ``dim``;
    ``min(x, y)`` with a tensor y: the elementwise ``minimum``."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _extreme("min", input, dim, keepdim, axis, keepdims)


def amax(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    """The largest values over ``dim`` (axes or all; ties share the gradient); kernel ``max``."""
    params = {"axis": _reduced("amax", dim, axis), "keepdims": keepdim_arg("amax", keepdim, keepdims)}
    return _apply("max", (_ordered("amax", input),), params)


def amin(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    """The smallest values over ``dim`` (axes or all; ties share the gradient); kernel ``min``."""
    params = {"axis": _reduced("amin", dim, axis), "keepdims": keepdim_arg("amin", keepdim, keepdims)}
    return _apply("min", (_ordered("amin", input),), params)


def _arg(op: str, input: Any, dim: Any, keepdim: bool, axis: Any, keepdims: Any) -> Tensor:
    dim = dim_arg(op, dim, axis)
    if isinstance(dim, tuple):
        raise TypeError(f"{op}: give one axis, got {dim}")
    keep = keepdim_arg(op, keepdim, keepdims)
    data = _data(_ordered(op, input))
    find = np.argmax if op == "argmax" else np.argmin
    if dim is None:  # the position in the flattened tensor
        found = np.asarray(find(_nonempty(op, data.reshape(-1), 0)))
        return Tensor((found.reshape((1,) * data.ndim) if keep else found).astype(np.int64))
    if data.ndim == 0:  # dim 0 or -1 of a 0-d tensor: index 0, as in PyTorch
        check_dim(op, dim, 1)
        return Tensor(np.zeros((), np.int64))
    d = check_dim(op, dim, data.ndim)
    return Tensor(find(_nonempty(op, data, d), axis=d, keepdims=keep).astype(np.int64))


def _nonempty(op: str, data: np.ndarray, d: int) -> np.ndarray:
    """``data``, checked to have a position to pick along axis ``d`` (PyTorch's ``IndexError``)."""
    if data.shape[d] == 0:
        raise IndexOutOfRangeError(
            f"{op}: cannot pick a position along dim {d} of length 0 (input of shape {tuple(data.shape)})"
        )
    return data


def argmax(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    """The indices of the largest values along ``dim`` (int64; of the flattened tensor without dim)."""
    return _arg("argmax", input, dim, keepdim, axis, keepdims)


def argmin(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    """The indices of the smallest values along ``dim`` (int64; of the flattened tensor without dim)."""
    return _arg("argmin", input, dim, keepdim, axis, keepdims)


def norm(
    input: Any,
    p: Any = "fro",
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The p-norm over ``dim`` (all elements by default): p = 2 ("fro"), 1, inf or any p > 0; kernel
    ``norm``. p = 0 counts the nonzero elements (a constant, in the input's dtype). A p < 0 (or
    -inf) is ``(sum |x|^p)^(1/p)`` (the smallest |x|), 0 for a slice holding a zero, as PyTorch's
    (``_negative_norm``). ``p="nuc"``: the nuclear norm of a matrix (of the axes ``dim``),
    ``linalg.matrix_norm``."""
    if isinstance(p, str) and p == "nuc":
        from mytorch.linalg import matrix_norm  # (mytorch.linalg builds on this module)

        if dim is None and np.ndim(_data(input)) != 2:
            raise ValueError(f"norm: p='nuc' without dim needs a matrix, got {np.ndim(_data(input))} axes")
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim)
    if p == "fro":
        p = 2.0
    if isinstance(p, str) or p != p:
        raise ValueError(f"norm: p must be 'fro', 'nuc', a number or inf, got {p!r}")
    dim, keep = _reduced("norm", dim, axis), keepdim_arg("norm", keepdim, keepdims)
    x = _floating_only(input, "norm")
    if p < 0:
        return _negative_norm(_apply("abs", (x,)), builtins.float(p), dim, keep)
    if p == 0:  # the number of nonzero elements, in x's (real) dtype; its gradient is 0
        data = _data(x)
        count = Tensor(np.asarray(np.count_nonzero(data, axis=dim, keepdims=keep), dtype=data.real.dtype))
        if not (isinstance(x, Tensor) and x.requires_grad) or data.dtype.kind == "c":
            return count
        # recorded with a zero gradient, as PyTorch's (backward() ran into a constant): plus a sum
        # of exact zeros selected from x (0 also where x is inf or NaN, unlike x * 0)
        nothing = where(Tensor(np.zeros(data.shape, bool)), x, Tensor(np.zeros((), data.dtype)))
        return count + _apply("sum", (nothing,), {"axis": dim, "keepdims": keep})
    if _data(x).dtype.kind == "c":  # the norm of the moduli (the kernel squared x itself: sqrt(sum x**2), complex)
        x = _apply("abs", (x,))
    return _apply("norm", (x,), {"p": builtins.float(p), "axis": dim, "keepdims": keep})


def _negative_norm(a: Tensor, p: float, dim: Any, keep: bool) -> Tensor:
    """``(sum a^p)^(1/p)`` of the moduli ``a`` for p < 0 (p = -inf: their minimum), computed as
    m (sum (a / m)^p)^(1/p) with m the smallest, so that no power overflows (a^-2 of 1e-200). A
    slice holding a 0 is 0 with gradient 0, one of infinities inf, as PyTorch's; those slices are
    computed on ones, and an inf elsewhere adds 0, so no 0^p = inf or inf / m reaches a gradient."""
    data = a._data
    reduced = range(data.ndim) if dim is None else ((dim,) if isinstance(dim, builtins.int) else dim)
    if (dim is None and data.size == 0) or 0 in [data.shape[d] for d in reduced]:
        raise ValueError(f"norm: the {p} norm of no elements is undefined (a minimum has no identity), as in PyTorch")
    if p == -math.inf:
        return amin(a, dim, keep)
    smallest = np.amin(data, axis=dim, keepdims=True)
    edge = (smallest == 0) | (smallest == math.inf)
    infinite = np.isinf(data)
    one, zero = Tensor(np.ones((), data.dtype)), Tensor(np.zeros((), data.dtype))

    def pick(mask: np.ndarray, chosen: Tensor, other: Tensor) -> Tensor:
        return _apply("where", (chosen, other), {"condition": np.broadcast_to(mask, other.shape)})

    if edge.any():
        a = pick(edge, one, a)
    m = amin(a, dim, True)

    def power(x: Tensor) -> Tensor:  # (the kernel: a float16 p past 65504, a norm's setting, is not refused as x ** p)
        return _apply("pow", (x,), {"exponent": p})

    powers = power(a / m)
    if infinite.any():
        powers = pick(infinite, zero, power(pick(infinite, one, a) / m))
    total = sum(powers, dim, keep)
    y = amin(a, dim, keep) * total ** (1.0 / p)
    if edge.any():
        fixed = np.where(smallest == 0, 0.0, math.inf).astype(data.dtype)
        y = pick(edge.reshape(y.shape), Tensor(fixed.reshape(y.shape)), y)
    return y


def _correction(op: str, unbiased: Any, correction: Any) -> int:
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give unbiased or correction, not both")
    if correction is not None:
        return correction
    return 1 if unbiased is None else builtins.int(builtins.bool(unbiased))


def var(
    input: Any,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The variance over ``dim``: sum((x - mean)**2) / (n - correction); ``correction`` 1 (the
    default, or ``unbiased=True``) or 0 (``unbiased=False``); kernel ``var``."""
    if isinstance(dim, builtins.bool):  # var(x, False): PyTorch's older var(input, unbiased)
        dim, unbiased = None, dim
    params = {
        "axis": _of_0d("var", input, _reduced("var", dim, axis)),
        "keepdims": keepdim_arg("var", keepdim, keepdims),
        "correction": _correction("var", unbiased, correction),
    }
    return _apply("var", (_floating_only(input, "var"),), params)


def _beyond_float32(variance: np.ndarray) -> np.ndarray:
    """Where a float32 variance overflowed (inf) or fell below the normal numbers (0 included:
    the squares of spreads below about 1e-19 vanish), so that its square root is lost."""
    return np.isinf(variance) | (variance < np.finfo(np.float32).tiny)


def std(
    input: Any,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The standard deviation over ``dim``: the square root of ``var`` (same arguments).

    Where the variance is 0 (a constant row) the gradient is 0, as in PyTorch, not the
    NaN of sqrt's infinite slope times var's zero slope. A float16 input is taken in float32 and
    the result given back in float16, as PyTorch does: its variance may overflow float16 where
    the deviation fits (std of [400, -400, 0, 0] is 326.5, its variance 1.07e5). Likewise a
    float32 input whose variance overflows or underflows float32 (values beyond about 1.8e19, or
    spreads below about 1e-19) is taken in float64, as PyTorch accumulates it: std of [1e20,
    3e20, -1e20, 5e19] is 1.65e20, not inf; where the float32 variance is a normal number the
    result is computed as before, in float32."""
    _floating_only(input, "std")
    wider = (
        {np.float16: np.float32, np.float32: np.float64}.get(input.dtype.type) if isinstance(input, Tensor) else None
    )
    variance = (
        None
        if wider is np.float32
        else var(input, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    )
    beyond = None if variance is None or wider is None else _beyond_float32(variance._data)
    if variance is None or (beyond is not None and beyond.any()):
        wide = std(input.to(wider), dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
        if variance is None:
            return wide.to(input.dtype)
        # only the slices that need it, so that each slice's result is the one it has alone
        root = sqrt(_apply("where", (1.0, variance), {"condition": beyond}))  # sqrt sees 1 there
        return _apply("where", (wide.to(input.dtype), root), {"condition": beyond})
    zero = variance._data == 0
    if not zero.any():
        return sqrt(variance)
    root = sqrt(_apply("where", (1.0, variance), {"condition": zero}))  # sqrt sees 1 where it is 0
    return _apply("where", (0.0, root), {"condition": zero})


def prod(
    input: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The product over one axis ``dim`` (or all elements); kernel ``prod``."""
    dim = dim_arg("prod", dim, axis)
    if isinstance(dim, tuple):
        raise TypeError(f"prod: give one axis, got {dim}")
    params = {"axis": dim, "keepdims": keepdim_arg("prod", keepdim, keepdims)}
    result = _apply("prod", (_summed(input, dtype, "prod"),), params)
    return result if dtype is None else _as_asked(result, dtype, "prod")


def cumsum(input: Any, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
    """The running sum along ``dim``; kernel ``cumsum``."""
    dim = dim_arg("cumsum", dim, axis)
    if not isinstance(dim, builtins.int):
        raise TypeError(f"cumsum: give the axis to sum along (dim=...), got {dim!r}")
    check_dim("cumsum", dim, builtins.max(_data(input).ndim, 1))  # (0-d: only 0 and -1; the kernel took any)
    result = _apply("cumsum", (_summed(input, dtype, "cumsum"),), {"axis": dim})
    return result if dtype is None else _as_asked(result, dtype, "cumsum")


def logsumexp(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None) -> Tensor:
    """log(sum(e**x)) over ``dim`` (an axis or a tuple of them; required, as in PyTorch), computed
    without overflow; its gradient is softmax(x) along ``dim``. Integers and bools give the
    default float dtype; float16 is summed in float32. Kernel ``logsumexp``."""
    dim = dim_arg("logsumexp", dim, axis)
    if dim is None:
        raise TypeError("logsumexp: give the axis (or axes) to reduce, e.g. logsumexp(x, dim=1)")
    if dim == ():
        raise ValueError("logsumexp: dim=() reduces nothing; give the axes to reduce (PyTorch refuses it too)")
    params = {"axis": dim, "keepdims": keepdim_arg("logsumexp", keepdim, keepdims)}
    x = input if _data(input).dtype.kind in "fc" else _with_dtype(input, get_default_dtype(), "logsumexp")
    return _apply("logsumexp", (x,), params)


def numel(input: Any) -> builtins.int:
    """The number of elements."""
    return builtins.int(_data(input).size)


# --------------------------------------------------------------------------- elementwise
def neg(input: Any) -> Tensor:
    """-x; kernel ``neg``."""
    return _apply("neg", (input,))


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input + alpha * other; kernels ``add`` (and ``mul`` when alpha is not 1)."""
    return _apply("add", (_scaled(other, input, 1, "add"), _scaled(input, other, alpha, "add")))


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input - alpha * other; kernels ``sub`` (and ``mul`` when alpha is not 1). A bool
    operand is refused, as by ``-``."""
    _check_bool_subtraction(input, other)
    return _apply("sub", (_scaled(other, input, 1, "sub"), _scaled(input, other, alpha, "sub")))


def mul(input: Any, other: Any) -> Tensor:
    """input * other (broadcasting); kernel ``mul``."""
    return _apply("mul", (_scaled(other, input, 1, "mul"), _scaled(input, other, 1, "mul")))


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """input / other (broadcasting; integers divide into the default float dtype); kernel ``div``.
    ``rounding_mode="floor"`` is ``floor_divide``; ``"trunc"`` rounds the quotient toward zero
    (integers stay integers: ``div(-7, 2, rounding_mode="trunc")`` is -3). Both are recorded
    with gradient 0 in float operands, as PyTorch's (``//`` alone is a constant).

    Raises:
        ValueError: another ``rounding_mode``.
        ZeroDivisionError: an integer division by zero with a ``rounding_mode``.
    """
    if rounding_mode is not None:
        return _rounded_quotient(input, other, rounding_mode)
    if isinstance(input, Tensor):
        return input / other
    if isinstance(other, Tensor):
        return other.__rtruediv__(input)
    return _apply("div", (input, other))


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001, A002 - PyTorch's names
    """input ** exponent; either may be a number (``Tensor.__pow__`` / ``__rpow__``)."""
    if isinstance(input, Tensor):
        return input**exponent
    if isinstance(exponent, Tensor):
        return exponent.__rpow__(input)
    raise TypeError("pow: the base or the exponent must be a Tensor")


def clamp(input: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001, A002
    """x limited to [min, max] (either bound optional; the gradient passes where min <= x <= max);
    kernel ``clamp``, or ``where`` for bounds that are tensors."""
    if min is None and max is None:
        raise ValueError("clamp: give min, max or both")
    _ordered("clamp", input)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_between(input, min, max)
    x = _data(input)
    for bound in (min, max):  # (70000.0 for float16 raises, as in PyTorch; it clamped to inf)
        if x.dtype.kind == "f" and isinstance(bound, (builtins.int, builtins.float, np.integer, np.floating)):
            _check_storable(bound, x.dtype, "clamp")
    if x.dtype.kind in "biu":  # integers (labels) stay integers between integer bounds, as in PyTorch
        if builtins.all(isinstance(b, (builtins.int, np.integer)) for b in (min, max) if b is not None):
            lo, hi = (None if b is None else builtins.int(b) for b in (min, max))  # (np.int64(3) would widen int32)
            if x.dtype.kind == "b":
                x = x.astype(np.int64)  # (bools: int64)
            lo, hi = _integer_bounds("clamp", x.dtype, lo, hi)
            return Tensor(x.copy() if lo is None and hi is None else np.clip(x, lo, hi).astype(x.dtype, copy=False))
        return _apply("clamp", (Tensor(x.astype(get_default_dtype())),), {"min": min, "max": max})
    return _apply("clamp", (input,), {"min": min, "max": max})


def _clamp_between(x: Any, min: Any, max: Any) -> Tensor:  # noqa: A002
    """``clamp`` with tensor bounds, with PyTorch's gradients: x's where min <= x <= max (bounds
    included, so a tie goes to x, not half and half as ``maximum`` would split it), min's where
    x < min < max, max's where x > max or max < min (the result is then max everywhere). Where
    none holds (x < min == max, or a NaN) the result is a constant: PyTorch gives no gradient
    there (a chain of two ``where`` gave min's)."""
    xv = _data(x)
    inside: Any = True
    below: Any = False
    above: Any = False
    y = x
    if min is not None:
        lo = _data(min)
        inside = xv >= lo
        below = xv < lo if max is None else (xv < lo) & (lo < _data(max))
        y = _apply("where", (min, y), {"condition": below})
    if max is not None:
        hi = _data(max)
        inside = inside & (xv <= hi)
        above = xv > hi if min is None else (xv > hi) | (hi < lo)
        y = _apply("where", (max, y), {"condition": above})
    rest = ~(inside | below | above)
    value = np.asarray(xv if min is None else np.maximum(xv, lo))
    value = np.asarray(value if max is None else np.minimum(value, hi), _data(y).dtype)
    if rest.any():
        y = _apply("where", (value, y), {"condition": rest})
    nan = np.isnan(value) & ~rest if value.dtype.kind == "f" else False
    if np.any(nan):  # a NaN bound where max's gradient is taken (x > max): NaN, that gradient kept
        y = _apply("add", (y, np.where(nan, np.nan, 0.0).astype(value.dtype)))
    return y


clip = clamp


def where(condition: Any, input: Any = None, other: Any = None) -> Tensor | tuple[Tensor, ...]:
    """``input`` where ``condition`` (a bool tensor) holds, else ``other`` (broadcasting; numbers
    allowed); kernel ``where``. ``where(condition)`` alone gives the indices where it holds."""
    cond = _data(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor (a comparison), got {cond.dtype}")
    if input is None and other is None:
        return tuple(Tensor(i.astype(np.int64)) for i in np.nonzero(cond))
    if input is None or other is None:
        raise TypeError("where: give both input and other (or neither)")
    for name, number, like in (("input", input, other), ("other", other, input)):  # 300 is refused next to uint8
        if isinstance(number, (builtins.int, np.integer)) and isinstance(like, Tensor) and like.dtype.kind in "iu":
            _check_storable(number, like.dtype, "where")
        elif isinstance(like, Tensor) and like.dtype.kind in "biuf":  # 1e39 beside float32 (or integers) was inf
            floats = isinstance(number, (builtins.float, np.floating)) and like.dtype.kind != "f"
            dtype = get_default_dtype() if floats else like.dtype
            # (a float16 result takes 70000.0 as inf, as PyTorch's where does)
            check_setting("where", name, number, _DOUBLE if dtype == _HALF else dtype)
    numbers = (builtins.int, builtins.float, builtins.bool, np.number, np.bool_)
    if isinstance(input, numbers) and isinstance(other, numbers):  # two numbers: as tensor([a, b]) would hold them
        both = np.asarray([input, other])  # (a float among them: the default dtype, not float64; as in PyTorch)
        kind = both.dtype.kind
        dtype = get_default_dtype() if kind == "f" else np.dtype(np.int64) if kind in "iu" else both.dtype
        input, other = np.asarray(input, dtype=dtype), np.asarray(other, dtype=dtype)  # noqa: A001
    return _apply("where", (_scaled(other, input, 1, "where"), _scaled(input, other, 1, "where")), {"condition": cond})


def slope_in_graph(x: Tensor, condition: Any = np.True_, other: Any = 0.0) -> Tensor:
    """``x`` where ``condition`` holds, else ``other`` (by default ``x`` itself), recorded as a
    selection PyTorch makes inside a fused operation (``where``'s ``slope_recorded``): a gradient
    flowing back through it is in the graph as a function of ``x`` with derivative 0, so that
    differentiating it again gives zeros, as PyTorch's pools, ``rrelu`` and a norm's bias do, rather
    than raising "does not require a gradient". Unrecorded (``x`` needs no gradient): ``x``."""
    if condition is np.True_ and not (isinstance(x, Tensor) and x.requires_grad and _GradMode.enabled):
        return x
    return _apply("where", (x, other), {"condition": condition, "slope_recorded": True})


def _fill_mask(op: str, mask: Any, shape: tuple[builtins.int, ...], inplace: builtins.bool) -> np.ndarray:
    """``mask`` as a bool array broadcasting with ``shape`` (to ``shape`` itself for an in-place fill)."""
    m = _data(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"{op}: the mask must be a bool tensor (a comparison such as x == 0), got dtype {m.dtype}")
    try:
        joint = np.broadcast_shapes(m.shape, shape)
    except ValueError:
        joint = None
    if joint is None or (inplace and joint != shape):
        into = "to" if inplace else "with"
        raise ShapeRuntimeError(
            f"{op}: a mask of shape {tuple(m.shape)} does not broadcast {into} the tensor's shape {shape}"
        )
    return m


def _fill_value(op: str, value: Any, x: np.ndarray) -> Any:
    """The fill: a 0-d tensor as it is (its gradient is the sum over the filled places), a number
    in ``x``'s dtype, as PyTorch takes it (0.5 into integers is 0; -inf into integers is refused,
    and so is an integer the dtype cannot hold: 300 into uint8, where -1 is 255). Into an integer
    or bool ``x`` a 0-d tensor is such a number too (a float 1.7 is 1), and into a float ``x`` a 0-d
    float tensor is cast to its dtype (recorded): the result keeps the input's dtype, as in PyTorch."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise TypeError(
                f"{op}: the value must be a number or a 0-d tensor, got a tensor of shape {tuple(value.shape)}"
            )
        if x.dtype.kind in "biu":
            return _fill_value(op, value._data.item(), x)
        return value.to(x.dtype) if value.dtype.kind == "f" else value  # (a float16 x stays float16, as in PyTorch)
    if isinstance(value, builtins.complex) and x.dtype.kind == "c":  # (1j into a complex tensor was refused)
        return np.asarray(value).astype(x.dtype)
    if not isinstance(value, (builtins.int, builtins.float, builtins.bool, np.number, np.bool_)):
        raise TypeError(f"{op}: the value must be a number or a 0-d tensor, got {type(value).__name__}")
    if x.dtype.kind in "biu" and not math.isfinite(value):
        raise ValueError(f"{op}: the value {value!r} cannot be stored in a tensor of dtype {x.dtype}")
    if x.dtype.kind in "iuf" and not isinstance(value, (builtins.bool, np.bool_)):
        _check_storable(value, x.dtype, op)
    return np.asarray(value).astype(x.dtype)


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:  # noqa: A002
    """``input`` with ``value`` (a number or a 0-d tensor) where the bool ``mask`` holds, as in
    PyTorch: ``scores.masked_fill(pad_mask, float("-inf"))``. The mask broadcasts with the input;
    the result keeps the input's dtype (a number is taken in it). Kernel ``where``: the input's
    gradient is 0 where it was filled, a 0-d tensor value's the sum of the gradient there.

    Raises:
        TypeError: the mask is not bool, or the value is not a number or a 0-d tensor.
        ValueError: the mask does not broadcast with the input, or the value does not fit an
            integer dtype (-inf).
    """
    x = _data(input)
    condition = _fill_mask("masked_fill", mask, x.shape, inplace=False)
    fill = _fill_value("masked_fill", value, x)
    return _apply("where", (fill, input if isinstance(input, Tensor) else Tensor(x)), {"condition": condition})


def masked_fill_(self: Tensor, mask: Any, value: Any) -> Tensor:
    """``masked_fill`` written into this tensor (an in-place operation; returns it). The mask
    broadcasts to the tensor's shape."""
    condition = _fill_mask("masked_fill_", mask, self.shape, inplace=True)
    fill = _fill_value("masked_fill_", value, self._data)
    return _assign(self, np.broadcast_to(condition, self.shape), fill, "masked_fill_")


# --------------------------------------------------------------------------- products
def _check_ndim(op: str, what: str, x: Any, ndim: builtins.int) -> None:
    shape = _data(x).shape
    if len(shape) != ndim:
        raise ValueError(f"{op}: {what} must have {ndim} axes, got shape {shape}")


def checked_product(op: str, input: Any, other: Any) -> Tensor:  # noqa: A002
    """The ``matmul`` kernel of two operands, refused (``DtypeMismatchError``) for two tensors of
    different dtypes, as PyTorch refuses them."""
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input._data.dtype is not other._data.dtype:
        check_same_dtype(op, input._data, other._data)
    return _apply("matmul", (input, other))


def mm(input: Any, mat2: Any) -> Tensor:
    """The matrix product of two 2-D tensors; kernel ``matmul``."""
    _check_ndim("mm", "input", input, 2)
    _check_ndim("mm", "mat2", mat2, 2)
    return checked_product("mm", input, mat2)


def bmm(input: Any, mat2: Any) -> Tensor:
    """Batched matrix products of two 3-D tensors with the same batch size; kernel ``matmul``."""
    _check_ndim("bmm", "input", input, 3)
    _check_ndim("bmm", "mat2", mat2, 3)
    if _data(input).shape[0] != _data(mat2).shape[0]:
        raise ValueError(f"bmm: batch sizes differ: {_data(input).shape} and {_data(mat2).shape}")
    return checked_product("bmm", input, mat2)


def dot(input: Any, other: Any) -> Tensor:
    """The dot product of two 1-D tensors; kernel ``matmul``."""
    _check_ndim("dot", "input", input, 1)
    _check_ndim("dot", "other", other, 1)
    return checked_product("dot", input, other)


# --------------------------------------------------------------------------- softmax
def softmax(input: Any, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor:
    """e**x / sum(e**x) along ``dim`` (default: the last axis); kernel ``softmax``."""
    dim = dim_arg("softmax", dim, axis)
    x = _ordered("softmax", _float_or_default(input, dtype, "softmax"))
    return _apply("softmax", (x,), {"axis": -1 if dim is None else dim})


def log_softmax(input: Any, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor:
    """x - log(sum(e**x)) along ``dim`` (default: the last axis); kernel ``log_softmax``."""
    dim = dim_arg("log_softmax", dim, axis)
    x = _ordered("log_softmax", _float_or_default(input, dtype, "log_softmax"))
    return _apply("log_softmax", (x,), {"axis": -1 if dim is None else dim})


# --------------------------------------------------------------------------- comparisons
def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def eq(input: Any, other: Any) -> Tensor:
    """input == other, elementwise: a bool tensor (no gradient)."""
    return _as_tensor(input) == other


def ne(input: Any, other: Any) -> Tensor:
    """input != other, elementwise: a bool tensor."""
    return _as_tensor(input) != other


def lt(input: Any, other: Any) -> Tensor:
    """input < other, elementwise: a bool tensor."""
    return _as_tensor(input) < other


def le(input: Any, other: Any) -> Tensor:
    """input <= other, elementwise: a bool tensor."""
    return _as_tensor(input) <= other


def gt(input: Any, other: Any) -> Tensor:
    """input > other, elementwise: a bool tensor."""
    return _as_tensor(input) > other


def ge(input: Any, other: Any) -> Tensor:
    """input >= other, elementwise: a bool tensor."""
    return _as_tensor(input) >= other


def equal(input: Any, other: Any) -> builtins.bool:
    """True when both have one shape and equal elements."""
    a, b = _data(input), _data(other)
    return a.shape == b.shape and builtins.bool(np.array_equal(a, b))


def allclose(
    input: Any,
    other: Any,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    equal_nan: builtins.bool = False,
) -> builtins.bool:
    """True when |input - other| <= atol + rtol |other| everywhere."""
    rtol, atol = _tolerances("allclose", rtol, atol)
    with np.errstate(over="ignore"):  # (a tolerance past float32's largest: inf, everything close)
        return builtins.bool(np.allclose(_data(input), _data(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


def _tolerances(op: str, rtol: Any, atol: Any) -> tuple[float, float]:
    """``rtol`` and ``atol`` as floats, each >= 0 as PyTorch requires (a negative one made nothing
    close; a Python int beyond float64's exactness was NumPy's TypeError)."""
    rtol, atol = builtins.float(rtol), builtins.float(atol)
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not value >= 0:
            raise RuntimeError(f"{op}: {name} must be at least 0, got {value}")
    return rtol, atol


def isclose(input: Any, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: builtins.bool = False) -> Tensor:
    """Elementwise |input - other| <= atol + rtol |other| (broadcasting): a bool tensor, as ``allclose``
    asks of every element."""
    rtol, atol = _tolerances("isclose", rtol, atol)
    with np.errstate(over="ignore"):  # (as in allclose)
        return Tensor(np.isclose(_data(input), _data(other), rtol=rtol, atol=atol, equal_nan=equal_nan))


# --------------------------------------------------------------------------- rounding, remainders
def _rounding(name: str) -> Any:
    """floor, ceil, trunc, sign: recorded with gradient 0 (kernel ``name``), as in PyTorch;
    integers stay integers (floor, ceil and trunc give a copy, and sign of bools)."""

    def op(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
        x = _as_tensor(input)
        if name == "sign" and x._data.dtype.kind == "c":
            raise TypeError(
                f"sign: complex numbers have no sign (got {x._data.dtype}); sgn gives x / |x|, as PyTorch "
                "refuses sign of complex input"
            )
        if x._data.dtype.kind in "biu" and (name != "sign" or x._data.dtype.kind == "b"):
            return Tensor(x._data.copy())  # (the sign of a bool is itself, as in PyTorch)
        return _apply(name, (x,))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{_K[name].forward.__doc__} Kernel ``{name}``; also a method of Tensor."
    return op


floor = _rounding("floor")
ceil = _rounding("ceil")
trunc = _rounding("trunc")
sign = _rounding("sign")


def round(input: Any, *, decimals: builtins.int = 0) -> Tensor:  # noqa: A001, A002 - PyTorch's names
    """x rounded to ``decimals`` places, halves to even (2.5 -> 2); kernel ``round``, gradient 0.
    Integers stay integers; rounding them to tens or more (``decimals`` < 0) raises
    NotImplementedError, as PyTorch's (it returned them unchanged: 15 for 20)."""
    x = _as_tensor(input)
    if x._data.dtype.kind in "biu":
        if decimals < 0:
            raise NotImplementedError(
                f"round: decimals={decimals} of an integer tensor ({x.dtype}) is not supported, as in PyTorch; "
                "round a floating-point copy (x.double().round(decimals=...))"
            )
        return Tensor(x._data.copy())
    return _apply("round", (x,), {"decimals": builtins.int(decimals)} if decimals else None)


def _quotient_operands(op: str, input: Any, other: Any) -> tuple[tuple[Any, Any], tuple[np.ndarray, np.ndarray]]:
    """The operands of ``%``, ``fmod`` and ``//`` promoted as PyTorch does (a Python integer outside
    an integer tensor's range wraps, as in ``+``: ``uint8 % -2`` is ``uint8 % 254``); an integer
    division by zero raises ZeroDivisionError, as in PyTorch (NumPy gives 0 and a warning)."""
    args = (input, other)
    like = next((a._data for a in args if isinstance(a, Tensor)), None)
    arrays = _arrays(args) if like is None else tuple(_wrapping(a, like) for a in args)
    if arrays[0].dtype != arrays[1].dtype:
        args, arrays = _promoted(args, arrays)  # type: ignore[assignment]
        if arrays[0].dtype != arrays[1].dtype:  # (float32 % float64: both float64, a gradient through a cast)
            dtype = _promoted_dtype(*arrays)
            args = tuple(a.to(dtype) if _wants_grad(a) and a.dtype != dtype else a for a in args)
            arrays = tuple(a._data if _wants_grad(a) else b.astype(dtype) for a, b in zip(args, arrays))
    if arrays[0].dtype.kind in "biu" and not np.all(arrays[1]):
        raise ZeroDivisionError(f"{op}: integer division by zero")
    return args, (arrays[0], arrays[1])


def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """a % b: a - floor(a / b) b, with the sign of b (Python's and PyTorch's ``%``); kernel
    ``remainder``: da = g, db = -g floor(a / b). Also ``a % b`` and a method of Tensor."""
    args, arrays = _quotient_operands("remainder", input, other)
    if arrays[0].dtype.kind in "biu":
        return Tensor(np.remainder(*arrays))
    with np.errstate(divide="ignore", invalid="ignore"):  # x % 0 is NaN, as in PyTorch
        return _run(_K["remainder"], args, arrays, None)


def fmod(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """a - trunc(a / b) b, with the sign of a (C's ``fmod``); kernel ``fmod``: da = g,
    db = -g trunc(a / b). Also a method of Tensor."""
    args, arrays = _quotient_operands("fmod", input, other)
    if arrays[0].dtype.kind in "biu":
        return Tensor(np.fmod(*arrays))
    with np.errstate(divide="ignore", invalid="ignore"):
        return _run(_K["fmod"], args, arrays, None)


def floor_divide(input: Any, other: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """a // b: floor(a / b) (PyTorch's ``//`` since 1.13; integers stay integers). Not
    differentiable: the result is outside the graph (PyTorch records it and raises in
    ``backward``). Also ``a // b`` and a method of Tensor. A float16 tensor divided by a number
    float16 does not hold (or by a wider 0-d tensor) is divided in float32, as PyTorch divides it."""
    if _widens_half(other, input):  # (a divisor on the right only, as in PyTorch)
        quotient = floor_divide(input._data.astype(np.float32), other)._data
        with np.errstate(over="ignore"):  # beyond float16: inf, as in PyTorch
            return Tensor(quotient.astype(_HALF))
    _, arrays = _quotient_operands("floor_divide", input, other)
    with np.errstate(divide="ignore", invalid="ignore"):  # x // 0. is +-inf or NaN, as in PyTorch
        return Tensor(np.floor_divide(*arrays))


def _rounded_quotient(input: Any, other: Any, rounding_mode: Any) -> Tensor:  # noqa: A002
    """``div`` with a ``rounding_mode``: floor or trunc of the quotient, with derivative 0 in a
    float operand that requires grad (PyTorch's zeros, where ``//`` is a constant)."""
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    constants = [x.detach() if isinstance(x, Tensor) else x for x in (input, other)]
    if rounding_mode == "floor":
        q = floor_divide(*constants)
    else:
        _, (a, b) = _quotient_operands("div", *constants)
        if a.dtype.kind not in "biu":
            q = Tensor(np.trunc(div(*constants)._data))  # (float16 by a wider number in float32, as ``/``)
        else:
            if a.dtype.kind == "b":
                a, b = a.astype(np.int64), b.astype(np.int64)
            r = np.floor_divide(a, b)
            q = Tensor(r + ((r * b != a) & ((a < 0) != (b < 0))).astype(r.dtype))  # floor, then toward zero
    for x in (input, other):
        if _wants_grad(x) and q.dtype.kind == "f":
            q = _apply("where", (x, q), {"condition": np.False_})
    return q


def _mod(self: Tensor, other: Any) -> Tensor:
    return remainder(self, other)


def _rmod(self: Tensor, other: Any) -> Tensor:
    return remainder(other, self)


def _floordiv(self: Tensor, other: Any) -> Tensor:
    return floor_divide(self, other)


def _rfloordiv(self: Tensor, other: Any) -> Tensor:
    return floor_divide(other, self)


def _quotient_inplace(op: Any, what: str) -> Any:
    """``t %= b`` / ``remainder_``, ``fmod_``, ``t //= b`` / ``floor_divide_``: the result written into
    ``t`` itself (views and other names see it; the version is bumped), as PyTorch does.

    Recorded like ``**=``: ``remainder`` and ``fmod`` read the old value in backward, so it is copied
    first. A result ``t``'s dtype cannot hold (``int_tensor %= 2.5``) raises RuntimeError, as in
    PyTorch. ``//=`` has no derivative: while recording it raises RuntimeError at once (PyTorch
    records it and raises in ``backward``: "derivative for aten::floor_divide_ is not implemented")."""

    def method(self: Tensor, other: Any) -> Tensor:
        tracked = _tracked(self, other)
        if tracked and op is floor_divide:
            raise RuntimeError(
                f"{what}: floor division has no derivative, and this tensor (shape {tuple(self.shape)}) or the divisor "
                "requires grad while recording (PyTorch raises in backward: 'derivative for aten::floor_divide_ is "
                "not implemented'); use `with mytorch.no_grad():`, a .detach()ed tensor, or x - x % b"
            )
        if tracked:
            _check_inplace(self, what)
        value = op(_copy(self) if tracked else self, other)
        _check_can_store(value.dtype, self.dtype, what)
        return _assign(self, Ellipsis, value, what)

    method.__name__ = method.__qualname__ = what if what.endswith("_") else f"__i{op.__name__}__"
    method.__doc__ = f"``{what}``: {op.__name__} written into this tensor, in place; returns it."
    return method


def _round_refused(self: Tensor, ndigits: Any = None) -> Any:
    """``round(t)``: a TypeError, as PyTorch gives (its Tensor has no ``__round__``), with the two
    ways to say what is meant."""
    raise TypeError(
        "round(t): type Tensor doesn't define __round__ method (as in PyTorch); use t.round() or "
        "t.round(decimals=n) for a Tensor (halves to even), or round(t.item()) for a Python number"
    )


OPERATORS = {
    "__mod__": _mod,
    "__rmod__": _rmod,
    "__floordiv__": _floordiv,
    "__rfloordiv__": _rfloordiv,
    "__imod__": _quotient_inplace(remainder, "%="),
    "__ifloordiv__": _quotient_inplace(floor_divide, "//="),
    "remainder_": _quotient_inplace(remainder, "remainder_"),
    "fmod_": _quotient_inplace(fmod, "fmod_"),
    "floor_divide_": _quotient_inplace(floor_divide, "floor_divide_"),
    "__round__": _round_refused,
}
"""``%``, ``//``, their in-place forms, and ``round(t)``'s refusal (``mytorch.tensor_methods``
binds them onto Tensor)."""


# --------------------------------------------------------------------------- tests of values (no gradient)
def isnan(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """Where input is NaN: a bool tensor, outside any graph."""
    return Tensor(np.isnan(_data(input)))


def isinf(input: Any) -> Tensor:  # noqa: A002
    """Where input is +inf or -inf: a bool tensor, outside any graph."""
    return Tensor(np.isinf(_data(input)))


def isfinite(input: Any) -> Tensor:  # noqa: A002
    """Where input is neither NaN nor infinite: a bool tensor, outside any graph."""
    return Tensor(np.isfinite(_data(input)))


def _logical_reduction(name: str, reduce: Any, what: str) -> Any:
    """``any`` or ``all`` (``reduce``: ``np.any`` or ``np.all``) with PyTorch's arguments."""

    def op(
        input: Any,  # noqa: A002 - PyTorch's name
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        axis: Any = None,
        keepdims: Any = None,
    ) -> Tensor:
        x = _data(input)
        axes = dim_arg(name, dim, axis)  # (dim=() reduces nothing here, as in PyTorch: each element's truth)
        result = np.asarray(reduce(x, axis=axes, keepdims=keepdim_arg(name, keepdim, keepdims)))
        return Tensor(result.astype(np.uint8) if x.dtype == np.uint8 else result)  # uint8 stays uint8, as in PyTorch

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Whether {what} element (along ``dim``) is nonzero: a bool tensor, outside any graph."
    return op


any = _logical_reduction("any", np.any, "any")  # noqa: A001 - PyTorch's name
all = _logical_reduction("all", np.all, "every")  # noqa: A001 - PyTorch's name
