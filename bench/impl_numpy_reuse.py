"""The careful limit: the hand-written NumPy step again, every array allocated once.

The same forward, closed-form backward and SGD update as ``bench.impl_numpy``, but each
intermediate, gradient and temporary is a buffer made when the trainer is built, and every
NumPy call writes into one with ``out=``. This is what a person who knows NumPy well writes
for speed; replaying a recorded step is measured against it too.
"""

from __future__ import annotations

import numpy as np

from bench.problems import LEARNING_RATE, Problem


class NumpyReuseMLP:
    """A hand-written MLP training step over preallocated buffers."""

    def __init__(self, problem: Problem) -> None:
        config = problem.config
        self.x, self.y = problem.x, problem.y
        self.layers = problem.fresh_weights()
        self.activations = [config.hidden] * (len(self.layers) - 1) + [config.output]
        self.ce = config.loss == "ce"
        n, dtype = len(self.x), problem.dtype
        widths = [W.shape[0] for W, _ in self.layers]
        self.outs = [np.empty((n, w), dtype=dtype) for w in widths]  # activations, in place of z
        self.g = [np.empty((n, w), dtype=dtype) for w in widths]  # gradients at each layer's output
        self.slope = [np.empty((n, w), dtype=dtype) for w in widths]
        self.grads = [(np.empty_like(W), np.empty_like(b)) for W, b in self.layers]
        self.steps = [(np.empty_like(W), np.empty_like(b)) for W, b in self.layers]
        self.row = np.empty((n, 1), dtype=dtype)

    def _activate(self, name: str, z: np.ndarray) -> None:
        if name == "tanh":
            np.tanh(z, out=z)
        elif name == "sigmoid":
            np.multiply(z, 0.5, out=z)
            np.tanh(z, out=z)
            np.multiply(z, 0.5, out=z)
            np.add(z, 0.5, out=z)
        elif name == "relu":
            np.maximum(z, 0, out=z)

    def _slope(self, name: str, a: np.ndarray, out: np.ndarray) -> bool:
        """The activation's derivative from its output, into ``out``; False for the identity."""
        if name == "tanh":
            np.multiply(a, a, out=out)
            np.subtract(1.0, out, out=out)
        elif name == "sigmoid":
            np.subtract(1.0, a, out=out)
            np.multiply(a, out, out=out)
        elif name == "relu":
            np.greater(a, 0, out=out)
        else:
            return False
        return True

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        h = self.x
        for (W, b), act, out in zip(self.layers, self.activations, self.outs):
            np.dot(h, W.T, out=out)
            np.add(out, b, out=out)
            self._activate(act, out)
            h = out
        a, y, g = h, self.y, self.g[-1]
        if self.ce:
            np.maximum.reduce(a, axis=1, keepdims=True, out=self.row)
            np.subtract(a, self.row, out=g)
            np.exp(g, out=g)
            np.add.reduce(g, axis=1, keepdims=True, out=self.row)
            np.divide(g, self.row, out=g)
            np.subtract(g, y, out=g)
            np.multiply(g, 1.0 / len(y), out=g)
        else:
            np.subtract(a, y, out=g)
            np.multiply(g, 2.0 / y.size, out=g)
        for i in range(len(self.layers) - 1, -1, -1):
            g = self.g[i]
            if self._slope(self.activations[i], self.outs[i], self.slope[i]):
                np.multiply(g, self.slope[i], out=g)
            dW, db = self.grads[i]
            np.dot(g.T, self.outs[i - 1] if i else self.x, out=dW)
            np.add.reduce(g, axis=0, out=db)
            if i:
                np.dot(g, self.layers[i][0], out=self.g[i - 1])
        for (W, b), (dW, db), (sW, sb) in zip(self.layers, self.grads, self.steps):
            np.multiply(dW, LEARNING_RATE, out=sW)
            np.subtract(W, sW, out=W)
            np.multiply(db, LEARNING_RATE, out=sb)
            np.subtract(b, sb, out=b)

    def gradients(self) -> list[np.ndarray]:
        """The gradients the last step computed, in the order the bench compares them."""
        return [g for pair in self.grads for g in pair]


def build(problem: Problem) -> NumpyReuseMLP | None:
    """The buffer-reusing trainer (None for a chain: its values are scalars, nothing to reuse)."""
    return None if problem.config.is_chain else NumpyReuseMLP(problem)
