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
from typing import Any

import numpy as np

from mytorch.autograd_engine import NO_GRAD
from mytorch.nn.functional import register_jvp
from mytorch.tensor import Tensor, _arrays, _attach

__all__ = ["Context", "Function"]


class Context:
    """What one call of a ``Function`` keeps for its backward (and JVP).

    Attributes:
        saved_arrays: the arrays given to ``save_for_backward``, in order (in a recorded
            backward, the Tensors wrapping those that are the op's inputs or output).
        needs_input_grad: one flag per input: whether a gradient is wanted for it.

    Other values (a shape, a flag) may be stored as attributes: ``ctx.scale = 2.0``.
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.saved_arrays: tuple[Any, ...] = ()  # arrays; Tensors in a recorded backward
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep ``arrays`` (tensors are stored as their arrays) for the backward pass."""
        self.saved_arrays = tuple(a._data if isinstance(a, Tensor) else np.asarray(a) for a in arrays)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """PyTorch's name for ``saved_arrays``."""
        return self.saved_arrays

    def recorded(self, values: Sequence[Any]) -> Context:
        """This context for a recorded backward (``create_graph=True``): every saved array
        that is one of the op's inputs or its output, given among ``values`` as a Tensor
        wrapping it, is replaced by that Tensor, so the backward is differentiated through
        it. Other saved arrays (computed inside ``forward``) stay constants, as in PyTorch."""
        tensors = {id(v._data): v for v in values if isinstance(v, Tensor)}
        ctx = copy.copy(self)
        ctx.saved_arrays = tuple(tensors.get(id(a), a) for a in self.saved_arrays)
        return ctx


class Function:
    """Base class of a user-defined differentiable operation (override the static methods)."""

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

    _vjp: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make the subclass's backward kernel (and register its JVP rule, if it has one)."""
        super().__init_subclass__(**kwargs)

        def vjp(grad_output: np.ndarray, *inputs: np.ndarray, ctx: Context, out: Any = None) -> Any:
            if not isinstance(grad_output, np.ndarray) or not all(isinstance(x, np.ndarray) for x in inputs):
                ctx = ctx.recorded([*inputs, out])  # a recorded backward: it runs on Tensors
            return cls.backward(ctx, grad_output)

        vjp.__name__ = vjp.__qualname__ = f"{cls.__name__}_backward"
        cls._vjp = staticmethod(vjp)
        if cls.jvp is not None:

            def jvp(
                tangents: Sequence[np.ndarray | None], *inputs: np.ndarray, ctx: Context, out: Any = None
            ) -> np.ndarray:
                full = [np.zeros_like(x) if t is None else t for t, x in zip(tangents, inputs)]
                return np.asarray(cls.jvp(ctx, *full))

            register_jvp(vjp, jvp)

    @classmethod
    def _forward(cls, arrays: Sequence[np.ndarray], wanted: tuple[bool, ...], params: dict[str, Any]) -> tuple:
        ctx = Context(wanted)
        out = cls.forward(ctx, *arrays, **params)
        if not isinstance(out, np.ndarray):
            out = np.asarray(out)
        if any(out is x for x in arrays):
            out = out.view()  # a new array object: the output's gradient must not be its input's
        return ctx, out

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run the op on tensors (numbers and arrays are constants); recorded like any Tensor op."""
        arrays = _arrays(inputs)
        wanted = tuple(isinstance(a, Tensor) and a.requires_grad for a in inputs)
        ctx, out = cls._forward(arrays, wanted, params)
        return _attach(out, inputs, arrays, cls._vjp, {"ctx": ctx}, saves_output=True, checked=True)

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
        ctx, out = cls._forward(arrays, tuple(d is not NO_GRAD for d in dsts), params)
        if engine is not None:
            engine.add_operation(arrays, out, dsts, cls._vjp, {"ctx": ctx})
        return out
