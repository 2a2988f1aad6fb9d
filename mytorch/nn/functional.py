"""The kernel table: for every differentiable operation, its forward, backward and JVP.

Each operation ``name`` has three functions side by side:

* ``name(*inputs, **params)``: the forward computation, plain NumPy;
* ``name_backward(grad_output, *inputs, **params)``: the vector-Jacobian product, returning
  one gradient per input (in input order; ``None`` for an input with no gradient);
* ``name_jvp(tangents, *inputs, **params)``: the Jacobian-vector product, taking one tangent
  per input (``None`` for a zero tangent) and returning the output's tangent. A rule runs only
  when some input has a tangent, so a one-input rule always gets one. In their
  docstrings a dot marks a tangent: ẋ is the tangent of x, ẏ the output's.

Kernels whose derivative is cheapest from their result (``exp``, ``tanh``, ``sigmoid``, ...)
receive it as the keyword ``out``; called without it, they recompute it. Likewise a loss
whose backward reuses a value of its forward (``log_probs``, ``diff``) says so in its row
(``Kernel.caches``), and every caller records that value with it (``Kernel.run``).

Broadcasting is undone in one place, ``unbroadcast``. Every kernel keeps the dtype it is
given: float32 in, float32 out.

**One table for every order.** The backward and JVP rules use only NumPy operations that
``Tensor`` implements (its ``__array_ufunc__`` / ``__array_function__``, see
``mytorch.tensor_numpy``), never in-place writes into what they compute. On arrays they are
plain NumPy; given Tensors (``create_graph=True``) they record themselves, which is what a
gradient of a gradient is. A rule that needs a constant derived from its inputs (a mask, a
tie-breaking weight) says so with ``np.asarray``; a kernel forward that rules call
(``sigmoid``, ``softmax``, ``index_scatter``, ...) is marked ``@dispatches`` and records as
one operation when given a Tensor. ``KERNELS`` at the bottom lists every operation; the modules,
the ``Tensor`` front-end, forward mode and the gradient checks all use it, and nothing
re-derives a gradient anywhere else.
"""

from __future__ import annotations

import builtins
import importlib
import math
import sys
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from mytorch.dtypes import ONE32 as _ONE32
from mytorch.dtypes import ONE64 as _ONE64
from mytorch.dtypes import float32 as _FLOAT32
from mytorch.dtypes import float64 as _FLOAT64
from mytorch.index_layout import torch_layout
from mytorch.saved import OUTPUT

Array = np.ndarray
Axis = int | tuple[int, ...] | None

CACHED_PARAMS = frozenset({"log_probs", "diff"})
"""Keyword parameters that hand a backward rule a result of the forward, to save computing it
again (a loss's ``log_probs``). A recorded backward (``create_graph=True``) leaves them out:
the rule then recomputes them from its inputs, so that they are differentiated too."""


# --------------------------------------------------------------------------- helpers
def dispatches(forward: Callable[..., Array]) -> Callable[..., Array]:
    """Make a kernel forward follow NumPy's ``__array_function__`` protocol, as NumPy's own
    functions do: given a first operand that is not an array but implements the protocol (a
    ``Tensor``), the call goes to that operand, which records the kernel. The table's row
    keeps the plain forward (``__wrapped__``), so the modules' fast path pays nothing."""

    def dispatching(x: Any, *args: Any, **params: Any) -> Any:
        if not isinstance(x, np.ndarray) and hasattr(x, "__array_function__"):
            return x.__array_function__(dispatching, (type(x),), (x, *args), params)
        return forward(x, *args, **params)

    dispatching.__name__ = dispatching.__qualname__ = forward.__name__
    dispatching.__doc__ = forward.__doc__
    dispatching.__wrapped__ = forward  # type: ignore[attr-defined]
    return dispatching


_np_add_reduce: Callable[..., Any] = np.add.reduce

SEQUENTIAL_SUM_LIMIT = 256
"""Past this many terms per result, a float32 sum that NumPy would add up one term after another
is accumulated in float64 (``_add_reduce``); a float16 one from 2 terms on."""


