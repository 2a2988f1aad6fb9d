"""Extending autograd: define a new differentiable operation as a ``Function``.

A subclass gives the operation's ``forward`` and ``backward`` (and, for forward mode, its
``jvp``) on NumPy arrays, as the kernel table does; a ``Context`` carries what the forward
saves for the backward. The new operation then works everywhere the built-in ones do::

    class Quantize(Function):
        '''Cast to 8-bit integers (truncating); the backward adds the lost fraction to the gradient.'''

        @staticmethod
        def forward(ctx, x):
            q = np.clip(x, 0, 255).astype(np.uint8).astype(x.dtype)
            ctx.save_for_backward(x - q)
            return q

        @staticmethod
        def backward(ctx, grad_output):
            (error,) = ctx.saved_arrays
            return grad_output + error

    y = Quantize.apply(t)                      # on Tensors (records when t requires grad)
    y = Quantize.record(autograd, x)           # on arrays, onto an Autograd engine (in a module)

``backward`` returns one gradient per array input (a bare array for one input; ``None``
where there is none) and the engine checks their number and shapes, as it does for every
kernel. Keyword arguments of ``apply`` / ``record`` are passed to ``forward`` (constants
such as a scale); positional ones are the op's inputs.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

from mytorch.autograd_engine import NO_GRAD
from mytorch.nn.functional import register_jvp
from mytorch.tensor import Tensor, _arrays, _attach

__all__ = ["Context", "Function"]

_C = TypeVar("_C", bound="_SavedContext")


class _SavedContext:
    """What one call of a user-defined op keeps for its backward: ``needs_input_grad`` (one flag per
    input: whether a gradient is wanted for it) and what ``save_for_backward`` was given. Other
    values (a shape, a flag) may be stored as attributes: ``ctx.scale = 2.0``."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self._saved: tuple[Any, ...] = ()
        self.needs_input_grad = needs_input_grad

    @staticmethod
    def _array_id(saved: Any) -> int | None:
        """The id of the array a saved value holds, when it may stand for one of the op's own values."""
        raise NotImplementedError

    def recorded(self: _C, values: Sequence[Any]) -> _C:
        """This context for a recorded backward (``create_graph=True``): a saved value holding one
        of the op's inputs or its output (given among ``values`` as a Tensor wrapping its array) is
        replaced by that Tensor, so that the backward is differentiated through it. Values computed
        inside ``forward`` stay constants, as in PyTorch."""
        standing: dict[int | None, Any] = {id(v._data): v for v in values if isinstance(v, Tensor)}
        ctx = copy.copy(self)
        ctx._saved = tuple(standing.get(self._array_id(s), s) for s in self._saved)
        return ctx


class Context(_SavedContext):
    """What one call of a ``Function`` keeps for its backward (and JVP).

    Attributes:
        saved_arrays: the arrays given to ``save_for_backward``, in order (in a recorded
            backward, the Tensors wrapping those that are the op's inputs or output).
        saved_tensors: PyTorch's name for ``saved_arrays``.
        needs_input_grad: one flag per input: whether a gradient is wanted for it.

    Other values (a shape, a flag) may be stored as attributes: ``ctx.scale = 2.0``.
    """

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep ``arrays`` (tensors are stored as their arrays) for the backward pass."""
        self._saved = tuple(a._data if isinstance(a, Tensor) else np.asarray(a) for a in arrays)

    @staticmethod
    def _array_id(saved: Any) -> int | None:
        return id(saved)

    @property
    def saved_arrays(self) -> tuple[Any, ...]:
        """The arrays given to ``save_for_backward`` (Tensors in a recorded backward)."""
        return self._saved

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """PyTorch's name for ``saved_arrays``."""
        return self._saved


