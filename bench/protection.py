"""What the in-place protection costs: ``python -m bench.protection``.

Times (CPU time of this process, best of several repeats, so a busy machine disturbs them
less) of:

* saving one array for backward and releasing it (``mytorch.saved``: a registry entry, the
  read-only flag turned off and on again);
* a recorded Tensor product ``x * w`` (two saved arrays) and a small Tensor MLP training
  step, with the saves and without them (the version checks and locks switched off by
  replacing ``mytorch.tensor._save_read`` and ``_save_parameters``, ``VersionCheck.watch`` and
  ``watch_parameters``, for this measurement only);
* a raw engine op (the handout's path, which saves nothing), plain and under
  ``detect_anomaly`` (which copies the arrays the backward reads).
"""

from __future__ import annotations

import argparse
import time
import timeit
from collections.abc import Callable

import numpy as np

import mytorch as mt
import mytorch.tensor as T
from mytorch import Autograd
from mytorch.nn import functional as F
from mytorch.saved import release, save


def best_us(fn: Callable[[], object], number: int, repeat: int = 7) -> float:
    """The best CPU time per call of ``fn``, in microseconds."""
    return min(timeit.repeat(fn, number=number, repeat=repeat, timer=time.process_time)) / number * 1e6


def with_and_without_saves(fn: Callable[[], object], number: int) -> tuple[float, float]:
    """``fn``'s time with the version checks and locks, and with them switched off."""
    with_saves = best_us(fn, number)
    kept = T._save_read, T._save_parameters
    T._save_read = T._save_parameters = lambda *args: None
    try:
        without = best_us(fn, number)
    finally:
        T._save_read, T._save_parameters = kept
    return with_saves, without


def mlp_step(batch: int, sizes: list[int]) -> Callable[[], None]:
    """One training step of a Tensor MLP (ReLU, softmax cross-entropy, SGD under no_grad)."""
    rng = np.random.default_rng(0)
    weights = [T.Tensor(rng.standard_normal((i, o)) * 0.1, requires_grad=True) for i, o in zip(sizes, sizes[1:])]
    biases = [T.Tensor(np.zeros(o), requires_grad=True) for o in sizes[1:]]
    x = T.Tensor(rng.standard_normal((batch, sizes[0])))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]

    def step() -> None:
        h = x
        for i, (w, b) in enumerate(zip(weights, biases)):
            h = h @ w + b
            if i < len(weights) - 1:
                h = h.relu()
        T.softmax_cross_entropy(y, h).backward()
        with mt.no_grad():
            for p in weights + biases:
                p -= 0.01 * p.grad
                p.grad = None

    return step


def main() -> None:
    """Print the timings listed in the module's docstring."""
    argparse.ArgumentParser(
        prog="python -m bench.protection", description="What the in-place protection of Tensors costs, in CPU time."
    ).parse_args()
    array = np.random.default_rng(0).random((64, 64))
    held: list = []

    def save_and_release() -> None:
        save(array, held)
        release(held)

    print(f"save + release one array:            {best_us(save_and_release, 20000):7.2f} us")
    x = T.Tensor(np.ones((64, 64)), requires_grad=True)
    w = T.Tensor(np.ones((64, 64)), requires_grad=True)
    full, bare = with_and_without_saves(lambda: x * w, 5000)
    print(f"Tensor x * w (64x64, 2 saved arrays): {full:7.2f} us, {bare:7.2f} us without saves")
    for name, batch, sizes in [("tiny-b1", 1, [4, 16, 16, 3]), ("course-b32", 32, [784, 64, 10])]:
        full, bare = with_and_without_saves(mlp_step(batch, sizes), 300)
        print(
            f"Tensor MLP step {name:11s}:        {full:7.1f} us, {bare:7.1f} us without saves "
            f"(+{(full / bare - 1) * 100:.0f}%)"
        )
    engine, data = Autograd(), np.ones((64, 64))

    def raw_op() -> None:
        engine.operation_list.clear()
        F.run_kernel(engine, F.KERNELS["tanh"], [data])

    def raw_op_under_anomaly() -> None:
        with mt.detect_anomaly():
            raw_op()

    print(
        f"raw engine tanh (64x64) recorded:    {best_us(raw_op, 20000):7.2f} us, "
        f"{best_us(raw_op_under_anomaly, 20000):7.2f} us under detect_anomaly"
    )


if __name__ == "__main__":
    main()
