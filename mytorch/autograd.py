"""``mytorch.autograd``: ``Function``, PyTorch's way of extending autograd on Tensors, and
``grad`` (``torch.autograd.grad``, the same function as ``mytorch.grad``); ``Variable``, PyTorch's
deprecated wrapper (``mytorch.compat``).

A PyTorch script defines a new op as ``class Op(torch.autograd.Function)`` whose static
``forward(ctx, *inputs)`` and ``backward(ctx, *grad_outputs)`` take and return *Tensors*;
with ``import mytorch as torch`` the same class runs here unchanged::

    class Quantize(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            q = input.clamp(0, 255).to(torch.uint8).to(input.dtype)
            ctx.save_for_backward(input - q)
            return q

        @staticmethod
        def backward(ctx, grad_output):
            (error,) = ctx.saved_tensors
            return grad_output + error

    y = Quantize.apply(x)

``forward`` runs without recording (its inside is the op's own business); ``apply`` records
the op as one operation whose backward kernel calls ``backward`` with the output's gradient as
a Tensor. (``mytorch.Function``, the array-level interface, takes and returns NumPy arrays.)

A backward written with Tensor operations has a second derivative: in a recorded backward
(``create_graph=True``) it runs with recording on, its saved inputs and output standing for
the graph's own values.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from mytorch import autograd_functional as functional
from mytorch.autograd_engine import _Anomaly, detect_anomaly, no_grad
from mytorch.backward_graph import grad
from mytorch.compat import Variable
from mytorch.tensor import Tensor, _arrays, _attach

__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "Variable",
    "backward",
    "detect_anomaly",
    "functional",
    "grad",
    "gradcheck",
    "set_detect_anomaly",
]


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """``mytorch.detect_anomaly``'s checks on (``mode=True``) or off, from the call on or within a
    ``with`` block (the previous setting comes back at its end), as ``torch.autograd.set_detect_anomaly``.
    ``check_nan`` is accepted; MyTorch's anomaly mode always checks gradients for NaN and inf."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.previous = _Anomaly.enabled
        _Anomaly.enabled = bool(mode)

    def __enter__(self) -> set_detect_anomaly:
        return self

    def __exit__(self, *exc: object) -> None:
        _Anomaly.enabled = self.previous


class FunctionCtx:
    """What one call of a ``Function`` keeps for its backward.

    Attributes:
        saved_tensors: the Tensors given to ``save_for_backward``, in order.
        needs_input_grad: one flag per input: whether a gradient is wanted for it.

    Other values (a shape, a flag) may be stored as attributes: ``ctx.scale = 2.0``.
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.saved_tensors: tuple[Any, ...] = ()
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` for ``backward`` (as ``ctx.saved_tensors``)."""
        self.saved_tensors = tensors

    def recorded(self, values: Sequence[Any]) -> FunctionCtx:
        """This context for a recorded backward (``create_graph=True``): a saved Tensor holding
        one of the op's inputs or its output is replaced by the Tensor standing for it among
        ``values``, so that ``backward`` is differentiated through it. Tensors computed inside
        ``forward`` stay constants, as in PyTorch."""
        standing = {id(v._data): v for v in values if isinstance(v, Tensor)}
        ctx = copy.copy(self)
        ctx.saved_tensors = tuple(
            standing.get(id(t._data), t) if isinstance(t, Tensor) else t for t in self.saved_tensors
        )
        return ctx


def _array(name: str, i: int, grad: Any, like: np.ndarray) -> np.ndarray | None:
    """A gradient ``backward`` returned, as an array of its input's shape (None stays None)."""
    if grad is None:
        return None
    array = np.asarray(grad._data if isinstance(grad, Tensor) else grad, dtype=like.dtype)
    if array.shape != like.shape:
        raise ValueError(f"{name}.backward: gradient {i} has shape {array.shape}, its input has shape {like.shape}")
    return array


