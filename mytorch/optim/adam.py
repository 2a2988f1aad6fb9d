"""``Adam`` and ``AdamW``: adaptive moment estimation, with L2 or decoupled weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.optim.optimizer import Optimizer, check_number, step_in_place

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, then
    ``p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`` at step t = 1, 2, ... of that
    parameter (``g`` includes ``weight_decay * p`` when weight decay is set).

    Args:
        params: parameters (Tensors or ``(value, gradient)`` pairs) or parameter groups.
        lr: the learning rate, > 0.
        betas: the decay rates (b1, b2) of the two moments, each in [0, 1).
        eps: added to the denominator, > 0.
        weight_decay: the L2 penalty's coefficient, >= 0.
        amsgrad: divide by the largest second moment seen so far (``v_max``, kept only then)
            instead of the current one (Reddi et al.), as PyTorch's ``amsgrad=True``.
    """

    state_names = ("m", "v", "t", "v_max")
    real_only = True
    nonnegative_states = ("v", "v_max")
    decoupled = False
    """AdamW: weight decay shrinks the parameter directly instead of entering the gradient."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad}
        super().__init__(params, defaults)

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        name = type(self).__name__
        betas = tuple(group["betas"])
        if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), each in [0, 1), got {group['betas']!r}")
        group["betas"] = (float(betas[0]), float(betas[1]))
        group["eps"] = check_number(name, "eps", group["eps"])
        group["weight_decay"] = check_number(name, "weight_decay", group["weight_decay"], allow_zero=True)
        group["amsgrad"] = bool(group["amsgrad"])

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        if name == "v_max":
            return np.zeros_like(value) if group["amsgrad"] else None
        return np.zeros(1, dtype=np.int64) if name == "t" else np.zeros_like(value)

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        name = type(self).__name__
        for group, entries in self._groups_with_grads():
            lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for i, p, g in entries:
                if wd and self.decoupled:
                    step_in_place(p, (lr * wd) * p, name)
                elif wd:
                    g = g + wd * p
                steps = self.t[i]
                steps += 1
                t = int(steps[0])
                m, v = self.m[i], self.v[i]
                m *= b1
                m += (1.0 - b1) * g
                v *= b2
                v += (1.0 - b2) * g * g
                if group["amsgrad"]:
                    if self.v_max[i] is None:  # (amsgrad set after the optimizer was made)
                        self.v_max[i] = np.zeros_like(v)
                    v = np.maximum(self.v_max[i], v, out=self.v_max[i])
                denom = np.sqrt(v)
                denom /= (1.0 - b2**t) ** 0.5
                denom += eps
                step_in_place(p, (lr / (1.0 - b1**t)) * m / denom, name)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): each step first shrinks the
    parameter, ``p *= 1 - lr * weight_decay``, then takes Adam's step without the decay.

    Args: as ``Adam``; ``weight_decay`` defaults to 0.01, as in PyTorch.
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
