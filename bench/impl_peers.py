"""The peers, each written the way its users write it: PyTorch (``nn.Linear``, a loss module,
``optim.SGD``) and HIPS autograd (``grad`` of a loss function of the parameters).

Both are optional: ``build_*`` raises ``ImportError`` when the package is missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.impl_numpy import activate
from bench.problems import CHAIN_FACTOR, LEARNING_RATE, Problem


def _layer_activations(problem: Problem) -> list[str]:
    n = len(problem.weights)
    return [problem.config.hidden] * (n - 1) + [problem.config.output]


# --------------------------------------------------------------------------- PyTorch
class TorchTrainer:
    """A PyTorch training step: zero_grad, forward, loss, backward, optimizer step."""

    def __init__(self, problem: Problem) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        dtype = torch.float64 if problem.dtype == np.float64 else torch.float32
        self.chain_ops = problem.config.chain_ops
        if self.chain_ops:
            self.params = [torch.tensor(problem.x, requires_grad=True)]
            self.forward = self._chain
        else:
            layers: list[Any] = []
            acts = {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}
            for (W, b), act in zip(problem.weights, _layer_activations(problem)):
                linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
                with torch.no_grad():
                    linear.weight.copy_(torch.from_numpy(W))
                    linear.bias.copy_(torch.from_numpy(b))
                layers.append(linear)
                if act in acts:
                    layers.append(acts[act]())
            model = torch.nn.Sequential(*layers)
            self.x = torch.from_numpy(problem.x.copy())
            if problem.config.loss == "ce":
                self.y = torch.from_numpy(problem.labels.astype(np.int64))
                self.loss = torch.nn.CrossEntropyLoss()
            else:
                self.y = torch.from_numpy(problem.y.copy())
                self.loss = torch.nn.MSELoss()
            self.params = [p for linear in layers if isinstance(linear, torch.nn.Linear) for p in linear.parameters()]
            self.forward = lambda: self.loss(model(self.x), self.y)
        self.optimizer = torch.optim.SGD(self.params, lr=LEARNING_RATE)

    def _chain(self) -> Any:
        h = self.params[0]
        for i in range(self.chain_ops):
            h = self.torch.sin(h) if i % 2 == 0 else h * CHAIN_FACTOR
        return h.sum()

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        self.optimizer.zero_grad(set_to_none=True)
        self.forward().backward()
        self.optimizer.step()

    def gradients(self) -> list[np.ndarray]:
        """The gradients the last step computed, in the order the bench compares them."""
        return [p.grad.numpy() for p in self.params]


def build_torch(problem: Problem) -> TorchTrainer:
    """The PyTorch trainer for ``problem`` (``ImportError`` without PyTorch)."""
    return TorchTrainer(problem)


# --------------------------------------------------------------------------- HIPS autograd
class HipsTrainer:
    """A HIPS autograd step: ``grad`` of the loss as a function of the parameter list."""

    def __init__(self, problem: Problem) -> None:
        import autograd
        import autograd.numpy as anp

        self.anp = anp
        config = problem.config
        self.chain_ops = config.chain_ops
        if self.chain_ops:
            self.params = [problem.x.copy()]
            loss = self._chain
        else:
            self.params = [w for pair in problem.fresh_weights() for w in pair]
            self.x, self.y = problem.x, problem.y
            self.acts = _layer_activations(problem)
            self.ce = config.loss == "ce"
            loss = self._mlp
        self.grad_fn = autograd.grad(loss)
        self.grads: list[np.ndarray] = []

    def _mlp(self, params: list[Any]) -> Any:
        anp, h = self.anp, self.x
        for i, act in enumerate(self.acts):
            h = activate(act, anp.dot(h, params[2 * i].T) + params[2 * i + 1], anp)
        if self.ce:
            shifted = h - anp.max(h, axis=1, keepdims=True)
            log_p = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
            return -anp.sum(self.y * log_p) / h.shape[0]
        return anp.mean((h - self.y) ** 2)

    def _chain(self, params: list[Any]) -> Any:
        h = params[0]
        for i in range(self.chain_ops):
            h = self.anp.sin(h) if i % 2 == 0 else h * CHAIN_FACTOR
        return self.anp.sum(h)

    def step(self) -> None:
        """One training step: forward, backward and the SGD update."""
        self.grads = self.grad_fn(self.params)
        for p, g in zip(self.params, self.grads):
            p -= LEARNING_RATE * g

    def gradients(self) -> list[np.ndarray]:
        """The gradients the last step computed, in the order the bench compares them."""
        return list(self.grads)


def build_hips(problem: Problem) -> HipsTrainer:
    """The HIPS autograd trainer for ``problem`` (``ImportError`` without ``autograd``)."""
    return HipsTrainer(problem)