class Function:
    """Base class of a user-defined differentiable op on Tensors (override the static methods)."""

    @staticmethod
    def forward(ctx: FunctionCtx, *inputs: Any) -> Tensor:
        """Compute the output Tensor from the inputs; ``ctx.save_for_backward`` what backward needs."""
        raise NotImplementedError("Function.forward: define forward(ctx, *inputs) in the subclass")

    @staticmethod
    def backward(ctx: FunctionCtx, grad_output: Tensor) -> Any:
        """The gradient of each input given the output's (a Tensor each, or None; one for one input)."""
        raise NotImplementedError("Function.backward: define backward(ctx, grad_output) in the subclass")

    _vjp: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make the subclass's backward kernel: arrays in, ``backward`` on Tensors, arrays out."""
        super().__init_subclass__(**kwargs)

        def vjp(grad_output: Any, *inputs: Any, ctx: FunctionCtx, out: Any = None) -> tuple[Any, ...]:
            if not isinstance(grad_output, np.ndarray) or not all(isinstance(x, np.ndarray) for x in inputs):
                return _recorded_backward(cls, grad_output, inputs, ctx.recorded([*inputs, out]))
            with no_grad():
                grads = cls.backward(ctx, Tensor(grad_output))
            if not isinstance(grads, tuple):
                grads = (grads,)
            if len(grads) != len(inputs):
                raise ValueError(
                    f"{cls.__name__}.backward: returned {len(grads)} gradient(s) for {len(inputs)} input(s)"
                )
            return tuple(_array(cls.__name__, i, g, x) for i, (g, x) in enumerate(zip(grads, inputs)))

        vjp.__name__ = vjp.__qualname__ = f"{cls.__name__}_backward"
        cls._vjp = staticmethod(vjp)

    @classmethod
    def apply(cls, *inputs: Any) -> Tensor:
        """Run the op (numbers and arrays among the inputs are constants); recorded like any Tensor op.

        Raises:
            TypeError: ``forward`` did not return a Tensor.
        """
        arrays = _arrays(inputs)
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a.requires_grad for a in inputs))
        with no_grad():
            out = cls.forward(ctx, *(Tensor(a._data) if isinstance(a, Tensor) else a for a in inputs))
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward: must return a Tensor, got {type(out).__name__}")
        result = out._data
        if any(result is x for x in arrays):
            result = result.view()  # a new array object: the output's gradient must not be its input's
        return _attach(result, inputs, arrays, cls._vjp, {"ctx": ctx}, saves_output=True, checked=True)


def _recorded_backward(
    cls: type[Function], grad_output: Any, inputs: Sequence[Any], ctx: FunctionCtx
) -> tuple[Any, ...]:
    """``cls.backward`` in a recorded backward pass (``create_graph=True``): it runs on the Tensors
    standing for the op's values, with recording on, and its Tensors are the gradients."""
    grad = grad_output if isinstance(grad_output, Tensor) else Tensor(grad_output)
    grads = cls.backward(ctx, grad)
    grads = grads if isinstance(grads, tuple) else (grads,)
    if len(grads) != len(inputs):
        raise ValueError(f"{cls.__name__}.backward: returned {len(grads)} gradient(s) for {len(inputs)} input(s)")
    return grads


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """``torch.autograd.backward``: the gradients of ``tensors`` (each weighted by its entry of
    ``grad_tensors``; None: 1 for a one-element tensor) added into the leaves' ``.grad``, in one
    backward pass (of the weighted sum); a weight that requires grad gets none (with
    ``create_graph`` the gradients depend on it), so then one pass per tensor, as ``t.backward(w)``."""
    outputs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    weights = [grad_tensors] if isinstance(grad_tensors, Tensor) or grad_tensors is None else list(grad_tensors)
    if grad_tensors is None:
        weights = [None] * len(outputs)
    if len(weights) != len(outputs):
        raise ValueError(f"autograd.backward: {len(weights)} grad_tensors for {len(outputs)} tensors")
    for t, w in zip(outputs, weights):
        if w is None and t.numel() != 1:
            raise RuntimeError(
                f"autograd.backward: grad can be implicitly created only for one element, got shape {t.shape}"
            )
    if any(isinstance(w, Tensor) and w.requires_grad for w in weights):  # (the sum would give them a .grad)
        for k, (t, w) in enumerate(zip(outputs, weights)):
            last = k == len(outputs) - 1
            t.backward(w, retain_graph=retain_graph if last else True, create_graph=create_graph)
        return
    total = None
    for t, w in zip(outputs, weights):
        term = t.sum() if w is None else (t * w).sum()
        total = term if total is None else total + term
    if total is None:
        return
    total.backward(retain_graph=retain_graph, create_graph=create_graph)


