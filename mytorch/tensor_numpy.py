"""NumPy's protocols on ``Tensor``: ``np.exp(t)``, ``np.sum(t, axis=0)``, ``array * t`` record.

``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` send the NumPy functions below
to the kernel table, so ``np.cos(t)`` is ``mytorch.cos(t)``. This is what makes the kernel
table serve every order of derivative: the backward rules in ``mytorch.nn.functional`` are
written in NumPy, and given Tensors they run through these tables and record themselves,
so a gradient computed with ``create_graph=True`` can be differentiated again.

Three kinds of function:

* with a derivative (``UFUNCS``, ``FUNCTIONS``): recorded as kernels;
* without one, or piecewise constant (comparisons, ``sign``, ``floor``, ``zeros_like``,
  ``result_type``, ``shape``, ...): run on the values, the result is a constant;
* anything else is run on the values when no operand requires a gradient, and raises a
  ``TypeError`` naming the function when one does (its gradient would silently be lost).

``np.asarray(t)`` is always the values (``t.numpy()``): a way to say "a constant" on purpose.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch import tensor as T
from mytorch import tensor_einsum, tensor_math, tensor_shape, tensor_sort
from mytorch.nn import functional as F

__all__ = ["FUNCTIONS", "UFUNCS", "array_function", "array_ufunc"]


def _requires_grad(values: Any) -> bool:
    """Whether some Tensor among ``values`` (nested in lists and tuples) requires a gradient."""
    for v in values:
        if isinstance(v, T.Tensor):
            if v.requires_grad:
                return True
        elif isinstance(v, (list, tuple)) and _requires_grad(v):
            return True
    return False


def _values(value: Any) -> Any:
    """``value`` with every Tensor (also inside lists and tuples) replaced by its array."""
    if isinstance(value, T.Tensor):
        return value._data
    if isinstance(value, (list, tuple)):
        return type(value)(_values(v) for v in value)
    return value


def _constant(result: Any) -> Any:
    """A NumPy result on values, as a constant: arrays and NumPy's numeric scalars become Tensors
    (``np.sum(t)`` is a 0-d Tensor whether ``t`` requires a gradient or not: a NumPy scalar
    promotes by NumPy's rules, ``np.float32(3) + 0.1`` float64 on NumPy 1.26 and float32 on 2);
    the rest (Python numbers, shapes, strings) stays as is."""
    if isinstance(result, np.ndarray):
        return T.Tensor(result)
    if isinstance(result, np.generic) and result.dtype.kind in "biufc":
        return T.Tensor(np.asarray(result))
    if isinstance(result, (list, tuple)):
        return type(result)(_constant(r) for r in result)
    return result


def _kernel(name: str) -> Callable[..., T.Tensor]:
    """The recorded kernel ``name`` on its operands (Tensors or constants)."""

    def op(*operands: Any) -> T.Tensor:
        return T._apply(name, operands)

    return op


def _power(base: Any, exponent: Any) -> T.Tensor:
    if isinstance(base, T.Tensor):
        return base**exponent
    return exponent.__rpow__(base)


def _operator(name: str) -> Callable[[Any, Any], T.Tensor]:
    """``ufunc(a, b)`` as the Tensor's operator ``__name__`` (or ``b``'s reflected one), with its
    promotion: two integers divide into the default float dtype, and a NumPy integer outside an
    integer tensor's range wraps as a Python one does (``np.int64(300) - uint8`` is ``44 - uint8``)."""

    def op(a: Any, b: Any) -> T.Tensor:
        return getattr(a, f"__{name}__")(b) if isinstance(a, T.Tensor) else getattr(b, f"__r{name}__")(a)

    return op


def _composed(name: str) -> Callable[..., T.Tensor]:
    """``mytorch.tensor_composed``'s function ``name`` (looked up at the call: that module imports this one's)."""

    def op(*operands: Any) -> T.Tensor:
        from mytorch import tensor_composed

        return getattr(tensor_composed, name)(*operands)

    return op


