"""MyTorch's PyTorch-style ``nn`` and ``optim``, written the way a PyTorch user writes it:
``nn.Sequential`` of ``nn.Linear`` and activation modules, a loss module, ``optim.SGD``.
The same script as the ``torch`` peer with ``import mytorch`` in place of ``import torch``."""

from __future__ import annotations

import numpy as np

import mytorch.nn as nn
import mytorch.optim as optim
from bench.problems import LEARNING_RATE, Problem
from mytorch import Tensor
from mytorch.replay import Replay

_ACTIVATIONS = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "relu": nn.ReLU}


class NNTrainer:
    """A training step: zero_grad, forward, loss, backward, optimizer step."""

    def __init__(self, problem: Problem) -> None:
        config = problem.config
        n = len(problem.weights)
        layers: list[nn.Module] = []
        for i, (W, b) in enumerate(problem.fresh_weights()):
            linear = nn.Linear(W.shape[1], W.shape[0], dtype=problem.dtype)
            linear.load_state_dict({"weight": W, "bias": b})
            layers.append(linear)
            act = config.hidden if i < n - 1 else config.output
            if act in _ACTIVATIONS:
                layers.append(_ACTIVATIONS[act]())
        self.model = nn.Sequential(*layers)
        self.x = Tensor(problem.x)
        if config.loss == "ce":
            self.y, self.loss = problem.labels, nn.CrossEntropyLoss()
        else:
            self.y, self.loss = Tensor(problem.y), nn.MSELoss()
        self.optimizer = optim.SGD(self.model.parameters(), lr=LEARNING_RATE)

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        self.optimizer.zero_grad()
        self.loss(self.model(self.x), self.y).backward()
        self.optimizer.step()

    def gradients(self) -> list[np.ndarray]:
        """The gradients the last step computed, in the order the bench compares them."""
        return [np.asarray(p.grad) for p in self.model.parameters()]


class NNReplayTrainer(NNTrainer):
    """The same step wrapped in ``mytorch.replay.Replay``: recorded once, replayed after."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.replay = Replay(self._step, optimizer=self.optimizer)

    def _step(self, x: Tensor, y: object) -> Tensor:
        self.optimizer.zero_grad()
        loss = self.loss(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss

    def step(self) -> None:
        """One training step, replayed after the first two (capture and confirmation)."""
        self.replay(self.x, self.y)


def build(problem: Problem) -> NNTrainer | None:
    """The ``nn`` trainer for ``problem`` (None for the chain, which has no layers)."""
    return None if problem.config.is_chain else NNTrainer(problem)


def build_replay(problem: Problem) -> NNReplayTrainer | None:
    """The replayed ``nn`` trainer for ``problem`` (None for the chain)."""
    return None if problem.config.is_chain else NNReplayTrainer(problem)
