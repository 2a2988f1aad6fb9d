"""PyTorch's ``torch.nn.functional`` on Tensors: ``F.relu(t)``, ``F.cross_entropy(logits, y)``, ...

Every function here records through the kernel table (``mytorch.nn.functional.KERNELS``),
as Tensor arithmetic does; none has a derivative of its own. They are reached as
``mytorch.nn.functional.NAME``: where a name is also a kernel's forward (``relu``,
``softmax``, ``mse_loss``, ``linear``, ...), that name accepts both, NumPy arrays going to the
plain kernel (the handout's convention, ground truth first for losses) and Tensors coming
here (PyTorch's convention: ``input`` first, ``target`` second, ``reduction=``, ``dim=``).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch.arguments import ShapeRuntimeError
from mytorch.autograd_engine import no_grad
from mytorch.dtypes import check_same_dtype, get_default_dtype, unordered
from mytorch.factories import default_generator
from mytorch.function import Function
from mytorch.nn.functional import (
    _LOG_FLOOR,
    KERNELS,
    PRODUCT_BY_MATMUL,
    PRODUCTS,
    check_probabilities,
    mse_loss_and_diff,
    register_jvp,
    softmax_cross_entropy_and_log_probs,
)
from mytorch.tensor import CAPTURE, Tensor, _apply, _arrays, _attach, _beyond, _plans_of, _record_layer, _run, capturing
from mytorch.tensor_index import IndexOutOfRangeError
from mytorch.tensor_vjps import CHOOSERS, LINEAR_LAID_OUT, prediction_only

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "hardtanh",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]

REDUCTIONS = ("mean", "sum", "none")


def _tensor(name: str, value: Any, what: str = "input") -> Tensor:
    """``value`` if it is a Tensor; a TypeError saying how to get one otherwise."""
    if isinstance(value, Tensor):
        return value
    raise TypeError(
        f"F.{name}: {what} must be a mytorch Tensor, got {type(value).__name__}; wrap arrays with "
        "mytorch.tensor(x) (the kernel table's array functions are mytorch.nn.functional.KERNELS)"
    )


def _floating(name: str, value: Any, what: str = "input") -> Tensor:
    """``_tensor``, a bool or integer tensor taken into the default float dtype, as the Tensor's own
    float functions take it (``mytorch.sigmoid``). The kernels computed in NumPy's dtype instead:
    F.sigmoid of int64 was float64 (PyTorch: float32), and the ones that keep their input's dtype
    truncated: F.softplus of [1, 2] was [1, 2], mse_loss of integer predictions 0 (PyTorch: 0.667
    against float targets), cross_entropy of integer logits an integer."""
    x = _tensor(name, value, what)
    return x if x.dtype.kind in "fc" else x.to(get_default_dtype())


def _float_in_place(name: str, x: Tensor) -> None:
    """Refuse ``inplace=True`` for a float result into a bool or integer tensor, as PyTorch does (it
    was cast: F.leaky_relu(tensor([-1, 2]), inplace=True) gave [0, 2])."""
    if x.dtype.kind not in "fc":
        raise RuntimeError(
            f"F.{name}: inplace=True cannot store its float result in a {x.dtype} tensor (PyTorch refuses it too); "
            "use inplace=False, or convert the tensor with .float() first"
        )


def _dim(name: str, dim: int | None, axis: int | None) -> int:
    """PyTorch's ``dim=`` (NumPy's ``axis=`` also accepted); one of them is required."""
    if dim is None:
        dim = axis
    if dim is None:
        raise TypeError(f"F.{name}: give the dimension to normalise over, e.g. {name}(x, dim=1)")
    return dim


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    """Per-element ``losses`` reduced as ``reduction`` asks."""
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"F.{name}: reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")


def _scalar_backward(name: str) -> Callable[..., Any]:
    """The backward rule of the loss kernel ``name`` for its result as a 0-d array (PyTorch's
    shape for a reduced loss; the table's losses give shape (1,)): the table's own rule, per
    input too, given the gradient reshaped to (1,)."""
    kernel = KERNELS[name]

    def on_one(rule: Callable[..., Any]) -> Callable[..., Any]:
        def rule_0d(grad_output: Any, *inputs: Any, **params: Any) -> Any:
            return rule(grad_output.reshape(1), *inputs, **params)

        return rule_0d

    backward = on_one(kernel.backward)
    backward.__name__ = backward.__qualname__ = f"{name}_backward"
    partials = getattr(kernel.backward, "partials", None)
    if partials is not None:
        backward.partials = tuple(on_one(rule) for rule in partials)  # type: ignore[attr-defined]
    register_jvp(backward, lambda tangents, *inputs, **params: kernel.jvp(tangents, *inputs, **params).reshape(()))
    return backward


_SCALAR_BACKWARDS = {
    name: _scalar_backward(name) for name in ("softmax_cross_entropy", "mse_loss", "bce_loss", "bce_with_logits_loss")
}
# with data targets, the losses' prediction-only VJPs (mytorch.tensor_vjps)
CHOOSERS.update({b: prediction_only(b) for b in _SCALAR_BACKWARDS.values() if hasattr(b, "partials")})


_MSE_MEAN, _MSE_READS = _SCALAR_BACKWARDS["mse_loss"], KERNELS["mse_loss"].reads
_DOUBLE, _SINGLE = np.dtype(np.float64), np.dtype(np.float32)


def _mean_loss(name: str, target: Any, prediction: Tensor, cached: Callable[..., Any] | None = None) -> Tensor:
    """The loss kernel ``name`` of (target, prediction), recorded as one operation with a 0-d
    result. ``cached(target, prediction)`` gives the loss and the intermediate value its
    backward rule takes (``log_probs``, ``diff``), so the backward need not compute it again.
    A float target wider than the prediction widens it first, as PyTorch promotes the two (the
    float16 mean of a float16 prediction and float32 targets was rounded to float16)."""
    if isinstance(target, Tensor) and target.dtype.kind == prediction.dtype.kind == "f":
        if target.dtype.itemsize > prediction.dtype.itemsize:
            prediction = prediction.to(target.dtype)
    args = (target, prediction)
    arrays = _arrays(args)
    if cached is None:
        loss, saved = KERNELS[name].forward(*arrays), None
    else:
        loss, value = cached(*arrays)
        saved = {"log_probs" if name == "softmax_cross_entropy" else "diff": value}
    # (the table's (1,) result's element as a 0-d array of its own, which ``_attach`` makes of the
    # NumPy scalar: a reshaped view would be noted as a view of that result, which nobody else holds)
    value = loss[0] if loss.shape == (1,) else loss.reshape(())
    return _attach(value, args, arrays, _SCALAR_BACKWARDS[name], saved, reads=KERNELS[name].reads)


# --------------------------------------------------------------------------- activations
def relu(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002 - PyTorch's name
    """max(x, 0) elementwise. ``inplace=True`` writes it into ``input`` and returns ``input``:
    an in-place operation (recorded, version-counted; refused on a leaf that requires grad)."""
    x = _tensor("relu", input)
    _real("F.relu", x)  # (NumPy orders complex numbers by real part: 1+2j kept, -3+0.5j zeroed)
    if inplace:
        x[x._data <= 0] = 0.0  # gradient 0 where x <= 0, as PyTorch's relu_
        return x
    return _apply("relu", (x,))


def sigmoid(input: Any) -> Tensor:  # noqa: A002
    """1 / (1 + e^-x) elementwise."""
    return _apply("sigmoid", (_floating("sigmoid", input),))


def tanh(input: Any) -> Tensor:  # noqa: A002
    """tanh x elementwise."""
    return _apply("tanh", (_floating("tanh", input),))


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > 0, else ``negative_slope * x``; ``inplace=True`` writes it into ``input``."""
    x = _tensor("leaky_relu", input) if inplace else _floating("leaky_relu", input)
    _real("F.leaky_relu", x)
    slope = float32_setting("F.leaky_relu", "negative_slope", negative_slope, x)
    if inplace:
        _float_in_place("leaky_relu", x)
        return x.mul_(np.where(x._data > 0, 1.0, slope).astype(x.dtype))
    return _apply("leaky_relu", (x,), {"slope": slope})


def float32_setting(op: str, name: str, value: Any, input: Any, *, own_dtype: bool = False) -> float:  # noqa: A002
    """``value`` as a float; one the input's arithmetic cannot hold (``_beyond``: past float32's
    largest unless ``input`` is float64; with ``own_dtype``, past float16's for a float16 input, as
    PyTorch's ``hardtanh`` takes its bounds) is a ``ValueError``, as PyTorch refuses it (NumPy 1
    widened it and NumPy 2 made inf, so the two gave different numbers, NaN gradients on NumPy 2).
    inf and NaN pass, as in PyTorch."""
    value = float(value)
    dtype = getattr(input, "dtype", None)
    arithmetic = dtype if dtype == np.float64 or (own_dtype and dtype == np.float16) else np.dtype(np.float32)
    if _beyond(value, arithmetic):
        raise ValueError(f"{op}: {name} {value!r} is beyond {arithmetic}'s range (the input's arithmetic)")
    return value


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """ln(1 + e^(beta x)) / beta, computed without overflow for any x; x itself (gradient 1)
    where beta x > threshold, as in PyTorch."""
    x = _floating("softplus", input)
    if beta == 0:  # PyTorch's rule as written: x where 0 > threshold, else log(2) / 0 = inf with slope 1/2
        finite = np.isfinite(np.asarray(x._data))  # (beta x is NaN at an infinite x: NaN there)
        linear = float(threshold) < 0
        slope = np.where(finite, 1.0 if linear else 0.5, np.nan).astype(x.dtype)
        return x * Tensor(slope) + Tensor(np.where(finite, 0.0 if linear else np.inf, np.nan).astype(x.dtype))
    # (in the kernel, so that a replayed step recomputes the branch; 1e39 for float32 was inf: never linear)
    params = {"threshold": float32_setting("F.softplus", "threshold", threshold, x)}
    beta = float32_setting("F.softplus", "beta", beta, x)
    if beta != 1:  # (beta x formed in the kernel: where it overflows, the branch is linear, not inf / beta)
        params["beta"] = beta
    return _apply("softplus", (x,), params)


def gelu(input: Any, approximate: str = "none") -> Tensor:  # noqa: A002
    """x Phi(x) (``approximate="none"``, PyTorch's default) or its tanh form (``"tanh"``)."""
    return _apply("gelu", (_floating("gelu", input),), {"approximate": approximate})


_PIECEWISE = frozenset(("elu", "hardtanh"))
"""The activations ``_activation`` computes whose pieces are chosen by comparing x (with 0, with
the bounds): complex input is refused, as PyTorch refuses it."""


def _real(name: str, x: Tensor) -> None:
    """A TypeError for a complex ``x``: NumPy orders complex numbers by real part, so a function
    that compares them gave numbers PyTorch refuses to give (elu, hardtanh, leaky_relu)."""
    if x._data.dtype.kind == "c":
        raise unordered(name, x._data.dtype)


def _activation(name: str, input: Any, params: dict[str, Any] | None, inplace: bool) -> Tensor:  # noqa: A002
    """The kernel ``name`` of ``input``; with ``inplace``, written into ``input`` (``copy_`` of the
    kernel of a clone: recorded, version-counted, refused on a leaf that requires grad)."""
    x = _tensor(name, input)
    if name in _PIECEWISE:
        _real("F." + name, x)
    if inplace:
        if name != "hardtanh":
            _float_in_place(name, x)
        return x.copy_(_apply(name, (x.clone(),), params))
    return _apply(name, (_floating(name, x),), params)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > 0, else alpha (e^x - 1)."""
    return _activation("elu", input, {"alpha": float32_setting("F.elu", "alpha", alpha, input)}, inplace)


def selu(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    """scale * elu(x, alpha), PyTorch's constants (alpha 1.6733, scale 1.0507)."""
    return _activation("elu", input, {"alpha": SELU_ALPHA, "scale": SELU_SCALE}, inplace)


def silu(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    """x sigmoid(x)."""
    return _activation("silu", input, None, inplace)


def mish(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    """x tanh(softplus(x))."""
    return _activation("mish", input, None, inplace)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x clipped to [min_val, max_val] (gradient 0 at and beyond the bounds); ValueError when
    min_val > max_val."""
    if min_val > max_val:
        raise ValueError(f"F.hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    if isinstance(input, Tensor) and input.dtype.kind in "iu" and not inplace:  # integers stay integers, the
        return input.clamp(int(min_val), int(max_val))  # bounds truncated, as PyTorch's (it gave float64)
    # (floats: an np.float64 bound compared float32 in float64; beyond float32's range NumPy 1 and 2 differed)
    bounds = {
        name: float32_setting("F.hardtanh", name, v, input, own_dtype=True)
        for name, v in (("min_val", min_val), ("max_val", max_val))
    }
    return _activation("hardtanh", input, bounds, inplace)


def relu6(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    """min(max(x, 0), 6): ``hardtanh(x, 0, 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _cast_for(name: str, input: Any, dtype: Any) -> Tensor:  # noqa: A002
    """``_floating``, then cast to ``dtype`` first when one is given (PyTorch's ``dtype=``)."""
    x = _floating(name, input)
    return x if dtype is None or x.dtype == np.dtype(dtype) else x.to(dtype)


def _along_dim(name: str, doc: str) -> Callable[..., Tensor]:
    """``softmax`` / ``log_softmax`` with PyTorch's arguments (``_stacklevel`` ignored; ``dtype``
    casts the input first)."""

    def op(
        input: Any,  # noqa: A002
        dim: int | None = None,
        _stacklevel: int = 3,
        dtype: Any = None,
        *,
        axis: int | None = None,
    ) -> Tensor:
        return _apply(name, (_cast_for(name, input, dtype),), {"axis": _dim(name, dim, axis)})

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


softmax = _along_dim("softmax", "e^x / sum(e^x) along ``dim``; ``dtype`` casts the input first.")
log_softmax = _along_dim("log_softmax", "x - log(sum(e^x)) along ``dim`` (stable); ``dtype`` casts the input first.")


# --------------------------------------------------------------------------- layers
def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:  # noqa: A002
    """input @ weight^T + bias: input (..., in), weight (out, in), bias (out,) or None.

    Raises:
        ValueError: the last axis of ``input`` is not ``weight``'s second.
        DtypeMismatchError: input, weight and bias are not all of one dtype (as PyTorch refuses).
    """
    x, w = _tensor("linear", input), _tensor("linear", weight, "weight")
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"F.linear: input of shape {tuple(x.shape)} does not fit a weight of shape {tuple(w.shape)} "
            "(the input's last axis must be the weight's second)"
        )
    if bias is None:
        if x._data.dtype is not w._data.dtype:
            check_same_dtype("F.linear", x._data, w._data)
        return x @ w.T
    b = _tensor("linear", bias, "bias")
    if b.shape != (w.shape[0],):
        raise ValueError(
            f"F.linear: bias has shape {tuple(b.shape)}, a weight of shape {tuple(w.shape)} needs ({w.shape[0]},)"
        )
    return record_linear(x, w, b)


_LINEAR = KERNELS["linear"]
_LINEAR_PLANS = _plans_of(_LINEAR.backward)
_BY, _LARGE = PRODUCTS, PRODUCT_BY_MATMUL


def record_linear(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """The ``linear`` kernel of three Tensors (``F.linear``'s and ``nn.Linear``'s record).

    A batch of rows and parameters of its dtype, laid out C- or F-contiguous, is computed here:
    x W^T by ``F.matrix_product``'s choice (``np.dot`` for a small layer: 0.3 us less than the
    kernel's ``@``, with its bits on these layouts, ``tests/test_products.py``), the bias added
    into that result; anything else goes through the kernel's forward."""
    data, weight, bias = x._data, w._data, b._data
    if (
        data.ndim == 2
        and bias.ndim == 1
        and weight.shape == (len(bias), data.shape[1])
        and data.dtype is weight.dtype is bias.dtype
        and data.flags.forc
        and weight.flags.forc
    ):
        out = _BY[len(data) * len(bias) >= _LARGE and data.shape[1] > 1](data, weight.T)
        out += bias
        return _record_layer(
            out, x, w, b, (data, weight, bias), _LINEAR.backward, _LINEAR_PLANS, _LINEAR.reads, LINEAR_LAID_OUT
        )
    check_same_dtype("F.linear", data, weight, bias)  # PyTorch refuses a float64 input to a float32 layer
    return _run(_LINEAR, (x, w, b), (data, weight, bias), None)


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) in training;
    the identity otherwise. The mask comes from the generator ``mytorch.manual_seed`` seeds.
    ``inplace=True`` writes the result into ``input`` and returns it."""
    x = _tensor("dropout", input)
    if not 0 <= p <= 1:
        raise ValueError(f"F.dropout: p must be a probability in [0, 1], got {p!r}")
    if not training or p == 0:
        return x
    if p == 1:
        scale = np.zeros(x.shape, dtype=x.dtype)
    else:
        scale = ((default_generator.random(x.shape) >= p) / (1.0 - float(p))).astype(x.dtype)
    return x.mul_(scale) if inplace else x * scale


def padding_index(name: str, padding_idx: Any, rows: int) -> int | None:
    """``padding_idx`` as a row in [0, rows) (a negative one counts from the end, as in PyTorch), or None."""
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)):
        raise TypeError(f"{name}: padding_idx must be an int or None, got {type(padding_idx).__name__}")
    if not -rows <= padding_idx < rows:
        raise ValueError(f"{name}: padding_idx must lie in [-{rows}, {rows}) for {rows} embeddings, got {padding_idx}")
    return int(padding_idx) % rows


def embedding(
    input: Any,  # noqa: A002
    weight: Any,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of ``weight`` (num_embeddings, embedding_dim) at the integer indices ``input``
    (any shape): a result of shape ``input.shape + (embedding_dim,)``. Kernel ``index`` (repeated
    indices add up their gradients); with ``padding_idx``, the places holding it read that row
    as a constant (kernel ``where``), so it gets no gradient, as in PyTorch. With ``max_norm``,
    each row the indices name whose ``norm_type``-norm is above it is first scaled in place to
    ``max_norm / (norm + 1e-7)`` times itself, outside the graph, as PyTorch's
    ``embedding_renorm_`` (so ``weight`` changes). With ``sparse`` the gradient is still dense,
    and ``weight`` is marked as one whose gradient PyTorch makes sparse, which ``optim.SparseAdam``
    takes; ``scale_grad_by_freq`` is not supported (TypeError).

    Raises:
        TypeError: indices that are not integers, an unsupported option.
        IndexOutOfRangeError: an index outside [0, num_embeddings) (negative ones too, as in
            PyTorch); also a ``ValueError``.
    """
    name = "F.embedding"
    w = _tensor("embedding", weight, "weight")
    if w.ndim != 2:
        raise ValueError(f"{name}: weight must have shape (num_embeddings, embedding_dim), got {tuple(w.shape)}")
    if scale_grad_by_freq:
        raise TypeError(
            f"{name}: scale_grad_by_freq (PyTorch's gradient scaled by each index's count) is not supported"
        )
    indices = np.asarray(input._data if isinstance(input, Tensor) else input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{name}: indices must be integers (int64, as torch.long), got dtype {indices.dtype}")
    rows = w.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        raise IndexOutOfRangeError(
            f"{name}: indices must lie in [0, {rows}) for a weight of shape {tuple(w.shape)}; got "
            f"{indices.min()} .. {indices.max()} (input of shape {tuple(indices.shape)})"
        )
    if max_norm is not None:
        _renormalize(w, indices, float(max_norm), float(norm_type))
    if sparse:
        mark_sparse_gradient(w)
    out = _apply("index", (w,), {"index": indices})
    pad = padding_index(name, padding_idx, rows)
    if pad is not None and w.requires_grad:
        at_pad = indices == pad
        if at_pad.any():
            out = _PaddingRows.apply(out, at_pad=at_pad[..., None])
    if sparse and out.requires_grad:  # (the rows PyTorch's sparse gradient holds: noted when a backward gets here)
        looked_up = np.unique(indices)
        out = _NoteRows.apply(out, weight=w, rows=looked_up[looked_up != pad] if pad is not None else looked_up)
    return out


_SPARSE_GRADIENTS: weakref.WeakValueDictionary[int, Tensor] = weakref.WeakValueDictionary()
"""The weights an embedding looked up with ``sparse=True`` (by id; a Tensor's ``==`` is elementwise)."""
_ROWS: dict[int, set[int]] = {}
"""By weight id: the rows a backward reached through such lookups since ``taken_rows`` last took them."""


def mark_sparse_gradient(weight: Tensor) -> None:
    """Note that PyTorch would give ``weight`` a sparse gradient (an embedding's with ``sparse=True``)."""
    if _SPARSE_GRADIENTS.get(id(weight)) is not weight:
        _ROWS.pop(id(weight), None)  # (another tensor's, once at this id)
        _SPARSE_GRADIENTS[id(weight)] = weight


def has_sparse_gradient(weight: Tensor) -> bool:
    """Whether ``weight`` was looked up by an embedding with ``sparse=True``."""
    return _SPARSE_GRADIENTS.get(id(weight)) is weight


def taken_rows(weight: Tensor) -> np.ndarray:
    """The rows of ``weight`` that PyTorch's sparse gradient would hold (those a backward reached
    through a ``sparse=True`` lookup, ``padding_idx`` left out), forgotten once taken."""
    rows = _ROWS.pop(id(weight), set()) if has_sparse_gradient(weight) else set()
    return np.array(sorted(rows), dtype=np.intp)


class _NoteRows(Function):
    """The identity, whose backward notes the rows a ``sparse=True`` lookup read (``taken_rows``)."""

    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        ctx.weight, ctx.rows = weakref.ref(params["weight"]), params["rows"]
        return inputs[0].copy()

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        weight = ctx.weight()
        if weight is not None and has_sparse_gradient(weight):
            _ROWS.setdefault(id(weight), set()).update(ctx.rows.tolist())
        return grad_output

    @staticmethod
    def jvp(ctx: Any, *tangents: np.ndarray) -> np.ndarray:
        return tangents[0]


class _PaddingRows(Function):
    """The rows an embedding read at ``padding_idx``: no gradient flows back through them (PyTorch's
    backward), while forward mode differentiates them (its JVP, and central differences: the
    result changes with that row). They were a constant, so ``func.jvp`` gave them a zero tangent."""

    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        ctx.at_pad = params["at_pad"]
        return inputs[0].copy()

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        return np.where(ctx.at_pad, 0, grad_output)

    @staticmethod
    def jvp(ctx: Any, tangent: Any) -> Any:
        return tangent


def _renormalize(weight: Tensor, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    """The rows of ``weight`` at ``indices`` whose norm is above ``max_norm`` scaled down to it, in
    place and outside the graph (a write a live graph that saved ``weight`` refuses at backward)."""
    used = np.unique(indices)
    values = weight._data[used]
    wide = values.astype(np.float64)  # (float16 squares overflow from 256: the norm was inf, the rows 0)
    if norm_type == 2:
        norms = np.sqrt(np.sum(wide * wide, axis=1))
    else:
        norms = np.sum(np.abs(wide) ** norm_type, axis=1) ** (1 / norm_type)
    over = norms > max_norm
    if over.any():
        scale = (max_norm / (norms[over] + 1e-7)).astype(values.dtype)
        with no_grad():
            weight[used[over]] = Tensor(values[over] * scale[:, None])


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Integer class labels (any shape) as one-hot rows along a new last axis (int64);
    ``num_classes=-1`` takes the largest label + 1."""
    if num_classes < -1:  # (-2 was read as "infer", as -1)
        raise ValueError(f"F.one_hot: num_classes must be -1 (inferred) or non-negative, got {num_classes}")
    labels = _labels("one_hot", tensor, num_classes if num_classes >= 0 else None)
    if num_classes == -1 and not labels.size:
        raise ValueError("F.one_hot: cannot infer the number of classes of an empty tensor; give num_classes")
    classes = int(labels.max()) + 1 if num_classes < 0 and labels.size else max(num_classes, 0)
    return Tensor(np.eye(classes, dtype=np.int64)[labels])


# --------------------------------------------------------------------------- losses
def _labels(name: str, target: Any, classes: int | None) -> np.ndarray:
    """Integer class labels as an int64 array, each checked to lie in [0, classes)."""
    labels = np.asarray(target._data if isinstance(target, Tensor) else target)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"F.{name}: class labels must be integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or (classes is not None and labels.max() >= classes)):
        bound = f" and below {classes}" if classes is not None else ""
        raise ShapeRuntimeError(f"F.{name}: class labels must be >= 0{bound}; got {labels.min()} .. {labels.max()}")
    return labels.astype(np.int64, copy=False)


def _smoothed(probs: Any, label_smoothing: float, classes: int) -> Any:
    """Probabilities mixed with the uniform distribution by ``label_smoothing``."""
    return probs * (1.0 - label_smoothing) + label_smoothing / classes if label_smoothing else probs


IGNORE_INDEX = -100
"""PyTorch's default ``ignore_index``: a label of -100 adds nothing to the loss."""


def _legacy(name: str, size_average: Any, reduce: Any) -> None:
    if size_average is not None or reduce is not None:
        raise TypeError(
            f"F.{name}: size_average and reduce are PyTorch's deprecated spellings; give reduction='mean', "
            "'sum' or 'none'"
        )


def _class_weights(name: str, weight: Any, classes: int, dtype: np.dtype) -> np.ndarray | None:
    """``weight`` (one number per class, a constant: no gradient) as an array of ``dtype``."""
    if weight is None:
        return None
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight)
    if w.dtype.kind not in "biuf":
        raise TypeError(f"F.{name}: weight must hold numbers, got dtype {w.dtype}")
    if w.shape != (classes,):
        raise ValueError(
            f"F.{name}: weight must have one entry per class, shape ({classes},), got shape {tuple(w.shape)}"
        )
    return w.astype(dtype, copy=False)


def _weights_now(name: str, weight: Any, classes: int, dtype: np.dtype) -> tuple[float, ...] | None:
    """The class weights ``weight`` holds now, as ``cross_entropy`` passes them on (a replay
    compares them with the captured step's before each replay)."""
    weights = _class_weights(name, weight, classes, dtype)
    return None if weights is None else tuple(weights.tolist())


_smallest, _largest = np.minimum.reduce, np.maximum.reduce


def _kept_labels(
    name: str, labels: np.ndarray, classes: int, ignore_index: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """The labels as int64 with ``ignore_index`` replaced by 0, every other one checked to lie
    in [0, classes), and the mask of the labels that count (None: all of them, the common case,
    found from the smallest and largest label alone)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"F.{name}: class labels must be integers, got dtype {labels.dtype}")
    if not labels.size:
        return labels.astype(np.int64, copy=False), None
    lo, hi = _smallest(labels), _largest(labels)  # (the reductions without ndarray.min's Python wrapper)
    if lo >= 0 and hi < classes and not lo <= ignore_index <= hi:
        return labels.astype(np.int64, copy=False), None
    kept = labels != ignore_index
    counted = labels[kept]
    if counted.size and (counted.min() < 0 or counted.max() >= classes):
        also = f" (or ignore_index={ignore_index})" if ignore_index != IGNORE_INDEX or not kept.all() else ""
        raise IndexOutOfRangeError(
            f"F.{name}: class labels must be >= 0 and below {classes}{also}; got {counted.min()} .. {counted.max()}"
        )
    if kept.all():
        return labels.astype(np.int64, copy=False), None
    return np.where(kept, labels, 0).astype(np.int64, copy=False), kept


def _class_rows(
    labels: np.ndarray,
    classes: int,
    dtype: np.dtype,
    label_smoothing: float,
    weight: tuple[float, ...] | None,
    ignore_index: int,
    mean: bool,
) -> np.ndarray:
    """Class labels (N,) as the rows (N, classes) the cross-entropy sums against log-probabilities:
    weight[y] (1 - label_smoothing) at the label plus label_smoothing * weight / classes at every
    class (PyTorch's rule), zeros for a label equal to ``ignore_index``; for the mean, scaled by
    N / (the total weight of the labels that count), so that the fused kernel's division by N
    leaves PyTorch's weighted mean (NaN when that total is 0, as in PyTorch). An ignored label's
    row stays 0 even then (no gradient, as in PyTorch); only when no label counts at all are the
    rows NaN (``cross_entropy`` itself gives PyTorch's NaN loss with zero gradients then; a
    replayed step, which has only the rows, gives NaN loss and NaN gradients rather than a loss
    of 0). Without weights and ignored labels: one-hot rows (smoothed)."""
    picked, kept = _kept_labels("cross_entropy", labels, classes, ignore_index)
    n = len(picked)
    rows = np.zeros((n, classes), dtype=dtype)
    if weight is None:
        rows[np.arange(n), picked] = 1
        rows = _smoothed(rows, label_smoothing, classes)
        total = float(n if kept is None else np.count_nonzero(kept))
    else:
        w = np.asarray(weight, dtype=dtype)
        rows[np.arange(n), picked] = w[picked] * (1.0 - label_smoothing)
        if label_smoothing:
            rows += (label_smoothing / classes) * w
        total = float(w[picked].sum() if kept is None else w[picked][kept].sum())
    if kept is not None:
        rows[~kept] = 0
    if mean and total != n:
        with np.errstate(divide="ignore", invalid="ignore"):
            rows = rows * np.asarray(n / total if total else np.inf, dtype=dtype)
        if kept is not None and kept.any():
            rows[~kept] = 0  # not 0 * inf = NaN when the labels that count weigh 0
    return rows


_ROWS_KEPT = 1 << 16
"""``_class_rows_again`` keeps the last rows it made when they have at most this many elements."""
_last_rows: tuple[Any, np.ndarray] = ((), np.empty(0))


def _class_rows_again(args: tuple[Any, ...]) -> np.ndarray:
    """``_class_rows(*args)``, as a copy of the last rows made when its arguments are the same
    again (the labels compared by their bytes, dtype and shape; the rest by value): a training
    loop gives the same labels every step to a model trained on one batch, and making the rows
    (checking the labels, placing the ones) costs about 40 K instructions against 3 K here. A
    copy, so that every call's rows are its own (a graph locks them; a replay follows them)."""
    global _last_rows
    labels = args[0]
    key = (labels.tobytes(), labels.dtype.str, labels.shape, *args[1:])
    last = _last_rows  # (read once: another thread may replace it meanwhile)
    if last[0] == key:
        return last[1].copy()
    rows = _class_rows(*args)
    if rows.size <= _ROWS_KEPT:
        _last_rows = (key, rows.copy())
    return rows


def _label_rows(
    name: str,
    values: np.ndarray,
    classes: int,
    dtype: np.dtype,
    label_smoothing: float,
    weight: Any,
    weights: np.ndarray | None,
    ignore_index: int,
    mean: bool,
) -> np.ndarray:
    """``cross_entropy``'s rows (``_class_rows``) of the class labels ``values``, with the class
    weights ``weights`` (an array of ``weight``, or None), noted for a replay that is capturing."""
    per_class = None if weights is None else tuple(weights.tolist())  # (replay: only inputs may be arrays)
    args = (values, classes, dtype, label_smoothing, per_class, ignore_index, mean)
    probs = _class_rows_again(args)
    recorder = capturing() if CAPTURE else None
    if recorder is not None:  # a replayed step makes them again from its labels (mytorch.replay)
        recorder.derived(probs, _class_rows, *args)
        if weight is not None:  # ... with these class weights: changed in place since, it captures again
            recorder.reads(functools.partial(_weights_now, name, weight, classes, dtype), per_class)
    return probs


def _as_rows(name: str, x: Tensor, target: Any) -> tuple[Tensor, Any, tuple[int, ...] | None]:
    """Logits (or log-probabilities) of shape (C,) or (N, C, d1, ..., dk) as rows (M, C), the
    target to match, and the shape to give per-element losses back (None: (N,) as they are)."""
    values = np.asarray(target._data if isinstance(target, Tensor) else target)
    if x.ndim == 1:  # one example, PyTorch's unbatched form
        if values.shape == x.shape:  # its probabilities
            return x.reshape(1, -1), target.reshape(1, -1) if isinstance(target, Tensor) else values.reshape(1, -1), ()
        if values.shape != ():
            raise ValueError(
                f"F.{name}: for input of shape {tuple(x.shape)}, target must be one class label (shape ()) or "
                f"probabilities of shape {tuple(x.shape)}, got shape {tuple(values.shape)}"
            )
        return x.reshape(1, -1), values.reshape(1), ()
    if x.ndim <= 2:
        return x, target, None
    n, classes, extra = x.shape[0], x.shape[1], x.shape[2:]
    order = (0, *range(2, x.ndim), 1)  # the class axis last
    rows = x.permute(order).reshape(-1, classes)
    if values.shape == x.shape:  # probabilities (N, C, d1, ...)
        flat = target.permute(order) if isinstance(target, Tensor) else np.transpose(values, order)
        return rows, flat.reshape(-1, classes), (n, *extra)
    if values.shape != (n, *extra):
        raise ShapeRuntimeError(
            f"F.{name}: for input of shape {tuple(x.shape)}, target must be class labels of shape {(n, *extra)} or "
            f"probabilities of shape {tuple(x.shape)}, got shape {tuple(values.shape)}"
        )
    return rows, values.reshape(-1), (n, *extra)


def cross_entropy(
    input: Any,  # noqa: A002
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = IGNORE_INDEX,
    reduce: Any = None,  # noqa: A002 - PyTorch's name
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """The cross-entropy of logits ``input`` against class labels ``target`` or class
    probabilities; ``log_softmax`` and the negative log-likelihood in one.

    Shapes as in PyTorch: logits (N, C) with labels (N,) or probabilities (N, C); (C,) with a
    0-d label or probabilities (C,); (N, C, d1, ..., dk) with labels (N, d1, ..., dk) or
    probabilities of the logits' shape (the class axis is the second).

    ``weight`` (C,) scales each class's terms (a constant); with labels the mean divides by
    the total weight of the labels that count. A label equal to ``ignore_index`` (-100 by
    default) adds nothing and does not count in the mean (NaN when none counts, as in
    PyTorch); probabilities take no ``ignore_index``. ``label_smoothing`` mixes the targets
    with the uniform distribution. With ``reduction="mean"`` (the default) the loss is one
    fused kernel (``softmax_cross_entropy``) on these rows.

    Raises:
        TypeError: labels that are not integers, a deprecated ``size_average``/``reduce``.
        ValueError: shapes that do not fit, labels outside [0, C), a weight of another length,
            an unknown reduction.
    """
    name = "cross_entropy"
    if (
        reduction == "mean"
        and weight is None
        and size_average is None
        and reduce is None
        and isinstance(input, Tensor)
        and type(label_smoothing) is float
        and 0.0 <= label_smoothing <= 1.0
    ):
        # (the common case, float64 or float32 logits (N, C) and N class labels, the first not
        # ignore_index, recorded as the general path below records it, without its other tests)
        logits_data = input._data
        values = target._data if isinstance(target, Tensor) else target
        dtype = logits_data.dtype
        if (
            (dtype is _DOUBLE or dtype is _SINGLE)
            and logits_data.ndim == 2
            and type(values) is np.ndarray
            and values.shape == (len(logits_data),)
            and values.size
            and values.item(0) != ignore_index
        ):
            classes = logits_data.shape[1]
            probs = _label_rows(name, values, classes, dtype, label_smoothing, None, None, ignore_index, True)
            return _mean_loss("softmax_cross_entropy", probs, input, softmax_cross_entropy_and_log_probs)
    _check_reduction(name, reduction)
    _legacy(name, size_average, reduce)
    logits = _floating(name, input)
    if logits.dtype == np.float16 and weight is not None and reduction == "mean":
        # (in float32: the labels' total weight overflowed float16 past 65,504, and the mean was 0)
        wide = logits.to(np.float32)
        return cross_entropy(wide, target, weight, ignore_index=ignore_index, label_smoothing=label_smoothing).to(
            np.float16
        )
    if logits.ndim == 0:
        raise ValueError(
            f"F.{name}: input must be logits of shape (C,), (N, C) or (N, C, d1, ...), got {tuple(logits.shape)}"
        )
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"F.{name}: label_smoothing must lie in [0, 1], got {label_smoothing!r}")
    logits, target, shape = _as_rows(name, logits, target)
    n, classes = logits.shape
    weights = _class_weights(name, weight, classes, logits.dtype)
    values = target._data if isinstance(target, Tensor) else np.asarray(target)
    if values.dtype.kind == "f" and values.shape == logits.shape:
        if ignore_index != IGNORE_INDEX:
            raise ValueError(f"F.{name}: ignore_index applies to class labels, not to probabilities (as in PyTorch)")
        given = target if isinstance(target, Tensor) else values.astype(logits.dtype, copy=False)
        probs = _smoothed(given, label_smoothing, classes)
        if weights is not None:
            probs = probs * weights
    elif values.shape == (n,):
        mean = reduction == "mean"
        probs = _label_rows(name, values, classes, logits.dtype, label_smoothing, weight, weights, ignore_index, mean)
    elif values.shape == logits.shape:  # one-hot rows of integers or booleans
        raise TypeError(
            f"F.{name}: a target of shape {tuple(values.shape)} holds class probabilities, which must be floating "
            f"point, got {values.dtype}; give class labels of shape ({n},) (rows.argmax(1)) or cast the rows "
            "to float"
        )
    else:
        raise ShapeRuntimeError(
            f"F.{name}: target must be class labels of shape ({n},) or probabilities of shape {tuple(logits.shape)}, "
            f"got shape {tuple(values.shape)}"
        )
    if (
        reduction == "mean"
        and values.shape == (n,)
        and values.size
        and values.item(0) == ignore_index  # (the first label alone, before comparing them all)
        and (values == ignore_index).all()
    ):
        # no label counts: PyTorch's mean is 0 / 0 = NaN, and the logits get zero gradients
        return _apply("where", (np.nan, logits.sum()), {"condition": np.asarray(True)})
    if reduction == "mean":
        return _mean_loss("softmax_cross_entropy", probs, logits, softmax_cross_entropy_and_log_probs)
    terms = log_softmax(logits, dim=1) * probs
    if not np.isfinite(terms._data).all():  # a class masked by a logit of -inf that the target gives 0: 0, not NaN
        terms = _apply("where", (terms, 0.0), {"condition": np.asarray(probs) != 0})
    losses = -terms.sum(axis=1)
    return _reduce(losses if shape is None else losses.reshape(shape), reduction)


def nll_loss(
    input: Any,  # noqa: A002
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = IGNORE_INDEX,
    reduce: Any = None,  # noqa: A002
    reduction: str = "mean",
) -> Tensor:
    """The negative log-likelihood of log-probabilities ``input`` (N, C) at class labels
    ``target`` (N,) (also (C,) with a 0-d label, and (N, C, d1, ...) with labels (N, d1, ...)).
    ``weight`` and ``ignore_index`` as in ``cross_entropy``: -weight[y] input[y] per example, the
    mean divided by the total weight of the labels that count."""
    name = "nll_loss"
    _check_reduction(name, reduction)
    _legacy(name, size_average, reduce)
    log_probs = _floating(name, input)
    if log_probs.dtype == np.float16 and weight is not None and reduction == "mean":  # (as cross_entropy)
        return nll_loss(log_probs.to(np.float32), target, weight, None, ignore_index, None, reduction).to(np.float16)
    given = tuple(np.shape(np.asarray(target)))
    if log_probs.ndim == 0 or given != (log_probs.shape[:1] + log_probs.shape[2:] if log_probs.ndim > 1 else ()):
        raise ValueError(
            f"F.{name}: input must be (N, C) (or (C,), (N, C, d1, ...)) and target (N,) (or (), (N, d1, ...)), "
            f"got {tuple(log_probs.shape)} and {given}"
        )
    log_probs, target, shape = _as_rows(name, log_probs, target)
    n, classes = log_probs.shape
    weights = _class_weights(name, weight, classes, log_probs.dtype)
    labels, kept = _kept_labels(name, np.asarray(target), classes, ignore_index)
    losses = -log_probs[np.arange(n), labels]
    if weights is None and kept is None:
        return _reduce(losses if shape is None else losses.reshape(shape), reduction)
    scale = np.ones(n, log_probs.dtype) if weights is None else weights[labels]
    losses = losses * scale
    if kept is not None:
        losses = _apply("where", (0.0, losses), {"condition": ~kept})
    else:
        kept = np.ones(n, dtype=bool)
    if shape is not None:
        losses = losses.reshape(shape)
    if reduction != "mean":
        return _reduce(losses, reduction)
    total = float(scale[kept].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        return losses.sum() / (total if total else np.nan)


def _same_shapes(name: str, x: Tensor, target: Any) -> None:
    """The target of an elementwise loss: numbers (bool, integer or float), of ``x``'s shape.
    (A Tensor's own array: a recorded target, another model's output, is not read into Python.)"""
    values = target._data if isinstance(target, Tensor) else np.asarray(target)
    if values.dtype.kind not in "biuf":
        raise TypeError(f"F.{name}: target must hold numbers, got dtype {values.dtype}")
    shape = values.shape
    if shape != x.shape:
        raise ShapeRuntimeError(
            f"F.{name}: input has shape {tuple(x.shape)} but target {shape}; they must match (reshape the target, "
            f"e.g. target.reshape({', '.join(map(str, x.shape))}))"
        )


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """The squared error (input - target)^2, averaged (or summed) over every element."""
    if reduction == "mean" and isinstance(input, Tensor) and isinstance(target, Tensor):
        # (the common case, two Tensors of one float64 or float32 dtype and shape, recorded as the
        # general path below records it, without its tests for the other cases)
        a, t = input._data, target._data
        dtype = a.dtype
        if (dtype is _DOUBLE or dtype is _SINGLE) and t.dtype is dtype and t.shape == a.shape:
            loss, diff = mse_loss_and_diff(t, a)
            value = loss[0] if loss.shape == (1,) else loss.reshape(())
            return _attach(value, (target, input), (t, a), _MSE_MEAN, {"diff": diff}, reads=_MSE_READS)
    name = "mse_loss"
    _check_reduction(name, reduction)
    x = _tensor(name, input)
    if x.dtype.kind not in "fc" and isinstance(target, Tensor) and target.dtype.kind == "f":
        x = x.to(target.dtype)  # integer predictions take the float target's dtype, as PyTorch promotes
    x = _floating(name, x)
    _same_shapes(name, x, target)
    if reduction == "mean":
        return _mean_loss("mse_loss", target, x, mse_loss_and_diff)
    return _reduce((x - target) ** 2, reduction)


def _factor(name: str, what: str, value: Any, like: Tensor) -> np.ndarray:
    """``value`` (a weight) as a constant array in ``like``'s dtype that broadcasts to its shape:
    a loss keeps its prediction's dtype."""
    w = np.asarray(value._data if isinstance(value, Tensor) else value)
    try:
        np.broadcast_shapes(w.shape, like.shape)
    except ValueError:
        raise ValueError(
            f"F.{name}: {what} of shape {tuple(w.shape)} does not broadcast to the input's {tuple(like.shape)}"
        ) from None
    return w.astype(like.dtype, copy=False)


def _weighted(name: str, losses: Tensor, weight: Any) -> Tensor:
    """``losses`` times ``weight`` (``_factor``), or ``losses`` itself without one."""
    return losses if weight is None else losses * _factor(name, "weight", weight, losses)


def binary_cross_entropy(
    input: Any,  # noqa: A002
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,  # noqa: A002 - PyTorch's name
    reduction: str = "mean",
) -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) of probabilities ``input`` against targets in [0, 1]
    (each log floored at -100, as PyTorch does); ``weight`` (broadcast to the input) scales each
    term, and the mean is then the mean of the scaled terms, as in PyTorch."""
    name = "binary_cross_entropy"
    _legacy(name, size_average, reduce)
    _check_reduction(name, reduction)
    p = _tensor(name, input)
    _same_shapes(name, p, target)
    check_probabilities(f"F.{name}", "targets", target._data if isinstance(target, Tensor) else np.asarray(target))
    if reduction == "mean" and weight is None:
        return _mean_loss("bce_loss", target, p)
    check_probabilities(f"F.{name}", "predictions", p._data, " (for logits use binary_cross_entropy_with_logits)")
    losses = -(target * _floored_log(p) + (1.0 - target) * _floored_log(1.0 - p))
    return _reduce(_weighted(name, losses, weight), reduction)


def _floored_log(q: Tensor) -> Tensor:
    """log q floored at -100 (``bce_loss``'s rule, for the unreduced losses): where it is floored,
    -100 with gradient 0, selected, so that q = 0 gives 0 and not 0 * (1 / 0) = NaN."""
    with np.errstate(divide="ignore"):
        kept = np.log(q._data) > _LOG_FLOOR
    logs = _apply("log", (_apply("where", (q, 1.0), {"condition": kept}),))
    return _apply("where", (logs, _LOG_FLOOR), {"condition": kept})


def binary_cross_entropy_with_logits(
    input: Any,  # noqa: A002
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,  # noqa: A002 - PyTorch's name
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of logits ``input`` (probabilities sigmoid(input)): softplus(z) - y z,
    stable for any logit. ``pos_weight`` (broadcast along the last axis, one per class) scales the
    positive term: (1 - y) z + (1 + (pos_weight - 1) y) softplus(-z); ``weight`` scales each term."""
    name = "binary_cross_entropy_with_logits"
    _legacy(name, size_average, reduce)
    _check_reduction(name, reduction)
    z = _floating(name, input)
    _same_shapes(name, z, target)
    if reduction == "mean" and weight is None and pos_weight is None:
        return _mean_loss("bce_with_logits_loss", target, z)
    if pos_weight is None:
        losses = _apply("softplus", (z,)) - z * target
    else:
        positive = _factor(name, "pos_weight", pos_weight, z)
        losses = (1.0 - target) * z + (1.0 + (positive - 1.0) * target) * _apply("softplus", (-z,))
    return _reduce(_weighted(name, losses, weight), reduction)