class GradcheckError(RuntimeError):
    """``gradcheck`` found an analytic derivative that disagrees with finite differences."""


_GRADCHECK_NOT_MADE = frozenset({"check_forward_ad", "check_batched_grad", "check_batched_forward_grad"})
_GRADCHECK_NO_EFFECT = frozenset(
    {"nondet_tol", "check_undefined_grad", "check_grad_dtypes", "fast_mode", "masked", "check_backward_ad"}
)


def gradcheck(
    func: Any,
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    **unused: Any,
) -> bool:
    """``torch.autograd.gradcheck``: the Jacobian of ``func`` at ``inputs`` (for each input that
    requires grad) by reverse mode against central differences of step ``eps``, element by
    element within ``atol + rtol * |numeric|``; use float64 inputs. True, or ``GradcheckError``
    (False with ``raise_exception=False``). PyTorch's other options are taken and have no effect,
    except the checks it does not make: ``check_forward_ad``, ``check_batched_grad`` or
    ``check_batched_forward_grad`` set True raise ``NotImplementedError`` (a pass would claim them)."""
    for name, value in unused.items():
        if name in _GRADCHECK_NOT_MADE and value:
            raise NotImplementedError(f"gradcheck: {name}=True is not checked here (reverse mode only)")
        if name not in _GRADCHECK_NOT_MADE | _GRADCHECK_NO_EFFECT:
            raise TypeError(f"gradcheck() got an unexpected keyword argument {name!r}")
    args = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wrt = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]

    def values(moved: dict[int, np.ndarray]) -> list[np.ndarray]:
        with no_grad():
            out = func(*(Tensor(moved[i]) if i in moved else a for i, a in enumerate(args)))
        return [np.asarray(o._data, dtype=np.float64) for o in (out if isinstance(out, (tuple, list)) else (out,))]

    out = func(*args)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for j in wrt:
        x = np.array(args[j]._data, dtype=np.float64)
        for k, o in enumerate(outs):
            analytic = np.zeros(o.shape + x.shape)
            if o.requires_grad:
                for idx in np.ndindex(o.shape):
                    (g,) = grad(o[idx] if o.shape else o, [args[j]], retain_graph=True, allow_unused=True)
                    if g is not None:
                        analytic[idx] = g.numpy()
            numeric = np.zeros(o.shape + x.shape)
            for idx in np.ndindex(x.shape):
                up, down = x.copy(), x.copy()
                up[idx] += eps
                down[idx] -= eps
                numeric[(Ellipsis,) + idx] = (values({j: up})[k] - values({j: down})[k]) / (2 * eps)
            if not np.allclose(analytic, numeric, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                worst = tuple(int(n) for n in np.unravel_index(np.argmax(np.abs(analytic - numeric)), analytic.shape))
                raise GradcheckError(
                    f"gradcheck: Jacobian mismatch for output {k} with respect to input {j}: at {worst} "
                    f"analytic {analytic[worst]:.10g}, numeric {numeric[worst]:.10g}"
                )
    return True


sys.modules[__name__ + ".functional"] = functional  # (``from mytorch.autograd.functional import hessian``)
