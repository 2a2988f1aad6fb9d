"""The main job's training speed: examples per CPU second, replayed and dynamic.

``python -m bench.main_job`` builds the network of ``python -m hw_bonus.mlp_runner``'s default
run (MNIST-5k, 784-256-128-10 ReLU, float32, batches of 32, SGD with momentum 0.9), trains
it one warm-up epoch, then times ``train_epoch`` with ``time.process_time`` over two epochs,
replay on and replay off taking turns in one process (``--rounds`` times each). It prints
the examples per CPU second of each round. ``--checkout DIR`` measures the ``hw_bonus`` and
``mytorch`` of another checkout the same way (older code: an ``MLP`` without ``train_step``
is timed dynamically only).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench.threads import pin_blas_threads, pin_malloc

LEARNING_RATE = 0.02
MOMENTUM = 0.9
BATCH = 32
EPOCHS = 2


def _trainer(replay: bool):  # noqa: ANN202 - the MLP of whichever checkout is on the path
    import numpy as np

    from hw_bonus.datasets import load_dataset
    from hw_bonus.mlp import MLP
    from mytorch import Autograd

    data = load_dataset("mnist-5k", dtype=np.float32)
    mlp = MLP(784, 10, [256, 128], ["relu", "relu", "identity"], "cross_entropy", LEARNING_RATE, Autograd(),
              MOMENTUM, seed=0, dtype=np.float32)  # fmt: skip
    mlp.replay = replay
    return mlp, data


def _examples_per_cpu_second(mlp, data, rng) -> float:  # noqa: ANN001 - any checkout's MLP and data set
    from hw_bonus.mlp import train_epoch

    x, labels = data.train
    start = time.process_time()
    for _ in range(EPOCHS):
        train_epoch(mlp, x, labels, BATCH, rng)
    return EPOCHS * len(x) / (time.process_time() - start)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(prog="python -m bench.main_job", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each mode (default 3)")
    parser.add_argument("--checkout", help="the folder of another checkout to measure (default: this one)")
    args = parser.parse_args()
    pin_blas_threads()
    pin_malloc(["-m", "bench.main_job"])
    if args.checkout:
        sys.path.insert(0, args.checkout)
    import numpy as np

    import hw_bonus
    from hw_bonus.mlp import MLP

    print(f"measuring {os.path.dirname(os.path.dirname(os.path.abspath(hw_bonus.__file__)))}")
    modes = ["replay", "dynamic"] if hasattr(MLP, "train_step") else ["dynamic"]
    trainers = {mode: _trainer(mode == "replay") for mode in modes}
    rngs = {mode: np.random.default_rng(0) for mode in modes}
    for mode in modes:  # the warm-up epoch
        mlp, data = trainers[mode]
        _examples_per_cpu_second(mlp, data, rngs[mode])
    rates: dict[str, list[float]] = {mode: [] for mode in modes}
    for i in range(args.rounds):
        for mode in modes[i % len(modes) :] + modes[: i % len(modes)]:
            mlp, data = trainers[mode]
            rates[mode].append(_examples_per_cpu_second(mlp, data, rngs[mode]))
    for mode in modes:
        print(f"{mode:8s} " + "  ".join(f"{r:,.0f}" for r in rates[mode]) + " examples per CPU second")


if __name__ == "__main__":
    main()
