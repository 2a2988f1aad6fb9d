"""PyTorch's ``Adafactor`` (Shazeer & Stern): Adam's second moment without its memory. A matrix
(or a batch of them: the last two axes) keeps a running mean of g^2 per row and per column, and
their outer product divided by the rows' mean stands for the full table; a vector keeps the full
running mean. With step t, r_t = min(lr, 1 / sqrt(t)) and the decay 1 - beta2_t = t^beta2_decay:

* ``row = lerp(row, mean(g^2, -1), t^beta2_decay)``, ``col = lerp(col, mean(g^2, -2), ...)``,
  ``v = row col / max(mean(row, -2), eps1)`` (a vector: ``v = lerp(v, g^2, ...)``);
* ``u = g / sqrt(max(v, eps1^2))``, clipped so that its RMS is at most ``d``;
* ``p -= max(eps2, RMS(p)) r_t u``, after ``p *= 1 - lr weight_decay``.

eps1 is the parameter dtype's machine epsilon unless given (``eps=(None, 1e-3)``), as PyTorch's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.optim.optimizer import Optimizer, as_given, check_number, step_count, step_in_place

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor, as PyTorch's ``optim.Adafactor(params, lr=1e-2, beta2_decay=-0.8, eps=(None,
    1e-3), d=1.0, weight_decay=0.0, foreach=None, maximize=False)``; its state per parameter is
    ``step`` and ``row_var`` and ``col_var`` (a matrix or more axes) or ``variance`` (a vector or
    a number), as PyTorch names them."""

    state_names = ("t", "row_var", "col_var", "variance")
    kernel_flags = ("foreach",)
    nonnegative_states = ("row_var", "col_var", "variance")
    real_only = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        decay, eps, d = group["beta2_decay"], group["eps"], group["d"]
        if isinstance(decay, bool) or not isinstance(decay, (int, float, np.number)) or not decay <= 0:
            raise ValueError(f"Adafactor: beta2_decay must be a number <= 0, got {decay!r}")
        if not isinstance(eps, (tuple, list)) or len(eps) != 2:
            raise ValueError(f"Adafactor: eps must be a pair (eps1 or None, eps2), got {eps!r}")
        eps1 = None if eps[0] is None else check_number("Adafactor", "eps[0]", eps[0], allow_zero=True)
        group["eps"] = (eps1, check_number("Adafactor", "eps[1]", eps[1], allow_zero=True))
        if isinstance(d, bool) or not isinstance(d, (int, float, np.number)) or not d >= 1:
            raise ValueError(f"Adafactor: the clipping threshold d must be a number >= 1, got {d!r}")
        group["beta2_decay"], group["d"] = as_given(decay), as_given(d)
        group["weight_decay"] = check_number("Adafactor", "weight_decay", group["weight_decay"], allow_zero=True)

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        if name == "t":
            return step_count()
        if name == "variance":
            return np.zeros_like(value) if value.ndim < 2 else None
        if value.ndim < 2:
            return None
        axis = -1 if name == "row_var" else -2  # (the axis its mean is over, kept as length 1)
        shape = list(value.shape)
        shape[axis] = 1
        return np.zeros(shape, dtype=value.dtype)

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group, entries in self._groups_with_grads():
            lr, decay, (eps1, eps2), d, wd = (group[k] for k in ("lr", "beta2_decay", "eps", "d", "weight_decay"))
            for i, p, g in entries:
                if eps1 is None:  # (the first parameter's dtype's, for the group, as PyTorch's step takes it)
                    eps1 = float(np.finfo(p.dtype).eps)
                steps = self.t[i]
                steps += 1
                t = float(steps)
                share = t**decay  # 1 - beta2 at step t
                alpha = max(eps2, float(np.sqrt(np.mean(np.square(p, dtype=np.float64))))) * min(lr, t**-0.5)
                if wd != 0:
                    step_in_place(p, (lr * wd) * p, "Adafactor")
                square = g * g
                if g.ndim > 1:
                    row, col = self.row_var[i], self.col_var[i]
                    _lerp(row, square.mean(axis=-1, keepdims=True), share)
                    _lerp(col, square.mean(axis=-2, keepdims=True), share)
                    estimate = (row @ col) / np.maximum(row.mean(axis=-2, keepdims=True), eps1)
                else:
                    estimate = _lerp(self.variance[i], square, share)
                update = g / np.sqrt(np.maximum(estimate, eps1 * eps1))
                rms = float(np.sqrt(np.mean(np.square(update, dtype=np.float64)))) if update.size else 0.0
                step_in_place(p, (alpha / max(1.0, rms / d)) * update, "Adafactor")


def _lerp(state: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``state`` moved toward ``end`` by ``weight``, in place, rounded as PyTorch's ``lerp_`` (from
    the nearer end: at weight 1, the first step's, it is ``end`` itself)."""
    if weight < 0.5:
        state += (end - state) * weight
    else:
        state[...] = end - (end - state) * (1.0 - weight)
    return state