def _add_reduce(x: Any, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> Any:
    """``np.add.reduce``: ``x.sum`` without NumPy's Python wrapper (the same dtypes), so that its
    warnings (inf - inf) are raised in this module, where MyTorch's warning filter keeps them quiet.

    NumPy adds pairwise only along one contiguous run of the summed elements (the last axis, or
    all of a C-contiguous array); over any other axis it adds the terms one after another, so a
    float32 sum of n terms drifts by up to n / 2 units in the last place (0.1 summed 2e6 times
    down the rows came out 1.5% high, and the variance of 2e6 values near 1000 was 272 for 0.083).
    Such a float32 sum of more than ``SEQUENTIAL_SUM_LIMIT`` terms is accumulated in float64 and
    rounded once, as accurate as PyTorch's cascaded sums or more; so is every float16 sum (in
    float16, 0.1 summed 256 times down the rows was 25.16 for 25.6, and NumPy 1.26 added even a
    contiguous one in float16: 70,000 values in [0, 1) gave 34976 for 35008; PyTorch accumulates
    float16 in float32)."""
    char = x.dtype.char if type(x) is _ndarray else ""
    if (
        (char == "f" or char == "e")
        and (x.size > SEQUENTIAL_SUM_LIMIT or (char == "e" and dtype is None))
        and (dtype is None or np.dtype(dtype).char in "fe")
        and ((char == "e" and dtype is None) or _sums_sequentially(x, axis, SEQUENTIAL_SUM_LIMIT))
    ):
        total = _np_add_reduce(x, axis=axis, dtype=np.float64, keepdims=keepdims)
        return total.astype(x.dtype if dtype is None else dtype)
    if dtype is None:  # (a Tensor's reduce, in a recorded backward, takes no dtype)
        return _np_add_reduce(x, axis=axis, keepdims=keepdims)
    return _np_add_reduce(x, axis=axis, dtype=dtype, keepdims=keepdims)


def sums_wide(grad: np.ndarray, axis: int | tuple[int, ...]) -> bool:
    """Whether ``sum_rows(grad, axis)`` accumulates in float64: a float32 gradient whose sum NumPy
    would add more than ``SEQUENTIAL_SUM_LIMIT`` terms of one after another, or any float16 one
    (``_add_reduce``'s rule)."""
    char = grad.dtype.char
    if char == "f":
        return grad.size > SEQUENTIAL_SUM_LIMIT and _sums_sequentially(grad, axis, SEQUENTIAL_SUM_LIMIT)
    return char == "e"


_ONES: dict[tuple[int, str], np.ndarray] = {}


def batch_ones(n: int, dtype: np.dtype) -> np.ndarray:
    """``n`` ones of ``dtype``, read-only, made once per size and dtype: the left operand of the
    product ``sum_rows`` sums a gradient's rows by."""
    key = (n, dtype.char)
    ones = _ONES.get(key)
    if ones is None:
        ones = np.ones(n, dtype)
        ones.flags.writeable = False
        if n <= 4096:  # (a long one is made each time, at a fraction of its product's cost)
            if len(_ONES) >= 64:  # (a program of many batch sizes: the vectors are cheap to make again)
                _ONES.clear()
            _ONES[key] = ones
    return ones


def sums_by_product(grad: np.ndarray) -> bool:
    """Whether ``sum_rows(grad, 0)`` sums the rows of 2-D ``grad`` as the product ``ones @ grad``:
    float64 rows, or at most ``SEQUENTIAL_SUM_LIMIT`` float32 ones, of more than one column.
    BLAS adds each column in several running sums at once, 2-5 times faster than NumPy's sum down
    the rows (64 x 25: 0.5 µs for 1.9 µs; 128 x 256: 3.4 µs for 8-9 µs) and at least as accurate
    (NumPy's adds the rows one after another); its result does not depend on where the arrays lie
    in memory, so the modules, the Tensor front-end and the replay, which all sum this way, agree
    bit for bit. (One column is a contiguous run: NumPy's sum adds it pairwise, cheaper there.)"""
    shape = grad.shape
    if len(shape) != 2 or shape[1] < 2:
        return False
    char = grad.dtype.char
    return char == "d" or (char == "f" and shape[0] <= SEQUENTIAL_SUM_LIMIT)


def sum_rows(grad: Any, axis: int | tuple[int, ...] = 0, out: np.ndarray | None = None) -> Any:
    """A gradient summed over its leading ``axis`` (a bias's, over the batch), in its own dtype,
    into ``out`` if given (of any float dtype: the sum is rounded to the gradient's first).

    The rows of a 2-D float64 gradient, or of at most 256 float32 rows, are summed by BLAS, as
    ``ones @ grad`` (``sums_by_product``); other gradients by ``np.add.reduce`` down the rows, but
    where ``sums_wide`` (more than 256 float32 rows, two float16 ones) accumulated in float64 and
    rounded once, as ``sum`` does: NumPy adds rows one after another, so the float32 bias gradient
    of 200,000 rows of 0.1 was 0.2% high (float16: 256 rows of 0.1 gave 25.16 for 25.6). The
    modules' backward, the Tensor's and the replay (``mytorch.replay.rules``) all sum by this
    function's rule."""
    if type(grad) is not _ndarray:  # (a Tensor, in a recorded backward: its sum is accurate)
        return _np_add_reduce(grad, axis=axis)
    if (axis == 0 or axis == (0,)) and sums_by_product(grad):
        ones = batch_ones(len(grad), grad.dtype)
        if out is None:
            return _dot(ones, grad)
        if out.dtype == grad.dtype and out.flags.c_contiguous:
            return _dot(ones, grad, out)
        np.copyto(out, _dot(ones, grad))
        return out
    if sums_wide(grad, axis):
        total = _np_add_reduce(grad, axis, np.float64)
        if out is None:
            return total.astype(grad.dtype)
        np.copyto(out, total if out.dtype == grad.dtype else total.astype(grad.dtype))
        return out
    return _np_add_reduce(grad, axis, None if out is None else grad.dtype, out)


def _sums_sequentially(x: np.ndarray, axis: Axis, limit: int) -> bool:
    """Whether NumPy adds more than ``limit`` terms of each result of ``x`` summed over ``axis``
    one after another. NumPy's inner loop, the one it adds pairwise, runs along the axis of the
    smallest stride (contiguous axes merged): a sum of all of a contiguous array, over one axis
    of the smallest stride, or over a trailing (leading) run of a C- (F-) contiguous array is
    pairwise; any other, a transposed array's rows too, is sequential."""
    ndim = x.ndim
    if axis is None:
        return x.size > limit and not (x.flags.c_contiguous or x.flags.f_contiguous)
    axes = sorted(a % ndim for a in ((axis,) if isinstance(axis, (int, np.integer)) else axis))
    if math.prod(x.shape[a] for a in axes) <= limit:
        return False
    if x.flags.c_contiguous and axes == list(range(ndim - len(axes), ndim)):
        return False
    if x.flags.f_contiguous and axes == list(range(len(axes))):
        return False
    long = [a for a in axes if x.shape[a] > 1]
    if len(long) == 1:  # pairwise if no other axis of more than one element has a smaller stride
        stride = builtins.abs(x.strides[long[0]])
        return any(builtins.abs(x.strides[a]) < stride for a in range(ndim) if a != long[0] and x.shape[a] > 1)
    return True


_multiply_reduce: Callable[..., Any] = np.multiply.reduce
"""``np.prod``'s ufunc, for the same reason."""

# NumPy's names the modules' kernels call on every step, read once: NumPy's module has a
# ``__getattr__``, so Python 3.11 looks each ``np.name`` up in full (a few hundred instructions)
# where a global of this module is cached.
_ndarray, _exp, _reciprocal, _asarray, _add, _dot = np.ndarray, np.exp, np.reciprocal, np.asarray, np.add, np.dot


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``grad`` down to ``shape``: the adjoint of NumPy broadcasting ``shape`` up."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        if extra == 1 and grad.shape[0] == 1:  # a batch of one: nothing to add up
            grad = grad[0]
        else:
            grad = sum_rows(grad, tuple(range(extra)))
        if grad.shape == shape:  # the common case: a bias broadcast over the batch
            return grad
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if kept:
        grad = _add_reduce(grad, axis=kept, keepdims=True)
    return grad.reshape(shape)


_VIEW_FROM = 8192
"""From this many elements up, ``_expand`` returns a broadcast view; below, a filled copy is
cheaper than making the view (0.3-1.9 µs against 1.9 µs), and beyond, the copy's cost grows
with its size (25 µs at 65,536 float64 elements, 60-140 µs at 256 x 1024)."""


def _expand(grad: Array, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Array:
    """Spread the gradient of a reduction over ``axis`` back to the input's ``shape``.

    Every element along the reduced axes gets the same number, so for a large ``shape`` the
    result is a read-only broadcast view of ``grad`` (no copy); on a Tensor (a recorded
    backward) it is a recorded broadcast. Whoever keeps a gradient for a user copies a
    read-only one first (a leaf's ``.grad``, ``mytorch.grad``); the engine only reads
    gradients or adds them out of place.
    """
    if axis is not None and not keepdims and shape:  # (a 0-d input reduced "along" axis 0: nothing to restore)
        axes = (axis,) if isinstance(axis, int) else axis
        grad = np.expand_dims(grad, tuple(a % len(shape) for a in axes))
    if isinstance(grad, (np.ndarray, np.generic)) and math.prod(shape) < _VIEW_FROM:
        out = np.empty(shape, dtype=grad.dtype)  # small: one allocation, filled by broadcasting
        out[...] = grad
        return out
    return np.broadcast_to(grad, shape)


def _add_terms(*terms: Array | None) -> Array:
    """Sum the non-None terms (a JVP's contributions from each input)."""
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return typing.cast(Array, total)  # not None: a rule runs only when some input has a tangent


def _zeros_or(t: Array | None, like: Array) -> Array:
    return np.zeros_like(like) if t is None else t


def _full(t: Array, shape: tuple[int, ...]) -> Array:
    return t if t.shape == shape else np.broadcast_to(t, shape).copy()


def _as_constant(value: Any, dtype: np.dtype) -> Any:
    """A Python number stays a number (it keeps float32 arrays float32 under NumPy 2); a complex
    0-d one a complex number (``float`` of it raised)."""
    if np.ndim(value) == 0:
        return complex(value) if np.iscomplexobj(value) else float(value)
    return np.asarray(value, dtype=dtype)


def _in_dtype_of(y: Any, x: Array) -> Any:
    """``y`` in ``x``'s float dtype (no copy when it already is).

    NumPy 1.x computes a 0-d float32 array with a Python number in float64 (value-based
    casting); NumPy 2 keeps float32 (NEP 50). Rules with constants in them end with this call,
    so that float32 stays float32 on both. A Tensor (a recorded backward) is left as it is:
    its operations already keep its dtype. A complex ``y`` of a complex ``x`` likewise (complex64 ** 3
    was complex128 on NumPy 1.26); a real ``y`` of a complex ``x`` (a modulus, a norm) stays real.
    """
    kind = x.dtype.kind
    if kind == "f" or (kind == "c" and getattr(y, "dtype", x.dtype).kind == "c"):
        return y.astype(x.dtype, copy=False) if isinstance(y, (np.ndarray, np.generic)) else y
    return y


def divide_count(value: Any, n: int) -> Any:
    """``value / n`` for a count ``n`` (a mean's, a mean loss's), in ``value``'s float dtype; a
    float16 NumPy value divided in float32 and rounded once, as PyTorch divides it. (NumPy 2
    turns the int into float16 (NEP 50): a count past 65,504 became inf, so a float16 mean's
    gradient, a mean loss's gradient over that many elements and some of their values came out
    0; NumPy 1.26 divided in float64.)"""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.char == "e":
        return (value.astype(np.float32) / n).astype(np.float16)
    return _in_dtype_of(value / n, value)


def _mean_value(terms: Array, like: Array) -> Array:
    """The mean of a loss's ``terms`` as the table's losses return it: shape (1,), ``like``'s
    dtype; float16 terms summed and divided in float32 (in float16 their sum overflowed past
    65,504, and NumPy 2 divided by a count that had become inf: 0 or NaN)."""
    total = terms.astype(np.float32).sum() if terms.dtype.char == "e" else terms.sum()
    return np.asarray([total / terms.size], dtype=like.dtype)


def _sgn(x: Array) -> Array:
    """np.sign(x), but x / |x| (0 at 0) for complex x on every NumPy: NumPy 1.x gave the sign of the
    real part (sign(1+2j) = 1+0j), NumPy 2 gives x / |x|, PyTorch's ``sgn``. Works on a Tensor (a
    recorded backward) too."""
    if x.dtype.kind != "c":
        return np.sign(x)
    a = np.abs(x)
    zero = a == 0
    return np.where(zero, 0, x / (a + zero))


# --------------------------------------------------------------------------- identity, neg
def identity(x: Array) -> Array:
    """y = x (a new array object, so that x and y keep separate gradients)."""
    return x.view()


def identity_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    return (grad_output,)
    # END SOLUTION


def identity_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ."""
    return _zeros_or(tangents[0], x)


def neg(x: Array) -> Array:
    """y = -x."""
    return -x


def neg_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = -g."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    return (-grad_output,)
    # END SOLUTION


def neg_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = -ẋ."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return -_zeros_or(tangents[0], x)
    # END SOLUTION


# --------------------------------------------------------------------------- arithmetic
def add(a: Array, b: Array) -> Array:
    """y = a + b (broadcasting)."""
    return a + b


def add_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """da = g, db = g, each summed back to its input's shape."""
    return unbroadcast(grad_output, a.shape), unbroadcast(grad_output, b.shape)


def add_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = ȧ + ḃ (broadcast to the output's shape)."""
    ta, tb = tangents
    return _full(_add_terms(ta, tb), np.broadcast_shapes(a.shape, b.shape))


def sub(a: Array, b: Array) -> Array:
    """y = a - b (broadcasting)."""
    return a - b


def sub_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """da = g, db = -g."""
    # BEGIN SOLUTION: return (gradient of a, gradient of b), each summed to its input's shape (unbroadcast)
    return unbroadcast(grad_output, a.shape), unbroadcast(-grad_output, b.shape)
    # END SOLUTION


def sub_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = ȧ - ḃ (broadcast to the output's shape)."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    ta, tb = tangents
    return _full(_add_terms(ta, None if tb is None else -tb), np.broadcast_shapes(a.shape, b.shape))
    # END SOLUTION


def mul(a: Array, b: Array) -> Array:
    """y = a * b (elementwise, broadcasting)."""
    return a * b


def mul_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """da = g * b, db = g * a."""
    # BEGIN SOLUTION: return (gradient of a, gradient of b), each summed to its input's shape (unbroadcast)
    return unbroadcast(grad_output * b, a.shape), unbroadcast(grad_output * a, b.shape)
    # END SOLUTION


# BEGIN SOLUTION NO PROMPT
def mul_grad_a(grad_output: Array, a: Array, b: Array) -> Array:
    """The gradient of a * b with respect to a alone: g * b (for b a constant marked NO_GRAD)."""
    return unbroadcast(grad_output * b, a.shape)


def mul_grad_b(grad_output: Array, a: Array, b: Array) -> Array:
    """The gradient of a * b with respect to b alone: g * a."""
    return unbroadcast(grad_output * a, b.shape)


mul_backward.partials = (mul_grad_a, mul_grad_b)  # type: ignore[attr-defined]
# END SOLUTION


def mul_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = ȧ b + a ḃ (the product rule)."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    ta, tb = tangents
    return _full(
        _add_terms(None if ta is None else ta * b, None if tb is None else a * tb),
        np.broadcast_shapes(a.shape, b.shape),
    )
    # END SOLUTION


def div(a: Array, b: Array) -> Array:
    """y = a / b (elementwise, broadcasting)."""
    return a / b


def div_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """da = g / b, db = -g * a / b**2, as -(g (a / b)) / b: (g / b) a / b was inf * 0 = NaN for
    a = 0 and a tiny b (float16 0 / 1e-5), where the gradient is 0."""
    # BEGIN SOLUTION: return (gradient of a, gradient of b), each summed to its input's shape (unbroadcast)
    ga = grad_output / b
    return unbroadcast(ga, a.shape), unbroadcast(-(grad_output * (a / b)) / b, b.shape)
    # END SOLUTION


# BEGIN SOLUTION NO PROMPT
def div_grad_a(grad_output: Array, a: Array, b: Array) -> Array:
    """The gradient of a / b with respect to a alone: g / b (for b a constant marked NO_GRAD)."""
    return unbroadcast(grad_output / b, a.shape)


def div_grad_b(grad_output: Array, a: Array, b: Array) -> Array:
    """The gradient of a / b with respect to b alone: -g * a / b**2, as -(g (a / b)) / b, as
    ``div_backward`` has it (b * b overflowed float16 from |b| = 256, making the gradient 0)."""
    return unbroadcast(-(grad_output * (a / b)) / b, b.shape)


div_backward.partials = (div_grad_a, div_grad_b)  # type: ignore[attr-defined]
# END SOLUTION


def div_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = ȧ / b - ḃ a / b**2 (the quotient rule)."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    ta, tb = tangents
    return _full(
        _add_terms(None if ta is None else ta / b, None if tb is None else -(tb * (a / b)) / b),
        np.broadcast_shapes(a.shape, b.shape),
    )
    # END SOLUTION


# --------------------------------------------------------------------------- products
def matmul(a: Array, b: Array) -> Array:
    """y = a @ b (NumPy's matmul: 1-D, 2-D and batched)."""
    return a @ b


def _swap(x: Array) -> Array:
    return np.swapaxes(x, -1, -2)


# np.dot without its __array_function__ dispatch (a Python call on every use since NumPy 1.25)
_dot = getattr(np.dot, "_implementation", np.dot)
_vdot = getattr(np.vdot, "_implementation", np.vdot)

PRODUCT_BY_MATMUL = 8192
"""Results of this many elements or more are computed by ``np.matmul`` (see ``matrix_product``)."""


def matrix_product(a: Array, b: Array, out: Array | None = None) -> Array:
    """``a @ b`` of two 2-D arrays by BLAS, through the NumPy entry cheaper for its size.

    ``np.dot`` (called without its dispatch) costs the least per call but zeroes its result
    before BLAS overwrites it; ``np.matmul`` does not. A result of ``PRODUCT_BY_MATMUL``
    elements or more goes to ``np.matmul`` (the 256 x 784 weight gradient of an MNIST layer:
    3.6% less time), unless it is an outer product (one shared axis of length 1, as in the
    weight gradient of a batch of one, where ``np.matmul`` takes 2.4-3.5 times as long); the
    rest goes to ``np.dot``. The two give the same bits (``tests/test_products.py``) and the
    choice depends on the shapes only, so the modules, the Tensor VJPs and replay agree bit
    for bit. ``out``, if given, is C-contiguous, of the result's shape and dtype. Operands
    that are not arrays (Tensors, in a recorded backward) go to ``np.dot``, which dispatches
    to them.
    """
    if type(a) is not np.ndarray or type(b) is not np.ndarray:
        return np.dot(a, b) if out is None else np.dot(a, b, out=out)
    product = PRODUCTS[a.shape[0] * b.shape[-1] >= PRODUCT_BY_MATMUL and a.shape[-1] > 1]
    return product(a, b) if out is None else product(a, b, out)


PRODUCTS = (_dot, np.matmul)
"""``PRODUCTS[size >= PRODUCT_BY_MATMUL and shared > 1]``: the function ``matrix_product`` uses for
a result of ``size`` elements summed over ``shared`` terms, ``f(a, b)`` or ``f(a, b, out)``.
Hot paths (Linear, the Tensor VJPs) index it themselves: a Python call to ``matrix_product``
costs more than a small product's saving."""


def product_function(a: Array, b: Array) -> Callable[..., Array]:
    """The NumPy function ``matrix_product`` calls for arrays of these shapes (replay binds it
    once): ``f(a, b)`` or ``f(a, b, out)``."""
    return PRODUCTS[a.shape[0] * b.shape[-1] >= PRODUCT_BY_MATMUL and a.shape[-1] > 1]


def _dot_like(x: Array, left: Array, right: Array) -> Array:
    """The 2-D product ``left @ right`` (x's gradient), laid out in memory like ``x``.

    A transposed view such as ``W.T`` gets a transposed result, so that adding it into the
    gradient ``dW.T`` runs over contiguous memory instead of striding across it. BLAS does
    every 2-D case (``matrix_product``), including the batch-of-one outer products. (Memory
    layout is an array's matter: Tensors, in a recorded backward, take the plain product.)
    """
    if isinstance(x, np.ndarray) and x.flags.f_contiguous and not x.flags.c_contiguous:
        return matrix_product(right.T, left.T).T
    return matrix_product(left, right)


# BEGIN SOLUTION NO PROMPT
def matmul_grad_a(grad_output: Array, a: Array, b: Array) -> Array:
    """The gradient of a @ b with respect to a: g @ b^T."""
    if a.ndim == 2 and b.ndim == 2:
        return _dot_like(a, grad_output, b.T)
    if b.ndim == 1:
        ga = np.multiply.outer(grad_output, b)
    else:
        g = grad_output[..., None, :] if a.ndim == 1 else grad_output
        ga = g @ _swap(b)
        if a.ndim == 1:
            ga = ga[..., 0, :]
    return unbroadcast(ga, a.shape)


def matmul_grad_b(grad_output: Array, a: Array, b: Array) -> Array:
    """The gradient of a @ b with respect to b: a^T @ g."""
    if a.ndim == 2 and b.ndim == 2:
        return _dot_like(b, a.T, grad_output)
    if a.ndim == 1:
        a2 = a[:, None]
        g = grad_output[..., None, :] if b.ndim > 1 else grad_output[..., None]
        gb = a2 @ g if b.ndim > 1 else (a2 * g)[..., 0]
    else:
        g = grad_output[..., None] if b.ndim == 1 else grad_output
        gb = _swap(a) @ g
        if b.ndim == 1:
            gb = gb[..., 0]
    return unbroadcast(gb, b.shape)


# END SOLUTION


def matmul_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """da = g @ b^T, db = a^T @ g (with 1-D and batched operands handled as NumPy does)."""
    # BEGIN SOLUTION: return (gradient of a, gradient of b) for y = a @ b
    if a.ndim == 2 and b.ndim == 2:
        return _dot_like(a, grad_output, b.T), _dot_like(b, a.T, grad_output)
    return matmul_grad_a(grad_output, a, b), matmul_grad_b(grad_output, a, b)
    # END SOLUTION


# BEGIN SOLUTION NO PROMPT
matmul_backward.partials = (matmul_grad_a, matmul_grad_b)  # type: ignore[attr-defined]
# END SOLUTION


def matmul_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = ȧ @ b + a @ ḃ."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    ta, tb = tangents
    return _add_terms(None if ta is None else ta @ b, None if tb is None else a @ tb)
    # END SOLUTION


def linear(x: Array, weight: Array, bias: Array) -> Array:
    """y = x @ weight^T + bias: x (..., in), weight (out, in), bias (out,); PyTorch's layout."""
    return x @ weight.T + bias


def _rows(a: Array) -> Array:
    """``a`` as a matrix of its last axis' rows: (..., n) -> (prod(...), n)."""
    return a if a.ndim == 2 else a.reshape(-1, a.shape[-1])


def linear_grad_x(grad_output: Array, x: Array, weight: Array, bias: Array) -> Array:
    """d/dx = g @ weight."""
    return grad_output @ weight


def linear_grad_weight(grad_output: Array, x: Array, weight: Array, bias: Array) -> Array:
    """d/dweight = g^T @ x, summed over every leading axis (an outer product for 1-D x)."""
    if x.ndim == 1:
        return np.multiply.outer(grad_output, x)
    return _rows(grad_output).T @ _rows(x)


def linear_grad_bias(grad_output: Array, x: Array, weight: Array, bias: Array) -> Array:
    """d/dbias = g summed over every leading axis."""
    return unbroadcast(grad_output, bias.shape)


def linear_backward(grad_output: Array, x: Array, weight: Array, bias: Array) -> tuple[Array, Array, Array]:
    """(dx, dweight, dbias) = (g @ weight, g^T @ x, sum of g over the rows)."""
    return (
        linear_grad_x(grad_output, x, weight, bias),
        linear_grad_weight(grad_output, x, weight, bias),
        linear_grad_bias(grad_output, x, weight, bias),
    )


linear_backward.partials = (linear_grad_x, linear_grad_weight, linear_grad_bias)  # type: ignore[attr-defined]


def linear_jvp(tangents: Sequence[Array | None], x: Array, weight: Array, bias: Array) -> Array:
    """Forward mode: ẏ = ẋ @ weight^T + x @ ẇeight^T + ḃias."""
    tx, tw, tb = tangents
    terms = _add_terms(None if tx is None else tx @ weight.T, None if tw is None else x @ tw.T, tb)
    return _full(terms, x.shape[:-1] + weight.shape[:1])


def outer(a: Array, b: Array) -> Array:
    """y[i..., j...] = a[i...] * b[j...]: y[i, j] = a[i] * b[j] for 1-D a and b, any ranks allowed."""
    return np.multiply.outer(a, b)


def outer_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """da = g contracted with b over b's axes, db = a contracted with g over a's axes (g @ b, g^T @ a in 1-D)."""
    return np.tensordot(grad_output, b, axes=b.ndim), np.tensordot(a, grad_output, axes=a.ndim)


def outer_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = outer(ȧ, b) + outer(a, ḃ)."""
    ta, tb = tangents
    return _add_terms(
        None if ta is None else np.multiply.outer(ta, b),
        None if tb is None else np.multiply.outer(a, tb),
    )


# --------------------------------------------------------------------------- powers, exp, log
def pow(x: Array, exponent: float) -> Array:  # noqa: A001 - the op's name
    """y = x ** exponent, for a constant exponent (0 ** -1 is inf and (-1) ** 0.5 NaN, as in PyTorch,
    without NumPy's RuntimeWarning; the square, a hot path, is left as NumPy computes it)."""
    c = _as_constant(exponent, x.dtype)
    if isinstance(c, float) and c == 2.0:
        return _in_dtype_of(x**c, x)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return _in_dtype_of(x**c, x)


def _pow_derivative(x: Array, exponent: float) -> Array:
    p = _as_constant(exponent, x.dtype)
    if np.all(p == 0):  # x**0 is constant; p * x**(p-1) would be 0 * inf = NaN at x = 0
        return np.zeros_like(x)
    if np.all(p):
        slope = _in_dtype_of(p * x ** (p - 1), x)
        values = np.asarray(x)  # (the values: x is a Tensor in a recorded backward)
        if values.dtype.kind == "c":  # (no -inf to look for: isneginf refuses complex numbers)
            return slope
        below = np.isneginf(values)
        with np.errstate(invalid="ignore"):  # (inf's remainder is NaN: an infinite p is not fractional)
            fractional = (np.mod(p, 1) != 0) & np.isfinite(p)
        if below.any() and np.any(fractional):
            # (-inf) ** p is NaN for a fractional p, but (-inf) ** (p - 1) is 0 below 1: NaN, as PyTorch's
            slope = np.where(below & fractional, np.asarray(np.nan, np.asarray(slope).dtype), slope)
        return slope
    with np.errstate(divide="ignore", invalid="ignore"):  # an array p with some 0s: 0 * inf there, masked
        slope = _in_dtype_of(p * x ** (p - 1), x)
    return np.where(p == 0, np.zeros((), slope.dtype), slope)


def pow_backward(grad_output: Array, x: Array, exponent: float) -> tuple[Array]:
    """dx = g * p * x**(p-1)."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    return (grad_output * _pow_derivative(x, exponent),)
    # END SOLUTION


def pow_jvp(tangents: Sequence[Array], x: Array, exponent: float) -> Array:
    """Forward mode: ẏ = p x**(p-1) ẋ."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return tangents[0] * _pow_derivative(x, exponent)
    # END SOLUTION


def exp(x: Array) -> Array:
    """y = e**x."""
    return np.exp(x)


def exp_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:
    """dx = g * e**x (the saved output)."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple (out, if given, is the forward's e**x)
    return (grad_output * (np.exp(x) if out is None else out),)
    # END SOLUTION


def exp_jvp(tangents: Sequence[Array], x: Array, out: Array | None = None) -> Array:
    """Forward mode: ẏ = e**x ẋ (the saved output times the tangent)."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return tangents[0] * (np.exp(x) if out is None else out)
    # END SOLUTION


def log(x: Array) -> Array:
    """y = ln x."""
    return np.log(x)


def log_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g / x."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    return (grad_output / x,)
    # END SOLUTION


def log_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ / x."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return tangents[0] / x
    # END SOLUTION


_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _rounded_once(ufunc: np.ufunc, x: Array) -> Array:
    """``ufunc(x)`` computed in float64 and rounded once to ``x``'s narrower float dtype: NumPy's
    float32 log10(1000) is 3.0000002, where PyTorch's (and the true value) is 3."""
    if x.dtype.kind == "f" and x.dtype.itemsize < 8:
        return ufunc(x.astype(np.float64)).astype(x.dtype)
    return ufunc(x)


def log2(x: Array) -> Array:
    """y = log2 x, exact at powers of two (ln 8 / ln 2 is an ulp short of 3)."""
    return _rounded_once(np.log2, x)


def log2_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g / (x ln 2)."""
    return (grad_output / _in_dtype_of(x * _LN2, x),)


def log2_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ / (x ln 2)."""
    return tangents[0] / _in_dtype_of(x * _LN2, x)


def log10(x: Array) -> Array:
    """y = log10 x, exact at powers of ten."""
    return _rounded_once(np.log10, x)


def log10_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g / (x ln 10)."""
    return (grad_output / _in_dtype_of(x * _LN10, x),)


def log10_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ / (x ln 10)."""
    return tangents[0] / _in_dtype_of(x * _LN10, x)


def sqrt(x: Array) -> Array:
    """y = sqrt(x)."""
    return np.sqrt(x)


def sqrt_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:
    """dx = g / (2 sqrt(x))."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    y = np.sqrt(x) if out is None else out
    return (grad_output / (y + y),)
    # END SOLUTION


def sqrt_jvp(tangents: Sequence[Array], x: Array, out: Array | None = None) -> Array:
    """Forward mode: ẏ = ẋ / (2 sqrt(x))."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    y = np.sqrt(x) if out is None else out
    return tangents[0] / (y + y)
    # END SOLUTION


def abs(x: Array) -> Array:  # noqa: A001 - the op's name
    """y = |x| (gradient 0 at 0)."""
    return np.abs(x)


def abs_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g * sign(x)."""
    return (grad_output * _sgn(x),)


def abs_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = sign(x) ẋ; of a complex x, Re(conj(x) ẋ) / |x|, a real tangent (it was
    sign(x) ẋ, complex: the tangent of a real result had an imaginary part)."""
    if x.dtype.kind == "c":
        return np.real(tangents[0] * np.conj(_sgn(x)))
    return tangents[0] * _sgn(x)


def log1p(x: Array) -> Array:
    """y = ln(1 + x), exact for tiny x."""
    return np.log1p(x)


def _one_plus(x: Array) -> Array:
    return _in_dtype_of(1 + x, x)


def log1p_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g / (1 + x)."""
    return (grad_output / _one_plus(x),)


def log1p_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ / (1 + x)."""
    return tangents[0] / _one_plus(x)


def expm1(x: Array) -> Array:
    """y = e**x - 1, exact for tiny x."""
    return np.expm1(x)


def expm1_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:
    """dx = g * e**x = g * (y + 1) (the saved output)."""
    return (grad_output * _one_plus(np.expm1(x) if out is None else out),)


def expm1_jvp(tangents: Sequence[Array], x: Array, out: Array | None = None) -> Array:
    """Forward mode: ẏ = (y + 1) ẋ."""
    return tangents[0] * _one_plus(np.expm1(x) if out is None else out)


def square(x: Array) -> Array:
    """y = x * x."""
    return x * x


def square_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = 2 g x."""
    return (grad_output * (x + x),)


def square_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = 2 x ẋ."""
    return tangents[0] * (x + x)


def rsqrt(x: Array) -> Array:
    """y = 1 / sqrt(x)."""
    return np.reciprocal(np.sqrt(x))


def _rsqrt_slope(x: Array, out: Array | None) -> Array:
    y = rsqrt(x) if out is None else out
    return _in_dtype_of(-0.5 * (y * y * y), y)


def rsqrt_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:
    """dx = -g y**3 / 2 (the saved output y = x**-1/2)."""
    return (grad_output * _rsqrt_slope(x, out),)


def rsqrt_jvp(tangents: Sequence[Array], x: Array, out: Array | None = None) -> Array:
    """Forward mode: ẏ = -y**3 ẋ / 2."""
    return tangents[0] * _rsqrt_slope(x, out)


def reciprocal(x: Array) -> Array:
    """y = 1 / x."""
    return np.reciprocal(x)


def reciprocal_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:
    """dx = -g y**2 (the saved output y = 1 / x)."""
    y = np.reciprocal(x) if out is None else out
    return (-grad_output * (y * y),)


def reciprocal_jvp(tangents: Sequence[Array], x: Array, out: Array | None = None) -> Array:
    """Forward mode: ẏ = -y**2 ẋ."""
    y = np.reciprocal(x) if out is None else out
    return -tangents[0] * (y * y)


# --------------------------------------------------------------------------- trigonometry
def sin(x: Array) -> Array:
    """y = sin x."""
    return np.sin(x)


def sin_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g * cos x."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    return (grad_output * np.cos(x),)
    # END SOLUTION


def sin_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = cos(x) ẋ."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return tangents[0] * np.cos(x)
    # END SOLUTION


def cos(x: Array) -> Array:
    """y = cos x."""
    return np.cos(x)


def cos_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = -g * sin x."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    return (-grad_output * np.sin(x),)
    # END SOLUTION


def cos_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = -sin(x) ẋ."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return -tangents[0] * np.sin(x)
    # END SOLUTION


def sinh(x: Array) -> Array:
    """y = sinh x (finite to 710.47 in float64)."""
    return np.sinh(x)


def sinh_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g * cosh x (on Tensors, a recorded backward, the ``cosh`` kernel, whose own slope is
    this kernel: every derivative is exact near 0, where differences of exponentials cancel)."""
    return (grad_output * np.cosh(x),)


def sinh_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = cosh(x) ẋ."""
    return tangents[0] * np.cosh(x)


def cosh(x: Array) -> Array:
    """y = cosh x (finite to 710.47 in float64)."""
    return np.cosh(x)


def cosh_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g * sinh x."""
    return (grad_output * np.sinh(x),)


def cosh_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = sinh(x) ẋ."""
    return tangents[0] * np.sinh(x)


def acosh(x: Array) -> Array:
    """y = arcosh x (NaN below 1)."""
    return np.arccosh(x)


def _acosh_slope(x: Array) -> Array:
    """1 / sqrt(x² - 1), as 1 / (sqrt(x - 1) sqrt(x + 1)) (exact near 1, no overflow of x², NaN
    below 1). On Tensors (a recorded backward) r / sqrt(1 - r * r), r = 1 / x, with 1 - r * r
    moved to the value (x - 1)(x + 1) / x² (in float64) by a constant: no overflow of x * x, and
    a derivative of -inf at 1 (that of the product of square roots is 0 * inf there)."""
    if isinstance(x, np.ndarray):
        with np.errstate(divide="ignore", invalid="ignore"):
            return _in_dtype_of(1 / (np.sqrt(x - 1) * np.sqrt(x + 1)), x)
    values = np.asarray(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        wide = values.astype(np.float64)
        inverse = 1 / values
        gap = ((wide - 1) / wide) * ((wide + 1) / wide) - (1 - inverse * inverse)
        gap = np.where(values < 1, np.nan, np.where(np.isfinite(gap), gap, 0)).astype(values.dtype)
    r = 1 / x
    return r / np.sqrt(1 - r * r + gap)


def acosh_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g / sqrt(x² - 1)."""
    return (grad_output * _acosh_slope(x),)


def acosh_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ / sqrt(x² - 1)."""
    return tangents[0] * _acosh_slope(x)


def atanh(x: Array) -> Array:
    """y = artanh x (+-inf at +-1, NaN outside [-1, 1])."""
    return np.arctanh(x)


def _atanh_slope(x: Array) -> Array:
    """1 / (1 - x²), its denominator as (1 - x)(1 + x) (exact near +-1). On Tensors (a recorded
    backward) it is 1 - x * x, whose derivative -2x is exact near 0 (that of the product is a
    difference of two terms near 1), moved to the product's value by a constant."""
    if isinstance(x, np.ndarray):
        with np.errstate(divide="ignore"):
            return _in_dtype_of(1 / ((1 - x) * (1 + x)), x)
    values = np.asarray(x)
    square = 1 - x * x
    with np.errstate(invalid="ignore"):
        gap = ((1 - values) * (1 + values)) - (1 - values * values)
    return 1 / (square + np.where(np.isfinite(gap), gap, 0).astype(values.dtype))


def atanh_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g / (1 - x²)."""
    return (grad_output * _atanh_slope(x),)


def atanh_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ / (1 - x²)."""
    return tangents[0] * _atanh_slope(x)


# --------------------------------------------------------------------------- activations
def tanh(x: Array) -> Array:
    """y = tanh x."""
    return np.tanh(x)


# BEGIN SOLUTION NO PROMPT
def _tanh_slope(x: Array, out: Array | None) -> Array:
    y = np.tanh(x) if out is None else out
    return _in_dtype_of(1.0 - y * y, y)


# END SOLUTION


def tanh_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:
    """dx = g * (1 - y**2)."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple (out, if given, is the forward's tanh x)
    return (grad_output * _tanh_slope(x, out),)
    # END SOLUTION


def tanh_jvp(tangents: Sequence[Array], x: Array, out: Array | None = None) -> Array:
    """Forward mode: ẏ = (1 - y**2) ẋ."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return tangents[0] * _tanh_slope(x, out)
    # END SOLUTION


def _exp_of_negative(x: Array) -> Array:
    """e**-x, its overflow to inf silent (sigmoid's 0 there is right)."""
    with np.errstate(over="ignore"):
        return np.exp(-x)


def _exp_of_negative_unguarded(x: Array) -> Array:
    return _exp(-x)


# NumPy 2's errstate as a decorator sets the error state for each call alone (thread-safe), at
# about half the cost of the with statement, which makes and enters a new errstate every call.
# NumPy 1's decorator keeps one saved state for all threads: there the with statement stays.
NUMPY_2 = int(np.__version__.split(".")[0]) >= 2
_quiet_exp_of_negative: Callable[[Array], Array] = (
    np.errstate(over="ignore")(_exp_of_negative_unguarded) if NUMPY_2 else _exp_of_negative
)


@dispatches
def sigmoid(x: Array) -> Array:
    """y = 1 / (1 + e**-x), to full relative precision for every x: e**-x overflows to inf below
    about -88 (float32) or -709 (float64), where y becomes 0 as its true value underflows. A
    float16 x is computed in float32, as PyTorch does (in float16, e**-x overflows from x = -11).
    (The older (1 + tanh(x/2)) / 2 cancelled for x < 0: 0 from x = -17 in float32, where
    sigmoid is 4e-8.)"""
    if type(x) is _ndarray and x.ndim:  # (the modules' case, in fewer calls)
        dtype = x.dtype
        if dtype is _FLOAT64 or dtype is _FLOAT32 or dtype.char in "fd":
            y = _quiet_exp_of_negative(x)
            # y += 1 (1 as a 0-d array of y's dtype: the same numbers, without NumPy converting the
            # Python 1.0 at each call; mytorch.dtypes.operand), then 1 / y (out by position: a keyword costs more)
            _add(y, _ONE64 if dtype is _FLOAT64 else _ONE32 if dtype is _FLOAT32 else 1.0, y)
            return _reciprocal(y, y)
    y = _quiet_exp_of_negative(_wide(x))
    y += 1.0
    y = np.reciprocal(y, out=y) if type(y) is np.ndarray else 1.0 / y
    return _in_dtype_of(y, x)  # on NumPy 1.x a 0-d float32 x gave a float64 y


# BEGIN SOLUTION NO PROMPT
def _sigmoid_slope(x: Array, out: Array | None) -> Array:
    y = sigmoid(x) if out is None else out
    return _in_dtype_of(y * (1.0 - y), y)


# END SOLUTION


def sigmoid_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:
    """dx = g * y * (1 - y)."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple (out, if given, is the forward's sigmoid x)
    return (grad_output * _sigmoid_slope(x, out),)
    # END SOLUTION


def sigmoid_jvp(tangents: Sequence[Array], x: Array, out: Array | None = None) -> Array:
    """Forward mode: ẏ = y (1 - y) ẋ."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return tangents[0] * _sigmoid_slope(x, out)
    # END SOLUTION


_VECTOR_MAXIMUM = (np.dtype(np.float32), np.dtype(np.float64))
RELU_BY_ZEROS = (4096, 32)
"""A float32 or float64 ``relu`` of at least this many elements, in rows of at least this many,
compares with a row of zeros where NumPy's ``maximum`` has vector loops for two arrays (the row
broadcast over the others) but not for an array and a number: its AVX2 loops (on an AMD EPYC, a
128 x 256 float32 array: 4.8 us against 11.6 us; NumPy 2.4 and 1.26). The same elementwise
``maximum`` against 0.0, so the same bits, -0.0 and NaN included. See ``MAXIMUM_BY_NUMBER``."""


def _maximum_by_number() -> bool:
    """Whether NumPy runs ``maximum(array, number)`` in vector registers on this CPU: its AVX-512
    loops do, and there the number is the faster operand (an Intel Xeon, float32 128 x 256: 6.2
    us against 9.1 with a row of zeros; float64 10.7 against 16.8; NumPy 1.26, 2.4 and 2.5 alike).
    NumPy names the features it found and the loops it was built with (the same module on 1.26
    and 2.x); where it does not, False."""
    # (the module NumPy has already loaded, by its 2.x or its 1.x name: importing the other name would
    # load modules the grader's worker does not preload, ``tests/test_jail_preload.py``)
    umath = sys.modules.get("numpy._core._multiarray_umath") or sys.modules.get("numpy.core._multiarray_umath")
    dispatch, features = getattr(umath, "__cpu_dispatch__", ()), getattr(umath, "__cpu_features__", {})
    built = {"AVX512_SKX", "X86_V4"}.intersection(dispatch)
    return bool(built) and all(features.get(name, False) for name in ("AVX512F", "AVX512_SKX"))


MAXIMUM_BY_NUMBER = _maximum_by_number()
"""``relu`` compares with the number 0 whatever its size (True), or from ``RELU_BY_ZEROS`` with a
row of zeros (False); the replay's ``relu`` follows it."""


def relu(x: Array) -> Array:
    """y = max(x, 0)."""
    if (
        not MAXIMUM_BY_NUMBER
        and type(x) is np.ndarray
        and x.size >= RELU_BY_ZEROS[0]
        and x.shape[-1] >= RELU_BY_ZEROS[1]
        and x.dtype in _VECTOR_MAXIMUM
        and x.flags.c_contiguous
    ):
        return np.maximum(x, np.zeros(x.shape[-1], x.dtype))
    y = np.maximum(x, 0)
    if x.dtype.kind in "iu" and isinstance(y, (np.ndarray, np.generic)) and y.dtype != x.dtype:
        return y.astype(x.dtype)  # (NumPy 1.x made a 0-d int32 or uint8 one int64, by value-based casting)
    return _in_dtype_of(y, x)


def relu_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g where x > 0, else 0."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    return (grad_output * (x > 0),)
    # END SOLUTION


def relu_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ where x > 0, else 0."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return tangents[0] * (x > 0)
    # END SOLUTION


def leaky_relu(x: Array, slope: float = 0.01) -> Array:
    """y = x where x > 0, else slope * x."""
    return _in_dtype_of(np.where(x > 0, x, x * slope), x)


def _leaky_slope(x: Array, slope: float) -> Array:
    """1 where x > 0, else ``slope``: a constant (piecewise in x)."""
    x = np.asarray(x)
    return np.where(x > 0, 1.0, slope).astype(x.dtype, copy=False)


def leaky_relu_backward(grad_output: Array, x: Array, slope: float = 0.01) -> tuple[Array]:
    """dx = g where x > 0, else slope * g."""
    return (grad_output * _leaky_slope(x, slope),)


def leaky_relu_jvp(tangents: Sequence[Array], x: Array, slope: float = 0.01) -> Array:
    """Forward mode: ẏ = ẋ where x > 0, else slope ẋ."""
    return tangents[0] * _leaky_slope(x, slope)


def with_zero_slope(value: Any, x: Any) -> Any:
    """``value`` itself, but recorded (``x`` a Tensor) as a function of ``x`` with derivative 0:
    a ``where`` that selects ``x`` nowhere. Differentiating it again then gives zeros, as PyTorch
    does for the piecewise-constant parts of a gradient, rather than "does not require a gradient"."""
    return np.where(np.False_, x, value)


@dispatches
def softplus(x: Array, threshold: float = math.inf, beta: float = 1.0) -> Array:
    """y = ln(1 + e**(beta x)) / beta, computed without overflow; x itself where beta x > threshold
    (PyTorch's linear branch: ``F.softplus`` passes its threshold and beta, the handout's module
    neither). Where beta x overflows the dtype that branch gives x, as PyTorch's: ``softplus(beta
    x) / beta`` was inf there; float16 is scaled in float32, as PyTorch's (x = 700, beta = 100)."""
    if beta == 1.0:
        y = np.logaddexp(x, 0).astype(x.dtype, copy=False)
        return np.where(x > threshold, x, y) if threshold < math.inf else y
    z = _scaled(x, beta)
    y = (np.logaddexp(z, 0) / beta).astype(x.dtype, copy=False)
    return np.where(z > threshold, x, y)


def _scaled(x: Array, beta: float) -> Array:
    """beta x, in float32 for a float16 array (``_wide``)."""
    return x if beta == 1.0 else _wide(x) * beta


def _softplus_slope(x: Array, threshold: float, beta: float) -> Array:
    """sigmoid(beta x), or 1 (derivative 0) where beta x > threshold: a mask on the values, a constant."""
    z = _scaled(x, beta)
    if threshold == math.inf:
        return _in_dtype_of(sigmoid(z), x)
    values = np.asarray(z)
    linear = (values > threshold).astype(values.dtype)
    return _in_dtype_of(sigmoid(z) * (1 - linear) + linear, x)


def softplus_backward(grad_output: Array, x: Array, threshold: float = math.inf, beta: float = 1.0) -> tuple[Array]:
    """dx = g * sigmoid(beta x) (g where beta x > threshold)."""
    return (grad_output * _softplus_slope(x, threshold, beta),)


def softplus_jvp(tangents: Sequence[Array], x: Array, threshold: float = math.inf, beta: float = 1.0) -> Array:
    """Forward mode: ẏ = sigmoid(beta x) ẋ (ẋ where beta x > threshold)."""
    return tangents[0] * _softplus_slope(x, threshold, beta)


_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715
_GELU_FORMS = ("tanh", "none")
_erf = np.frompyfunc(math.erf, 1, 1)


@dispatches
def erf(x: Array) -> Array:
    """y = erf x = 2/sqrt(pi) * the integral of e**-t² from 0 to x (``math.erf``, elementwise)."""
    return np.asarray(_erf(x), dtype=x.dtype)


def _erf_slope(x: Array) -> Array:
    return _in_dtype_of((2.0 / math.sqrt(math.pi)) * np.exp(-(x * x)), x)


def erf_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g * 2/sqrt(pi) e**-x²."""
    return (grad_output * _erf_slope(x),)


def erf_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = 2/sqrt(pi) e**-x² ẋ."""
    return tangents[0] * _erf_slope(x)


_erfc = np.frompyfunc(math.erfc, 1, 1)


def erfc(x: Array) -> Array:
    """y = 1 - erf x (``math.erfc``, elementwise: no cancellation, erfc(10) is 2.1e-45)."""
    return np.asarray(_erfc(x), dtype=x.dtype)


def erfc_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = -g * 2/sqrt(pi) e**-x²."""
    return (-grad_output * _erf_slope(x),)


def erfc_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = -2/sqrt(pi) e**-x² ẋ."""
    return -tangents[0] * _erf_slope(x)


# --------------------------------------------------------------------------- lgamma, digamma, polygamma, erfinv
def _log_gamma(v: float) -> float:
    try:
        return math.lgamma(v)
    except ValueError:  # a pole (0, -1, -2, ...): +inf, as PyTorch gives
        return math.inf


_lgamma = np.frompyfunc(_log_gamma, 1, 1)


@dispatches
def lgamma(x: Array) -> Array:
    """y = ln |Gamma(x)| (``math.lgamma``, elementwise; +inf at the poles 0, -1, -2, ...)."""
    return np.asarray(_lgamma(x), dtype=x.dtype)


def lgamma_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g psi(x) (the digamma function: a kernel, so the rule is differentiable again)."""
    return (grad_output * digamma(x),)


def lgamma_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = psi(x) ẋ."""
    return tangents[0] * digamma(x)


# B_2k / (2k) for psi's asymptotic series ln z - 1/(2z) - sum B_2k / (2k z^2k), and B_2k / (2k)! for
# the Hurwitz zeta function's (k = 1..8)
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_PSI_SERIES = tuple(b / (2 * k) for k, b in enumerate(_BERNOULLI, 1))
_ZETA_SERIES = tuple(b / math.factorial(2 * k) for k, b in enumerate(_BERNOULLI, 1))
_ASYMPTOTIC_FROM = 10.0  # the series are summed at z >= 10 (+ n): their error there is below 1e-16


def _digamma_values(x: np.ndarray) -> np.ndarray:
    """psi(x) in float64: x < 0.5 by reflection, psi(1 - x) - pi / tan(pi x); then psi(x) =
    psi(x + m) - sum 1/(x + k), with x + m >= 10 summed by the asymptotic series. -inf at 0 (+inf
    at -0.0), NaN at the negative integers (PyTorch's values)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        reflect = x < 0.5
        z = np.where(reflect, 1.0 - x, x)
        total = np.zeros_like(z)
        while True:
            low = z < _ASYMPTOTIC_FROM
            if not low.any():
                break
            total -= np.where(low, 1.0 / z, 0.0)
            z = np.where(low, z + 1.0, z)
        inverse_square = 1.0 / (z * z)
        series = np.zeros_like(z)
        for c in reversed(_PSI_SERIES):
            series = (series + c) * inverse_square
        psi = total + np.log(z) - 0.5 / z - series
        psi = np.where(reflect, psi - np.pi / np.tan(np.pi * x), psi)
        poles = (x <= 0) & (x == np.floor(x))
        return np.where(poles, np.where(x == 0, np.copysign(np.inf, -x), np.nan), psi)  # (+inf at -0.0)


def _cot_derivative(n: int, c: np.ndarray) -> np.ndarray:
    """The n-th derivative of cot at u, as a polynomial in c = cot(u): P_0 = c, P_(k+1) =
    -(1 + c^2) P_k'(c)."""
    p = np.polynomial.Polynomial([0.0, 1.0])
    for _ in range(n):
        p = np.polynomial.Polynomial([-1.0, 0.0, -1.0]) * p.deriv()
    out = np.full(np.shape(c), p.coef[-1])  # Horner's rule: NumPy's own adds c * 0 first, NaN at an infinite
    for a in p.coef[-2::-1]:  # cot (x within 1e-308 of a negative integer), where the value is infinite
        out = out * c + a
    return out


def _polygamma_values(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1, in float64: the Hurwitz zeta sum's
    first terms 1/(x + k)^(n+1) until x + k >= 10 + n, its tail by the Euler-Maclaurin series.
    A negative x by the reflection psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) cot^(n)(pi x)
    (the sum from x up to 10 + n took -x steps: for -1e20 or -inf it never ended). At 0 and the
    negative integers: +inf for odd n, -inf for even n (PyTorch's values: the limits from the right);
    NaN at -inf, which has no limit (a pole at every integer), as digamma's (it was taken as a pole)."""
    s = n + 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = np.asarray(x, dtype=np.float64)
        poles = (x <= 0) & (x == np.floor(x)) & (x > -np.inf)
        reflect = (x < 0) & ~poles
        z = np.where(poles, 1.0, np.where(reflect, 1.0 - x, x))
        total = np.zeros_like(z)
        edge = _ASYMPTOTIC_FROM + n
        while True:
            low = z < edge
            if not low.any():
                break
            total += np.where(low, z**-s, 0.0)
            z = np.where(low, z + 1.0, z)
        tail = z ** (1 - s) / n + 0.5 * z**-s
        rising, power = float(s), z**-s / z  # s (s + 1) ... (s + 2k - 2), z^(-s - 2k + 1)
        for k, c in enumerate(_ZETA_SERIES, 1):
            tail = tail + c * rising * power
            rising *= (s + 2 * k - 1) * (s + 2 * k)
            power = power / (z * z)
        value = (-1) ** (n + 1) * math.factorial(n) * (total + tail)
        if reflect.any():  # cot(pi x) of x's distance r to the nearest integer (pi x loses digits):
            r = x - np.round(x)  # cos / sin near 0, tan(pi (1/2 - |r|)) near 1/2 (exactly 0 there)
            near = np.abs(r) <= 0.25
            cot = np.where(near, np.cos(np.pi * r) / np.sin(np.pi * r), np.sign(r) * np.tan(np.pi * (0.5 - np.abs(r))))
            value = np.where(reflect, (-1) ** n * value - np.pi ** (n + 1) * _cot_derivative(n, cot), value)
        return np.where(poles, np.inf if n % 2 else -np.inf, value)


def _in_float64(values: Callable[[np.ndarray], np.ndarray], x: Array) -> Array:
    return np.asarray(values(np.asarray(x, dtype=np.float64)), dtype=x.dtype)


@dispatches
def digamma(x: Array) -> Array:
    """y = psi(x) = d/dx ln Gamma(x) (computed in float64)."""
    return _in_float64(_digamma_values, x)


def digamma_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g psi'(x) (``polygamma`` with n = 1)."""
    return (grad_output * polygamma(x, 1),)


def digamma_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = psi'(x) ẋ."""
    return tangents[0] * polygamma(x, 1)


def _order(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return int(n)


@dispatches
def polygamma(x: Array, n: int) -> Array:
    """y = psi^(n)(x), the n-th derivative of the digamma function (n = 0: digamma itself)."""
    n = _order(n)
    return digamma(x) if n == 0 else _in_float64(lambda v: _polygamma_values(n, v), x)


def polygamma_backward(grad_output: Array, x: Array, n: int) -> tuple[Array]:
    """dx = g psi^(n+1)(x)."""
    return (grad_output * polygamma(x, _order(n) + 1),)


def polygamma_jvp(tangents: Sequence[Array], x: Array, n: int) -> Array:
    """Forward mode: ẏ = psi^(n+1)(x) ẋ."""
    return tangents[0] * polygamma(x, _order(n) + 1)


_ERFINV_CENTRE = (
    *(2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087),
    *(-0.00125372503, -0.00417768164, 0.246640727, 1.50140941),
)
_ERFINV_TAIL = (
    *(-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773),
    *(-0.0076224613, 0.00943887047, 1.00167406, 2.83297682),
)
_NEWTON_STEPS = 60  # at most (y = 1 - 2**-53 takes about 30)


def _erfinv_values(y: np.ndarray) -> np.ndarray:
    """erf^-1(y) in float64: a single-precision polynomial in w = -ln(1 - y²) (Giles, 2010) made
    exact by Newton steps on erf(r) = y (two; more only beyond the polynomial's range, |y| above
    1 - 1e-7), the residual erf|r| - |y| written with ``math.erfc`` from |r| = 0.5 on, so that it
    keeps its digits near |y| = 1. +-inf at +-1, NaN outside [-1, 1]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        centre, tail = w - 2.5, np.sqrt(w) - 3.0
        p, q = np.zeros_like(y), np.zeros_like(y)
        for a, b in zip(_ERFINV_CENTRE, _ERFINV_TAIL, strict=True):
            p, q = p * centre + a, q * tail + b
        r = np.where(w < 5.0, p, q) * y
        inside = np.abs(y) < 1.0
        r = np.where(inside, r, 0.0)
        sign, a = np.where(y < 0, -1.0, 1.0), np.abs(y)
        todo = np.flatnonzero(inside)  # two steps for all; more only where they have not settled
        for step_number in range(_NEWTON_STEPS):
            rt, at = r.flat[todo], a.flat[todo]
            magnitude = np.abs(rt)
            near_one = (1.0 - at) - np.asarray(_erfc(magnitude), dtype=np.float64)
            residual = np.where(magnitude < 0.5, np.asarray(_erf(magnitude), dtype=np.float64) - at, near_one)
            step = sign.flat[todo] * residual / ((2.0 / math.sqrt(math.pi)) * np.exp(-magnitude * magnitude))
            r.flat[todo] = rt - step
            if step_number >= 1:
                todo = todo[np.abs(step) > 1e-15 * np.abs(rt)]
                if not todo.size:
                    break
        r = np.where(inside, r, np.where(a == 1.0, sign * np.inf, np.nan))
        return r


@dispatches
def erfinv(x: Array) -> Array:
    """y = erf^-1(x) for x in [-1, 1] (computed in float64)."""
    return _in_float64(_erfinv_values, x)


def _erfinv_slope(out: Array) -> Array:
    return np.exp(out * out) * (math.sqrt(math.pi) / 2.0)


def erfinv_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:
    """dx = g sqrt(pi)/2 e**(y²), y = erfinv(x)."""
    y = erfinv(x) if out is None else out
    return (_in_dtype_of(grad_output * _erfinv_slope(y), x),)


def erfinv_jvp(tangents: Sequence[Array], x: Array, out: Array | None = None) -> Array:
    """Forward mode: ẏ = sqrt(pi)/2 e**(y²) ẋ."""
    y = erfinv(x) if out is None else out
    return _in_dtype_of(tangents[0] * _erfinv_slope(y), x)


_LOG_SQRT_PI = 0.5 * math.log(math.pi)


def _log_erfc(r: np.ndarray) -> np.ndarray:
    """ln erfc(r) for r >= 0, by ``math.erfc`` below 26 and above by the asymptotic series
    erfc(r) = e**-r² / (r sqrt pi) (1 - x + 3x² - 15x³ + 105x⁴), x = 1/(2r²) (its next term is
    2e-13 of the sum at 26), which stays finite where erfc underflows (r above 26.5)."""
    near = np.minimum(r, 26.0)
    far = np.maximum(r, 26.0)
    x = 1.0 / (2.0 * far * far)
    series = 1.0 - x * (1.0 - x * (3.0 - x * (15.0 - 105.0 * x)))
    with np.errstate(divide="ignore"):
        asymptotic = -far * far - np.log(far) - _LOG_SQRT_PI + np.log(series)
        return np.where(r < 26.0, np.log(np.asarray(_erfc(near), dtype=np.float64)), asymptotic)


def _ndtri_values(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile in float64. For p in [0.25, 0.75], sqrt 2 erfinv(2p - 1)
    (exact arguments there); in the tails, q = min(p, 1 - p) (1 - p is exact for p >= 0.5) and
    r with erfc(r) = 2q found by Newton steps on ln erfc(r) = ln 2q, so that a p of 1e-300 keeps
    its digits (2p - 1 rounds it to -1). -inf at 0, +inf at 1, NaN outside [0, 1]."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y = _erfinv_values(2.0 * p - 1.0) * math.sqrt(2.0)
        q = np.where(p < 0.5, p, 1.0 - p)
        tail = np.flatnonzero((q < 0.25) & (q > 0.0))
        if tail.size:
            c = 2.0 * q.flat[tail]
            t = -np.log(c)
            r = np.sqrt(np.maximum(t - 0.5 * np.log(np.pi * np.maximum(t, 1.0)), 0.05))
            target = np.log(c)
            for _ in range(_NEWTON_STEPS):
                log_erfc = _log_erfc(r)
                slope = -(2.0 / math.sqrt(math.pi)) * np.exp(-r * r - log_erfc)
                step = (log_erfc - target) / slope
                r = np.maximum(r - step, 0.5 * r)
                if np.all(np.abs(step) <= 1e-15 * r):
                    break
            y.flat[tail] = np.where(p.flat[tail] < 0.5, -math.sqrt(2.0), math.sqrt(2.0)) * r
        # (below 0 by less than 1e-16, 2p - 1 rounds to -1, whose erfinv is -inf)
        return np.where(p < 0.0, np.nan, y)


@dispatches
def ndtri(x: Array) -> Array:
    """y = the standard normal quantile of p = x, the inverse of ndtr (computed in float64)."""
    return _in_float64(_ndtri_values, x)


def _ndtri_slope(out: Array) -> Array:
    return np.exp(out * out * 0.5) * math.sqrt(2.0 * math.pi)


def ndtri_backward(grad_output: Array, x: Array, out: Array | None = None) -> tuple[Array]:
    """dx = g sqrt(2 pi) e**(y²/2), y = ndtri(x)."""
    y = ndtri(x) if out is None else out
    return (_in_dtype_of(grad_output * _ndtri_slope(y), x),)


def ndtri_jvp(tangents: Sequence[Array], x: Array, out: Array | None = None) -> Array:
    """Forward mode: ẏ = sqrt(2 pi) e**(y²/2) ẋ."""
    y = ndtri(x) if out is None else out
    return _in_dtype_of(tangents[0] * _ndtri_slope(y), x)


def asin(x: Array) -> Array:
    """y = arcsin x (NaN outside [-1, 1])."""
    return np.arcsin(x)


def _asin_slope(x: Array) -> Array:
    return _in_dtype_of(1 / np.sqrt(1 - x * x), x)


def asin_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g / sqrt(1 - x²)."""
    return (grad_output * _asin_slope(x),)


def asin_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ / sqrt(1 - x²)."""
    return tangents[0] * _asin_slope(x)


def acos(x: Array) -> Array:
    """y = arccos x (NaN outside [-1, 1])."""
    return np.arccos(x)


def acos_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = -g / sqrt(1 - x²)."""
    return (-grad_output * _asin_slope(x),)


def acos_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = -ẋ / sqrt(1 - x²)."""
    return -tangents[0] * _asin_slope(x)


def atan(x: Array) -> Array:
    """y = arctan x."""
    return np.arctan(x)


def _atan_slope(x: Array) -> Array:
    return _in_dtype_of(1 / (1 + x * x), x)


def atan_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g / (1 + x²)."""
    return (grad_output * _atan_slope(x),)


def atan_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ / (1 + x²)."""
    return tangents[0] * _atan_slope(x)


def atan2(a: Array, b: Array) -> Array:
    """y = the angle of the point (b, a), arctan(a / b) in the right quadrant (broadcasting)."""
    return np.arctan2(a, b)


def _atan2_radius(a: Array, b: Array) -> Array:
    """a² + b², inf where it is 0 (the origin, or underflow): the gradients there are 0, as
    PyTorch 2.13's (they were 0 / 0 = NaN). The inf is a constant added, so that a Tensor's
    a² + b² stays recorded for higher derivatives."""
    r2 = a * a + b * b
    at_origin = np.asarray(r2) == 0
    return r2 + np.where(at_origin, np.inf, 0.0).astype(np.result_type(r2)) if at_origin.any() else r2


def atan2_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """da = g b / (a² + b²), db = -g a / (a² + b²) (0 at the origin, as PyTorch's)."""
    scaled = grad_output / _atan2_radius(a, b)
    return unbroadcast(scaled * b, a.shape), unbroadcast(-scaled * a, b.shape)


def atan2_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = (ȧ b - ḃ a) / (a² + b²)."""
    ta, tb = tangents
    r2 = _atan2_radius(a, b)
    return _full(
        _add_terms(None if ta is None else ta * b / r2, None if tb is None else -(tb * a) / r2),
        np.broadcast_shapes(a.shape, b.shape),
    )


def _check_gelu_form(approximate: str) -> None:
    if approximate not in _GELU_FORMS:
        raise ValueError(f"gelu: approximate must be 'tanh' or 'none', got {approximate!r}")


def _normal_cdf(x: Array) -> Array:
    """Phi(x) = erfc(-x / sqrt 2) / 2 of an array, in float64 (``math.erfc``, elementwise: exact in
    the left tail, where 1 + erf(x / sqrt 2) cancels: GELU at -5 was 4% off in float32, 0 from -6;
    float16 at -3 8.5% off, 0 from -4); of a Tensor (a recorded backward) (1 + erf(x / sqrt 2)) / 2."""
    if type(x) is np.ndarray:
        return 0.5 * np.asarray(_erfc(x.astype(np.float64) * -math.sqrt(0.5)), dtype=np.float64)
    return 0.5 * (1.0 + erf(x * math.sqrt(0.5)))


def gelu(x: Array, approximate: str = "tanh") -> Array:
    """y = x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))), GELU's tanh form (the default here);
    ``approximate="none"``: the exact y = x Phi(x), Phi the standard normal's distribution function."""
    _check_gelu_form(approximate)
    if approximate == "none":  # (in float64 for an array: x Phi(x) rounded once)
        return _in_dtype_of((x.astype(np.float64) if type(x) is np.ndarray else x) * _normal_cdf(x), x)
    w = _wide(x)  # (float16 in float32, as PyTorch: x**3 overflowed from |x| = 40)
    return _in_dtype_of(0.5 * w * (1.0 + np.tanh(_GELU_C * (w + _GELU_K * w**3))), x)


def _gelu_slope(x: Array, approximate: str) -> Array:
    _check_gelu_form(approximate)
    if approximate == "none":  # Phi(x) + x phi(x) (in float64 for an array)
        w = x.astype(np.float64) if type(x) is np.ndarray else x
        return _in_dtype_of(_normal_cdf(x) + w * np.exp(-0.5 * w * w) / math.sqrt(2.0 * math.pi), x)
    w = _wide(x)  # (float16 in float32, as PyTorch: 0 * inf was NaN in float16 beyond |x| = 256)
    t = np.tanh(_GELU_C * (w + _GELU_K * w**3))
    return _in_dtype_of(0.5 * (1.0 + t) + 0.5 * w * (1.0 - t * t) * _GELU_C * (1.0 + 3.0 * _GELU_K * w * w), x)


def gelu_backward(grad_output: Array, x: Array, approximate: str = "tanh") -> tuple[Array]:
    """dx = g * GELU'(x) (GELU'(x) = Phi(x) + x phi(x) for the exact form)."""
    return (grad_output * _gelu_slope(x, approximate),)


def gelu_jvp(tangents: Sequence[Array], x: Array, approximate: str = "tanh") -> Array:
    """Forward mode: ẏ = GELU'(x) ẋ."""
    return tangents[0] * _gelu_slope(x, approximate)


# --------------------------------------------------------------------------- ELU, SiLU, Mish, Hardtanh
def elu(x: Array, alpha: float = 1.0, *, scale: float = 1.0, input_scale: float = 1.0) -> Array:
    """y = scale x where x > 0, else scale alpha (e**(input_scale x) - 1): ELU (``scale=1``), SELU
    with PyTorch's ``alpha`` and ``scale``, and CELU (``input_scale = 1 / alpha``: the test stays
    x > 0 for a negative alpha too, as PyTorch's). float16 in float32: an alpha or 1 / alpha beyond
    float16's range (celu's alpha 1e-8) made 0 * inf = NaN, or NumPy 1's and 2's numbers differ."""
    w = _wide(x)
    return _in_dtype_of(np.where(w > 0, w * scale, (scale * alpha) * np.expm1(np.minimum(w, 0) * input_scale)), x)


def _elu_slope(x: Array, alpha: float, scale: float, input_scale: float) -> Array:
    """scale where x > 0, else scale alpha input_scale e**(input_scale x); at x = 0 scale alpha
    input_scale with derivative 0, as PyTorch records it (masks: constants, piecewise in x). The
    exponent is of min(x, 0), not x * mask, so that x = inf has slope scale (inf * 0 would make it NaN)."""
    w = _wide(x)
    values = np.asarray(w)
    up, down = (values > 0).astype(values.dtype), (values < 0).astype(values.dtype)
    rate = scale * alpha * input_scale
    return _in_dtype_of(scale * up + rate * (1 - up - down + np.exp(np.minimum(w, 0) * input_scale) * down), x)


def elu_backward(
    grad_output: Array, x: Array, alpha: float = 1.0, *, scale: float = 1.0, input_scale: float = 1.0
) -> tuple[Array]:
    """dx = g * scale where x > 0, else g * scale alpha input_scale e**(input_scale x)."""
    return (grad_output * _elu_slope(x, alpha, scale, input_scale),)


def elu_jvp(
    tangents: Sequence[Array], x: Array, alpha: float = 1.0, *, scale: float = 1.0, input_scale: float = 1.0
) -> Array:
    """Forward mode: ẏ = scale ẋ where x > 0, else scale alpha input_scale e**(input_scale x) ẋ."""
    return tangents[0] * _elu_slope(x, alpha, scale, input_scale)


def silu(x: Array) -> Array:
    """y = x sigmoid(x) (SiLU, "swish")."""
    return _in_dtype_of(x * sigmoid(x), x)


def _silu_slope(x: Array) -> Array:
    s = sigmoid(x)
    return _in_dtype_of(s * (1 + x * (1 - s)), x)


def silu_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g * s (1 + x (1 - s)), s = sigmoid(x)."""
    return (grad_output * _silu_slope(x),)


def silu_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = s (1 + x (1 - s)) ẋ."""
    return tangents[0] * _silu_slope(x)


def mish(x: Array) -> Array:
    """y = x tanh(softplus(x)) (Mish)."""
    return _in_dtype_of(x * np.tanh(softplus(x)), x)


def _mish_slope(x: Array) -> Array:
    t = np.tanh(softplus(x))
    return _in_dtype_of(t + x * sigmoid(x) * (1 - t * t), x)


def mish_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g * (t + x sigmoid(x) (1 - t**2)), t = tanh(softplus(x))."""
    return (grad_output * _mish_slope(x),)


def mish_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = (t + x sigmoid(x) (1 - t**2)) ẋ."""
    return tangents[0] * _mish_slope(x)


def hardtanh(x: Array, min_val: float = -1.0, max_val: float = 1.0) -> Array:
    """y = x clipped to [min_val, max_val] (Hardtanh; ReLU6 is [0, 6])."""
    return _in_dtype_of(np.clip(x, min_val, max_val), x)


def _opmath(x: Array) -> Array:
    """``x``, float16 widened to float32: PyTorch compares float16 with a bound or threshold in
    float32, so 0.30005 (float16's 0.3) lies above 0.3 and inf above 1e5 (in float16 both bounds
    round onto the value: a gradient of 0, and inf replaced by threshold's ``value``)."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


def _between(x: Array, min_val: float, max_val: float) -> Array:
    """True where x is neither at or below min_val nor at or above max_val (PyTorch's hardtanh:
    0 at the bounds, unlike clamp; a NaN passes its gradient on, as in PyTorch): a constant
    (piecewise in x), computed on the values."""
    x = _opmath(np.asarray(x))
    return ~((x <= min_val) | (x >= max_val))


def hardtanh_backward(grad_output: Array, x: Array, min_val: float = -1.0, max_val: float = 1.0) -> tuple[Array]:
    """dx = g strictly between the bounds, else 0."""
    return (_selected(grad_output, _between(x, min_val, max_val)),)


def hardtanh_jvp(tangents: Sequence[Array], x: Array, min_val: float = -1.0, max_val: float = 1.0) -> Array:
    """Forward mode: ẏ = ẋ strictly between the bounds, else 0."""
    return tangents[0] * _between(x, min_val, max_val)


# --------------------------------------------------------------------------- elementwise max/min
def _selected(grad: Array, weights: Array) -> Array:
    """``grad * weights`` for selection weights (1 where an input was picked, a share on a tie,
    0 elsewhere), but 0 where a weight is 0 even if the gradient is infinite there: PyTorch's
    rules select, so sqrt(x.clamp(min=0)) gives 0 at x < 0, not inf * 0 = NaN. The usual,
    finite case costs one check of the gradient; a Tensor (a recorded backward) is selected."""
    if isinstance(grad, np.ndarray) and np.isfinite(grad).all():
        return grad * weights
    with np.errstate(invalid="ignore"):  # inf * 0, replaced below
        picked = grad * weights
    return np.where(np.asarray(weights) != 0, picked, np.zeros((), picked.dtype))


def _pick_masks(a: Array, b: Array, first_wins: Array) -> tuple[Array, Array]:
    """Weights sending the gradient to the chosen operand; ties split it half and half; where
    either is NaN (the result is NaN) both get all of it, as in PyTorch (the other operand took
    it all, a NaN's gradient was 0). Constants (piecewise in a and b), computed on the values."""
    a, b, first_wins = np.asarray(a), np.asarray(b), np.asarray(first_wins)
    tie = (a == b) * 0.5
    wa = (first_wins + tie).astype(np.result_type(a, b), copy=False)
    wb = _in_dtype_of(1.0 - wa, wa)
    if wa.dtype.kind == "f" and not (np.isfinite(a).all() and np.isfinite(b).all()):
        nan = np.isnan(a) | np.isnan(b)
        if nan.any():
            wa, wb = np.where(nan, 1.0, wa).astype(wa.dtype), np.where(nan, 1.0, wb).astype(wa.dtype)
    return wa, wb


def maximum(a: Array, b: Array) -> Array:
    """y = max(a, b) elementwise (broadcasting)."""
    return np.maximum(a, b)


def maximum_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """The gradient goes to the larger operand (half to each on a tie)."""
    # BEGIN SOLUTION: return (gradient of a, gradient of b): g to the larger (half each on a tie), unbroadcast
    wa, wb = _pick_masks(a, b, a > b)
    return unbroadcast(_selected(grad_output, wa), a.shape), unbroadcast(_selected(grad_output, wb), b.shape)
    # END SOLUTION


def maximum_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = the tangent of the larger operand (the mean of both on a tie)."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    wa, wb = _pick_masks(a, b, a > b)
    ta, tb = tangents
    return _full(
        _add_terms(None if ta is None else ta * wa, None if tb is None else tb * wb),
        np.broadcast_shapes(a.shape, b.shape),
    )
    # END SOLUTION


def minimum(a: Array, b: Array) -> Array:
    """y = min(a, b) elementwise (broadcasting)."""
    return np.minimum(a, b)


def minimum_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """The gradient goes to the smaller operand (half to each on a tie)."""
    wa, wb = _pick_masks(a, b, a < b)
    return unbroadcast(_selected(grad_output, wa), a.shape), unbroadcast(_selected(grad_output, wb), b.shape)


def minimum_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = the tangent of the smaller operand (the mean of both on a tie)."""
    wa, wb = _pick_masks(a, b, a < b)
    ta, tb = tangents
    return _full(
        _add_terms(None if ta is None else ta * wa, None if tb is None else tb * wb),
        np.broadcast_shapes(a.shape, b.shape),
    )


# --------------------------------------------------------------------------- reductions
@dispatches
def sum(x: Array, axis: Axis = None, keepdims: bool = False) -> Array:  # noqa: A001
    """y = x summed over ``axis`` (all axes by default), by ``_add_reduce``."""
    return np.asarray(_add_reduce(x, axis=axis, keepdims=keepdims))


def sum_backward(grad_output: Array, x: Array, axis: Axis = None, keepdims: bool = False) -> tuple[Array]:
    """dx = g repeated along the summed axes."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    return (_expand(grad_output, x.shape, axis, keepdims),)
    # END SOLUTION


def sum_jvp(tangents: Sequence[Array], x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
    """Forward mode: ẏ = ẋ summed over ``axis``."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return sum(tangents[0], axis, keepdims)
    # END SOLUTION


def _count(x: Array, axis: Axis) -> int:
    if axis is None:
        return np.size(x)  # not x.size: a Tensor's size() is PyTorch's method (the shape)
    axes = (axis,) if isinstance(axis, int) else axis
    return math.prod(x.shape[a] for a in axes)


@dispatches
def mean(x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
    """y = x averaged over ``axis`` (all axes by default)."""
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return np.asarray(_average(x, axis, keepdims))
    return np.asarray(x.mean(axis=axis, keepdims=keepdims))


def _average(x: Array, axis: Axis, keepdims: bool) -> Any:
    """``x.mean(axis, keepdims=keepdims)`` of a float array in NumPy's own steps (the same bits on
    NumPy 1.26 and 2.x, float16 summed in float32; no slower), raised from this module: the
    mean of nothing or of inf and -inf warns here, where MyTorch's warning filter keeps it quiet,
    as PyTorch is (inside NumPy's ``mean`` it warned)."""
    n = np.intp(_count(x, axis))
    half = x.dtype == np.float16
    total = _add_reduce(x, axis=axis, dtype=np.float32 if half else None, keepdims=keepdims)
    if isinstance(total, np.ndarray):
        total = np.true_divide(total, n, out=total, casting="unsafe")
        return total.astype(np.float16) if half else total
    return (np.float16 if half else total.dtype.type)(total / n)


def mean_backward(grad_output: Array, x: Array, axis: Axis = None, keepdims: bool = False) -> tuple[Array]:
    """dx = g / n repeated along the averaged axes (n elements per average)."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    return (_expand(divide_count(grad_output, _count(x, axis)), x.shape, axis, keepdims),)
    # END SOLUTION


def mean_jvp(tangents: Sequence[Array], x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
    """Forward mode: ẏ = ẋ averaged over ``axis``."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    return mean(tangents[0], axis, keepdims)
    # END SOLUTION


def _extreme_weights(x: Array, out: Array, axis: Axis, keepdims: bool) -> Array:
    """Where x attains its max/min along ``axis``, shared equally among ties: a constant
    (piecewise in x), computed on the values."""
    x, out = np.asarray(x), np.asarray(out)
    hit = x == _expand(out, x.shape, axis, keepdims)
    with np.errstate(invalid="ignore", divide="ignore"):  # (no hit where out is NaN: NaN weights, as PyTorch's)
        return hit / hit.sum(axis=axis, keepdims=True).astype(x.dtype)


def max(x: Array, axis: Axis = None, keepdims: bool = False) -> Array:  # noqa: A001
    """y = the largest element of x along ``axis`` (all axes by default)."""
    return np.asarray(x.max(axis=axis, keepdims=keepdims))


def max_backward(
    grad_output: Array, x: Array, axis: Axis = None, keepdims: bool = False, out: Array | None = None
) -> tuple[Array]:
    """dx = g at the maximum (split equally among tied maxima), 0 elsewhere."""
    out = max(x, axis, keepdims) if out is None else out
    weights = _extreme_weights(x, out, axis, keepdims)
    return (_selected(_expand(grad_output, x.shape, axis, keepdims), weights),)


def max_jvp(
    tangents: Sequence[Array | None], x: Array, axis: Axis = None, keepdims: bool = False, out: Array | None = None
) -> Array:
    """Forward mode: ẏ = ẋ at the maximum (averaged over tied maxima)."""
    out = max(x, axis, keepdims) if out is None else out
    return sum(tangents[0] * _extreme_weights(x, out, axis, keepdims), axis, keepdims)


def min(x: Array, axis: Axis = None, keepdims: bool = False) -> Array:  # noqa: A001
    """y = the smallest element of x along ``axis`` (all axes by default)."""
    return np.asarray(x.min(axis=axis, keepdims=keepdims))


def min_backward(
    grad_output: Array, x: Array, axis: Axis = None, keepdims: bool = False, out: Array | None = None
) -> tuple[Array]:
    """dx = g at the minimum (split equally among tied minima), 0 elsewhere."""
    out = min(x, axis, keepdims) if out is None else out
    weights = _extreme_weights(x, out, axis, keepdims)
    return (_selected(_expand(grad_output, x.shape, axis, keepdims), weights),)


def min_jvp(
    tangents: Sequence[Array | None], x: Array, axis: Axis = None, keepdims: bool = False, out: Array | None = None
) -> Array:
    """Forward mode: ẏ = ẋ at the minimum (averaged over tied minima)."""
    out = min(x, axis, keepdims) if out is None else out
    return sum(tangents[0] * _extreme_weights(x, out, axis, keepdims), axis, keepdims)


# --------------------------------------------------------------------------- shape
def transpose(x: Array, axes: tuple[int, ...] | None = None) -> Array:
    """y = x with its axes permuted (reversed by default)."""
    return np.transpose(x, axes)


def transpose_backward(grad_output: Array, x: Array, axes: tuple[int, ...] | None = None) -> tuple[Array]:
    """dx = g with the permutation undone."""
    inverse = None if axes is None else tuple(np.argsort([a % x.ndim for a in axes]))  # axes may be negative
    return (np.transpose(grad_output, inverse),)


def transpose_jvp(tangents: Sequence[Array], x: Array, axes: tuple[int, ...] | None = None) -> Array:
    """Forward mode: ẏ = ẋ with the same permutation of axes."""
    return np.transpose(tangents[0], axes)


def reshape(x: Array, shape: tuple[int, ...]) -> Array:
    """y = x with a new shape (same elements, same order)."""
    return x.reshape(shape)


def reshape_backward(grad_output: Array, x: Array, shape: tuple[int, ...]) -> tuple[Array]:
    """dx = g reshaped back to x's shape."""
    return (grad_output.reshape(x.shape),)


def reshape_jvp(tangents: Sequence[Array], x: Array, shape: tuple[int, ...]) -> Array:
    """Forward mode: ẏ = ẋ reshaped like the output."""
    return tangents[0].reshape(shape)


def _is_basic_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


def index(x: Array, index: Any) -> Array:  # noqa: A002 - the op's parameter
    """y = x[index]: integers, slices, arrays of indices or boolean masks (a new array laid out
    as PyTorch lays it out, so that a view of it is a view where it is one in PyTorch)."""
    if _is_basic_index(index):
        return np.asarray(x[index])
    return torch_layout(np.asarray(x[index]), x, index)


def index_backward(grad_output: Array, x: Array, index: Any) -> tuple[Array]:  # noqa: A002
    """dx = g scattered back into zeros at the indexed places (repeats accumulate)."""
    return (index_scatter(grad_output, index, x.shape),)


def index_jvp(tangents: Sequence[Array], x: Array, index: Any) -> Array:  # noqa: A002
    """Forward mode: ẏ = ẋ[index]."""
    return tangents[0][index]


@dispatches
def index_scatter(g: Array, index: Any, shape: tuple[int, ...]) -> Array:  # noqa: A002
    """y = zeros of ``shape`` with g added at ``index`` (repeats accumulate): the adjoint of
    ``index``, so that indexing has a second derivative."""
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def index_scatter_backward(grad_output: Array, g: Array, index: Any, shape: tuple[int, ...]) -> tuple[Array]:  # noqa: A002
    """dg = grad_output[index]."""
    return (grad_output[index],)


def index_scatter_jvp(tangents: Sequence[Array], g: Array, index: Any, shape: tuple[int, ...]) -> Array:  # noqa: A002
    """Forward mode: ẏ = ġ scattered like g."""
    return index_scatter(tangents[0], index, shape)


@dispatches
def setitem(x: Array, value: Array, index: Any) -> Array:  # noqa: A002 - the op's parameter
    """y = x with y[index] = value (value broadcast to the indexed places): ``x[index] = value``."""
    out = np.array(x)  # a copy, and an array even of a NumPy scalar (a 0-d gradient)
    out[index] = value
    return out


def setitem_backward(grad_output: Array, x: Array, value: Array, index: Any) -> tuple[Array, Array]:  # noqa: A002
    """dx = g with zeros at the overwritten places; dvalue = g[index] summed back to value's shape."""
    zero = np.zeros((), dtype=grad_output.dtype)
    taken = grad_output[index]
    if isinstance(taken, np.generic):  # (one element of a 0-d gradient; a recorded gradient stays a Tensor)
        taken = np.asarray(taken)
    return setitem(grad_output, zero, index), unbroadcast(taken, value.shape)


def setitem_jvp(tangents: Sequence[Array | None], x: Array, value: Array, index: Any) -> Array:  # noqa: A002
    """Forward mode: ẏ = ẋ with ẏ[index] = v̇ (zeros where a tangent is missing)."""
    tx, tv = tangents
    return setitem(_zeros_or(tx, x), np.zeros((), dtype=x.dtype) if tv is None else tv, index)


def concatenate(*xs: Array, axis: int = 0) -> Array:
    """y = the inputs joined along ``axis``."""
    return np.concatenate(xs, axis=axis)


def concatenate_backward(grad_output: Array, *xs: Array, axis: int = 0) -> tuple[Array, ...]:
    """Each input gets its own slice of g."""
    bounds = np.cumsum([x.shape[axis] for x in xs])[:-1]
    return tuple(np.split(grad_output, bounds, axis=axis))


def concatenate_jvp(tangents: Sequence[Array | None], *xs: Array, axis: int = 0) -> Array:
    """Forward mode: ẏ = the inputs' tangents joined along ``axis`` (zeros for inputs without one)."""
    return np.concatenate([_zeros_or(t, x) for t, x in zip(tangents, xs)], axis=axis)


# --------------------------------------------------------------------------- softmax family
SHORT_ROWS = (32, 16)
"""``row_maximum`` reduces the transpose of at least 32 rows of at most 16 elements."""


def row_maximum(w: Array, axis: int = -1) -> Array:
    """``w.max(axis, keepdims=True)``: the shift of a softmax.

    Many short rows (a batch of 128 rows of 10 logits) are reduced in their transpose, laid
    out row by row: NumPy reduces each short row on its own (6.7 us for 128 x 10 float32), and
    the transpose's rows with its vector loops (2 us with the copy). A maximum is exact in any
    order, so the values are the same; of a tie between 0.0 and -0.0 either may come out,
    which the softmax cannot tell apart (x - m and then e**(x - m) are equal for both).
    """
    if (
        type(w) is np.ndarray
        and w.ndim == 2
        and (axis == -1 or axis == 1)
        and w.shape[0] >= SHORT_ROWS[0]
        and 0 < w.shape[1] <= SHORT_ROWS[1]
        and w.flags.c_contiguous
    ):
        return np.maximum.reduce(np.ascontiguousarray(w.T), 0)[:, None]
    return w.max(axis=axis, keepdims=True)


@dispatches
def softmax(x: Array, axis: int = -1) -> Array:
    """y = e**x / sum(e**x) along ``axis``, shifted by the maximum (finite for any x). A float16
    x is computed in float32 and given back in float16, as PyTorch does (in float16 the terms and
    their sum were rounded each: a few float16 ulps off)."""
    if x.size == 0:  # (nothing to normalise, as PyTorch's empty result; the maximum of no element raised)
        return np.exp(x)
    w = _wide(x)
    e = np.exp(w - row_maximum(w, axis))
    e /= e.sum(axis=axis, keepdims=True)
    return e if w is x else e.astype(x.dtype)


def softmax_backward(grad_output: Array, x: Array, axis: int = -1, out: Array | None = None) -> tuple[Array]:
    """dx = y * (g - sum(g * y))."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    y = softmax(x, axis) if out is None else out
    gy = grad_output * y
    return (gy - y * gy.sum(axis=axis, keepdims=True),)
    # END SOLUTION


def softmax_jvp(tangents: Sequence[Array], x: Array, axis: int = -1, out: Array | None = None) -> Array:
    """Forward mode: ẏ = y * (ẋ - sum(ẋ * y))."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    y = softmax(x, axis) if out is None else out
    ty = tangents[0] * y
    return ty - y * ty.sum(axis=axis, keepdims=True)
    # END SOLUTION


@dispatches
def log_softmax(x: Array, axis: int = -1) -> Array:
    """y = x - log(sum(e**x)) along ``axis`` (stable); float16 in float32, as ``softmax``."""
    if x.size == 0:  # (as softmax's)
        return np.exp(x)
    w = _wide(x)
    shifted = w - row_maximum(w, axis)
    y = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return y if w is x else y.astype(x.dtype)


def log_softmax_backward(grad_output: Array, x: Array, axis: int = -1, out: Array | None = None) -> tuple[Array]:
    """dx = g - softmax(x) * sum(g)."""
    # BEGIN SOLUTION: return the gradient of x, as a one-element tuple
    p = np.exp(log_softmax(x, axis) if out is None else out)
    return (grad_output - p * grad_output.sum(axis=axis, keepdims=True),)
    # END SOLUTION


def log_softmax_jvp(tangents: Sequence[Array], x: Array, axis: int = -1, out: Array | None = None) -> Array:
    """Forward mode: ẏ = ẋ - sum(softmax(x) * ẋ)."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    p = np.exp(log_softmax(x, axis) if out is None else out)
    t = tangents[0]
    return t - (p * t).sum(axis=axis, keepdims=True)
    # END SOLUTION


@dispatches
def logsumexp(x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
    """y = log(sum(e**x)) over ``axis`` (all axes by default), shifted by the maximum: finite
    for any finite x, -inf where every term is -inf (or there are none), +inf where one is.
    float16 is computed in float32 and given back in float16, as PyTorch does."""
    w = _wide(x)
    shift = np.max(w, axis=axis, keepdims=True, initial=-np.inf)
    shift = np.where(np.isfinite(shift), shift, 0.0).astype(w.dtype, copy=False)
    with np.errstate(divide="ignore"):  # log(0) = -inf: every term -inf, or none
        y = np.log(_add_reduce(np.exp(w - shift), axis=axis, keepdims=keepdims))
    return _in_dtype_of(np.asarray(y + (shift if keepdims else np.squeeze(shift, axis))), x)


def _logsumexp_weights(x: Array, out: Array, axis: Axis, keepdims: bool) -> Array:
    """softmax(x) along ``axis``: e**(x - y), y = logsumexp(x) spread back over the reduced axes;
    divided by their sum where y is so large that its rounding shows in them (float32 past 84,
    float64 past 4.5e10: at [1e7, 1e7] in float32 each was 0.368, at [1e300, 1e300] 1, for 0.5).
    Only those slices: one large result among others divided every slice, so a slice holding +inf
    got a NaN sum and NaN for every element, where alone its finite elements have 0."""
    weights = np.exp(x - _expand(out, x.shape, axis, keepdims))
    values = np.asarray(out)
    if values.dtype.kind == "f" and values.size:
        with np.errstate(invalid="ignore", over="ignore"):
            large = np.isfinite(values) & (np.abs(values) * np.finfo(values.dtype).eps > 1e-5)
        if large.any():
            spread = _expand(large, x.shape, axis, keepdims)
            weights = np.where(spread, weights / weights.sum(axis=axis, keepdims=True), weights)
    return weights


def logsumexp_backward(
    grad_output: Array, x: Array, axis: Axis = None, keepdims: bool = False, out: Array | None = None
) -> tuple[Array]:
    """dx = g * softmax(x) along ``axis`` (= g e**(x - y))."""
    out = logsumexp(x, axis, keepdims) if out is None else out
    return (_expand(grad_output, x.shape, axis, keepdims) * _logsumexp_weights(x, out, axis, keepdims),)


def logsumexp_jvp(
    tangents: Sequence[Array], x: Array, axis: Axis = None, keepdims: bool = False, out: Array | None = None
) -> Array:
    """Forward mode: ẏ = sum(softmax(x) * ẋ) over ``axis``."""
    out = logsumexp(x, axis, keepdims) if out is None else out
    return sum(tangents[0] * _logsumexp_weights(x, out, axis, keepdims), axis, keepdims)


# --------------------------------------------------------------------------- losses
# Losses take the ground truth first (the handout's order) and return shape (1,).
def _batch(x: Array) -> int:
    return x.shape[0] if x.ndim > 1 else 1


def _loss_value(value: Any, like: Array) -> Array:
    """A loss (or its tangent) as the table's losses return it: shape (1,), ``like``'s dtype."""
    return _in_dtype_of(np.reshape(value, (1,)), like)


def _same_shape(name: str, y: Array, y_hat: Array) -> None:
    """Losses compare like with like: broadcasting labels (N,) against (N, C) would be silently wrong."""
    if y.shape != y_hat.shape:
        raise ValueError(
            f"{name}: ground truth y has shape {y.shape} but the prediction has shape {y_hat.shape}; they must "
            "match (give class labels as one-hot rows)"
        )


def softmax_cross_entropy(y: Array, x: Array) -> Array:
    """Mean over the batch of -sum(y * log_softmax(x)): y one-hot (or soft) labels (N, C)."""
    return softmax_cross_entropy_and_log_probs(y, x)[0]


def softmax_cross_entropy_and_log_probs(y: Array, x: Array) -> tuple[Array, Array]:
    """The loss and ``log_softmax(x)``, which the backward rules reuse as ``log_probs``."""
    # BEGIN SOLUTION: return the loss (shape (1,), mean over the batch) and log_softmax(x)
    _same_shape("softmax_cross_entropy", y, x)
    log_probs = log_softmax(x)
    terms = y * log_probs
    if terms.dtype.char == "e":  # float16 summed in float32, as PyTorch (past 65,504 the sum was inf)
        terms = terms.astype(np.float32)
    total = terms.sum()
    if not np.isfinite(total):  # a class masked by a logit of -inf that y gives 0: its term is 0, not 0 * -inf
        total = np.where(y != 0, terms, 0).sum()
    return np.asarray([-total / _batch(x)], dtype=x.dtype), log_probs
    # END SOLUTION


# BEGIN SOLUTION NO PROMPT
def softmax_cross_entropy_grad_y(grad_output: Array, y: Array, x: Array, log_probs: Array | None = None) -> Array:
    """d/dy = -g * log_softmax(x) / N."""
    g = (log_softmax(x) if log_probs is None else log_probs) * divide_count(-grad_output[0], _batch(x))
    return g if x.ndim else _in_dtype_of(g, x)  # (NumPy 1.x: a 0-d float32 times a float64 scalar is float64)


def softmax_cross_entropy_grad_x(grad_output: Array, y: Array, x: Array, log_probs: Array | None = None) -> Array:
    """d/dx = g * (softmax(x) * sum(y) - y) / N, i.e. g * (softmax(x) - y) / N for one-hot y."""
    p = softmax(x) if log_probs is None else np.exp(log_probs)
    g = (p * y.sum(axis=-1, keepdims=True) - y) * divide_count(grad_output[0], _batch(x))
    return g if x.ndim else _in_dtype_of(g, x)


# END SOLUTION


def SoftmaxCrossEntropy_backward(  # noqa: N802
    grad_output: Array, y: Array, x: Array, log_probs: Array | None = None
) -> tuple[Array, Array]:
    """The handout's name for the softmax cross-entropy kernel: (d/dy, d/dx).

    ``log_probs``, if given, is the forward's ``log_softmax(x)`` (saves computing it again).
    """
    # BEGIN SOLUTION: return (gradient of y, gradient of x), each of its input's shape
    return (
        softmax_cross_entropy_grad_y(grad_output, y, x, log_probs),
        softmax_cross_entropy_grad_x(grad_output, y, x, log_probs),
    )
    # END SOLUTION


# BEGIN SOLUTION NO PROMPT
SoftmaxCrossEntropy_backward.partials = (softmax_cross_entropy_grad_y, softmax_cross_entropy_grad_x)  # type: ignore[attr-defined]
# END SOLUTION
softmax_cross_entropy_backward = SoftmaxCrossEntropy_backward


def softmax_cross_entropy_jvp(
    tangents: Sequence[Array | None], y: Array, x: Array, log_probs: Array | None = None
) -> Array:
    """Forward mode: ẏ = <∂L/∂y, ẏ_labels> + <∂L/∂x, ẋ>, from the two gradients."""
    # BEGIN SOLUTION: forward mode (not graded): return the tangent of the output
    ty, tx = tangents
    n = _batch(x)
    terms = []
    if ty is not None:
        terms.append(-(ty * (log_softmax(x) if log_probs is None else log_probs)).sum() / n)
    if tx is not None:
        terms.append((softmax_cross_entropy_grad_x(np.ones(1, x.dtype), y, x, log_probs) * tx).sum())
    return _loss_value(builtins.sum(terms), x)
    # END SOLUTION


def mse_loss(y: Array, y_hat: Array) -> Array:
    """Mean over all elements of (y_hat - y)**2."""
    return mse_loss_and_diff(y, y_hat)[0]


def mse_loss_and_diff(y: Array, y_hat: Array) -> tuple[Array, Array]:
    """The loss and ``y_hat - y``, which the backward rules reuse as ``diff``."""
    _same_shape("mse_loss", y, y_hat)
    d = y_hat - y
    w = d.astype(np.float32) if d.dtype.char == "e" else d  # float16 summed in float32, as PyTorch: 1,200
    return _asarray([sum_of_squares(w) / d.size], dtype=y_hat.dtype), d  # squares of 30 were inf in float16


_SQUARES_ROW = 256
"""``sum_of_squares`` adds a float32 array's squares in rows of this many by BLAS-like dots."""


def sum_of_squares(w: np.ndarray) -> Any:
    """``<w, w>`` of a real array (``mse_loss``'s sum, which the replay's rule calls too).

    ``np.vdot`` up to ``SEQUENTIAL_SUM_LIMIT`` elements and for float64 (its bits, as before);
    a longer float32 array is cut in rows of ``_SQUARES_ROW``, whose dots are added in float64:
    BLAS's dot adds each of its few lanes' terms one after another in float32, so the mean
    squared error of 1e6 float32 values was 1e-6 to 3e-6 off, of 1e7 3e-5 (now within float32's
    rounding of the float64 value)."""
    n = w.size
    if n <= SEQUENTIAL_SUM_LIMIT or w.dtype.char != "f":
        return _vdot(w, w)
    flat = w.ravel(order="K")  # (any order: a view of a contiguous array)
    whole = n - n % _SQUARES_ROW
    rows, tail = flat[:whole].reshape(-1, _SQUARES_ROW), flat[whole:]
    return _np_add_reduce(np.einsum("ij,ij->i", rows, rows), None, np.float64) + float(_vdot(tail, tail))


def mse_loss_grad_y_hat(grad_output: Array, y: Array, y_hat: Array, diff: Array | None = None) -> Array:
    """d/dy_hat = 2 g (y_hat - y) / n (``diff``, if given, is the forward's y_hat - y)."""
    # (on NumPy 1.x, 2.0 times a float32 number is a float64 one: the scale is put back in float32)
    scale = _in_dtype_of(divide_count(2.0 * grad_output[0], np.size(y_hat)), grad_output)
    return (y_hat - y if diff is None else diff) * scale


def mse_loss_grad_y(grad_output: Array, y: Array, y_hat: Array, diff: Array | None = None) -> Array:
    """d/dy = -2 g (y_hat - y) / n."""
    return -mse_loss_grad_y_hat(grad_output, y, y_hat, diff)


def mse_loss_backward(grad_output: Array, y: Array, y_hat: Array, diff: Array | None = None) -> tuple[Array, Array]:
    """(d/dy, d/dy_hat) = (-2 g (y_hat - y) / n, 2 g (y_hat - y) / n)."""
    g = mse_loss_grad_y_hat(grad_output, y, y_hat, diff)
    return -g, g


mse_loss_backward.partials = (mse_loss_grad_y, mse_loss_grad_y_hat)  # type: ignore[attr-defined]


def mse_loss_jvp(tangents: Sequence[Array | None], y: Array, y_hat: Array, diff: Array | None = None) -> Array:
    """Forward mode: ẏ = 2 <y_hat - y, ẏ_hat - ẏ> / n."""
    ty, th = tangents
    dt = _add_terms(th, None if ty is None else -ty)
    return _loss_value(2.0 * np.vdot(y_hat - y if diff is None else diff, dt) / np.size(y), y_hat)


_LOG_FLOOR = -100.0  # log(p) is floored here so that p = 0 or 1 gives a finite loss


def _floored_logs(p: Array) -> tuple[Array, Array]:
    """log p and log(1 - p), each floored at -100 (no warning for p = 0 or 1)."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), _LOG_FLOOR), np.maximum(np.log1p(-p), _LOG_FLOOR)


def check_probabilities(name: str, what: str, values: Array, hint: str = "") -> None:
    """Refuse ``values`` unless every one lies in [0, 1] (NaN refused too), naming ``what``.

    ``bce_loss`` checks its predictions with it. Its targets are checked by the user-facing
    losses (``BCELoss``, ``F.binary_cross_entropy``), not here: the kernel's loss is linear in
    the target, and a finite-difference check of that derivative at a target of 1 steps past 1.
    """
    if np.size(values) and not (values.min() >= 0 and values.max() <= 1):
        raise ValueError(
            f"{name}: the {what} must be probabilities in [0, 1], got values from {values.min()} to "
            f"{values.max()}{hint}"
        )


def bce_loss(y: Array, p: Array) -> Array:
    """Mean binary cross-entropy of probabilities p against targets y in [0, 1]."""
    _same_shape("bce_loss", y, p)
    check_probabilities("bce_loss", "predictions", p, " (for logits use bce_with_logits_loss)")
    log_p, log_q = _floored_logs(p)
    return _mean_value(-(y * log_p + (1.0 - y) * log_q), p)


def _bce_slope(y: Array, p: Array) -> Array:
    """d/dp of the clamped loss per element, -y / p + (1 - y) / (1 - p), where a term whose
    log the forward floors at -100 contributes 0 (it is constant there): finite for every p
    in [0, 1], and the exact derivative of the forward wherever p and 1 - p are normal
    numbers (PyTorch instead gives (p - y) / max(p (1 - p), 1e-12), which disagrees with its
    own clamped forward near 0 and 1)."""
    tiny = np.finfo(p.dtype).tiny
    log_p, log_q = _floored_logs(p)
    dp = y * (log_p > _LOG_FLOOR) / np.maximum(p, tiny)  # 0 where floored (and 0 / tiny is 0)
    dq = (1.0 - y) * (log_q > _LOG_FLOOR) / np.maximum(1.0 - p, tiny)
    return dq - dp


def bce_loss_backward(grad_output: Array, y: Array, p: Array) -> tuple[Array, Array]:
    """(d/dy, d/dp) = (g (log(1-p) - log p) / n, g (p - y) / (p (1-p) n)), the logs floored at
    -100 as in the forward (a floored term has derivative 0)."""
    scale = divide_count(grad_output[0], np.size(p))
    log_p, log_q = _floored_logs(p)
    return _in_dtype_of((log_q - log_p) * scale, p), _in_dtype_of(_bce_slope(y, p) * scale, p)


def bce_loss_jvp(tangents: Sequence[Array | None], y: Array, p: Array) -> Array:
    """Forward mode: ẏ = <∂L/∂y, ẏ> + <∂L/∂p, ṗ>, from the two gradients."""
    gy, gp = bce_loss_backward(np.ones(1, p.dtype), y, p)
    ty, tp = tangents
    return _loss_value(_add_terms(None if ty is None else np.vdot(gy, ty), None if tp is None else np.vdot(gp, tp)), p)


def bce_with_logits_loss(y: Array, z: Array) -> Array:
    """Mean binary cross-entropy of logits z (probabilities sigmoid(z)); stable for any z."""
    _same_shape("bce_with_logits_loss", y, z)
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return _mean_value(loss, z)


def bce_with_logits_loss_backward(grad_output: Array, y: Array, z: Array) -> tuple[Array, Array]:
    """(d/dy, d/dz) = (-g z / n, g (sigmoid(z) - y) / n)."""
    scale = divide_count(grad_output[0], np.size(z))
    return -z * scale, (sigmoid(z) - y) * scale


def bce_with_logits_loss_jvp(tangents: Sequence[Array | None], y: Array, z: Array) -> Array:
    """Forward mode: ẏ = <∂L/∂y, ẏ> + <∂L/∂z, ż>, from the two gradients."""
    gy, gz = bce_with_logits_loss_backward(np.ones(1, z.dtype), y, z)
    ty, tz = tangents
    return _loss_value(_add_terms(None if ty is None else np.vdot(gy, ty), None if tz is None else np.vdot(gz, tz)), z)


# --------------------------------------------------------------------------- PyTorch-style ops
# Kernels behind the Tensor methods with PyTorch's names (``expand``, ``clamp``, ``where``,
# ``var``, ``norm``, ``prod``, ``cumsum``, ``.double()``, ``clone``).
def clone(x: Array) -> Array:
    """y = a copy of x (its own memory, unlike ``identity``)."""
    return x.copy()


def clone_backward(grad_output: Array, x: Array) -> tuple[Array]:
    """dx = g."""
    return (grad_output,)


def clone_jvp(tangents: Sequence[Array], x: Array) -> Array:
    """Forward mode: ẏ = ẋ."""
    return _zeros_or(tangents[0], x)


@dispatches
def cast(x: Array, dtype: Any) -> Array:
    """y = x converted to the floating-point ``dtype`` (``t.double()``, ``t.to(float32)``); a value
    beyond a narrower dtype is inf, as in PyTorch, without NumPy's RuntimeWarning."""
    if np.dtype(dtype).itemsize < x.dtype.itemsize:
        with np.errstate(over="ignore"):
            return x.astype(dtype)
    return x.astype(dtype)


def cast_backward(grad_output: Array, x: Array, dtype: Any) -> tuple[Array]:
    """dx = g converted back to x's dtype (its real part for a real x made complex)."""
    if grad_output.dtype.kind == "c" and x.dtype.kind != "c":
        grad_output = grad_output.real
    return (cast(grad_output, x.dtype),)


def cast_jvp(tangents: Sequence[Array], x: Array, dtype: Any) -> Array:
    """Forward mode: ẏ = ẋ converted to ``dtype``."""
    return cast(tangents[0], dtype)


def expand(x: Array, shape: tuple[int, ...]) -> Array:
    """y = x broadcast to ``shape`` (a read-only view: no copy is made)."""
    return np.broadcast_to(x, shape)


def expand_backward(grad_output: Array, x: Array, shape: tuple[int, ...]) -> tuple[Array]:
    """dx = g summed back over the broadcast axes."""
    return (unbroadcast(grad_output, x.shape),)


def expand_jvp(tangents: Sequence[Array], x: Array, shape: tuple[int, ...]) -> Array:
    """Forward mode: ẏ = ẋ broadcast to ``shape``."""
    return np.broadcast_to(tangents[0], shape)


def clamp(x: Array, min: float | None = None, max: float | None = None) -> Array:  # noqa: A002
    """y = x limited to [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clamp: give min, max or both")
    lo = None if min is None else _as_constant(min, x.dtype)
    hi = None if max is None else _as_constant(max, x.dtype)
    return _in_dtype_of(np.clip(x, lo, hi), x)


def _inside(x: Array, min: float | None, max: float | None) -> Array:  # noqa: A002
    """1 where min <= x <= max (bounds included, as PyTorch's clamp), else 0: a constant
    (piecewise in x), computed on the values."""
    x = np.asarray(x)
    mask = np.ones(x.shape, dtype=bool)
    if min is not None:  # (bounds as the forward's: an np.float64 bound would compare float32 in float64)
        mask &= x >= _as_constant(min, x.dtype)
    if max is not None:
        mask &= x <= _as_constant(max, x.dtype)
    return mask


def clamp_backward(grad_output: Array, x: Array, min: float | None = None, max: float | None = None) -> tuple[Array]:  # noqa: A002
    """dx = g where min <= x <= max, else 0."""
    return (_selected(grad_output, _inside(x, min, max)),)


def clamp_jvp(tangents: Sequence[Array], x: Array, min: float | None = None, max: float | None = None) -> Array:  # noqa: A002
    """Forward mode: ẏ = ẋ where min <= x <= max, else 0."""
    return tangents[0] * _inside(x, min, max)


def where(a: Array, b: Array, condition: Array, slope_recorded: bool = False) -> Array:
    """y = a where ``condition`` holds, else b (all three broadcasting).

    ``slope_recorded``: a selection PyTorch makes as an operation of its own and records as a
    function of its input (``F.threshold``, ``F.hardshrink``: the condition is one on ``a``);
    the values and gradients are the same, but a recorded backward puts the gradient in the
    graph with derivative 0, as ``RECORDED_SLOPES`` do (``torch.where``'s stays a constant).
    ``condition`` the ``np.True_`` scalar (``slope_in_graph``): a view of ``a``, no copy."""
    if condition is np.True_ and not np.shape(b) and a.shape and np.result_type(a, b) == a.dtype:
        return a.view()
    return np.where(condition, a, b)


def where_backward(
    grad_output: Array, a: Array, b: Array, condition: Array, slope_recorded: bool = False
) -> tuple[Array, Array]:
    """da = g where the condition holds, db = g elsewhere (each summed back to its shape)."""
    if condition is np.True_ and not np.shape(b):  # (``slope_in_graph``: a's gradient, uncopied)
        return unbroadcast(grad_output, a.shape), np.zeros_like(b)
    zero = np.zeros((), grad_output.dtype)
    return (
        unbroadcast(np.where(condition, grad_output, zero), a.shape),
        unbroadcast(np.where(condition, zero, grad_output), b.shape),
    )


def where_jvp(
    tangents: Sequence[Array | None], a: Array, b: Array, condition: Array, slope_recorded: bool = False
) -> Array:
    """Forward mode: ẏ = ȧ where the condition holds, else ḃ."""
    ta, tb = tangents
    shape = np.broadcast_shapes(a.shape, b.shape, np.shape(condition))
    return _full(np.where(condition, _zeros_or(ta, a), _zeros_or(tb, b)), shape)


def _wide(x: Array) -> Array:
    """``x``, or a float32 copy of a float16 array: a sum of float16 values stalls (2048 + 1 is
    2048) or overflows (300**2 + 400**2) where the result itself fits. PyTorch accumulates
    float16 in float32 too; the result goes back to float16."""
    return x.astype(np.float32) if type(x) is np.ndarray and x.dtype == np.float16 else x


def var(x: Array, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Array:
    """y = sum((x - mean(x))**2) / (n - correction) over ``axis`` (correction 1: the unbiased variance).

    float32 whose squared deviations overflow (values beyond about 1.8e19) is computed again in
    float64 and rounded, as PyTorch accumulates float32 in float64: the variance of [2e19, -2e19,
    1e19, 0] is 2.92e38, not inf. Where the float32 result is finite it is kept as it is."""
    w = _wide(x)
    y = np.asarray(_variance(w, axis, correction, keepdims))
    if w.dtype == np.float32 and not np.isfinite(y).all():
        with np.errstate(over="ignore"):  # (a variance beyond float32 is inf, as PyTorch's)
            wide = np.asarray(_variance(w, axis, correction, keepdims, np.float64)).astype(w.dtype)
        y = np.where(np.isfinite(y), y, wide)  # (only those slices: the others round as they do alone)
    return _in_dtype_of(y, x)


def _variance(x: Array, axis: Axis, ddof: int, keepdims: bool, dtype: Any = None) -> Any:
    """``np.var(x, axis, dtype, ddof=ddof, keepdims=keepdims)`` for a float ``x``, in NumPy's own
    steps (the same bits, on NumPy 1.26 and 2.x, and no slower), but raised from this module: the
    overflow of float32 squares beyond 1.8e19, an inf - inf or no degree of freedom warn here, where
    MyTorch's warning filter keeps them quiet, as PyTorch is (inside ``np.var`` they warned)."""
    if type(x) is not np.ndarray or x.dtype.kind != "f":
        return np.var(x, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    n = np.intp(_count(x, axis))
    mean = _add_reduce(x, axis=axis, dtype=dtype, keepdims=True)
    if isinstance(mean, np.ndarray):
        mean = np.true_divide(mean, n, out=mean, casting="unsafe")
    else:  # (a 0-d x)
        mean = mean.dtype.type(mean / n)
    deviations = np.asarray(x - mean)
    squares = np.multiply(deviations, deviations, out=deviations)
    total = _add_reduce(squares, axis=axis, dtype=dtype, keepdims=keepdims)
    dof = np.maximum(n - ddof, 0)
    if isinstance(total, np.ndarray):
        return np.true_divide(total, dof, out=total, casting="unsafe")
    return total.dtype.type(total / dof)


def _var_slope(x: Array, axis: Axis, correction: int) -> Array:
    """dy/dx = 2 (x - mean(x)) / (n - correction); with no degree of freedom left (n <= correction)
    the divisor is 0, as in PyTorch: the slope is NaN (0 / 0) or infinite, never an exception."""
    centred = x - mean(x, axis, True)  # (the kernel: NumPy's bits, its warnings quiet)
    dof = _count(x, axis) - correction
    return _in_dtype_of(centred * (2.0 / dof if dof > 0 else math.inf), x)


def var_backward(
    grad_output: Array, x: Array, axis: Axis = None, keepdims: bool = False, correction: int = 1
) -> tuple[Array]:
    """dx = g * 2 (x - mean(x)) / (n - correction)."""
    return (_expand(grad_output, x.shape, axis, keepdims) * _var_slope(x, axis, correction),)


def var_jvp(
    tangents: Sequence[Array | None], x: Array, axis: Axis = None, keepdims: bool = False, correction: int = 1
) -> Array:
    """Forward mode: ẏ = sum(2 (x - mean(x)) ẋ) / (n - correction); of a complex x its real part,
    with x - mean(x) conjugated (the variance of complex numbers is real, as its tangent)."""
    slope = _var_slope(x, axis, correction)
    if x.dtype.kind == "c":
        return np.real(sum(tangents[0] * np.conj(slope), axis, keepdims))
    return sum(tangents[0] * slope, axis, keepdims)


def norm(x: Array, p: float = 2.0, axis: Axis = None, keepdims: bool = False) -> Array:
    """y = (sum |x|**p)**(1/p) over ``axis``; p = inf gives max |x|."""
    if not p > 0:
        raise ValueError(f"norm: p must be positive (or inf), got {p}")
    a = np.abs(x)
    if p == math.inf or np.size(x) == 1 or (np.ndim(x) and np.size(x) and _count(x, axis) == 1):
        # (of one element |x|, as PyTorch's: 1e300, not the inf of sqrt(x * x))
        return np.asarray(a.max(axis=axis, keepdims=keepdims))
    w = _wide(x)
    if p == 1:
        return _in_dtype_of(np.asarray(_add_reduce(np.abs(w), axis=axis, keepdims=keepdims)), x)
    total = _add_reduce((w * w) if p == 2 else (np.abs(w) ** p), axis=axis, keepdims=keepdims)
    low = _NORM_LOW.get(type(total))  # (a float32 or float64 NumPy scalar: one slice)
    if low is not None:
        t = float(total)
        rescale = not low <= t < math.inf and t == t and (t != 0.0 or bool(w.any()))  # (zeros, NaN: as they are)
    else:
        rescale = type(total) is np.ndarray and total.dtype.type in _NORM_LOW and _out_of_range(total, w)
    y = np.asarray(np.sqrt(total) if p == 2 else total ** (1.0 / p))
    if rescale:  # only the slices that need it, so that each slice's norm is the one it has alone
        scaled = _scaled_norm(w, p, axis, keepdims, np.shape(total))
        y = np.where((total >= _NORM_LOW[np.dtype(total.dtype).type]) & (total < math.inf), y, scaled)
    return _in_dtype_of(y, x)


# a sum of |x|**p below this (of the dtype) may have lost digits to underflow: rescaled
_NORM_LOW = {t: float(np.finfo(t).tiny / np.finfo(t).eps) for t in (np.float32, np.float64)}


def _out_of_range(total: np.ndarray, w: Array) -> bool:
    """Whether some sum of |w|**p is inf, or below the dtype's ``_NORM_LOW`` other than a slice of zeros."""
    if ((total >= _NORM_LOW[total.dtype.type]) & (total < math.inf)).all():
        return False
    return bool((total > 0).any() or np.isinf(total).any() or w.any())


def _scaled_norm(w: Array, p: float, axis: Axis, keepdims: bool, shape: tuple[int, ...]) -> Array:
    """The p-norm as m * norm(w / m), m = max |w| (LAPACK's way): for sums of |w|**p that overflow
    or underflow, where the norm itself fits (float64 [1e200, 1e200] is 1.41e200, not inf; float32
    [1e-23, 1e-23] 1.41e-23, not 0). A slice of zeros, inf or NaN keeps m = 1."""
    a = np.abs(w)
    m = a.max(axis=axis, keepdims=True)
    m = np.where((m > 0) & np.isfinite(m), m, np.ones((), m.dtype))
    with np.errstate(over="ignore", under="ignore"):
        y = ((a / m) ** p).sum(axis=axis, keepdims=True) ** (1.0 / p) * m
    return np.asarray(y if keepdims else y.reshape(shape))


def _norm_slope(x: Array, p: float, axis: Axis, keepdims: bool, out: Array | None) -> Array:
    """dy/dx: sign(x) |x|**(p-1) / y**(p-1) (x / y for p = 2), 0 where y = 0 (PyTorch's
    subgradient there; for p >= 1); for p = inf, sign(x) at the largest |x| (shared equally
    among ties)."""
    out = norm(x, p, axis, keepdims) if out is None else out
    if p == 1:
        return _sgn(x)
    if p == math.inf:
        return _sgn(x) * _extreme_weights(np.abs(x), out, axis, keepdims)
    y = _expand(out, np.shape(x), axis, keepdims)
    zero = np.asarray(y) == 0
    safe = y + zero  # 1 where y = 0, where x is all zeros: the ratio is 0 there
    if p < 1:  # |x|**(p-1) is infinite at x = 0 (and 0 * inf NaN): PyTorch's subgradient 0 there, of
        # x = 1 put in first (a constant), so that no inf reaches a second derivative (through y)
        at_zero = np.asarray(x) == 0
        ones = np.where(at_zero, np.ones((), np.asarray(x).dtype), x) if at_zero.any() else x
        ratio = np.where(at_zero, 0, _sgn(ones) * np.abs(ones) ** (p - 1) / safe ** (p - 1))
    elif p < 2:  # |x|**(p-1) / y**(p-1), not (|x| / y)**(p-1): that one's derivative in y at x = 0 is
        # inf * 0 = NaN, which a second derivative carried to every element (both powers are below 1)
        ratio = _sgn(x) * np.abs(x) ** (p - 1) / safe ** (p - 1)
    else:
        ratio = x / safe if p == 2 else _sgn(x) * (np.abs(x) / safe) ** (p - 1)
    if zero.any():  # selected, not computed, there: its derivative is 0 too, as in torch.func.hessian
        ratio = np.where(zero, 0, ratio)
    return _in_dtype_of(ratio, x)


def norm_backward(
    grad_output: Array, x: Array, p: float = 2.0, axis: Axis = None, keepdims: bool = False, out: Array | None = None
) -> tuple[Array]:
    """dx = g * sign(x) |x|**(p-1) / y**(p-1) (g * x / y for p = 2); 0 where y = 0."""
    return (_expand(grad_output, x.shape, axis, keepdims) * _norm_slope(x, p, axis, keepdims, out),)


def norm_jvp(
    tangents: Sequence[Array | None],
    x: Array,
    p: float = 2.0,
    axis: Axis = None,
    keepdims: bool = False,
    out: Array | None = None,
) -> Array:
    """Forward mode: ẏ = sum(sign(x) |x|**(p-1) / y**(p-1) ẋ) over ``axis``."""
    return sum(tangents[0] * _norm_slope(x, p, axis, keepdims, out), axis, keepdims)


RECORDED_SLOPES = frozenset({abs_backward, relu_backward, leaky_relu_backward, hardtanh_backward, norm_backward})
"""Backward kernels whose gradient is the incoming one times a piecewise-constant slope, that
PyTorch nevertheless records as a function of x: recorded (``create_graph=True``), their
gradient is put in the graph with derivative 0 in x, so that differentiating it again gives
zeros, as in PyTorch, rather than raising (``mytorch.backward_graph``); so is a ``where``
recorded with ``slope_recorded=True``. ``norm``'s slope is piecewise constant for p = 1 and
inf (and at a zero norm); for other p it is a function of x already. The kernels themselves,
and the first-order path, are untouched. (PyTorch records no such slope for ``clamp``,
``maximum``/``minimum``, ``torch.where`` or the rounding functions, and neither does MyTorch.)"""


@dispatches
def prod(x: Array, axis: int | None = None, keepdims: bool = False) -> Array:
    """y = the product of x's elements along ``axis`` (all of them by default)."""
    return np.asarray(_multiply_reduce(x, axis=axis, keepdims=keepdims))


def _others_multiplied(x: Array, axis: int | None) -> Array:
    """``_others_product`` of a Tensor with zeros (a recorded backward), computed as products:
    row i of an (n, n) stack along ``axis`` holds x with x_i replaced by 1, and its product is
    the product of the others, differentiable through the zeros (n times the memory of x)."""
    if axis is None:
        return np.reshape(_others_multiplied(np.reshape(x, -1), 0), x.shape)
    last = np.swapaxes(x, axis, -1)
    n = last.shape[-1]
    rows = np.where(np.eye(n, dtype=bool), np.ones((), np.asarray(x).dtype), np.expand_dims(last, -2))
    return np.swapaxes(prod(rows, -1), axis, -1)


def _exclusive_products(x: np.ndarray, axis: int | None) -> np.ndarray:
    """For each element, the product of the elements before it along ``axis`` times the product of
    those after it (running products from both ends): the product of the others, exact with zeros
    and NaN where that product is inf times 0, as PyTorch computes it (x has an element)."""
    if axis is None:
        return _exclusive_products(x.reshape(-1), 0).reshape(x.shape)
    last = np.moveaxis(x, axis, -1)
    ones = np.ones((*last.shape[:-1], 1), last.dtype)
    before = np.concatenate([ones, np.cumprod(last[..., :-1], -1)], -1)
    after = np.concatenate([np.cumprod(last[..., :0:-1], -1)[..., ::-1], ones], -1)
    return np.moveaxis(before * after, -1, axis)


def _others_product(x: Array, axis: int | None) -> Array:
    """For each element, the product of the *other* elements along ``axis``: P / x, as PyTorch
    takes it, in the slices of finite nonzero elements whose product P is a normal number; in the
    others the running products from both ends (``_exclusive_products``: [-inf, 3, 0] gives
    [0, nan, -inf], [inf, 2] gives [2, inf] and [1e200, 1e200] gives [1e200, 1e200], where P / x is
    NaN or inf), except that the whole product with more than one zero has the gradient 0. PyTorch
    takes the running products for every slice when any slice of the tensor holds a zero, and P / x
    for every slice otherwise, so that a slice's gradient depended on the other slices. On Tensors
    (a recorded backward) with such a slice it is ``_others_multiplied``."""
    if not np.ndim(x):  # a 0-d x is its own product: no others, derivative 1 (also at 0 and inf)
        return np.ones((), np.asarray(x).dtype)
    data = np.asarray(x)
    whole = prod(x, axis, True)
    total = np.abs(np.asarray(whole))
    with np.errstate(invalid="ignore"):
        plain = np.all(np.isfinite(data) & (data != 0), axis=axis, keepdims=True)
        plain &= np.isfinite(total) & (total >= np.finfo(data.dtype).tiny)
    if plain.all():
        return whole / x
    if not isinstance(x, np.ndarray):  # a recorded backward: the division is not the derivative
        return _others_multiplied(x, axis)
    if axis is None and np.count_nonzero(data == 0) > 1:
        return np.zeros_like(x)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # inf * 0 is NaN, as in PyTorch
        return np.where(plain, whole / x, _exclusive_products(x, axis))


def prod_backward(grad_output: Array, x: Array, axis: int | None = None, keepdims: bool = False) -> tuple[Array]:
    """dx = g * the product of the other elements."""
    return (_expand(grad_output, x.shape, axis, keepdims) * _others_product(x, axis),)


def prod_jvp(tangents: Sequence[Array], x: Array, axis: int | None = None, keepdims: bool = False) -> Array:
    """Forward mode: ẏ = sum(ẋ * the product of the other elements) along ``axis``."""
    return sum(tangents[0] * _others_product(x, axis), axis, keepdims)


@dispatches
def cumsum(x: Array, axis: int) -> Array:
    """y[..., i] = x[..., 0] + ... + x[..., i] along ``axis``, summed from 0 as PyTorch sums (so a
    zero sum is 0.0, never -0.0: NumPy's sums start at x[..., 0], and [-0.0] gave -0.0). float32
    runs in float64 and float16 in float32, rounded once at the end, as PyTorch's CPU scan
    accumulates: a float32 running sum drifts by about n ulps (1000 times 0.1 gave 99.99905, and
    PyTorch 100.0; the backward, a reversed cumsum, likewise)."""
    if not x.ndim:
        return x.copy()  # (-0.0 stays -0.0 here, as in PyTorch)
    w = x.astype(np.float64) if type(x) is np.ndarray and x.dtype == np.float32 else _wide(x)
    floats = type(w) is np.ndarray and w.dtype.kind == "f"
    y = np.add.accumulate(w, axis=axis) if floats else np.cumsum(w, axis=axis)  # (the ufunc: its warnings quiet)
    if y.dtype.kind == "f":
        y += 0.0  # (-0.0 + 0.0 is 0.0; every other value stays as it is)
    return _in_dtype_of(y, x)


def cumsum_backward(grad_output: Array, x: Array, axis: int) -> tuple[Array]:
    """dx[i] = g[i] + g[i+1] + ...: the cumulative sum of g taken from the end."""
    if not x.ndim:
        return (grad_output,)
    return (np.flip(cumsum(np.flip(grad_output, axis), axis=axis), axis),)


def cumsum_jvp(tangents: Sequence[Array], x: Array, axis: int) -> Array:
    """Forward mode: ẏ = the cumulative sum of ẋ."""
    return cumsum(tangents[0], axis)


@dispatches
def cumprod(x: Array, axis: int) -> Array:
    """y[..., i] = x[..., 0] * ... * x[..., i] along ``axis`` (float16 multiplied in float32)."""
    if not x.ndim:
        return x.copy()
    w = _wide(x)
    floats = type(w) is np.ndarray and w.dtype.kind == "f"
    return _in_dtype_of(np.multiply.accumulate(w, axis=axis) if floats else np.cumprod(w, axis=axis), x)


def _first_zeros(x: Array, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Masks along ``axis``: the positions before the first zero, and the first zero itself."""
    zero = np.asarray(x) == 0
    seen = np.cumsum(zero, axis=axis)
    return seen == 0, zero & (seen == 1)


def _reversed_cumsum(a: Array, axis: int) -> Array:
    return np.flip(cumsum(np.flip(a, axis), axis), axis)


def _cumprod_others(grad_output: Array, x: Array, axis: int) -> Array:
    """dx_k = sum over i >= k of g_i times the product of x_j for j <= i, j != k, as products: row
    k of an (n, n) stack holds x with x_k replaced by 1, and its running products are those terms.
    Differentiable through the zeros (a recorded backward); n times the memory of x."""
    last, g = np.swapaxes(x, axis, -1), np.swapaxes(grad_output, axis, -1)
    n = last.shape[-1]
    rows = np.where(np.eye(n, dtype=bool), np.ones((), np.asarray(x).dtype), np.expand_dims(last, -2))
    terms = np.where(np.triu(np.ones((n, n), dtype=bool)), cumprod(rows, -1) * np.expand_dims(g, -2), 0.0)
    return np.swapaxes(sum(terms, -1), axis, -1)


def cumprod_backward(grad_output: Array, x: Array, axis: int, out: Array | None = None) -> tuple[Array]:
    """dx_k = sum over i >= k of g_i y_i / x_k without zeros (a reversed running sum, as PyTorch's)
    where the running products are finite normal numbers, else ``_cumprod_scan_backward`` (exact at
    inf, NaN, overflow and underflow); along a slice with zeros, that before the first zero, the
    sum of g_i times the running products with the first zero replaced by 1 at it, and 0 after it
    (every term there has that zero)."""
    if not x.ndim:
        return (grad_output,)
    y = cumprod(x, axis) if out is None else out
    if not isinstance(x, np.ndarray):  # a recorded backward
        before, _ = _first_zeros(x, axis)
        if before.all():
            return (_reversed_cumsum(grad_output * y, axis) / x,)
        return (_cumprod_others(grad_output, x, axis),)  # (the masks below would cut derivatives)
    with np.errstate(invalid="ignore", over="ignore"):
        divided = _in_dtype_of(_reversed_cumsum(grad_output * y, axis) / x, x)
    dx = _cumprod_by_slices(
        divided,
        x,
        y,
        axis,
        lambda: _cumprod_zeros_backward(grad_output, x, axis, y),
        lambda: _cumprod_scan_backward(grad_output, x, axis),
    )
    return (dx,)


def _cumprod_by_slices(
    divided: np.ndarray, x: np.ndarray, y: np.ndarray, axis: int, zeros_rule: Callable[[], Any], scan: Callable[[], Any]
) -> np.ndarray:
    """A cumprod derivative slice by slice: ``divided`` (PyTorch's division by x) where the running
    products are finite normal numbers and it is finite, ``zeros_rule()`` along slices with zeros,
    ``scan()`` (exact, no division) along the others; each rule computed only when some slice needs it."""
    normal = _normal_slices(y, axis)
    finite = np.all(np.isfinite(divided), axis, keepdims=True)
    if normal.all() and finite.all():
        return divided
    zeros = np.any(x == 0, axis, keepdims=True)
    kept = zeros_rule() if zeros.any() else divided
    return np.where(~(normal & finite) & ~zeros, scan(), kept)


def _normal_slices(y: np.ndarray, axis: int) -> np.ndarray:
    """True for the slices along ``axis`` whose running products are all finite normal numbers
    (so no factor is 0, inf or NaN, and none overflowed or underflowed): there PyTorch's
    ``sum(g_i y_i) / x_k`` is the derivative to rounding."""
    with np.errstate(invalid="ignore"):
        return np.all(np.isfinite(y) & (np.abs(y) >= np.finfo(y.dtype).tiny), axis, keepdims=True)


def _times_nonzero(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * b``, but 0 where ``b`` is 0 (a sum of terms whose weights, gradients or tangents, are
    all 0) even where ``a`` is inf or NaN: each column of ``jacrev`` and ``jacfwd`` is then that
    input's own derivative, not NaN from an infinite factor of another one."""
    return np.where(b == 0, np.zeros((), np.result_type(a, b)), a * b)


def _cumprod_scan_backward(grad_output: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
    """dx_k = (x_0 ... x_{k-1}) S_k, S_k = g_k + x_{k+1} S_{k+1} (a scan from the end, one step per
    position): the sum of g_i times the products of the others, without dividing by x_k, so finite
    at x_k = +-inf and right where the running products overflowed or underflowed (PyTorch's
    division gives NaN, inf or a wrong number there)."""
    w, g = np.moveaxis(_wide(x), axis, 0), np.moveaxis(grad_output, axis, 0)
    sums = np.empty(np.broadcast_shapes(w.shape, g.shape), np.result_type(w, g))
    sums[-1] = g[-1]
    with np.errstate(invalid="ignore", over="ignore"):
        for k in range(len(w) - 2, -1, -1):
            sums[k] = g[k] + _times_nonzero(w[k + 1], sums[k + 1])
        before = np.concatenate([np.ones_like(w[:1]), np.multiply.accumulate(w[:-1], axis=0)])
        return _in_dtype_of(np.moveaxis(_times_nonzero(before, sums), 0, axis), x)


def _cumprod_zeros_backward(grad_output: np.ndarray, x: np.ndarray, axis: int, y: np.ndarray) -> np.ndarray:
    """``cumprod_backward`` as PyTorch takes it along slices with zeros (the others divided)."""
    before, first = _first_zeros(x, axis)
    one = np.ones((), x.dtype)
    # as PyTorch's: the terms past the first zero (before it) and past the second zero (at it)
    # count as 0 even beside an inf or NaN (0 * inf is NaN), and at the first zero the product of
    # the elements before it multiplies the sum of the terms up to the next zero, that one's
    # included (not each term: inf * 4 - inf / 2 was NaN, PyTorch's inf)
    zero = np.asarray(x) == 0
    after_second = np.cumsum(zero, axis=axis) - zero > 1
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        sums = _reversed_cumsum(np.where(before, grad_output * y, 0), axis)
        kept = np.where(before, sums / np.where(before, x, one), 0)
        prefix = cumprod(np.where(before, x, one), axis)  # at the first zero: the product before it
        inner = cumprod(np.where(before | first, one, x), axis)  # the products after it
        terms = np.where(before | after_second, 0, grad_output * inner)
        at_zero = prefix * _reversed_cumsum(terms, axis)
    return _in_dtype_of(np.where(first, at_zero, kept), x)


def cumprod_jvp(tangents: Sequence[Array], x: Array, axis: int, out: Array | None = None) -> Array:
    """Forward mode: ẏ_i = y_i (ẋ_0 / x_0 + ... + ẋ_i / x_i) over the elements before the first
    zero, plus, from the first zero z on, ẋ_z times the running products with x_z replaced by 1;
    ``_cumprod_scan_jvp`` along the slices without zeros where the backward takes its scan."""
    t = tangents[0]
    if not x.ndim:
        return t
    y = cumprod(x, axis) if out is None else out
    if isinstance(x, np.ndarray) and isinstance(t, np.ndarray):
        with np.errstate(invalid="ignore", over="ignore"):
            divided = _in_dtype_of(y * cumsum(t / x, axis), x)
        return _cumprod_by_slices(
            divided, x, y, axis, lambda: _cumprod_zeros_jvp(t, x, axis, y), lambda: _cumprod_scan_jvp(t, x, axis)
        )
    return _cumprod_zeros_jvp(t, x, axis, y)


def _cumprod_scan_jvp(t: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
    """ẏ_i = ẏ_{i-1} x_i + y_{i-1} ẋ_i (the product rule, one step per position): no division by
    x, so right at +-inf and where the running products overflowed or underflowed, as
    ``_cumprod_scan_backward``."""
    w, dx = np.moveaxis(_wide(x), axis, 0), np.moveaxis(t, axis, 0)
    dy = np.empty(np.broadcast_shapes(w.shape, dx.shape), np.result_type(w, dx))
    dy[0] = dx[0]
    with np.errstate(invalid="ignore", over="ignore"):
        y = np.multiply.accumulate(w, axis=0)
        for i in range(1, len(w)):
            dy[i] = _times_nonzero(w[i], dy[i - 1]) + _times_nonzero(y[i - 1], dx[i])
    return _in_dtype_of(np.moveaxis(dy, 0, axis), x)


def _cumprod_zeros_jvp(t: Array, x: Array, axis: int, y: Array) -> Array:
    """``cumprod_jvp`` as PyTorch takes it: divided, and along slices with zeros from the first on
    its tangent times the running products after it."""
    before, first = _first_zeros(x, axis)
    one = np.ones((), np.asarray(x).dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = y * cumsum(np.where(before, t / np.where(before, x, one), 0.0), axis)
    if before.all():
        return _in_dtype_of(ratio, x)
    at_zero = sum(np.where(first, t, 0.0), axis, True)
    return _in_dtype_of(np.where(before, ratio, at_zero * cumprod(np.where(first, one, x), axis)), x)


# --------------------------------------------------------------------------- rounding, remainders
# floor, ceil, round, trunc and sign are piecewise constant: their gradient is 0 everywhere (as
# in PyTorch, which records them too, so that a graph through them gives zeros, not an error).
# remainder and fmod are a - q b for a quotient q that is piecewise constant: da = g, db = -g q.
def _zero_rule(grad_output: Array, x: Array) -> tuple[Array]:
    return (np.zeros_like(grad_output),)


def _zero_tangent(tangents: Sequence[Array], x: Array) -> Array:
    # ẋ * 0, not zeros_like(ẋ): on Tensors (a recorded forward mode) the result is recorded too
    return _in_dtype_of(tangents[0] * 0.0, tangents[0])


def floor(x: Array) -> Array:
    """y = the largest integer <= x (gradient 0)."""
    return np.floor(x)


def ceil(x: Array) -> Array:
    """y = the smallest integer >= x (gradient 0)."""
    return np.ceil(x)


def trunc(x: Array) -> Array:
    """y = x rounded toward 0 (gradient 0)."""
    return np.trunc(x)


def sign(x: Array) -> Array:
    """y = -1, 0 or 1 as x < 0, x = 0 or x > 0 (gradient 0); x / |x| for complex x."""
    return _sgn(x)


def round(x: Array, decimals: int = 0) -> Array:  # noqa: A001 - the op's name
    """y = x rounded to ``decimals`` decimal places, halves to even (gradient 0). float16 is scaled
    by 10**decimals in float32, as PyTorch does: in float16, 1.3496 * 10 rounded to 13.5 and
    then to 1.4."""
    return _in_dtype_of(np.round(_wide(x), decimals), x) if decimals else np.round(x)


def round_backward(grad_output: Array, x: Array, decimals: int = 0) -> tuple[Array]:
    """dx = 0."""
    return (np.zeros_like(grad_output),)


def round_jvp(tangents: Sequence[Array], x: Array, decimals: int = 0) -> Array:
    """Forward mode: ẏ = 0 (ẋ * 0, recorded on Tensors)."""
    return _zero_tangent(tangents, x)


floor_backward = ceil_backward = trunc_backward = sign_backward = _zero_rule
floor_jvp = ceil_jvp = trunc_jvp = sign_jvp = _zero_tangent


def remainder(a: Array, b: Array) -> Array:
    """y = a - floor(a / b) b, the sign of b's (Python's ``%``; broadcasting); a zero has a's sign,
    as PyTorch's (its fmod's, kept): -4.0 % 2 is -0.0 there, where NumPy's (and Python's) is 0.0."""
    y = np.asarray(np.remainder(a, b))
    if y.dtype.kind == "f" and not y.all():
        np.copysign(y, a, out=y, where=y == 0)
    return y


def _floor_quotient(a: Array, b: Array) -> Array:
    """floor(a / b) as ``%`` computes it (NumPy's and PyTorch's ``//``), a constant."""
    return np.floor_divide(np.asarray(a), np.asarray(b))


def _trunc_quotient(a: Array, b: Array) -> Array:
    """trunc(a / b) (PyTorch's ``div(rounding_mode="trunc")``), a constant."""
    return np.trunc(np.asarray(a) / np.asarray(b))


def _quotient_backward(grad_output: Array, a: Array, b: Array, quotient: Callable) -> tuple[Array, Array]:
    """The gradients of a - q(a, b) b for a piecewise-constant quotient q: g and -g q.

    Recorded (a or b a Tensor), q is a function of a and b with derivative 0, as PyTorch records
    it: its value selected by ``where`` from nowhere else, so that -g q is in the graph and its
    own derivatives are zeros (a constant q made the second derivative raise "does not require a
    gradient" where PyTorch gives zeros)."""
    q = quotient(a, b)
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
        q = with_zero_slope(q, a + b)
    return unbroadcast(grad_output, a.shape), unbroadcast(-grad_output * q, b.shape)


def _quotient_jvp(tangents: Sequence[Array | None], a: Array, b: Array, quotient: Callable) -> Array:
    """Forward mode of a - q(a, b) b: ȧ - q ḃ."""
    ta, tb = tangents
    q = None if tb is None else -tb * quotient(a, b)
    return _full(_add_terms(ta, q), np.broadcast_shapes(a.shape, b.shape))


def remainder_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """da = g, db = -g floor(a / b)."""
    return _quotient_backward(grad_output, a, b, _floor_quotient)


def remainder_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = ȧ - floor(a / b) ḃ."""
    return _quotient_jvp(tangents, a, b, _floor_quotient)


def fmod(a: Array, b: Array) -> Array:
    """y = a - trunc(a / b) b, the sign of a's (C's ``fmod``; broadcasting)."""
    return np.fmod(a, b)


def fmod_backward(grad_output: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """da = g, db = -g trunc(a / b)."""
    return _quotient_backward(grad_output, a, b, _trunc_quotient)


def fmod_jvp(tangents: Sequence[Array | None], a: Array, b: Array) -> Array:
    """Forward mode: ẏ = ȧ - trunc(a / b) ḃ."""
    return _quotient_jvp(tangents, a, b, _trunc_quotient)


# --------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Kernel:
    """One row of the table.

    Attributes:
        name: the op's name (``mul``).
        forward: ``forward(*inputs, **params) -> output``.
        backward: ``backward(grad_output, *inputs, **params) -> one gradient per input``.
        jvp: ``jvp(tangents, *inputs, **params) -> output tangent``.
        arity: the number of array inputs (``None``: any number, as for ``concatenate``).
        saves_output: the backward and JVP rules take the forward's result as ``out``.
        reads: what the backward reads, per input: ``reads[i]`` lists the arrays (input
            indices, ``OUTPUT`` for the result) the gradient of input i is computed from;
            inputs past the end read nothing. ``None`` (unknown): every input and the output.
            Only these are protected from in-place changes (see ``mytorch.saved``): ``add``
            reads nothing, so ``c = a + b; c += 1`` is allowed, as in PyTorch.
        caches: the keyword parameter (one of ``CACHED_PARAMS``) through which the forward
            hands the backward a value it computed on the way (a loss's ``log_probs``), or
            None; ``forward_and_cache(*inputs, **params)`` returns the result and that value.
    """

    name: str
    forward: Callable[..., Array]
    backward: Callable[..., Any]
    jvp: Callable[..., Array]
    arity: int | None = 1
    saves_output: bool = False
    reads: tuple[tuple[int, ...], ...] | None = None
    caches: str | None = None
    forward_and_cache: Callable[..., tuple[Array, Array]] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its name, unpickled as the table's row (a module holding a row, ``nn.ReLU()``,
        could not be pickled: its plain forward is not the name its module gives)."""
        if KERNELS.get(self.name) is self:
            return (get_kernel, (self.name,))
        return (Kernel, tuple(getattr(self, field.name) for field in fields(self)))

    def run(self, inputs: Sequence[Array], params: dict[str, Any] | None) -> tuple[Array, dict[str, Any] | None]:
        """The forward's result, and the params to record its backward with: ``params``, plus
        the cached value for a row that ``caches`` (so that the backward does not compute a
        second softmax). ``params`` itself is not modified."""
        if self.forward_and_cache is None or self.caches is None:
            return (self.forward(*inputs) if params is None else self.forward(*inputs, **params)), params
        out, value = self.forward_and_cache(*inputs, **(params or {}))
        return out, {**(params or {}), self.caches: value}


def _row(
    name: str,
    arity: int | None = 1,
    saves_output: bool = False,
    reads: tuple[tuple[int, ...], ...] | None = None,
    caches: str | None = None,
) -> Kernel:
    module = globals()
    forward = getattr(module[name], "__wrapped__", module[name])  # the plain forward (see ``dispatches``)
    both = None if caches is None else module[f"{name}_and_{caches}"]
    return Kernel(
        name, forward, module[f"{name}_backward"], module[f"{name}_jvp"], arity, saves_output, reads, caches, both
    )


NOTHING: tuple[tuple[int, ...], ...] = ()  # a backward that reads only shapes
X = ((0,),)  # a one-input backward that reads its input
Y = ((OUTPUT,),)  # ... that reads its output
BOTH = ((1,), (0,))  # a two-input backward: each gradient reads the other input
EACH = ((0, 1), (0, 1))  # ... each gradient reads both inputs


KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in [
        _row("identity", reads=NOTHING),
        _row("neg", reads=NOTHING),
        _row("add", 2, reads=NOTHING),
        _row("sub", 2, reads=NOTHING),
        _row("mul", 2, reads=BOTH),
        _row("div", 2, reads=((1,), (0, 1))),
        _row("matmul", 2, reads=BOTH),
        _row("linear", 3, reads=((1,), (0,))),  # dx reads the weight, dweight reads x; dbias nothing
        _row("outer", 2, reads=BOTH),
        _row("pow", reads=X),
        _row("exp", saves_output=True, reads=Y),
        _row("log", reads=X),
        _row("log2", reads=X),
        _row("log10", reads=X),
        _row("sqrt", saves_output=True, reads=Y),
        _row("abs", reads=X),
        _row("log1p", reads=X),
        _row("expm1", saves_output=True, reads=Y),
        _row("square", reads=X),
        _row("rsqrt", saves_output=True, reads=Y),
        _row("reciprocal", saves_output=True, reads=Y),
        _row("sin", reads=X),
        _row("cos", reads=X),
        _row("sinh", reads=X),
        _row("cosh", reads=X),
        _row("atanh", reads=X),
        _row("acosh", reads=X),
        _row("tanh", saves_output=True, reads=Y),
        _row("sigmoid", saves_output=True, reads=Y),
        _row("relu", reads=X),
        _row("leaky_relu", reads=X),
        _row("softplus", reads=X),
        _row("gelu", reads=X),
        _row("erf", reads=X),
        _row("erfc", reads=X),
        _row("asin", reads=X),
        _row("acos", reads=X),
        _row("atan", reads=X),
        _row("atan2", 2, reads=EACH),
        _row("elu", reads=X),
        _row("silu", reads=X),
        _row("mish", reads=X),
        _row("hardtanh", reads=X),
        _row("maximum", 2, reads=EACH),
        _row("minimum", 2, reads=EACH),
        _row("max", saves_output=True, reads=((0, OUTPUT),)),
        _row("min", saves_output=True, reads=((0, OUTPUT),)),
        _row("sum", reads=NOTHING),
        _row("mean", reads=NOTHING),
        _row("transpose", reads=NOTHING),
        _row("reshape", reads=NOTHING),
        _row("index", reads=NOTHING),
        _row("index_scatter", reads=NOTHING),
        _row("setitem", 2, reads=NOTHING),
        _row("concatenate", None, reads=NOTHING),
        _row("softmax", saves_output=True, reads=Y),
        _row("log_softmax", saves_output=True, reads=Y),
        _row("logsumexp", saves_output=True, reads=((0, OUTPUT),)),
        _row("softmax_cross_entropy", 2, reads=((1,), (0, 1)), caches="log_probs"),
        _row("mse_loss", 2, reads=EACH, caches="diff"),
        _row("bce_loss", 2, reads=((1,), (0, 1))),
        _row("bce_with_logits_loss", 2, reads=((1,), (0, 1))),
        _row("clone", reads=NOTHING),
        _row("cast", reads=NOTHING),
        _row("expand", reads=NOTHING),
        _row("clamp", reads=X),
        _row("where", 2, reads=NOTHING),
        _row("var", reads=X),
        _row("norm", saves_output=True, reads=((0, OUTPUT),)),
        _row("prod", reads=X),
        _row("cumsum", reads=NOTHING),
        _row("cumprod", saves_output=True, reads=((0, OUTPUT),)),
        _row("floor", reads=NOTHING),
        _row("ceil", reads=NOTHING),
        _row("round", reads=NOTHING),
        _row("trunc", reads=NOTHING),
        _row("sign", reads=NOTHING),
        _row("remainder", 2, reads=((), (0, 1))),
        _row("fmod", 2, reads=((), (0, 1))),
        _row("lgamma", reads=X),
        _row("digamma", reads=X),
        _row("polygamma", reads=X),
        _row("erfinv", saves_output=True, reads=Y),
        _row("ndtri", saves_output=True, reads=Y),
    ]
}
"""Every differentiable operation of MyTorch, by name."""

_JVP_RULES: dict[Callable, Callable] = {k.backward: k.jvp for k in KERNELS.values()}
_READS: dict[Callable, tuple[tuple[int, ...], ...] | None] = {k.backward: k.reads for k in KERNELS.values()}


def reads_of(backward: Callable) -> tuple[tuple[int, ...], ...] | None:
    """What the backward kernel ``backward`` reads (``Kernel.reads``); None when not declared."""
    return _READS.get(backward)


def register_jvp(backward: Callable, jvp: Callable) -> None:
    """Declare ``jvp`` the forward-mode rule of the backward kernel ``backward``."""
    if not callable(backward) or not callable(jvp):
        raise TypeError("register_jvp: both the backward kernel and the JVP rule must be callable")
    _JVP_RULES[backward] = jvp


def jvp_rule(backward: Callable) -> Callable | None:
    """The JVP rule that goes with a backward kernel, or None if there is none."""
    return _JVP_RULES.get(backward)


def apply(
    engine: Any,
    name: str,
    *inputs: Array,
    gradients_to_update: Sequence[Any] | None = None,
    **params: Any,
) -> Array:
    """Run the op ``name`` forward and record it on ``engine`` (if not None).

    Example: ``y = apply(autograd, "tanh", x)`` computes ``tanh(x)`` and records it with
    ``tanh_backward``, saving the output for the backward pass.
    """
    kernel = get_kernel(name)
    if kernel.arity is not None and len(inputs) != kernel.arity:
        raise TypeError(f"apply({name}): takes {kernel.arity} array input(s), got {len(inputs)}")
    for i, x in enumerate(inputs):
        if not isinstance(x, np.ndarray):
            raise TypeError(f"apply({name}): input {i} must be a numpy.ndarray, got {type(x).__name__}")
    return run_kernel(engine, kernel, inputs, gradients_to_update, params)


def get_kernel(name: str) -> Kernel:
    """The row of the table named ``name``; ValueError naming the known ones if there is none."""
    kernel = KERNELS.get(name)
    if kernel is None:
        raise ValueError(f"apply: no kernel named {name!r}; known kernels: {', '.join(KERNELS)}")
    return kernel


def run_kernel(
    engine: Any,
    kernel: Kernel,
    inputs: Sequence[Array],
    gradients_to_update: Sequence[Any] | None = None,
    params: dict[str, Any] | None = None,
) -> Array:
    """``apply`` without its argument checks, for callers that resolved the kernel and checked
    their arrays once (the modules, on every training step). ``params`` is not modified."""
    try:
        out, params = kernel.run(inputs, params)
        # NumPy returns a scalar, not an array, for most ufuncs of a 0-d array: record an array.
        out = np.asarray(out)
    except (ValueError, IndexError, TypeError) as err:
        kind = next(k for k in (ValueError, IndexError, TypeError) if isinstance(err, k))
        shapes = ", ".join(str(x.shape) for x in inputs)
        raise kind(f"apply({kernel.name}): inputs of shapes {shapes}, params {sorted(params or {})}: {err}") from err
    if engine is not None:
        if kernel.saves_output:
            params = {**(params or {}), "out": out}
        engine.add_operation(
            inputs,
            out,
            [None] * len(inputs) if gradients_to_update is None else gradients_to_update,
            kernel.backward,
            params or None,
        )
    return out


# --------------------------------------------------------------------------- PyTorch's names on Tensors
# ``F.cross_entropy(logits, y)``, ``F.relu(t)``, ...: the Tensor-level functions live in
# ``mytorch.nn.functional_tensor`` and are reached from here. A name that is also a kernel's
# forward accepts both when it is looked up from outside (``F.relu``, ``from ... import relu``):
# arrays go to the kernel's forward, Tensors to the recorded function. Inside this file the
# names stay the plain forwards, so the rules above (which run on Tensors for higher-order
# gradients) keep their NumPy meaning. Loaded on first use: that file imports the Tensor,
# which imports this table.
_TENSOR_FUNCTIONS = "mytorch.nn.functional_tensor"
_SHARED = (
    *("relu", "sigmoid", "tanh", "softplus", "gelu", "leaky_relu", "elu", "silu", "mish", "hardtanh"),
    *("softmax", "log_softmax", "mse_loss", "linear"),
)
_TENSOR_ONLY = (
    "relu6",
    "selu",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "dropout",
    "embedding",
    "one_hot",
)


def _tensor_functions() -> Any:
    return importlib.import_module(_TENSOR_FUNCTIONS)


def _is_tensor(value: Any) -> bool:
    tensor = sys.modules.get("mytorch.tensor")
    return tensor is not None and isinstance(value, tensor.Tensor)


def _on_arrays_or_tensors(forward: Callable[..., Array]) -> Callable[..., Any]:
    """``forward`` for arrays, its Tensor-level namesake when any argument is a Tensor."""
    name = forward.__name__

    def either(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):
            if type(value) is not np.ndarray and _is_tensor(value):
                return getattr(_tensor_functions(), name)(*args, **kwargs)
        return forward(*args, **kwargs)

    either.__name__ = either.__qualname__ = name
    either.__doc__ = f"{forward.__doc__}\n\nOn Tensors: ``mytorch.nn.functional_tensor.{name}`` (PyTorch's signature)."
    either.__wrapped__ = forward  # type: ignore[attr-defined]
    return either


_DISPATCHERS = {name: _on_arrays_or_tensors(globals()[name]) for name in _SHARED}


class _TableModule(types.ModuleType):
    """This module's type: looked up from outside, a shared name is its dispatcher."""

    def __getattribute__(self, name: str) -> Any:
        dispatcher = _DISPATCHERS.get(name)
        return dispatcher if dispatcher is not None else super().__getattribute__(name)


sys.modules[__name__].__class__ = _TableModule


_ELSEWHERE = {
    "layer_norm": "mytorch.nn.normalization",
    "batch_norm": "mytorch.nn.normalization",
    "bilinear": "mytorch.nn.extras",
    "scaled_dot_product_attention": "mytorch.nn.extras",
    "pdist": "mytorch.nn.extras",
    "alpha_dropout": "mytorch.nn.extras",
    "rrelu": "mytorch.nn.extras",
    "group_norm": "mytorch.nn.group_norm",
    "rms_norm": "mytorch.nn.group_norm",
    "pad": "mytorch.nn.padding",
    "conv1d": "mytorch.nn.convolution",
    "max_pool3d": "mytorch.nn.convolution",
    "avg_pool3d": "mytorch.nn.convolution",
    "adaptive_avg_pool3d": "mytorch.nn.convolution",
    "adaptive_max_pool3d": "mytorch.nn.convolution",
    "unfold": "mytorch.nn.convolution",
    "fold": "mytorch.nn.convolution",
    "max_unpool1d": "mytorch.nn.unpool",
    "lp_pool1d": "mytorch.nn.lp_pool",
    "lp_pool2d": "mytorch.nn.lp_pool",
    "lp_pool3d": "mytorch.nn.lp_pool",
    "max_unpool2d": "mytorch.nn.unpool",
    "max_unpool3d": "mytorch.nn.unpool",
    "pixel_shuffle": "mytorch.nn.convolution",
    "pixel_unshuffle": "mytorch.nn.convolution",
    "instance_norm": "mytorch.nn.normalization",
    "interpolate": "mytorch.nn.upsampling",
    "affine_grid": "mytorch.nn.sampling",
    "grid_sample": "mytorch.nn.sampling",
    "embedding_bag": "mytorch.nn.embedding_bag",
    "gumbel_softmax": "mytorch.nn.upsampling",
    "upsample": "mytorch.nn.upsampling",
    "conv_transpose1d": "mytorch.nn.convolution",
    "conv_transpose2d": "mytorch.nn.convolution",
    "conv_transpose3d": "mytorch.nn.convolution",
    "dropout1d": "mytorch.nn.convolution",
    "dropout2d": "mytorch.nn.convolution",
    "dropout3d": "mytorch.nn.convolution",
    "ctc_loss": "mytorch.nn.ctc",
    "local_response_norm": "mytorch.nn.convolution",
    "conv2d": "mytorch.nn.convolution",
    "conv3d": "mytorch.nn.convolution",
    "max_pool1d": "mytorch.nn.convolution",
    "max_pool2d": "mytorch.nn.convolution",
    "avg_pool1d": "mytorch.nn.convolution",
    "avg_pool2d": "mytorch.nn.convolution",
    "adaptive_avg_pool1d": "mytorch.nn.convolution",
    "adaptive_avg_pool2d": "mytorch.nn.convolution",
    "adaptive_max_pool1d": "mytorch.nn.convolution",
    "adaptive_max_pool2d": "mytorch.nn.convolution",
    "l1_loss": "mytorch.nn.l1_losses",
    "smooth_l1_loss": "mytorch.nn.l1_losses",
    "huber_loss": "mytorch.nn.l1_losses",
    "prelu": "mytorch.nn.activations",
    "logsigmoid": "mytorch.nn.activations",
    "softsign": "mytorch.nn.activations",
    "hardsigmoid": "mytorch.nn.activations_extra",
    "hardswish": "mytorch.nn.activations_extra",
    "celu": "mytorch.nn.activations_extra",
    "softmin": "mytorch.nn.activations_extra",
    "glu": "mytorch.nn.activations_extra",
    "threshold": "mytorch.nn.activations_extra",
    "tanhshrink": "mytorch.nn.activations_extra",
    "softshrink": "mytorch.nn.activations_extra",
    "hardshrink": "mytorch.nn.activations_extra",
    "normalize": "mytorch.nn.distance",
    "cosine_similarity": "mytorch.nn.distance",
    "pairwise_distance": "mytorch.nn.distance",
    "kl_div": "mytorch.nn.divergence",
    "margin_ranking_loss": "mytorch.nn.margin_losses",
    "hinge_embedding_loss": "mytorch.nn.margin_losses",
    "soft_margin_loss": "mytorch.nn.margin_losses",
    "multilabel_soft_margin_loss": "mytorch.nn.margin_losses",
    "multi_margin_loss": "mytorch.nn.margin_losses",
    "cosine_embedding_loss": "mytorch.nn.margin_losses",
    "triplet_margin_loss": "mytorch.nn.margin_losses",
    "triplet_margin_with_distance_loss": "mytorch.nn.margin_losses",
    "poisson_nll_loss": "mytorch.nn.margin_losses",
    "gaussian_nll_loss": "mytorch.nn.margin_losses",
}
"""Tensor-only functions kept beside their modules: ``F.layer_norm`` with ``nn.LayerNorm``."""


_IN_PLACE = ("relu_", "elu_", "leaky_relu_", "hardtanh_", "rrelu_", "threshold_", "celu_", "selu_")
"""PyTorch's in-place spellings of the activations: ``F.relu_(h)`` is ``F.relu(h, inplace=True)``."""


def _in_place(name: str) -> Any:
    """``F.<name>`` (``relu_`` ...): the activation ``name[:-1]`` with ``inplace=True``, which
    writes into its input and returns it (a leaf that requires a gradient is refused, as PyTorch's)."""
    activation = getattr(sys.modules[__name__], name[:-1])  # the Tensor-level function, as looked up from outside

    def in_place(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 - PyTorch's name
        return activation(input, *args, inplace=True, **kwargs)

    in_place.__name__ = in_place.__qualname__ = name
    in_place.__doc__ = f"``F.{name[:-1]}(input, ..., inplace=True)``: writes the result into ``input`` and returns it."
    return in_place


def __getattr__(name: str) -> Any:
    """``F.cross_entropy`` and the other Tensor-only functions, from ``functional_tensor`` (or
    the file ``_ELSEWHERE`` names); ``F.relu_`` and the other in-place activations."""
    if name in _IN_PLACE:
        return _in_place(name)
    if name in _TENSOR_ONLY:
        return getattr(_tensor_functions(), name)
    if name in _ELSEWHERE:
        return getattr(importlib.import_module(_ELSEWHERE[name]), name)
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.nn.functional", name)