class _UserOp:
    """What a user-defined op on arrays (``Function``) and one on Tensors (``autograd.Function``)
    share: the static ``forward``/``backward`` to override, the backward kernel each subclass gets,
    and ``apply``. A subclass family says how ``forward`` and ``backward`` are called."""

    _context: type[_SavedContext] = Context

    @staticmethod
    def forward(ctx: Any, *inputs: Any, **params: Any) -> Any:
        """Compute the output from the inputs; ``ctx.save_for_backward`` what backward needs."""
        raise NotImplementedError("Function.forward: define forward(ctx, *inputs) in the subclass")

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        """The gradient of each input given the output's gradient (one per input, or None)."""
        raise NotImplementedError("Function.backward: define backward(ctx, grad_output) in the subclass")

    _vjp: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make the subclass's backward kernel (``<its name>_backward``)."""
        super().__init_subclass__(**kwargs)

        def vjp(grad_output: Any, *inputs: Any, ctx: _SavedContext, out: Any = None) -> Any:
            if not isinstance(grad_output, np.ndarray) or not all(isinstance(x, np.ndarray) for x in inputs):
                return cls._backward(ctx.recorded([*inputs, out]), grad_output, inputs, recorded=True)
            return cls._backward(ctx, grad_output, inputs, recorded=False)

        vjp.__name__ = vjp.__qualname__ = f"{cls.__name__}_backward"
        cls._vjp = staticmethod(vjp)

    @classmethod
    def _output(cls, ctx: Any, inputs: Sequence[Any], arrays: Sequence[np.ndarray], params: dict[str, Any]) -> Any:
        """Run ``forward`` on ``inputs`` (their arrays: ``arrays``); the output as an array."""
        raise NotImplementedError

    @classmethod
    def _backward(cls, ctx: Any, grad_output: Any, inputs: Sequence[Any], recorded: bool) -> Any:
        """Run ``backward``: on arrays, or in a recorded backward (``recorded``) on Tensors."""
        raise NotImplementedError

    @classmethod
    def _forward(
        cls, inputs: Sequence[Any], arrays: Sequence[np.ndarray], wanted: tuple[bool, ...], params: dict[str, Any]
    ) -> tuple[Any, np.ndarray]:
        ctx = cls._context(wanted)
        out = cls._output(ctx, inputs, arrays, params)
        if any(out is x for x in arrays):
            out = out.view()  # a new array object: the output's gradient must not be its input's
        return ctx, out

    @classmethod
    def _operands(cls, inputs: Sequence[Any]) -> tuple[np.ndarray, ...]:
        """The arrays ``apply`` records for ``inputs``: tensors' own, numbers and arrays as constants."""
        return _arrays(inputs)

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run the op on tensors (numbers and arrays are constants); recorded like any Tensor op."""
        arrays = cls._operands(inputs)
        wanted = tuple(isinstance(a, Tensor) and a.requires_grad for a in inputs)
        ctx, out = cls._forward(inputs, arrays, wanted, params)
        if ctx.__dict__.get("constant_output"):  # (autograd.Function: ctx.mark_non_differentiable(output))
            return Tensor(out)
        return _attach(out, inputs, arrays, cls._vjp, {"ctx": ctx}, saves_output=True, checked=True)


class Function(_UserOp):
    """Base class of a user-defined differentiable operation on arrays (override the static methods)."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        """Compute the output from the input arrays; ``ctx.save_for_backward`` what backward needs."""
        raise NotImplementedError("Function.forward: define forward(ctx, *inputs) in the subclass")

    @staticmethod
    def backward(ctx: Context, grad_output: np.ndarray) -> Any:
        """The gradient of each input given the output's gradient (one per input, or None)."""
        raise NotImplementedError("Function.backward: define backward(ctx, grad_output) in the subclass")

    jvp: Any = None
    """Optional forward-mode rule, ``jvp(ctx, *tangents) -> output tangent`` (a zero tangent
    is given as zeros); define it as a static method to use ``Autograd.jvp`` through the op."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make the subclass's backward kernel and register its JVP rule, if it has one."""
        super().__init_subclass__(**kwargs)
        if cls.jvp is not None:

            def jvp(
                tangents: Sequence[np.ndarray | None], *inputs: np.ndarray, ctx: Context, out: Any = None
            ) -> np.ndarray:
                full = [np.zeros_like(x) if t is None else t for t, x in zip(tangents, inputs)]
                return np.asarray(cls.jvp(ctx, *full))

            register_jvp(cls._vjp, jvp)

    @classmethod
    def _output(cls, ctx: Any, inputs: Sequence[Any], arrays: Sequence[np.ndarray], params: dict[str, Any]) -> Any:
        out = cls.forward(ctx, *arrays, **params)
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    @classmethod
    def _backward(cls, ctx: Any, grad_output: Any, inputs: Sequence[Any], recorded: bool) -> Any:
        return cls.backward(ctx, grad_output)  # (the engine checks the gradients' number and shapes)

    @classmethod
    def record(
        cls,
        engine: Any,
        *inputs: np.ndarray,
        gradients_to_update: Sequence[Any] | None = None,
        **params: Any,
    ) -> np.ndarray:
        """Run the op on arrays and record it on ``engine`` (None: just compute), like ``F.apply``.

        Args:
            engine: an ``Autograd`` engine (a module's ``autograd_engine``), or None.
            inputs: the input arrays.
            gradients_to_update: one entry per input (None, an array or ``NO_GRAD``), as for
                ``add_operation``; default None for each.
            params: keyword arguments for ``forward``.
        """
        arrays = [x if isinstance(x, np.ndarray) else np.asarray(x) for x in inputs]
        dsts = [None] * len(arrays) if gradients_to_update is None else list(gradients_to_update)
        ctx, out = cls._forward(arrays, arrays, tuple(d is not NO_GRAD for d in dsts), params)
        if engine is not None:
            engine.add_operation(arrays, out, dsts, cls._vjp, {"ctx": ctx})
        return out
