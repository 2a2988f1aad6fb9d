"""The kernel table's most used rows in ``out=`` form, for replay.

A replayed step computes every value into a buffer allocated once. For the rows a training
step spends its time in (2-D ``matmul``, 2-D ``linear``, ``add``, ``tanh``, ``sigmoid``,
``relu``, ``identity``, ``mse_loss``, ``softmax_cross_entropy``) this file holds their forward and
backward written with ``out=``. Each one performs the NumPy operations of its row in
``mytorch.nn.functional`` one for one, in the same order and on the same operands, so that a
replay computes bit for bit what the dynamic path computes (``tests/test_replay.py`` checks
every rule against its row). The formulas themselves are the row's: read them there.

Every other row is replayed by ``generic_forward`` / ``generic_backward``: its own forward and
backward are called, and their results copied into the buffers.

Vocabulary:

* an *instruction* is ``(function, args)``: the replay calls ``function(*args)``;
* an operand is an array (a buffer, a parameter) or a ``Slot``: a step input, or a view of
  one, looked up at every replay;
* a backward rule's temporaries come from ``scratch(shape, dtype)``: used only within the
  instructions of one recipe, so the compiler may hand every rule the same one;
* a backward rule returns, per input, ``None`` (no gradient wanted), ``Pass(array)`` (the
  gradient *is* that array, e.g. an ``add``'s upstream gradient) or ``Into(emit)``, where
  ``emit(target)`` lists the instructions writing the gradient into ``target``.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mytorch.nn import functional as F

Instruction = tuple[Callable[..., Any], tuple[Any, ...]]
Array = np.ndarray
Operands = list[Any]  # arrays and Slots
Params = dict[str, Any]
Recipes = list[Any]  # per input: None, Pass or Into
Forward = Callable[[Operands, Array, Params], "list[Instruction] | None"]
Scratch = Callable[[tuple[int, ...], np.dtype], np.ndarray]
Backward = Callable[..., "Recipes | None"]  # (g, ins, out, params, wanted, scratch=...)


class Slot:
    """A step input (``index``), or a view of it, resolved anew at every replay.

    It answers ``shape``, ``dtype``, ``ndim`` and ``flags`` from the array seen at capture (the
    replay is keyed on the inputs' shapes, dtypes and layouts, so they hold at every replay).
    """

    def __init__(self, index: int, like: np.ndarray, view: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self.index = index
        self.like = like
        self.view = view

    def resolve(self, inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        """The input (or the view of it) among this run's ``inputs``."""
        x = inputs[self.index]
        return x if self.view is None else self.view(x)

    @property
    def T(self) -> Slot:  # noqa: N802 - ndarray's name
        """The transpose of this operand, resolved at every replay too."""
        inner = self.view
        return Slot(self.index, self.like.T, (lambda a: a.T) if inner is None else (lambda a: inner(a).T))

    shape = property(lambda self: self.like.shape)
    dtype = property(lambda self: self.like.dtype)
    ndim = property(lambda self: self.like.ndim)
    flags = property(lambda self: self.like.flags)


@dataclass(frozen=True)
class Pass:
    """The gradient is this array itself (no computation)."""

    array: np.ndarray


@dataclass(frozen=True)
class Into:
    """``emit(target)``: the instructions writing the gradient into ``target``."""

    emit: Callable[[np.ndarray], list[Instruction]]


# --------------------------------------------------------------------------- helpers
def _empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.empty(shape, dtype=dtype)


def _dot_into(left: Any, right: Any, target: np.ndarray, transposed: bool) -> list[Instruction]:
    """``F.matrix_product(left, right)`` (or its transpose, if ``transposed``) into ``target``.

    The product writes only into a C-contiguous ``out`` of its own dtype; another target (a
    float32 gradient of a product with float64 data) gets a copy, cast as the dynamic step's
    in-place add casts it.
    """
    dest = target.T if transposed else target
    product = F.product_function(left, right)
    dtype = np.result_type(left, right)
    if dest.flags.c_contiguous and dest.dtype == dtype:
        return [(product, (left, right, dest))]
    scratch = _empty(dest.shape, dtype)
    return [(product, (left, right, scratch)), (np.copyto, (dest, scratch))]


def _f_only(x: Any) -> bool:
    """The test of ``F._dot_like``: a transposed view such as ``W.T``."""
    return x.flags.f_contiguous and not x.flags.c_contiguous


def _dot_like_into(x: Any, left: Any, right: Any) -> Into:
    """``F._dot_like(x, left, right)`` into a target: the same product, the same layout."""
    if _f_only(x):  # F._dot_like: matrix_product(right.T, left.T).T
        return Into(lambda target: _dot_into(right.T, left.T, target, transposed=True))
    return Into(lambda target: _dot_into(left, right, target, transposed=False))


def _transposed(a: Any) -> Any:
    return a.T


# --------------------------------------------------------------------------- matmul, add
def matmul_forward(ins: Operands, out: Array, params: Params) -> list[Instruction] | None:
    """``a @ b`` for 2-D operands, by ``F.matrix_product``'s choice (BLAS, as ``Linear``
    computes it; for 2-D operands the same bits as ``@``: ``tests/test_replay.py``)."""
    a, b = ins
    if a.ndim != 2 or b.ndim != 2 or out.dtype != np.result_type(a, b) or not out.flags.c_contiguous:
        return None
    return [(F.product_function(a, b), (a, b, out))]


def matmul_backward(
    g: Array, ins: Operands, out: Array, params: Params, wanted: list[bool], scratch: Scratch = _empty
) -> Recipes | None:
    """``F.matmul_backward`` for 2-D operands: ``_dot_like(a, g, b.T)``, ``_dot_like(b, a.T, g)``."""
    a, b = ins
    if a.ndim != 2 or b.ndim != 2:
        return None
    return [
        _dot_like_into(a, g, _transposed(b)) if wanted[0] else None,
        _dot_like_into(b, _transposed(a), g) if wanted[1] else None,
    ]


def add_forward(ins: Operands, out: Array, params: Params) -> list[Instruction]:
    """``out = a + b``."""
    return [(np.add, (ins[0], ins[1], out))]


def _unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> Any:
    """``F.unbroadcast(g, shape)`` as a recipe: the gradient itself, a view of it, a sum over
    the leading axes, or (other shapes) the helper itself, called at replay."""
    if g.shape == shape:
        return Pass(g)
    extra = g.ndim - len(shape)
    if extra == 1 and g.shape[0] == 1 and g.shape[1:] == shape:
        return Pass(g[0])
    if extra and g.shape[extra:] == shape:
        axes = tuple(range(extra))
        if extra == 1 and F.sums_by_product(g):  # ones @ g, as F.sum_rows sums these (BLAS)
            ones = F.batch_ones(len(g), g.dtype)
            return Into(lambda target: [_product_into(ones, g, target)])
        if F.sums_wide(g, axes):  # (many float32 rows, float16: accumulated in float64, as F.sum_rows does)
            return Into(lambda target: [(F.sum_rows, (g, axes, target))])
        # in g's dtype, as F.unbroadcast sums (a float64 db given a float32 sum: NumPy would
        # otherwise sum in the target's dtype)
        return Into(lambda target: [(np.add.reduce, (g, axes, g.dtype, target))])
    return Into(lambda target: [(copy_result, (target, F.unbroadcast, g, shape))])


def _product_into(a: np.ndarray, b: np.ndarray, target: np.ndarray) -> Instruction:
    """``target[...] = a @ b`` (1-D ``a``) as an instruction: BLAS writes straight into a contiguous
    target of the product's dtype; another gets the product copied in (rounded to its dtype)."""
    if target.dtype == b.dtype and target.flags.c_contiguous:
        return (np.dot, (a, b, target))
    return (copy_result, (target, np.dot, a, b))


def copy_result(target: np.ndarray, fn: Callable[..., Any], *args: Any) -> None:
    """``target[...] = fn(*args)``: a function without an ``out=`` form, its result copied."""
    np.copyto(target, fn(*args))


def add_backward(
    g: Array, ins: Operands, out: Array, params: Params, wanted: list[bool], scratch: Scratch = _empty
) -> Recipes:
    """``F.add_backward``: the upstream gradient, summed back to each input's shape."""
    return [_unbroadcast(g, x.shape) if want else None for x, want in zip(ins, wanted)]


def linear_forward(ins: Operands, out: Array, params: Params) -> list[Instruction] | None:
    """``F.linear`` for a 2-D input: ``x @ weight.T``, then ``+ bias`` (in place)."""
    x, w, b = ins
    if x.ndim != 2 or out.dtype != np.result_type(x, w, b):
        return None
    return [(np.matmul, (x, _transposed(w), out)), (np.add, (out, b, out))]


def linear_backward(
    g: Array, ins: Operands, out: Array, params: Params, wanted: list[bool], scratch: Scratch = _empty
) -> Recipes | None:
    """``F.linear_backward`` for a 2-D input: ``g @ weight``, ``g.T @ x``, ``g`` summed over rows."""
    x, w, b = ins
    if x.ndim != 2:
        return None
    return [
        Into(lambda target: [(np.matmul, (g, w, target))]) if wanted[0] else None,
        Into(lambda target: [(np.matmul, (_transposed(g), x, target))]) if wanted[1] else None,
        _unbroadcast(g, b.shape) if wanted[2] else None,
    ]


# --------------------------------------------------------------------------- activations
def identity_forward(ins: Operands, out: Array, params: Params) -> list[Instruction]:
    """``out = x`` (a copy)."""
    return [(np.copyto, (out, ins[0]))]


def identity_backward(
    g: Array, ins: Operands, out: Array, params: Params, wanted: list[bool], scratch: Scratch = _empty
) -> Recipes:
    """The gradient passes through unchanged."""
    return [Pass(g) if wanted[0] else None]


def tanh_forward(ins: Operands, out: Array, params: Params) -> list[Instruction]:
    """``out = tanh(x)``."""
    return [(np.tanh, (ins[0], out))]


def _slope_times(g: np.ndarray, slope: list[Instruction], computed: np.ndarray) -> Into:
    """``g * slope``, the slope computed into ``computed`` by ``slope`` (the row's order).
    It never reads ``g`` before the last instruction, so ``target`` may be ``g`` itself."""
    return Into(lambda target: [*slope, (np.multiply, (g, computed, target))])


def tanh_backward(
    g: Array, ins: Operands, out: Array, params: Params, wanted: list[bool], scratch: Scratch = _empty
) -> Recipes:
    """``g * (1.0 - y * y)`` with y the saved output."""
    if not wanted[0]:
        return [None]
    s = scratch(out.shape, out.dtype)
    return [_slope_times(g, [(np.multiply, (out, out, s)), (np.subtract, (1.0, s, s))], s)]


def _exp_of_negative_unguarded(x: Array, out: Array) -> None:
    np.negative(x, out)  # (out by position: a keyword costs more)
    np.exp(out, out)


def _exp_of_negative_guarded(x: Array, out: Array) -> None:
    with np.errstate(over="ignore"):
        _exp_of_negative_unguarded(x, out)


# ``out = e**-x``, inf without a warning where it overflows (the row's first step); NumPy 2's
# errstate as a decorator, as ``F._quiet_exp_of_negative`` (its with statement on NumPy 1)
_exp_of_negative: Callable[[Array, Array], None] = (
    np.errstate(over="ignore")(_exp_of_negative_unguarded) if F.NUMPY_2 else _exp_of_negative_guarded
)


def sigmoid_forward(ins: Operands, out: Array, params: Params) -> list[Instruction] | None:
    """``1 / (e**-x + 1)``, in place as the row does it (None for float16, which the row computes
    in float32: the row itself is called)."""
    if out.dtype == np.float16:
        return None
    return [
        (_exp_of_negative, (ins[0], out)),
        (np.add, (out, 1.0, out)),
        (np.reciprocal, (out, out)),
    ]


def sigmoid_backward(
    g: Array, ins: Operands, out: Array, params: Params, wanted: list[bool], scratch: Scratch = _empty
) -> Recipes:
    """``g * (y * (1.0 - y))``."""
    if not wanted[0]:
        return [None]
    s = scratch(out.shape, out.dtype)
    return [_slope_times(g, [(np.subtract, (1.0, out, s)), (np.multiply, (out, s, s))], s)]


def relu_forward(ins: Operands, out: Array, params: Params) -> list[Instruction]:
    """``out = max(x, 0)``: where ``F.relu`` compares with a row of zeros, against one made here,
    once (NumPy's vector loop: the same bits as against the number 0)."""
    zeros: Any = 0
    size, width = F.RELU_BY_ZEROS
    if (
        not F.MAXIMUM_BY_NUMBER
        and out.dtype in (np.float32, np.float64)
        and out.size >= size
        and out.shape[-1] >= width
    ):
        zeros = np.zeros(out.shape[-1:], out.dtype)
        zeros.flags.writeable = False
    return [(functools.partial(np.maximum, out=out), (ins[0], zeros))]  # (np.maximum: out= by keyword only)


def relu_backward(
    g: Array, ins: Operands, out: Array, params: Params, wanted: list[bool], scratch: Scratch = _empty
) -> Recipes:
    """``g * (x > 0)``, the mask taken from the output y = max(x, 0): y > 0 exactly where
    x > 0 (NaN included: both are False), so x itself is not needed and y may overwrite it."""
    if not wanted[0]:
        return [None]
    mask = scratch(out.shape, np.dtype(bool))
    return [_slope_times(g, [(np.greater, (out, 0, mask))], mask)]


# --------------------------------------------------------------------------- losses
def _set_first(target: np.ndarray, value: Any) -> None:
    target[0] = value


def _mse_value(loss: np.ndarray, d: np.ndarray) -> None:
    loss[0] = F.sum_of_squares(d) / d.size


def _mse_value_half(loss: np.ndarray, d: np.ndarray) -> None:
    """``_mse_value`` of a float16 ``d``, summed in float32 as the row sums it (float16's overflowed)."""
    w = d.astype(np.float32)
    loss[0] = F.sum_of_squares(w) / d.size


def mse_loss_forward(ins: Operands, out: Array, params: Params) -> list[Instruction] | None:
    """``F.mse_loss_and_diff``: d = y_hat - y, loss = <d, d> / n; d is the saved ``diff``."""
    diff = params.get("diff")
    if diff is None:
        return None
    y, y_hat = ins
    value = _mse_value_half if diff.dtype == np.float16 else _mse_value
    return [(np.subtract, (y_hat, y, diff)), (value, (out, diff))]


def mse_loss_backward(
    g: Array, ins: Operands, out: Array, params: Params, wanted: list[bool], scratch: Scratch = _empty
) -> Recipes | None:
    """``F.mse_loss_grad_y_hat`` with the saved ``diff``: diff * (2.0 * g[0] / n)."""
    diff = params.get("diff")
    if diff is None or wanted[0]:
        return None
    if not wanted[1]:
        return [None, None]
    scale = F.divide_count(2.0 * g[0], ins[1].size)  # the seed is fixed: so is the scale
    return [None, Into(lambda target: [(np.multiply, (diff, scale, target))])]


def _cross_entropy_value(loss: np.ndarray, y: Any, log_probs: np.ndarray, product: np.ndarray, n: int) -> None:
    """``-sum(y * log_probs) / n`` into ``loss[0]``, as the row computes it: where the sum is not
    finite, a term of 0 * -inf (a class masked by a logit of -inf that y gives 0) counts as 0."""
    np.multiply(y, log_probs, product)
    total = np.add.reduce(product, None)
    if not math.isfinite(total):
        total = np.where(y != 0, product, 0).sum()
    loss[0] = -total / n


def _row_maximum_into(top: np.ndarray, x: Any, transposed: np.ndarray | None) -> list[Instruction]:
    """``F.row_maximum(x)`` into ``top`` (n, 1): through the transposed copy when it is given."""
    if transposed is None:
        return [(np.maximum.reduce, (x, -1, None, top, True))]
    return [(np.copyto, (transposed, x.T)), (np.maximum.reduce, (transposed, 0, None, top.reshape(-1)))]


def softmax_cross_entropy_forward(ins: Operands, out: Array, params: Params) -> list[Instruction] | None:
    """``F.softmax_cross_entropy_and_log_probs`` for 2-D logits: log_softmax along the last axis
    (shifted by the row maximum), then -sum(y * log_probs) / N (None for float16, which the row
    computes in float32: the row itself is called)."""
    log_probs = params.get("log_probs")
    y, x = ins
    if log_probs is None or x.ndim != 2 or x.dtype == np.float16:  # (float16: the row, in float32)
        return None
    n, width = x.shape
    top, total = _empty((n, 1), x.dtype), _empty((n, 1), x.dtype)
    shifted, e, product = _empty(x.shape, x.dtype), _empty(x.shape, x.dtype), _empty(x.shape, x.dtype)
    short = n >= F.SHORT_ROWS[0] and 0 < width <= F.SHORT_ROWS[1]  # (F.row_maximum's choice; the same values)
    return [
        *_row_maximum_into(top, x, _empty((width, n), x.dtype) if short else None),
        (np.subtract, (x, top, shifted)),
        (np.exp, (shifted, e)),
        (np.add.reduce, (e, -1, None, total, True)),
        (np.log, (total, total)),
        (np.subtract, (shifted, total, log_probs)),
        (_cross_entropy_value, (out, y, log_probs, product, n)),
    ]


def softmax_cross_entropy_backward(
    g: Array, ins: Operands, out: Array, params: Params, wanted: list[bool], scratch: Scratch = _empty
) -> Recipes | None:
    """``F.softmax_cross_entropy_grad_x`` with the saved ``log_probs``:
    p = exp(log_probs); p *= sum(y, -1); p -= y; p *= g[0] / N."""
    log_probs = params.get("log_probs")
    y, x = ins
    if log_probs is None or x.ndim != 2 or wanted[0]:
        return None
    if not wanted[1]:
        return [None, None]
    scale = F.divide_count(g[0], x.shape[0])
    y_sum = scratch((x.shape[0], 1), x.dtype)

    def emit(target: np.ndarray) -> list[Instruction]:
        return [
            (np.exp, (log_probs, target)),
            (np.add.reduce, (y, -1, None, y_sum, True)),
            (np.multiply, (target, y_sum, target)),
            (np.subtract, (target, y, target)),
            (np.multiply, (target, scale, target)),
        ]

    return [None, Into(emit)]


# --------------------------------------------------------------------------- every other row
def generic_forward(kernel: F.Kernel) -> Callable[[Operands, Array, Params], list[Instruction]]:
    """A row without an ``out=`` form: its own forward, its result copied into the buffer.

    Only the parameters the forward takes are passed (``out``, a saved output, is not one).
    """
    accepted = set(inspect.signature(kernel.forward).parameters)

    def forward(ins: Operands, out: Array, params: Params) -> list[Instruction]:
        kwargs = {k: v for k, v in params.items() if k in accepted}
        return [(_forward_into, (out, kernel.forward, kwargs, *ins))]

    return forward


def _forward_into(out: np.ndarray, forward: Callable[..., Any], kwargs: dict[str, Any], *ins: np.ndarray) -> None:
    np.copyto(out, forward(*ins, **kwargs))


def generic_backward(vjp: Callable[..., Any], g: Array, ins: Operands, params: Params, wanted: list[bool]) -> Recipes:
    """A row without an ``out=`` form: the engine's own VJP for the op (``Operation.vjp``),
    called once, each wanted gradient copied out of its result."""
    held: list[Any] = []
    call = (_call_vjp, (held, vjp, params, g, *ins))
    first = next(i for i, want in enumerate(wanted) if want)

    def emit(i: int) -> Callable[[np.ndarray], list[Instruction]]:
        def instructions(target: np.ndarray) -> list[Instruction]:
            copy = (_copy_held, (target, held, i))
            return [call, copy] if i == first else [copy]

        return instructions

    return [Into(emit(i)) if want else None for i, want in enumerate(wanted)]


def _call_vjp(held: list[Any], vjp: Callable[..., Any], params: Params, g: Array, *ins: Array) -> None:
    grads = vjp(g, *ins, **params)
    if isinstance(grads, np.ndarray):
        grads = (grads,)
    held[:] = grads


def _copy_held(target: np.ndarray, held: list[Any], i: int) -> None:
    np.copyto(target, held[i])


IN_PLACE_BACKWARD = {"tanh", "sigmoid", "relu"}
"""Rules whose input gradient may be written over the upstream gradient ``g`` (``_slope_times``)."""

RULES: dict[str, tuple[Forward, Backward]] = {
    "matmul": (matmul_forward, matmul_backward),
    "linear": (linear_forward, linear_backward),
    "add": (add_forward, add_backward),
    "identity": (identity_forward, identity_backward),
    "tanh": (tanh_forward, tanh_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "relu": (relu_forward, relu_backward),
    "mse_loss": (mse_loss_forward, mse_loss_backward),
    "softmax_cross_entropy": (softmax_cross_entropy_forward, softmax_cross_entropy_backward),
}
"""The ``out=`` forms by row name; a rule returning None declines (the generic form runs)."""

READS_SEED = {"mse_loss", "softmax_cross_entropy"}
"""Rules that read the upstream gradient's value when they are compiled: used only when that
gradient is the seed (the loss is the step's last operation), whose value is known."""
