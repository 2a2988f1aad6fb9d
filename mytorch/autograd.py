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

import functools
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mytorch import autograd_functional as functional
from mytorch import autograd_graph as graph
from mytorch import forward_ad
from mytorch.autograd_engine import (
    _Anomaly,
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from mytorch.backward_graph import grad
from mytorch.compat import Variable
from mytorch.function import _SavedContext, _UserOp
from mytorch.nn.functional import register_jvp
from mytorch.tensor import Tensor, _attach

__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "Variable",
    "backward",
    "detect_anomaly",
    "forward_ad",
    "functional",
    "grad",
    "graph",
    "function",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "once_differentiable",
    "set_detect_anomaly",
    "set_grad_enabled",
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


def _overridden(cls: type) -> set[str]:
    """The names of ``Function``'s methods that ``cls`` (a subclass) defines again."""
    return {name for name in ("setup_context",) if getattr(cls, name) is not getattr(Function, name)}


class FunctionCtx(_SavedContext):
    """What one call of a ``Function`` keeps for its backward.

    Attributes:
        saved_tensors: the Tensors given to ``save_for_backward``, in order.
        needs_input_grad: one flag per input: whether a gradient is wanted for it.

    Other values (a shape, a flag) may be stored as attributes: ``ctx.scale = 2.0``.
    """

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` for ``backward`` (as ``ctx.saved_tensors``)."""
        self._saved = tensors

    @staticmethod
    def _array_id(saved: Any) -> int | None:
        return id(saved._data) if isinstance(saved, Tensor) else None  # (only a saved Tensor stands for a value)

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """The outputs given here get no gradient: ``apply`` returns them not requiring grad, and
        ``backward`` receives zeros for them (PyTorch's ``mark_non_differentiable``)."""
        self._non_differentiable = {id(t._data) for t in tensors if isinstance(t, Tensor)}

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted: each output's gradient reaches ``backward`` as a Tensor (zeros if unused)."""

    def mark_dirty(self, *tensors: Any) -> None:
        """Refused: an input changed in place inside ``forward`` is not supported."""
        raise NotImplementedError(
            "ctx.mark_dirty: MyTorch's autograd.Function cannot change an input in place; return a new Tensor"
        )

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The Tensors given to ``save_for_backward`` (in a recorded backward, the graph's own for
        the op's inputs and output)."""
        return self._saved


def _check_none(name: str, grads: Sequence[Any], tensors: Sequence[bool]) -> None:
    """Raise if ``backward`` gave a gradient for an input that was not a Tensor (as PyTorch does)."""
    for i, (g, tensor) in enumerate(zip(grads, tensors)):
        if g is not None and not tensor:
            raise RuntimeError(
                f"function {name}Backward returned a gradient different than None at position {i + 1}, but the "
                "corresponding forward input was not a Tensor"
            )


def _array(name: str, i: int, grad: Any, like: np.ndarray) -> np.ndarray | None:
    """A gradient ``backward`` returned, as an array of its input's shape (None stays None)."""
    if grad is None:
        return None
    array = np.asarray(grad._data if isinstance(grad, Tensor) else grad, dtype=like.dtype)
    if array.shape != like.shape:
        raise ValueError(
            f"{name}.backward: gradient {i} has shape {tuple(array.shape)}, its input has shape {tuple(like.shape)}"
        )
    return array


class Function(_UserOp):
    """Base class of a user-defined differentiable op on Tensors (override the static methods)."""

    _context = FunctionCtx

    @classmethod
    def _operands(cls, inputs: Sequence[Any]) -> tuple[np.ndarray, ...]:
        """The arrays ``apply`` records: a Tensor's own; for anything else (a number, None, a string,
        a module: ``forward`` gets it as given) a new empty placeholder, which takes no gradient."""
        return tuple([a._data if isinstance(a, Tensor) else np.empty(0) for a in inputs])

    @staticmethod
    def forward(ctx: FunctionCtx, *inputs: Any) -> Tensor:
        """Compute the output Tensor from the inputs; ``ctx.save_for_backward`` what backward needs."""
        raise NotImplementedError("Function.forward: define forward(ctx, *inputs) in the subclass")

    @staticmethod
    def backward(ctx: FunctionCtx, grad_output: Tensor) -> Any:
        """The gradient of each input given the output's (a Tensor each, or None; one for one input)."""
        raise NotImplementedError("Function.backward: define backward(ctx, grad_output) in the subclass")

    @classmethod
    def _output(cls, ctx: Any, inputs: Sequence[Any], arrays: Sequence[np.ndarray], params: dict[str, Any]) -> Any:
        """``forward`` on the inputs (each Tensor a new leaf on its array), without recording.

        Raises:
            TypeError: ``forward`` did not return a Tensor.
        """
        given = [Tensor(a._data) if isinstance(a, Tensor) else a for a in inputs]
        with no_grad():
            if "setup_context" in _overridden(cls):  # PyTorch's newer style: forward without ctx
                out = cls.forward(*given, **params)  # type: ignore[arg-type]
                cls.setup_context(ctx, tuple(given), out)
            else:
                out = cls.forward(ctx, *given, **params)
        ctx._tensor_inputs = tuple(isinstance(a, Tensor) for a in inputs)
        if isinstance(out, (tuple, list)):
            return cls._packed(ctx, out)
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward: must return a Tensor or a tuple, got {type(out).__name__}")
        ctx.constant_output = id(out._data) in ctx.__dict__.get("_non_differentiable", ())
        return out._data

    @classmethod
    def _packed(cls, ctx: Any, outputs: Sequence[Any]) -> np.ndarray:
        """Several outputs recorded as one op: the floating-point outputs not marked
        non-differentiable, raveled one after another into one array (``apply`` hands out their
        slices, ``_backward`` splits the gradient again); the others kept as constants."""
        constant = ctx.__dict__.get("_non_differentiable", ())
        differentiable = [
            isinstance(o, Tensor) and o.dtype.kind in "fc" and id(o._data) not in constant for o in outputs
        ]
        arrays = [o._data for o, d in zip(outputs, differentiable) if d]
        dtype = np.result_type(*arrays) if arrays else np.float64
        entries: list[tuple[Any, ...]] = []
        start = 0
        for o, d in zip(outputs, differentiable):
            if d:
                entries.append(("slice", start, start + o._data.size, o.shape, o.dtype))
                start += o._data.size
            else:
                entries.append(("constant", o))
        ctx._outputs = entries
        ctx.constant_output = not arrays
        return np.concatenate([a.reshape(-1).astype(dtype) for a in arrays]) if arrays else np.zeros(0)

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run ``forward`` on the inputs, recorded; a tuple of outputs when it returns several."""
        arrays = cls._operands(inputs)
        wanted = tuple(isinstance(a, Tensor) and a.requires_grad for a in inputs)
        ctx, out = cls._forward(inputs, arrays, wanted, params)
        if ctx.__dict__.get("constant_output"):
            result = Tensor(out)
        else:
            result = _attach(out, inputs, arrays, cls._vjp, {"ctx": ctx}, saves_output=True, checked=True)
        entries = ctx.__dict__.get("_outputs")
        if entries is None:
            return result
        outputs = []
        for entry in entries:
            if entry[0] == "constant":
                outputs.append(entry[1])
                continue
            _, start, stop, shape, dtype = entry
            piece = result[start:stop].reshape(shape)
            outputs.append(piece if piece.dtype == dtype else piece.to(dtype))
        return tuple(outputs)

    @staticmethod
    def _split(ctx: Any, grad_output: Tensor) -> tuple[Any, ...]:
        """The gradient of each output (of the one, or of each of several: their slices of the
        packed gradient; zeros for a constant Tensor output, None for anything else)."""
        entries = ctx.__dict__.get("_outputs")
        if entries is None:
            return (grad_output,)
        grads: list[Any] = []
        for entry in entries:
            if entry[0] == "slice":
                _, start, stop, shape, dtype = entry
                piece = grad_output[start:stop].reshape(shape)
                grads.append(piece if piece.dtype == dtype else piece.to(dtype))
            elif isinstance(entry[1], Tensor):
                grads.append(Tensor(np.zeros(entry[1].shape, dtype=entry[1].dtype)))
            else:
                grads.append(None)
        return tuple(grads)

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple[Any, ...], output: Any) -> None:
        """PyTorch's newer style: with it defined, ``forward(*inputs)`` takes no ctx and this saves
        what ``backward`` needs."""

    jvp: Any = None
    """Optional forward-mode rule, PyTorch's ``jvp(ctx, *tangents)``: one tangent Tensor per input of
    ``forward`` (None for an argument that is not a Tensor), the output's tangent returned; what it
    reads from ``ctx`` is what ``forward`` or ``setup_context`` stored (``func.jvp``, ``jacfwd``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make the subclass's backward kernel and register its JVP rule, if it defines one."""
        super().__init_subclass__(**kwargs)
        if cls.jvp is not None:

            def jvp(tangents: Sequence[Any], *inputs: np.ndarray, ctx: FunctionCtx, out: Any = None) -> Any:
                given = [
                    None if not is_tensor else Tensor(np.zeros_like(x)) if t is None else t
                    for t, x, is_tensor in zip(tangents, inputs, ctx.__dict__["_tensor_inputs"])
                ]
                recorded = any(isinstance(t, Tensor) and t.requires_grad for t in given)
                if recorded:  # (forward mode over a recorded backward: the rule's Tensor ops record)
                    return cls.jvp(ctx, *[Tensor(t) if isinstance(t, np.ndarray) else t for t in given])
                with no_grad():
                    result = cls.jvp(ctx, *[Tensor(t) if isinstance(t, np.ndarray) else t for t in given])
                return np.asarray(result._data if isinstance(result, Tensor) else result)

            register_jvp(cls._vjp, jvp)

    @classmethod
    def _backward(cls, ctx: Any, grad_output: Any, inputs: Sequence[Any], recorded: bool) -> tuple[Any, ...]:
        """``backward`` on Tensors: without recording, its gradients taken as arrays; in a recorded
        backward (``create_graph=True``) on the Tensors standing for the op's values, with recording
        on, its Tensors the gradients."""
        if recorded:
            given = grad_output if isinstance(grad_output, Tensor) else Tensor(np.asarray(grad_output))
            grads = cls.backward(ctx, *cls._split(ctx, given))
        else:
            with no_grad():
                grads = cls.backward(ctx, *cls._split(ctx, Tensor(grad_output)))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) > len(inputs) and all(g is None for g in grads[len(inputs) :]):
            grads = grads[: len(inputs)]  # (PyTorch's rule: a None for an argument forward's caller left out)
        if len(grads) != len(inputs):
            raise ValueError(f"{cls.__name__}.backward: returned {len(grads)} gradient(s) for {len(inputs)} input(s)")
        _check_none(cls.__name__, grads, ctx._tensor_inputs)
        if recorded:
            return grads
        return tuple(_array(cls.__name__, i, g, x) for i, (g, x) in enumerate(zip(grads, inputs)))


class _DifferentiatedOnce(Function):
    """What a ``once_differentiable`` backward's gradient goes through in a recorded backward: the
    same values, tied to the graph, whose own backward refuses (as PyTorch's)."""

    @staticmethod
    def forward(ctx: FunctionCtx, grad: Tensor, *anchors: Tensor) -> Tensor:
        return grad

    @staticmethod
    def backward(ctx: FunctionCtx, grad_output: Tensor) -> Any:
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable: its backward "
            "ran without recording, so its gradient has no derivative"
        )


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """PyTorch's decorator of an ``autograd.Function``'s ``backward`` (under ``@staticmethod``): it
    runs without recording; in a recorded backward (``create_graph=True``) its gradients are the
    right values, and differentiating them again raises ``RuntimeError`` instead of a silently
    missing term."""

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grad_outputs: Any) -> Any:
        recording = is_grad_enabled()
        with no_grad():
            grads = backward(ctx, *grad_outputs)
        anchors = [t for t in (*grad_outputs, *ctx.saved_tensors) if isinstance(t, Tensor) and t.requires_grad]
        if not recording or not anchors:
            return grads
        several = isinstance(grads, tuple)
        tied = tuple(
            _DifferentiatedOnce.apply(g, *anchors) if isinstance(g, Tensor) else g
            for g in (grads if several else (grads,))
        )
        return tied if several else tied[0]

    return wrapper


function = types.ModuleType(
    "mytorch.autograd.function", "PyTorch's torch.autograd.function: Function, once_differentiable."
)
function.Function, function.FunctionCtx, function.once_differentiable = Function, FunctionCtx, once_differentiable  # type: ignore[attr-defined]
sys.modules[function.__name__] = function  # (``from mytorch.autograd.function import once_differentiable``)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    *,
    inputs: Any = None,
) -> None:
    """``torch.autograd.backward``: the gradients of ``tensors`` (each weighted by its entry of
    ``grad_tensors``; None: 1 for a one-element tensor) added into the leaves' ``.grad``, in one
    backward pass (of the weighted sum); a weight that requires grad gets none (with
    ``create_graph`` the gradients depend on it), so then one pass per tensor, as ``t.backward(w)``.
    ``inputs``: only these tensors' ``.grad`` are filled, as by ``t.backward(inputs=...)`` (the
    argument was refused, a ``TypeError``, until 2026-12-04)."""
    outputs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    weights = [grad_tensors] if isinstance(grad_tensors, Tensor) or grad_tensors is None else list(grad_tensors)
    if grad_tensors is None:
        weights = [None] * len(outputs)
    if len(weights) != len(outputs):
        raise ValueError(f"autograd.backward: {len(weights)} grad_tensors for {len(outputs)} tensors")
    for t, w in zip(outputs, weights):
        if w is None and t.numel() != 1:
            raise RuntimeError(
                f"autograd.backward: grad can be implicitly created only for one element, got shape {tuple(t.shape)}"
            )
    if any(isinstance(w, Tensor) and w.requires_grad for w in weights):  # (the sum would give them a .grad)
        for k, (t, w) in enumerate(zip(outputs, weights)):
            last = k == len(outputs) - 1
            t.backward(w, retain_graph=retain_graph if last else True, create_graph=create_graph, inputs=inputs)
        return
    total = None
    for t, w in zip(outputs, weights):
        term = t.sum() if w is None else (t * w).sum()
        total = term if total is None else total + term
    if total is None:
        return
    total.backward(retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)


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


def gradgradcheck(
    func: Any,
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    **unused: Any,
) -> bool:
    """``torch.autograd.gradgradcheck``: ``gradcheck`` of the first derivatives. The function
    checked maps the inputs and the output gradients ``grad_outputs`` (one per output; default
    random numbers in [-1, 1) of each output's shape, drawn from a seeded generator, requiring grad)
    to ``grad(func(*inputs), inputs, grad_outputs, create_graph=True)``; its Jacobian by the
    recorded backward is compared with central differences. Options as ``gradcheck``'s
    (``gen_non_contig_grad_outputs`` has no effect: arrays have no layout to test here)."""
    args = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wrt = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if grad_outputs is None:
        with no_grad():
            out = func(*args)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        draw = np.random.default_rng(0)
        grad_outputs = tuple(Tensor(draw.uniform(-1, 1, o.shape).astype(o.dtype), requires_grad=True) for o in outs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    count = len(args)

    def first_derivatives(*values: Any) -> tuple[Tensor, ...]:
        xs = list(values[:count])
        with enable_grad():
            for i in wrt:  # (gradcheck's perturbed copies do not require grad)
                if not xs[i].requires_grad:
                    xs[i] = xs[i].detach().requires_grad_()
            out = func(*xs)
            outs = list(out) if isinstance(out, (tuple, list)) else [out]
            found = grad(outs, [xs[i] for i in wrt], list(values[count:]), create_graph=True, allow_unused=True)
        return tuple(Tensor(np.zeros(xs[i].shape, xs[i].dtype)) if g is None else g for i, g in zip(wrt, found))

    return gradcheck(
        first_derivatives,
        (*args, *grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        **unused,
    )


sys.modules[__name__ + ".functional"] = functional  # (``from mytorch.autograd.functional import hessian``)
sys.modules[__name__ + ".forward_ad"] = forward_ad  # (``import torch.autograd.forward_ad as fwAD``)
sys.modules[__name__ + ".graph"] = graph  # (``from torch.autograd.graph import saved_tensors_hooks``)
