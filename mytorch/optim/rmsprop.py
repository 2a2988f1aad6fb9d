"""``RMSprop``: steps scaled by a running mean square of each gradient."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.optim.optimizer import Optimizer, check_number, step_count, step_in_place

__all__ = ["RMSprop"]


def _state(states: list[np.ndarray | None], i: int, like: np.ndarray) -> np.ndarray:
    """State ``i`` of ``states``, made (zeros like the parameter) if a setting changed after the
    optimizer was built asks for it now (``momentum`` or ``centered`` set later, or loaded)."""
    state = states[i]
    if state is None:
        state = states[i] = np.zeros_like(like)
    return state


def _variance(square: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``square - mean^2``, +inf where ``square`` has overflowed to +inf and ``mean`` is finite.

    There ``mean^2`` may overflow too (a gradient of 1e30 in float32), and ``inf - inf`` would make
    the parameter NaN; the exact difference is +inf, so the step is 0, as PyTorch's fused
    multiply-add gives. Ordinary values are computed as before, bit for bit."""
    variance = square - mean * mean
    if np.isinf(square).any():
        variance[np.isposinf(square) & np.isfinite(mean)] = np.inf
    return variance


class RMSprop(Optimizer):
    """RMSprop (Hinton), PyTorch's formulation.

    With gradient g (plus ``weight_decay * p``): ``s = alpha s + (1 - alpha) g^2``; the scale is
    ``sqrt(s) + eps`` (``centered``: ``sqrt(s - a^2) + eps``, a the running mean of g); then
    ``p -= lr * g / scale``, or with momentum ``b = momentum b + g / scale``, ``p -= lr * b``.

    Args:
        params: parameters (Tensors or ``(value, gradient)`` pairs) or parameter groups.
        lr: the learning rate, > 0 (0.01).
        alpha: the decay of the mean square, >= 0 (0.99).
        eps: added to the scale, >= 0 (1e-8).
        weight_decay: the L2 penalty's coefficient, >= 0.
        momentum: the step's momentum, >= 0 (0: none kept).
        centered: divide by the gradient's running variance instead of its mean square.
    """

    state_names = ("square_avg", "grad_avg", "momentum_buffer", "t")
    kernel_flags = ("foreach", "capturable", "differentiable")
    real_only = True
    nonnegative_states = ("square_avg",)
    unread_states = ("t",)  # (PyTorch's "step", counted though the rule does not read it)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
    ) -> None:
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum}
        super().__init__(params, {**defaults, "centered": centered})

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        for name in ("alpha", "eps", "weight_decay", "momentum"):
            group[name] = check_number("RMSprop", name, group[name], allow_zero=True)
        group["centered"] = bool(group["centered"])

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        if name == "t":
            return step_count()
        needed = {"square_avg": True, "grad_avg": group["centered"], "momentum_buffer": group["momentum"]}
        return np.zeros_like(value) if needed[name] else None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group, entries in self._groups_with_grads():
            lr, alpha, eps, wd, mu = (group[k] for k in ("lr", "alpha", "eps", "weight_decay", "momentum"))
            for i, p, g in entries:
                steps = self.t[i]
                steps += 1
                if wd:
                    g = g + wd * p
                square = _state(self.square_avg, i, p)
                square *= alpha
                square += (1.0 - alpha) * g * g
                if group["centered"]:
                    mean = _state(self.grad_avg, i, p)
                    mean += (1.0 - alpha) * (g - mean)
                    scale = np.sqrt(_variance(square, mean))
                else:
                    scale = np.sqrt(square)
                scale += eps
                if mu:
                    buffer = _state(self.momentum_buffer, i, p)
                    buffer *= mu
                    buffer += g / scale
                    step_in_place(p, lr * buffer, "RMSprop")
                else:
                    step_in_place(p, lr * (g / scale), "RMSprop")
