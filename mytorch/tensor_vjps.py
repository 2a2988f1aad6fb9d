"""The VJPs a Tensor's common operations are differentiated by: kernels specialised to operands.

``Tensor`` records every operation with its kernel from the table (``matmul_backward``,
``add_backward``, ``tanh_backward``, ...: what the trace, forward mode, replay and a recorded
backward see). The general kernels test their operands' dimensions, broadcasting and dtypes
on every call; for the operations a training step is made of, ``vjp_for`` picks, when the
operation is recorded, a VJP that does only the NumPy work for those operands (the modules'
``Linear`` and activations do the same): the same products and sums in the same layouts and
order, so the same bits (``tests/test_tensor_vjps.py``).

The handout's module files (``Linear``, the activations) are a student's in a hand-in, so
nothing here is imported from them: the few lines they share are written out again.

Each VJP hands operands that are not plain arrays (Tensors, in a backward recorded with
``create_graph=True``) to the rule the engine would otherwise have called, so a recorded
backward runs the general kernels as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mytorch.autograd_engine import _PRUNED, _pruned_vjp
from mytorch.nn import functional as F

__all__ = ["BY_A_NUMBER", "CHOOSERS", "LINEAR_LAID_OUT", "prediction_only"]

_ndarray = np.ndarray
Arrays = Sequence[np.ndarray]
# F.matrix_product's choice, indexed here to save its Python call: _BY[size >= _LARGE and
# shared > 1] is np.dot or np.matmul, whichever is cheaper for a result of that size summed over
# that many terms (the VJPs below get plain arrays)
_BY, _LARGE = F.PRODUCTS, F.PRODUCT_BY_MATMUL
_sum_rows = np.add.reduce  # called as _sum_rows(g, 0): the axis by position, with no partial's keyword to merge
# a bias gradient is summed by F.sum_rows's rule (the modules' and the replay's): as ones @ g when
# F.sums_by_product, else NumPy's sum down up to _ROWS rows, F.sum_rows (in float64) beyond
_ROWS, _sum_rows_wide, _ones, _dot = F.SEQUENTIAL_SUM_LIMIT, F.sum_rows, F.batch_ones, np.dot


def _bias_gradient(g: np.ndarray) -> np.ndarray:
    """``g`` (N, k) summed over its rows: its one row as it is; the product of ones and ``g``
    (BLAS) for float64 rows or up to ``_ROWS`` float32 ones of more than one column; NumPy's sum
    down the rows for one column; ``F.sum_rows`` (float64 accumulation) beyond and for float16."""
    n = len(g)
    if n == 1:
        return g[0]
    dtype = g.dtype
    char = dtype.char
    if g.shape[1] > 1 and (char == "d" or (char == "f" and n <= _ROWS)):  # (F.sums_by_product)
        return _dot(_ones(n, dtype), g)
    return _sum_rows(g, 0) if n <= _ROWS and char != "e" else _sum_rows_wide(g)


def _transposed(a: np.ndarray) -> bool:
    """Laid out column-major only (``W.T`` of a row-major ``W``): ``F._dot_like`` then computes
    its gradient transposed."""
    flags = a.flags
    return flags.f_contiguous and not flags.c_contiguous


def _general(kernel: Callable, skipped: int, count: int) -> Callable:
    """The rule the engine calls for ``kernel`` when the inputs in ``skipped`` (bits) need no
    gradient (see ``Autograd.record``)."""
    return kernel if not skipped else _PRUNED.get((kernel, skipped)) or _pruned_vjp(kernel, skipped, count)


# BEGIN SOLUTION NO PROMPT
# --------------------------------------------------------------------------- a @ b, 2-D
# ``matmul_backward``'s 2-D case (``F._dot_like``'s layouts, written out).
def _grad_a(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    by = _BY[a.size >= _LARGE and b.shape[1] > 1]
    return by(b, g.T).T if _transposed(a) else by(g, b.T)


def _grad_b(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    by = _BY[b.size >= _LARGE and a.shape[0] > 1]
    return by(g.T, a).T if _transposed(b) else by(a.T, g)


def _matmul_both(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    """``matmul_backward(g, a, b)`` for 2-D a and b."""
    if type(g) is not _ndarray or type(a) is not _ndarray or type(b) is not _ndarray:
        return F.matmul_backward(g, a, b)
    fa, fb = a.flags, b.flags  # (``_transposed``, inlined: called once per layer and step)
    by_a, by_b = _BY[a.size >= _LARGE and b.shape[1] > 1], _BY[b.size >= _LARGE and a.shape[0] > 1]
    return (
        by_a(b, g.T).T if fa.f_contiguous and not fa.c_contiguous else by_a(g, b.T),
        by_b(g.T, a).T if fb.f_contiguous and not fb.c_contiguous else by_b(a.T, g),
    )


def _matmul_b(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    """The same when only b needs a gradient (``x @ W`` of data x)."""
    if type(g) is not _ndarray or type(b) is not _ndarray:
        return _general(F.matmul_backward, 1, 2)(g, a, b)
    return None, _grad_b(g, a, b)


def _matmul_a(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    """The same when only a needs a gradient (a constant b)."""
    if type(g) is not _ndarray or type(a) is not _ndarray:
        return _general(F.matmul_backward, 2, 2)(g, a, b)
    return _grad_a(g, a, b), None


def _matmul(arrays: Arrays, out: np.ndarray, skipped: int) -> Callable | None:
    a, b = arrays
    if a.ndim != 2 or b.ndim != 2:
        return None
    return (_matmul_both, _matmul_b, _matmul_a)[skipped]


# END SOLUTION


# --------------------------------------------------------------------------- h + b
def _bias_both(g: np.ndarray, h: np.ndarray, b: np.ndarray) -> Any:
    """``add_backward(g, h, b)`` for h (N, k) and b (k,): (g, g summed over the rows)."""
    if type(g) is not _ndarray:
        return F.add_backward(g, h, b)
    return g, _bias_gradient(g)


def _bias_only(g: np.ndarray, h: np.ndarray, b: np.ndarray) -> Any:
    """The same when only b needs a gradient."""
    if type(g) is not _ndarray:
        return _general(F.add_backward, 1, 2)(g, h, b)
    return None, _bias_gradient(g)


def _same_both(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    """``add_backward(g, a, b)`` for a and b of the output's shape: (g, g)."""
    return g, g


