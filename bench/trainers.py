"""The implementations under test, by name, and the gradient check they all pass before timing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from bench import impl_modules, impl_nn, impl_numpy, impl_numpy_reuse, impl_peers, impl_tape, impl_tensor
from bench.problems import Problem


class Trainer(Protocol):
    """One implementation set up on one problem."""

    def step(self) -> None:
        """One training step: forward, loss, backward, SGD update."""

    def gradients(self) -> list[np.ndarray]:
        """The gradients of the last step (each layer's dW, db; for a chain, d/dx)."""


IMPLEMENTATIONS: dict[str, Callable[[Problem], Trainer | None]] = {
    "numpy": impl_numpy.build,
    "numpy-reuse": impl_numpy_reuse.build,
    "mytorch": impl_modules.build,
    "replay": impl_modules.build_replay,
    "tensor": impl_tensor.build,
    "tape": impl_tape.build,
    "nn": impl_nn.build,
    "nn-replay": impl_nn.build_replay,
    "torch": impl_peers.build_torch,
    "hips": impl_peers.build_hips,
}
"""Builders: each returns a trainer, None when the case does not apply (no module computes a
sine chain), or raises ``ImportError`` when the implementation is not installed."""

DESCRIPTIONS = {
    "numpy": "hand-written NumPy: the limit",
    "numpy-reuse": "hand-written NumPy writing into buffers allocated once (out=): the careful limit",
    "mytorch": "MyTorch modules: hw_bonus.mlp.MLP (Linear, activations, loss, SGD), every step dynamic",
    "replay": "the same MLP's train_step with replay on: recorded once, replayed (mytorch.replay)",
    "tensor": "MyTorch Tensor front-end (operator overloading)",
    "tape": "MyTorch kernel table straight onto the tape (F.apply), no modules",
    "nn": "MyTorch nn and optim, PyTorch style: nn.Sequential of nn.Linear, loss module, optim.SGD",
    "nn-replay": "the same nn step wrapped in mytorch.replay.Replay(step, optimizer=opt): recorded once, replayed",
    "torch": "PyTorch: nn.Linear, loss module, optim.SGD",
    "hips": "HIPS autograd: grad of a loss function, manual SGD",
}


def build_all(problem: Problem, names: list[str]) -> tuple[dict[str, Trainer], dict[str, str]]:
    """Build each named trainer; returns the trainers and, for the rest, why they were skipped."""
    trainers, skipped = {}, {}
    for name in names:
        try:
            trainer = IMPLEMENTATIONS[name](problem)
        except ImportError as error:
            skipped[name] = f"not installed ({error.name or error})"
            continue
        if trainer is None:
            skipped[name] = "not applicable"
        else:
            trainers[name] = trainer
    return trainers, skipped


GRADIENT_RTOL = {8: 1e-6, 4: 2e-3}
"""Largest error allowed, relative to the largest gradient entry, by the dtype's item size."""


def check_gradients(trainers: dict[str, Trainer], reference: str = "numpy") -> None:
    """Run one step of each trainer and assert every gradient matches the reference's.

    Raises:
        AssertionError: naming the implementation, the gradient's index and the worst error.
    """
    for trainer in trainers.values():
        trainer.step()
    expected = trainers[reference].gradients()
    for name, trainer in trainers.items():
        got = trainer.gradients()
        if len(got) != len(expected):
            raise AssertionError(f"{name}: {len(got)} gradients, {reference} has {len(expected)}")
        for i, (g, e) in enumerate(zip(got, expected)):
            rtol = GRADIENT_RTOL[np.asarray(e).dtype.itemsize]
            g, e = np.asarray(g, dtype=np.float64), np.asarray(e, dtype=np.float64)
            scale = float(np.abs(e).max()) or 1.0
            error = float(np.abs(g - e).max()) if g.shape == e.shape else np.inf
            if error > rtol * scale:
                raise AssertionError(
                    f"{name}: gradient {i} (shape {g.shape}) differs from {reference}'s "
                    f"(shape {e.shape}) by {error:.3g} (scale {scale:.3g}, tolerance {rtol:g})"
                )
