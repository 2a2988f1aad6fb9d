"""MyTorch at its lowest level: the kernel table recorded straight onto the tape.

Each layer records ``x @ W.T`` and ``+ b`` with ``F.apply``, the parameters' gradients going
into ``dW.T`` and ``db`` in place and the input data marked ``NO_GRAD``: what the modules do,
without the modules. The chain records ``sin`` and ``mul`` the same way.
"""

from __future__ import annotations

import numpy as np

from bench.problems import CHAIN_FACTOR, LEARNING_RATE, ChainTrainer, Problem
from mytorch import NO_GRAD, Autograd
from mytorch.nn import functional as F

_LOSS_KERNEL = {"ce": "softmax_cross_entropy", "mse": "mse_loss"}


class TapeMLP:
    """An MLP written with ``F.apply`` on one engine."""

    def __init__(self, problem: Problem) -> None:
        config = problem.config
        self.engine = Autograd()
        self.x, self.y = problem.x, problem.y
        self.layers = problem.fresh_weights()
        self.grads = [(np.zeros_like(W), np.zeros_like(b)) for W, b in self.layers]
        self.activations = [config.hidden] * (len(self.layers) - 1) + [config.output]
        self.loss = _LOSS_KERNEL[config.loss]

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        engine = self.engine
        engine.zero_grad()
        for dW, db in self.grads:
            dW.fill(0)
            db.fill(0)
        h, wanted = self.x, NO_GRAD
        for (W, b), (dW, db), act in zip(self.layers, self.grads, self.activations):
            h = F.apply(engine, "matmul", h, W.T, gradients_to_update=[wanted, dW.T])
            h = F.apply(engine, "add", h, b, gradients_to_update=[None, db])
            if act != "identity":
                h = F.apply(engine, act, h)
            wanted = None
        F.apply(engine, self.loss, self.y, h, gradients_to_update=[NO_GRAD, None])
        engine.backward()
        for (W, b), (dW, db) in zip(self.layers, self.grads):
            W -= LEARNING_RATE * dW
            b -= LEARNING_RATE * db

    def gradients(self) -> list[np.ndarray]:
        """The gradients the last step computed, in the order the bench compares them."""
        return [g for pair in self.grads for g in pair]


class TapeChain(ChainTrainer):
    """The chain of alternating ``sin`` and ``mul`` kernels on one engine."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.engine = Autograd()
        self.factor = np.asarray(CHAIN_FACTOR, dtype=self.x.dtype)

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        engine = self.engine
        engine.zero_grad()
        h = self.x
        for i in range(self.n):
            if i % 2 == 0:
                h = F.apply(engine, "sin", h)
            else:
                h = F.apply(engine, "mul", h, self.factor, gradients_to_update=[None, NO_GRAD])
        engine.backward()
        self.grad = engine.gradient_buffer.get_param(self.x)
        self.x -= LEARNING_RATE * self.grad


def build(problem: Problem) -> TapeMLP | TapeChain:
    """The kernel-table trainer for ``problem``."""
    return TapeChain(problem) if problem.config.is_chain else TapeMLP(problem)
