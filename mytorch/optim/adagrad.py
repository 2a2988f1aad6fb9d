"""``Adagrad``: steps scaled by the accumulated squares of each gradient."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.optim.optimizer import Optimizer, check_number, step_count, step_in_place

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), PyTorch's formulation.

    With gradient g (plus ``weight_decay * p``) at step t of that parameter: ``s += g^2``, then
    ``p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)``.

    Args:
        params: parameters (Tensors or ``(value, gradient)`` pairs) or parameter groups.
        lr: the learning rate, > 0 (0.01).
        lr_decay: the rate's decay per step, >= 0.
        weight_decay: the L2 penalty's coefficient, >= 0.
        initial_accumulator_value: where each ``s`` starts, >= 0.
        eps: added to the scale, >= 0 (1e-10).
    """

    state_names = ("sum", "t")
    kernel_flags = ("foreach", "differentiable", "fused")
    real_only = True
    nonnegative_states = ("sum",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
    ) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay}
        super().__init__(params, {**defaults, "initial_accumulator_value": initial_accumulator_value, "eps": eps})
        # PyTorch's Adagrad makes its parameters' state here, not at their first step: state_dict
        # lists them from the start (a group added later, at its first step)
        self._stepped = [True] * len(self.params)
        self._all_stepped = True

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        for name in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            group[name] = check_number("Adagrad", name, group[name], allow_zero=True)

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray:
        if name == "t":
            return step_count()
        return np.full_like(value, group["initial_accumulator_value"])

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group, entries in self._groups_with_grads():
            lr, lr_decay, wd, eps = (group[k] for k in ("lr", "lr_decay", "weight_decay", "eps"))
            for i, p, g in entries:
                steps = self.t[i]
                steps += 1
                if wd:
                    g = g + wd * p
                total = self.sum[i]
                total += g * g
                scale = np.sqrt(total)
                scale += eps
                step_in_place(p, (lr / (1 + (int(steps) - 1) * lr_decay)) * (g / scale), "Adagrad")
