"""The benchmark configurations and the seeded problems (data and initial weights) they run on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LEARNING_RATE = 1e-3
CHAIN_FACTOR = 1.0001
CHAIN_START = 0.5


@dataclass(frozen=True)
class Config:
    """One benchmark case.

    Attributes:
        name: the row's name (``tiny-b1``).
        sizes: layer widths, input first (empty for a chain).
        hidden: the hidden layers' activation: ``tanh``, ``sigmoid`` or ``relu``.
        output: the last layer's activation: ``sigmoid`` or ``identity``.
        loss: ``mse`` or ``ce`` (softmax cross-entropy against one-hot labels).
        batch: examples per step.
        chain_ops: for a chain, the number of scalar elementwise ops (alternating sin, x 1.0001).
        target: the dynamic modules' goal, as a ratio to hand-written NumPy (for a chain: the
            Tensor front-end's microseconds per op above NumPy).
        replay_target: the replay's goal, as a ratio to hand-written NumPy (0: none).
    """

    name: str
    sizes: tuple[int, ...] = ()
    hidden: str = "tanh"
    output: str = "identity"
    loss: str = "ce"
    batch: int = 1
    chain_ops: int = 0
    target: float = 1.0
    replay_target: float = 0.0

    @property
    def is_chain(self) -> bool:
        """Whether this problem is a chain of scalar operations (not a network)."""
        return self.chain_ops > 0

    def describe(self) -> str:
        """A one-line description for the results table."""
        if self.is_chain:
            return f"{self.chain_ops:,} scalar ops (sin, x{CHAIN_FACTOR}), batch 1"
        net = (
            "-".join(str(n) for n in self.sizes)
            if len(self.sizes) <= 6
            else (f"{self.sizes[0]}-({len(self.sizes) - 2} x {self.sizes[1]})-{self.sizes[-1]}")
        )
        return f"{net} {self.hidden}, {self.loss.upper()}, batch {self.batch}"


_TINY = (2, 25, 25, 25, 1)
CONFIGS: dict[str, Config] = {
    c.name: c
    for c in [
        Config("tiny-b1", _TINY, "tanh", "sigmoid", "mse", 1, target=1.5, replay_target=0.95),
        Config("tiny-b64", _TINY, "tanh", "sigmoid", "mse", 64, target=1.4, replay_target=0.95),
        Config("course", (784, 32, 32, 32, 10), "sigmoid", "identity", "ce", 1, target=1.5, replay_target=0.95),
        Config("mnist", (784, 256, 128, 10), "relu", "identity", "ce", 128, target=1.07, replay_target=1.0),
        Config("wide", (1024, 1024, 1024, 10), "relu", "identity", "ce", 256, target=1.05, replay_target=1.0),
        Config("deep", (32,) * 51 + (10,), "tanh", "identity", "ce", 32, target=1.5, replay_target=1.0),
        Config("chain", chain_ops=10_000, target=2.0),
    ]
}
"""Every benchmark case, in table order. ``deep`` has 50 hidden layers of 32."""


@dataclass
class Problem:
    """The data and the initial weights every implementation starts from.

    Attributes:
        config: the case.
        dtype: float64 or float32.
        x: the input batch (N, in); for a chain, the start value, shape (1,).
        y: targets: (N, 1) for MSE, one-hot (N, C) for cross-entropy; None for a chain.
        labels: the class indices of ``y`` (cross-entropy only).
        weights: ``(W, b)`` per layer, ``W`` of shape (out, in), ``b`` of shape (out,).
    """

    config: Config
    dtype: np.dtype
    x: np.ndarray
    y: np.ndarray | None = None
    labels: np.ndarray | None = None
    weights: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def fresh_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Private copies of the initial weights (each implementation trains its own)."""
        return [(W.copy(), b.copy()) for W, b in self.weights]


def make_problem(config: Config, dtype: type = np.float64, seed: int = 0) -> Problem:
    """Seeded data and weights (uniform in +-1/sqrt(fan_in)) for ``config``."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    if config.is_chain:
        return Problem(config, dtype, np.full(1, CHAIN_START, dtype=dtype))
    n, sizes = config.batch, config.sizes
    x = rng.standard_normal((n, sizes[0])).astype(dtype)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype)
        b = rng.uniform(-bound, bound, fan_out).astype(dtype)
        weights.append((W, b))
    if config.loss == "mse":
        return Problem(config, dtype, x, rng.uniform(0.0, 1.0, (n, sizes[-1])).astype(dtype), weights=weights)
    labels = rng.integers(0, sizes[-1], n)
    y = np.zeros((n, sizes[-1]), dtype=dtype)
    y[np.arange(n), labels] = 1.0
    return Problem(config, dtype, x, y, labels, weights)


class ChainTrainer:
    """What every chain implementation keeps: the start value it trains and its gradient."""

    def __init__(self, problem: Problem) -> None:
        self.x = problem.x.copy()
        self.n = problem.config.chain_ops
        self.grad = np.zeros_like(self.x)

    def gradients(self) -> list[np.ndarray]:
        """The gradient arrays a step writes (the chain's one)."""
        return [self.grad]
