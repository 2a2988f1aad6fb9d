"""``Module``: the little that every layer, activation and network shares.

A module records its forward computation onto an ``Autograd`` engine and owns the gradient
arrays of its parameters. ``parameters()`` hands them out as ``(value, gradient)`` pairs, the
form the optimizers in ``mytorch.optim`` and ``mytorch.gradcheck.gradcheck`` take.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.arguments import odd_array

__all__ = ["Module", "Resolved", "expect_array", "record"]


def record(
    engine: Any,
    checked: bool,
    inputs: list[np.ndarray],
    output: np.ndarray,
    gradients_to_update: list[Any],
    backward_operation: Any,
    params: dict[str, Any] | None = None,
    vjp: Any = None,
    skipped: int = 0,
) -> None:
    """Record one operation of a module's forward pass on ``engine``.

    ``checked``: the module has checked its inputs (plain float arrays of the right shapes), so
    the engine's unchecked ``record`` is used. Otherwise (integer data, an array subclass, a
    Tensor) ``add_operation`` checks everything and raises with its precise message.
    """
    if checked:
        engine.record(inputs, output, gradients_to_update, backward_operation, params, vjp, skipped)
        return
    op = engine.add_operation(inputs, output, gradients_to_update, backward_operation, params)
    if op is not None and vjp is not None:
        op.vjp = vjp


class Resolved:
    """A module that looks up functions from its class in ``_resolve()`` (a kernel and its rules,
    once: forward() runs on every step) and is pickled without them: a plain kernel forward is
    not the name its module gives it, and a rule made in a function has no name, so pickle could
    not write the module. Unpickled (or copied), it looks them up again."""

    _RESOLVED = ("_row", "_forward", "_vjp")

    def _resolve(self) -> None:
        """Set the attributes named in ``_RESOLVED`` (each subclass says how)."""
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in self._RESOLVED:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._resolve()


def expect_array(owner: str, x: Any, tensor_level: str) -> np.ndarray:
    """``x`` if it is a NumPy array, else a TypeError; for a Tensor the error names the
    Tensor-level module to use instead.

    Args:
        owner: who received ``x``, for the message (``"Linear(4, 3).forward"``).
        x: the input.
        tensor_level: the ``mytorch.nn`` counterpart, e.g. ``"mytorch.nn.Linear(in_features, out_features)"``.
    """
    if isinstance(x, np.ndarray):
        why = odd_array(x)
        if why:
            raise TypeError(f"{owner}: got {why}")
        return x
    if type(x).__name__ in ("Tensor", "Parameter"):
        raise TypeError(
            f"{owner}: this handout module (mytorch.nn.modules) takes numpy arrays and records onto its "
            f"autograd_engine, got a Tensor; for Tensors use {tensor_level}, or pass x.numpy()"
        )
    raise TypeError(f"{owner}: expected a numpy.ndarray, got {type(x).__name__}")


class Module:
    """Base class: ``module(x)`` calls ``module.forward(x)``.

    Attributes:
        autograd_engine: the engine the forward pass records onto.
    """

    def __init__(self, autograd_engine: Any) -> None:
        self.autograd_engine = autograd_engine

    def forward(self, *inputs: Any, **kwargs: Any) -> np.ndarray:  # any signature may override it
        """Compute the output and record it on the engine (subclasses implement this with their own arguments)."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The ``(value, gradient)`` pairs of the module's parameters (none by default)."""
        return []

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero, in place."""
        for _, grad in self.parameters():
            grad.fill(0)

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        """``module(x)``: ``forward(x)``."""
        return self.forward(*inputs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