UFUNCS: dict[np.ufunc, Callable[..., T.Tensor]] = {
    np.add: _operator("add"),
    np.subtract: _operator("sub"),
    np.multiply: _operator("mul"),
    np.true_divide: _operator("truediv"),
    np.matmul: _kernel("matmul"),
    np.negative: _kernel("neg"),
    np.positive: _kernel("identity"),
    np.exp: _kernel("exp"),
    np.log: _kernel("log"),
    np.sqrt: _kernel("sqrt"),
    np.absolute: _kernel("abs"),
    np.sin: _kernel("sin"),
    np.cos: _kernel("cos"),
    np.tanh: _kernel("tanh"),
    np.maximum: _kernel("maximum"),
    np.minimum: _kernel("minimum"),
    np.power: _power,
    np.square: T.square,  # (the functions, not the bare kernels: an integer's reciprocal is a float)
    np.log1p: T.log1p,
    np.log2: T.log2,
    np.log10: T.log10,
    np.expm1: T.expm1,
    np.reciprocal: T.reciprocal,
    np.remainder: tensor_math.remainder,
    np.fmod: tensor_math.fmod,
    np.arcsin: T.asin,
    np.arccos: T.acos,
    np.arctan: T.atan,
    np.arctan2: _composed("atan2"),
    np.sinh: _composed("sinh"),
    np.cosh: _composed("cosh"),
    np.arctanh: _composed("atanh"),
    np.arccosh: _composed("acosh"),
    np.floor_divide: tensor_math.floor_divide,  # (no derivative: PyTorch's promotion, np.int32(3) // t32 is float32)
    np.conjugate: lambda t: t.conj(),  # (a real tensor itself; a complex one's recorded)
}
"""NumPy ufuncs with a derivative, called as ``ufunc(*operands)``, each as Tensor ops."""

_LOGICAL: dict[np.ufunc, Callable[[Any, Any], T.Tensor]] = {
    np.bitwise_and: _operator("and"),
    np.bitwise_or: _operator("or"),
    np.bitwise_xor: _operator("xor"),
    np.left_shift: _operator("lshift"),
    np.right_shift: _operator("rshift"),
}
"""``np.int64(2) & t``, ``array << t`` and the like: the Tensor's operator, with its promotion."""

