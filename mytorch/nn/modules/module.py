"""``Module``: the little that every layer, activation and network shares.

A module records its forward computation onto an ``Autograd`` engine and owns the gradient
arrays of its parameters. ``parameters()`` hands them out as ``(value, gradient)`` pairs, the
form the optimizers in ``mytorch.optim`` and ``mytorch.gradcheck.gradcheck`` take.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Module"]


class Module:
    """Base class: ``module(x)`` calls ``module.forward(x)``.

    Attributes:
        autograd_engine: the engine the forward pass records onto.
    """

    def __init__(self, autograd_engine: Any) -> None:
        self.autograd_engine = autograd_engine

    def forward(self, *inputs: np.ndarray) -> np.ndarray:
        """Compute the output and record it on the engine (subclasses implement this)."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The ``(value, gradient)`` pairs of the module's parameters (none by default)."""
        return []

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero, in place."""
        for _, grad in self.parameters():
            grad.fill(0)

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        return self.forward(*inputs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
