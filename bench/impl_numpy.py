"""The limit: the same training step written by hand in NumPy, with no bookkeeping at all.

This is the loop a careful person writes without an autograd: forward keeping the
activations, the closed-form backward (the softmax-cross-entropy gradient fused to
``p - y``, no gradient for the input data), and a plain SGD update. It allocates new arrays
the ordinary NumPy way; it does not reuse buffers.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from bench.problems import CHAIN_FACTOR, LEARNING_RATE, ChainTrainer, Problem


def activate(name: str, z: np.ndarray, xp: ModuleType = np) -> np.ndarray:
    """The activation ``name`` of ``z``, with ``xp`` (NumPy, or a wrapper of it) doing the math."""
    if name == "tanh":
        return xp.tanh(z)
    if name == "sigmoid":
        return 0.5 + 0.5 * xp.tanh(0.5 * z)
    if name == "relu":
        return xp.maximum(z, 0)
    return z


def _slope(name: str, a: np.ndarray) -> np.ndarray | None:
    """The activation's derivative, from its output ``a`` (None for the identity)."""
    if name == "tanh":
        return 1.0 - a * a
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "relu":
        return a > 0
    return None


class NumpyMLP:
    """A hand-written MLP training step."""

    def __init__(self, problem: Problem) -> None:
        config = problem.config
        self.x, self.y = problem.x, problem.y
        self.layers = problem.fresh_weights()
        self.activations = [config.hidden] * (len(self.layers) - 1) + [config.output]
        self.loss = config.loss
        self.grads: list[tuple[np.ndarray, np.ndarray]] = []

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        outs = [self.x]
        for (W, b), act in zip(self.layers, self.activations):
            outs.append(activate(act, outs[-1] @ W.T + b))
        a, y = outs[-1], self.y
        if self.loss == "ce":
            e = np.exp(a - a.max(axis=1, keepdims=True))
            g = (e / e.sum(axis=1, keepdims=True) - y) / len(y)
        else:
            g = (2.0 / y.size) * (a - y)
        grads = []
        for i in range(len(self.layers) - 1, -1, -1):
            slope = _slope(self.activations[i], outs[i + 1])
            if slope is not None:
                g = g * slope
            grads.append((g.T @ outs[i], g.sum(axis=0)))
            if i:
                g = g @ self.layers[i][0]
        self.grads = grads[::-1]
        for (W, b), (dW, db) in zip(self.layers, self.grads):
            W -= LEARNING_RATE * dW
            b -= LEARNING_RATE * db

    def gradients(self) -> list[np.ndarray]:
        """The gradients the last step computed, in the order the bench compares them."""
        return [g for pair in self.grads for g in pair]


class NumpyChain(ChainTrainer):
    """A hand-written chain of alternating sin and x1.0001, and its reverse sweep."""

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        h, saved = self.x, []
        for i in range(self.n):
            if i % 2 == 0:
                saved.append(h)
                h = np.sin(h)
            else:
                h = h * CHAIN_FACTOR
        g = np.ones_like(h)
        for i in range(self.n - 1, -1, -1):
            g = g * np.cos(saved.pop()) if i % 2 == 0 else g * CHAIN_FACTOR
        self.grad = g
        self.x -= LEARNING_RATE * g


def build(problem: Problem) -> NumpyMLP | NumpyChain:
    """The hand-written trainer for ``problem``."""
    return NumpyChain(problem) if problem.config.is_chain else NumpyMLP(problem)