PIECEWISE_CONSTANT = frozenset(
    {np.sign, np.floor, np.ceil, np.trunc, np.rint, np.isfinite, np.isnan, np.isinf, np.signbit, np.floor_divide}
    | {np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal}
    | {np.logical_and, np.logical_or, np.logical_not, np.logical_xor}
)
"""Ufuncs whose derivative is zero wherever it exists: their results are constants."""


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``Tensor.__array_ufunc__``: run ``ufunc.method`` on operands that include a Tensor."""
    if "out" in kwargs:
        outs = kwargs["out"] if isinstance(kwargs["out"], tuple) else (kwargs["out"],)
        if any(not isinstance(o, np.ndarray) for o in outs):
            raise TypeError(f"np.{ufunc.__name__}: out= cannot write into a Tensor; use the returned Tensor")
        if _requires_grad(inputs) and T.is_grad_enabled():
            raise TypeError(
                f"np.{ufunc.__name__}: writing a Tensor that requires grad into an array (out=, or "
                "array -= tensor) would lose its gradient; write its .data, or do it under mytorch.no_grad()"
            )
        return getattr(ufunc, method)(*_values(inputs), **kwargs)  # array -= lr * p.grad
    if ufunc in _LOGICAL and method == "__call__" and not kwargs and len(inputs) == 2:
        return _LOGICAL[ufunc](*inputs)
    rule = UFUNCS.get(ufunc) if method == "__call__" and not kwargs else None
    if rule is not None:  # recorded or not, with the Tensor's promotion: np.float64(2) * t keeps float32
        return rule(*inputs)
    if not (_requires_grad(inputs) and T.is_grad_enabled()) or (method == "__call__" and ufunc in PIECEWISE_CONSTANT):
        return _constant(getattr(ufunc, method)(*_values(inputs), **kwargs))
    if method == "reduce" and ufunc in _REDUCTIONS and set(kwargs) <= {"axis", "keepdims"}:
        return _REDUCTIONS[ufunc](inputs[0], axis=kwargs.get("axis", 0), keepdims=kwargs.get("keepdims", False))
    if method == "outer" and ufunc is np.multiply and not kwargs:
        return _kernel("outer")(*inputs)
    called = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    extra = f" with {sorted(kwargs)}" if kwargs else ""
    raise TypeError(
        f"np.{called}{extra} has no gradient rule for Tensors (supported: "
        f"{', '.join(sorted(u.__name__ for u in UFUNCS))}, add/maximum/minimum.reduce, "
        "multiply.outer); compute on t.data for a constant"
    )


_REDUCTIONS = {np.add: tensor_math.sum, np.maximum: tensor_math.amax, np.minimum: tensor_math.amin}


# --------------------------------------------------------------------------- functions
def _axes(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def _reduction(op: Callable[..., T.Tensor]) -> Callable[..., T.Tensor]:
    def reduce(
        a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **_: Any
    ) -> T.Tensor:
        if dtype is not None or out is not None:
            raise TypeError(f"np.{op.__name__} on a Tensor: dtype= and out= are not supported")
        return op(a, axis=_axes(axis), keepdims=bool(keepdims))  # NumPy's axis=(): no axis

    return reduce


def _reshape(a: Any, shape: Any = None, order: str = "C", **kwargs: Any) -> T.Tensor:
    if order != "C":
        raise TypeError("np.reshape on a Tensor: only order='C'")
    return tensor_shape.reshape(a, kwargs.get("newshape", shape))


def _swapaxes(a: Any, axis1: int, axis2: int) -> T.Tensor:
    axes = list(range(np.ndim(a)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return T._apply("transpose", (a,), {"axes": tuple(axes)})


def _expand_dims(a: Any, axis: Any) -> T.Tensor:
    return tensor_shape.reshape(a, np.expand_dims(np.empty(np.shape(a), dtype=bool), axis).shape)


def _squeeze(a: Any, axis: Any = None) -> T.Tensor:
    return tensor_shape.reshape(a, np.squeeze(np.empty(np.shape(a), dtype=bool), axis).shape)


def _broadcast_to(a: Any, shape: Any, subok: bool = False) -> T.Tensor:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if np.shape(a) == shape:
        return a
    return T._apply("add", (a, np.zeros(shape, dtype=a.dtype)))


def _split(a: Any, indices_or_sections: Any, axis: int = 0) -> list[T.Tensor]:
    n = np.shape(a)[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError("np.split: array split does not result in an equal division")
        step = n // indices_or_sections
        bounds = list(range(step, n, step))
    else:
        bounds = [int(b) for b in indices_or_sections]
    edges = [0, *bounds, n]
    lead = (slice(None),) * (axis % np.ndim(a))
    return [a[lead + (slice(lo, hi),)] for lo, hi in zip(edges[:-1], edges[1:])]


def _dot(a: Any, b: Any) -> T.Tensor:
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return T._apply("mul", (a, b))
    if np.ndim(b) > 2:
        raise TypeError("np.dot on Tensors: operands of up to 2 axes (use matmul for batches)")
    return T.matmul(a, b)


def _tensordot(a: Any, b: Any, axes: Any = 2) -> T.Tensor:
    """Contract the last ``axes`` axes of a with the first ``axes`` of b, as one matmul."""
    if not isinstance(axes, int):
        raise TypeError("np.tensordot on Tensors: only an integer axes=")
    sa, sb = np.shape(a), np.shape(b)
    kept_a, summed, kept_b = sa[: len(sa) - axes], sa[len(sa) - axes :], sb[axes:]
    if summed != sb[:axes]:
        raise ValueError(f"np.tensordot: shape mismatch for sum ({sa} and {sb}, axes={axes})")
    k = math.prod(summed)
    product = T.matmul(tensor_shape.reshape(a, (math.prod(kept_a), k)), tensor_shape.reshape(b, (k, math.prod(kept_b))))
    return tensor_shape.reshape(product, kept_a + kept_b)


def _vdot(a: Any, b: Any) -> T.Tensor:
    return tensor_math.sum(T._apply("mul", (tensor_shape.reshape(a, -1), tensor_shape.reshape(b, -1))))


def _copy(a: Any, order: str = "K", subok: bool = False) -> T.Tensor:
    return T._apply("identity", (a,))


def _flip(a: Any, axis: Any = None) -> T.Tensor:
    """``a`` reversed along ``axis`` (every axis by default): an index with negative steps."""
    ndim = np.ndim(a)
    axes = range(ndim) if axis is None else [k % ndim for k in ((axis,) if isinstance(axis, int) else axis)]
    return a[tuple(slice(None, None, -1) if k in axes else slice(None) for k in range(ndim))]


def _cumsum(a: Any, axis: int | None = None, dtype: Any = None, out: Any = None) -> T.Tensor:
    if dtype is not None or out is not None:
        raise TypeError("np.cumsum on a Tensor: dtype= and out= are not supported")
    if axis is None:
        a, axis = tensor_shape.reshape(a, -1), 0
    return T._apply("cumsum", (a,), {"axis": axis})


def _where(condition: Any, a: Any, b: Any) -> T.Tensor:
    return T._apply("where", (a, b), {"condition": np.asarray(condition)})


def _sort(a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, **_: Any) -> T.Tensor:
    """``np.sort``: ``mytorch.sort``'s values (stable); ``axis=None`` sorts the flattened tensor."""
    if order is not None:
        raise TypeError("np.sort on a Tensor: order= (structured arrays) is not supported")
    if axis is None:
        a, axis = tensor_shape.reshape(a, -1), 0
    return tensor_sort.sort(a, axis).values


def _einsum(subscripts: Any, *operands: Any, **kwargs: Any) -> T.Tensor:
    """``np.einsum``: ``mytorch.einsum`` (arrays among the operands enter as constants)."""
    if not isinstance(subscripts, str) or set(kwargs) - {"optimize"}:
        raise TypeError("np.einsum on Tensors: only a subscripts string and operands (optimize= is ignored)")
    return tensor_einsum.einsum(
        subscripts, *[o if isinstance(o, T.Tensor) else T.Tensor(np.asarray(o)) for o in operands]
    )