def _add(arrays: Arrays, out: np.ndarray, skipped: int) -> Callable | None:
    a, b = arrays
    shape, bias = a.shape, b.shape  # (each read of an array's shape makes a tuple)
    if len(bias) == 1 and len(shape) == 2 and bias[0] == shape[1]:  # (N, k) + (k,): the output is (N, k)
        return _bias_both if not skipped else _bias_only if skipped == 1 else None
    if skipped or shape != out.shape:
        return None
    return _same_both if bias == shape else None


# BEGIN SOLUTION NO PROMPT
# --------------------------------------------------------------------------- a * b
# ``mul_backward``'s products for factors of the output's shape (a scalar chain's ``h * 0.5``,
# a gate's ``x * mask``), without its ``unbroadcast`` calls (which would return them as they are).
def _mul_both(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    """``mul_backward(g, a, b)`` for a and b of the output's shape: (g b, g a)."""
    if type(g) is not _ndarray:
        return F.mul_backward(g, a, b)
    return g * b, g * a


def _mul_a(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    """The same when only a needs a gradient (a constant b broadcast to a's shape): g b."""
    if type(g) is not _ndarray:
        return _general(F.mul_backward, 2, 2)(g, a, b)
    return g * b, None


def _mul_b(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    """The same when only b needs a gradient: g a."""
    if type(g) is not _ndarray:
        return _general(F.mul_backward, 1, 2)(g, a, b)
    return None, g * a


def _mul(arrays: Arrays, out: np.ndarray, skipped: int) -> Callable | None:
    a, b = arrays
    shape = out.shape
    if skipped == 2:
        return _mul_a if a.shape == shape else None
    if skipped == 1:
        return _mul_b if b.shape == shape else None
    return _mul_both if a.shape == shape and b.shape == shape else None


# --------------------------------------------------------------------------- activations
# The kernels' arithmetic, in the same order (so the same bits), without their helper calls.
def _tanh_vjp(grad_output: np.ndarray, x: np.ndarray, out: np.ndarray) -> tuple[np.ndarray]:
    """``tanh_backward(g, x, out=y)``: g (1 - y**2)."""
    return (grad_output * (1.0 - out * out),)


def _sigmoid_vjp(grad_output: np.ndarray, x: np.ndarray, out: np.ndarray) -> tuple[np.ndarray]:
    """``sigmoid_backward(g, x, out=y)``: g y (1 - y)."""
    return (grad_output * (out * (1.0 - out)),)


# END SOLUTION


def _slope(vjp: Callable) -> Callable[[Arrays, np.ndarray, int], Callable | None]:
    """The VJP ``vjp`` of an activation that saves its output, for outputs of one dimension
    or more (where NumPy keeps a float32 array float32 against a Python number on every
    version); its arithmetic runs on Tensors too."""

    def choose(arrays: Arrays, out: np.ndarray, skipped: int) -> Callable | None:
        return vjp if out.ndim else None

    return choose


# --------------------------------------------------------------------------- linear(x, weight, bias)
# Its products by ``F.matrix_product``'s choice (for a batch of one the weight's gradient is an
# outer product: 0.5 us by ``np.dot``, 1.6 us by ``@``). They are ``@``'s bits for operands laid out
# C- or F-contiguous (``tests/test_products.py``); a gradient that is not (a broadcast view, from
# ``sum``'s rule) takes ``@``, whose own loop may sum in another order than BLAS.
def _linear_all(g: np.ndarray, x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> Any:
    """``linear_backward(g, x, weight, bias)`` for x (N, in), weight (out, in), bias (out,), both
    laid out contiguously."""
    if type(g) is not _ndarray or type(x) is not _ndarray or type(weight) is not _ndarray:
        return F.linear_backward(g, x, weight, bias)
    n, outputs = g.shape
    bias_grad = _bias_gradient(g)
    if not g.flags.forc:
        return g @ weight, g.T @ x, bias_grad
    inputs = x.shape[1]
    by_x, by_weight = _BY[n * inputs >= _LARGE and outputs > 1], _BY[outputs * inputs >= _LARGE and n > 1]
    return by_x(g, weight), by_weight(g.T, x), bias_grad


def _linear_parameters(g: np.ndarray, x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> Any:
    """The same when x needs no gradient (a first layer's data)."""
    if type(g) is not _ndarray:
        return _general(F.linear_backward, 1, 3)(g, x, weight, bias)
    n, outputs = g.shape
    bias_grad = _bias_gradient(g)
    if not g.flags.forc:
        return None, g.T @ x, bias_grad
    return None, _BY[outputs * x.shape[1] >= _LARGE and n > 1](g.T, x), bias_grad


LINEAR_LAID_OUT = (_linear_all, _linear_parameters)
"""The VJPs of ``linear`` on a 2-D x and weight, both C- or F-contiguous, and a 1-D bias, by which
operands need no gradient (``skipped``: none, or x); otherwise the general rule. ``record_linear``,
which checks those layouts before it records, hands them to ``_attach`` (``chosen``)."""


def _linear(arrays: Arrays, out: np.ndarray, skipped: int) -> Callable | None:
    x, weight, bias = arrays
    if x.ndim != 2 or weight.ndim != 2 or bias.ndim != 1 or skipped > 1:
        return None
    if not (x.flags.forc and weight.flags.forc):  # (see above: the general kernel's ``@``)
        return None
    return LINEAR_LAID_OUT[skipped]


# --------------------------------------------------------------------------- losses of (target, prediction)
def prediction_only(kernel: Callable) -> Callable[[Arrays, np.ndarray, int], Callable | None]:
    """For a loss kernel of (target, prediction) with ``partials``: when the target is data (no
    gradient), the VJP calling the prediction's rule alone, as the engine's pruned rule does
    (without its loop). The rule runs on Tensors too."""
    rule = kernel.partials[1]  # type: ignore[attr-defined]

    def vjp(g: Any, y: Any, prediction: Any, **params: Any) -> Any:
        return None, rule(g, y, prediction, **params)

    def choose(arrays: Arrays, out: np.ndarray, skipped: int) -> Callable | None:
        return vjp if skipped == 1 else None

    return choose


CHOOSERS: dict[Callable, Callable[[Arrays, np.ndarray, int], Callable | None]] = {
    F.add_backward: _add,
    F.linear_backward: _linear,
    # BEGIN SOLUTION NO PROMPT
    F.matmul_backward: _matmul,
    F.mul_backward: _mul,
    F.tanh_backward: _slope(_tanh_vjp),
    F.sigmoid_backward: _slope(_sigmoid_vjp),
    # END SOLUTION
    # (a starter's kernels may lack their ``partials``: they are then called whole)
    **{
        k: prediction_only(k) for k in (F.mse_loss_backward, F.softmax_cross_entropy_backward) if hasattr(k, "partials")
    },
}
"""``{kernel: choose}``: ``choose(arrays, out, skipped)`` is the VJP specialised to an operation's
operands (the inputs in ``skipped`` (bits) needing no gradient), or None: the engine's rule. The starter
has none for the kernels students write (``make_handout``'s solution regions leave them out): they would
be their answers."""

BY_A_NUMBER: dict[Callable, Callable] = {
    # BEGIN SOLUTION NO PROMPT
    F.mul_backward: _mul_a,
    # END SOLUTION
}
"""``{kernel: vjp}`` for an operation whose first operand alone wants a gradient and whose second is a
0-d number (``x * 2.0``): the output has the first operand's shape, so this is what the kernel's chooser
in ``CHOOSERS`` picks for every such operation; the Tensor front-end takes it once per plan."""
