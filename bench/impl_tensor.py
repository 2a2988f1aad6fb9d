"""MyTorch's ``Tensor`` front-end, written the way a PyTorch user writes it.

The weights are leaf tensors laid out (in, out), so a layer is ``h @ W + b``; each step sets
every leaf's ``.grad`` to None (PyTorch's default zeroing), the loss's ``backward()`` fills it
anew (a Tensor); the update subtracts ``lr`` times ``W.grad.numpy()`` from ``W.numpy()`` in place.
"""

from __future__ import annotations

import numpy as np

from bench.problems import CHAIN_FACTOR, LEARNING_RATE, ChainTrainer, Problem
from mytorch.tensor import Tensor, mse_loss, softmax_cross_entropy

_LOSS = {"ce": softmax_cross_entropy, "mse": mse_loss}


class TensorMLP:
    """An MLP of leaf tensors."""

    def __init__(self, problem: Problem) -> None:
        config = problem.config
        self.layers = [
            (Tensor(W.T.copy(), requires_grad=True), Tensor(b, requires_grad=True)) for W, b in problem.fresh_weights()
        ]
        self.params = [p for pair in self.layers for p in pair]
        self.values = [(p.numpy(), p) for p in self.params]  # (the leaves keep their arrays)
        self.activations = [config.hidden] * (len(self.layers) - 1) + [config.output]
        self.x, self.y = Tensor(problem.x), Tensor(problem.y)
        self.loss = _LOSS[config.loss]

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        for p in self.params:
            p.grad = None  # (what PyTorch's zero_grad does by default: set_to_none)
        h = self.x
        for (W, b), act in zip(self.layers, self.activations):
            h = h @ W + b
            if act != "identity":
                h = getattr(h, act)()
        self.loss(self.y, h).backward()
        for value, p in self.values:
            value -= LEARNING_RATE * p.grad.numpy()

    def gradients(self) -> list[np.ndarray]:
        """The gradients the last step computed, in the order the bench compares them."""
        return [g for W, b in self.layers for g in (W.grad.numpy().T, b.grad.numpy())]


class TensorChain(ChainTrainer):
    """The chain on a leaf tensor: ``h.sin()`` and ``h * 1.0001``."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.leaf = Tensor(self.x, requires_grad=True)

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        self.leaf.grad = None
        h = self.leaf
        for i in range(self.n):
            h = h.sin() if i % 2 == 0 else h * CHAIN_FACTOR
        h.backward()
        self.grad = self.leaf.grad.numpy()
        value = self.leaf.numpy()
        value -= LEARNING_RATE * self.grad


def build(problem: Problem) -> TensorMLP | TensorChain:
    """The Tensor trainer for ``problem``."""
    return TensorChain(problem) if problem.config.is_chain else TensorMLP(problem)
