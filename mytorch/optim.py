"""Optimizers: ``SGD`` (momentum, Nesterov, weight decay) and ``Adam``.

An optimizer takes the ``(value, gradient)`` pairs that modules hand out with
``parameters()`` and, on ``step()``, updates every value *in place* from its gradient. Their
state (velocities, moments, step count) is plain arrays, so ``state_dict()`` can go into an
``.npz`` checkpoint and ``load_state_dict()`` bring it back exactly.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["SGD", "Adam", "Optimizer"]

Pair = tuple[np.ndarray, np.ndarray]


class Optimizer:
    """Base class: holds the parameter pairs and the learning rate.

    Args:
        params: ``(value, gradient)`` pairs of equal shapes, e.g. ``layer.parameters()``.
        lr: the learning rate, > 0.
    """

    def __init__(self, params: Iterable[Pair], lr: float) -> None:
        name = type(self).__name__
        if hasattr(params, "parameters") or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: params must be (value, gradient) pairs, got a {type(params).__name__}; "
                "pass module.parameters()"
            )
        self.params: list[Pair] = []
        for i, pair in enumerate(params):
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise TypeError(f"{name}: parameter {i} must be a (value, gradient) pair, got {type(pair).__name__}")
            value, grad = pair
            if not isinstance(value, np.ndarray) or not isinstance(grad, np.ndarray) or value.shape != grad.shape:
                raise ValueError(
                    f"{name}: parameter {i} must be two arrays of one shape, got shapes "
                    f"{np.shape(value)} and {np.shape(grad)}"
                )
            self.params.append((value, grad))
        if not self.params:
            raise ValueError(f"{name}: no parameters to optimize")
        _check_positive(name, "lr", lr)
        self.lr = float(lr)

    def step(self) -> None:
        """Update every parameter in place from its gradient."""
        raise NotImplementedError(f"{type(self).__name__}.step: an Optimizer subclass defines step()")

    def zero_grad(self) -> None:
        """Set every gradient to zero, in place."""
        for _, grad in self.params:
            grad.fill(0)

    def _buffers(self) -> dict[str, list[np.ndarray]]:
        """The optimizer's state arrays by name, one per parameter."""
        return {}

    def state_dict(self) -> dict[str, np.ndarray]:
        """The optimizer's state as a flat dict of arrays (copies)."""
        return {key: a.copy() for key, a in self._state_slots()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore a state saved by ``state_dict`` (shapes must match).

        Raises:
            ValueError: a state array is missing or has the wrong shape.
        """
        checked = []
        for key, target in self._state_slots():
            if key not in state:
                raise ValueError(f"{type(self).__name__}.load_state_dict: missing state array {key!r}")
            value = np.asarray(state[key])
            if value.shape != target.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: {key!r} has shape {value.shape}, expected {target.shape}"
                )
            checked.append((target, value))
        for target, value in checked:  # only once all fit: a failed load changes nothing
            target[...] = value

    def _state_slots(self) -> list[tuple[str, np.ndarray]]:
        """``(name.index, array)`` for every state array."""
        return [(f"{name}.{i}", a) for name, arrays in self._buffers().items() for i, a in enumerate(arrays)]


def _check_positive(name: str, what: str, value: float, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: {what} must be a number, got {type(value).__name__} {value!r}")
    ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and ok):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}: {what} must be a finite number {bound}, got {value!r}")


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's formulation.

    With gradient g: ``d = g + weight_decay * p``; with momentum ``v = momentum * v + d`` and
    ``d = v`` (or ``d + momentum * v`` for Nesterov); then ``p -= lr * d``.
    """

    def __init__(
        self,
        params: Iterable[Pair],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        _check_positive("SGD", "momentum", momentum, allow_zero=True)
        _check_positive("SGD", "weight_decay", weight_decay, allow_zero=True)
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self.velocity = [np.zeros_like(p) for p, _ in self.params] if momentum else []

    def _buffers(self) -> dict[str, list[np.ndarray]]:
        return {"velocity": self.velocity}

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        for i, (p, g) in enumerate(self.params):
            d = g + wd * p if wd else g
            if mu:
                v = self.velocity[i]
                v *= mu
                v += d
                d = d + mu * v if self.nesterov else v
            p -= lr * d


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, then
    ``p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`` at step t = 1, 2, ...
    (``g`` includes ``weight_decay * p`` when weight decay is set).
    """

    def __init__(
        self,
        params: Iterable[Pair],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"Adam: betas must lie in [0, 1), got {betas!r}")
        _check_positive("Adam", "eps", eps)
        _check_positive("Adam", "weight_decay", weight_decay, allow_zero=True)
        self.betas = (float(b1), float(b2))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.m = [np.zeros_like(p) for p, _ in self.params]
        self.v = [np.zeros_like(p) for p, _ in self.params]
        self.t = np.zeros(1, dtype=np.int64)

    def _buffers(self) -> dict[str, list[np.ndarray]]:
        return {"m": self.m, "v": self.v, "t": [self.t]}

    def step(self) -> None:
        b1, b2 = self.betas
        self.t += 1
        t = int(self.t[0])
        step_size = self.lr / (1.0 - b1**t)
        root_correction = (1.0 - b2**t) ** 0.5
        for (p, g), m, v in zip(self.params, self.m, self.v):
            if self.weight_decay:
                g = g + self.weight_decay * p
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * g * g
            denom = np.sqrt(v)
            denom /= root_correction
            denom += self.eps
            p -= step_size * m / denom