def _transpose(a: Any, axes: Any = None) -> T.Tensor:
    return T._apply("transpose", (a,), {"axes": None if axes is None else tuple(axes)})


FUNCTIONS: dict[Callable, Callable[..., Any]] = {
    np.sum: _reduction(tensor_math.sum),
    np.mean: _reduction(tensor_math.mean),
    np.max: _reduction(tensor_math.amax),
    np.min: _reduction(tensor_math.amin),
    np.amax: _reduction(tensor_math.amax),
    np.amin: _reduction(tensor_math.amin),
    np.reshape: _reshape,
    np.ravel: lambda a, order="C": _reshape(a, -1, order),
    np.transpose: _transpose,
    np.swapaxes: _swapaxes,
    np.expand_dims: _expand_dims,
    np.squeeze: _squeeze,
    np.broadcast_to: _broadcast_to,
    np.copy: _copy,
    np.concatenate: lambda arrays, axis=0: tensor_shape.cat(arrays, axis=axis),
    np.stack: lambda arrays, axis=0: tensor_shape.stack(arrays, axis=axis),
    np.split: _split,
    np.dot: _dot,
    np.tensordot: _tensordot,
    np.vdot: _vdot,
    np.flip: _flip,
    np.cumsum: _cumsum,
    np.where: _where,
    np.sort: _sort,
    np.einsum: _einsum,
    # the kernel forwards that backward rules call (marked ``@dispatches`` in the table); taken
    # from the module's namespace: from outside, ``F.sigmoid`` is the array-or-Tensor front
    vars(F)["sigmoid"]: T.sigmoid,
    vars(F)["softmax"]: lambda x, axis=-1: tensor_math.softmax(x, axis),
    vars(F)["log_softmax"]: lambda x, axis=-1: tensor_math.log_softmax(x, axis),
    vars(F)["logsumexp"]: lambda x, axis=None, keepdims=False: T._apply(
        "logsumexp", (x,), {"axis": axis, "keepdims": keepdims}
    ),
    vars(F)["sum"]: lambda x, axis=None, keepdims=False: tensor_math.sum(x, axis, keepdims),
    vars(F)["mean"]: lambda x, axis=None, keepdims=False: tensor_math.mean(x, axis, keepdims),
    vars(F)["cast"]: lambda x, dtype: T._apply("cast", (x,), {"dtype": dtype}),
    vars(F)["cumsum"]: lambda x, axis: T._apply("cumsum", (x,), {"axis": axis}),
    vars(F)["cumprod"]: lambda x, axis: T._apply("cumprod", (x,), {"axis": axis}),
    vars(F)["erf"]: lambda x: T._apply("erf", (x,)),
    vars(F)["digamma"]: lambda x: T._apply("digamma", (x,)),
    vars(F)["polygamma"]: lambda x, n: T._apply("polygamma", (x,), {"n": n}),
    vars(F)["erfinv"]: lambda x: T._apply("erfinv", (x,)),
    vars(F)["softplus"]: lambda x: T._apply("softplus", (x,)),
    vars(F)["prod"]: lambda x, axis=None, keepdims=False: T._apply("prod", (x,), {"axis": axis, "keepdims": keepdims}),
    vars(F)["index_scatter"]: lambda g, index, shape: T._apply("index_scatter", (g,), {"index": index, "shape": shape}),
    vars(F)["setitem"]: lambda x, value, index: T._apply("setitem", (x, value), {"index": index}),
}
"""NumPy functions with a derivative, implemented with the kernel table's ops."""


def array_function(func: Callable, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``Tensor.__array_function__``: run the NumPy function ``func`` on arguments that include a Tensor."""
    differentiable = T.is_grad_enabled() and _requires_grad((*args, *kwargs.values()))
    constant = func in _NO_DERIVATIVE or (func is np.where and not _requires_grad(args[1:]))
    if differentiable and not constant:
        rule = FUNCTIONS.get(func)
        if rule is None:
            raise TypeError(
                f"np.{func.__name__} has no gradient rule for Tensors (supported: "
                f"{', '.join(sorted({f.__name__ for f in FUNCTIONS}))}); compute on t.data for a constant"
            )
        return rule(*args, **kwargs)
    return _constant(func(*_values(args), **_values(kwargs)))


_NO_DERIVATIVE = frozenset(
    {np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.shape, np.ndim, np.size, np.result_type}
    | {np.argmax, np.argmin, np.argsort, np.nonzero, np.isclose, np.allclose, np.array_equal, np.all, np.any}
    | {np.count_nonzero}
)
"""Functions whose result is a constant even for Tensors that require a gradient (shapes,
dtypes, fresh arrays, indices, tests). ``np.where`` is one too when its condition alone is a
Tensor that requires a gradient (a mask); choosing between such Tensors is not supported."""
