"""MyTorch as its users train with it: ``hw_bonus.mlp.MLP`` (Linear layers, activation
modules, a loss module, SGD), driven by the handout's loop: ``zero_grads``, ``forward``,
``backward(labels)``, ``step``; and the same MLP's ``train_step`` with replay on (the step
recorded once, then replayed: ``mytorch.replay``)."""

from __future__ import annotations

import numpy as np

from bench.problems import LEARNING_RATE, Problem
from hw_bonus.mlp import MLP
from mytorch import Autograd

_CRITERION = {"ce": "cross_entropy", "mse": "mse"}


class ModulesMLP:
    """The MLP built with the problem's sizes and loaded with its initial weights."""

    def __init__(self, problem: Problem) -> None:
        config = problem.config
        sizes = config.sizes
        activations = [config.hidden] * (len(sizes) - 2) + [config.output]
        self.mlp = MLP(
            sizes[0],
            sizes[-1],
            list(sizes[1:-1]),
            activations,
            _CRITERION[config.loss],
            LEARNING_RATE,
            Autograd(),
            dtype=problem.dtype,
        )
        for layer, (W, b) in zip(self.mlp.linear_layers, problem.weights):
            layer.W[...] = W
            layer.b[...] = b
        self.x, self.y = problem.x, problem.y

    def step(self) -> None:
        """One training step: ``train_step`` with replay off (``zero_grads``, ``forward``,
        ``backward``, ``step``, every step recorded and differentiated)."""
        self.mlp.train_step(self.x, self.y)

    def gradients(self) -> list[np.ndarray]:
        """The gradients the last step computed, in the order the bench compares them."""
        return [grad for _, grad in self.mlp.parameters()]


class ReplayMLP(ModulesMLP):
    """The same MLP, trained with ``train_step`` and ``replay=True`` (replayed after the first step)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.mlp.replay = True


def build(problem: Problem) -> ModulesMLP | None:
    """The modules trainer (None for a chain: no module computes a sine chain)."""
    return None if problem.config.is_chain else ModulesMLP(problem)


def build_replay(problem: Problem) -> ReplayMLP | None:
    """The replaying modules trainer (None for a chain)."""
    return None if problem.config.is_chain else ReplayMLP(problem)
