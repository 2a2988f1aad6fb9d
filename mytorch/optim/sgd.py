"""``SGD``: stochastic gradient descent with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.optim.optimizer import Optimizer, check_number, step_in_place

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's formulation.

    With gradient g: ``d = g + weight_decay * p``; with momentum ``v = momentum * v + d`` and
    ``d = v`` (or ``d + momentum * v`` for Nesterov); then ``p -= lr * d``.

    Args:
        params: parameters (Tensors or ``(value, gradient)`` pairs) or parameter groups.
        lr: the learning rate, > 0.
        momentum: the velocity's decay, >= 0 (0: plain SGD, no velocity kept).
        nesterov: Nesterov's momentum (needs momentum > 0).
        weight_decay: the L2 penalty's coefficient, >= 0.
    """

    state_names = ("velocity",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov, "weight_decay": weight_decay})

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        group["momentum"] = check_number("SGD", "momentum", group["momentum"], allow_zero=True)
        group["weight_decay"] = check_number("SGD", "weight_decay", group["weight_decay"], allow_zero=True)
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and group["momentum"] == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        return np.zeros_like(value) if group["momentum"] else None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        velocity = self.velocity
        for group, entries in self._groups_with_grads():
            lr, mu, wd, nesterov = group["lr"], group["momentum"], group["weight_decay"], group["nesterov"]
            for i, p, g in entries:
                d = g + wd * p if wd else g
                if mu:
                    v = velocity[i]
                    v *= mu
                    v += d
                    d = d + mu * v if nesterov else v
                step_in_place(p, lr * d, "SGD")
