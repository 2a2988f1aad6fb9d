"""``Adam`` and ``AdamW``: adaptive moment estimation, with L2 or decoupled weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.optim.adaptive import _Moments
from mytorch.optim.optimizer import step_in_place

__all__ = ["Adam", "AdamW"]


class Adam(_Moments):
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
        decoupled_weight_decay: shrink the parameter by ``lr * weight_decay`` instead (AdamW's
            decay), as PyTorch's keyword (it was a TypeError); AdamW's groups hold True.
    """

    state_names = ("m", "v", "t", "v_max")
    kernel_flags = ("foreach", "capturable", "differentiable", "fused")
    nonnegative_states = ("v", "v_max")
    decoupled = False
    """AdamW: weight decay shrinks the parameter directly instead of entering the gradient."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        decoupled_weight_decay: bool | None = None,
    ) -> None:
        decoupled = self.decoupled if decoupled_weight_decay is None else bool(decoupled_weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad}
        super().__init__(params, {**defaults, "decoupled_weight_decay": decoupled})

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        group["amsgrad"] = bool(group["amsgrad"])
        group["decoupled_weight_decay"] = bool(group.get("decoupled_weight_decay", self.decoupled))

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        if name == "v_max":
            return np.zeros_like(value) if group["amsgrad"] else None
        return super()._fresh_state(name, value, group)

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        name = type(self).__name__
        for group, entries in self._groups_with_grads():
            lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for i, p, g in entries:
                g = self._decayed(p, g, lr, wd, group["decoupled_weight_decay"])
                t = self._next_step(i)
                m, v = self._moments(i, g, b1, b2)
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
