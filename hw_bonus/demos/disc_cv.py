"""The EPFL report's experiment: six 2-25-25-25-1 networks on the disc data, Table I by 2x 5-fold CV.

The EPFL report draws 10,000 points uniformly in [0, 1]^2, labels a point 1 when it lies outside the
circle of area 1/2 centred at (0.5, 0.5), keeps 80 % for training, and compares six networks
(tanh, ReLU or sigmoid between three hidden layers of 25; a linear output or a sigmoid-"clipped"
one) trained on the mean squared error from Xavier initial weights. Each model's learning
rate is chosen by a grid search scored with 5-fold cross-validation; then 5-fold
cross-validation is run twice and the training and test accuracies reported as mean +- std
(the report's Table I).

Differences from the report, all printed: mini-batches of 64 and Adam instead of one sample
at a time with plain SGD (the report's framework could only feed one sample; here one epoch
is a few hundred vectorised steps), and a fixed number of epochs.

Run: ``python -m hw_bonus.demos.disc_cv`` (a few minutes) or ``--quick`` (seconds: one split,
a fixed learning rate, no grid search).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from hw_bonus.cli import run_command
from hw_bonus.datasets import load_dataset
from hw_bonus.demos.report import demo_parser, positive, positive_int
from hw_bonus.mlp import MLP, evaluate, train_epoch
from mytorch import Autograd

__all__ = ["MODELS", "TABLE_I", "Model", "cross_validate", "load_disc", "main", "train_model"]


@dataclass(frozen=True)
class Model:
    """One of the report's six networks: the hidden layers' activation and the output's."""

    name: str
    hidden: str
    output: str


MODELS = [
    Model("tanh", "tanh", "identity"),
    Model("tanh clipped", "tanh", "sigmoid"),
    Model("relu", "relu", "identity"),
    Model("relu clipped", "relu", "sigmoid"),
    Model("sigmoid", "sigmoid", "identity"),
    Model("sigmoid clipped", "sigmoid", "sigmoid"),
]

TABLE_I = {
    "tanh": ("0.983 ± 0.00419", "0.969 ± 0.00811"),
    "tanh clipped": ("0.985 ± 0.00560", "0.970 ± 0.00846"),
    "relu": ("0.976 ± 0.0135", "0.965 ± 0.0249"),
    "relu clipped": ("0.968 ± 0.0125", "0.964 ± 0.0141"),
    "sigmoid": ("0.980 ± 0.00581", "0.970 ± 0.0145"),
    "sigmoid clipped": ("0.970 ± 0.0110", "0.960 ± 0.0124"),
}
"""The report's Table I: (training accuracy, test accuracy) as mean ± std over 2x 5 folds."""

HIDDEN = [25, 25, 25]
BATCH_SIZE = 64
QUICK_LR = 0.01


def load_disc() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The disc data split 80 / 20: ((x_train, y_train), (x_test, y_test)), 8,000 and 2,000 points."""
    data = load_dataset("disc", dtype=np.float64)
    train = (np.concatenate([data.train[0], data.val[0]]), np.concatenate([data.train[1], data.val[1]]))
    return train, data.test


def train_model(model: Model, lr: float, x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> MLP:
    """A fresh 2-25-25-25-1 network for ``model``, trained on (x, y) by Adam on the MSE."""
    mlp = MLP(
        2,
        1,
        HIDDEN,
        [model.hidden] * len(HIDDEN) + [model.output],
        "mse",
        lr,
        Autograd(),
        optimizer="adam",
        init="xavier",
        seed=seed,
    )
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        train_epoch(mlp, x, y, BATCH_SIZE, rng)
    return mlp


def accuracy(mlp: MLP, x: np.ndarray, y: np.ndarray) -> float:
    """The fraction of (x, y) the network classifies right (output > 0.5 means class 1)."""
    return 1.0 - evaluate(mlp, x, y)[1]


def cross_validate(
    model: Model, lr: float, x: np.ndarray, y: np.ndarray, folds: int, repeats: int, epochs: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``repeats`` x ``folds``-fold cross-validation: (training accuracies, held-out accuracies), one per fold."""
    train_acc, test_acc = [], []
    for repeat in range(repeats):
        order = np.random.default_rng(seed + 1000 * repeat).permutation(len(x))
        for k, held in enumerate(np.array_split(order, folds)):
            kept = np.setdiff1d(order, held)
            mlp = train_model(model, lr, x[kept], y[kept], epochs, seed + 1000 * repeat + k)
            train_acc.append(accuracy(mlp, x[kept], y[kept]))
            test_acc.append(accuracy(mlp, x[held], y[held]))
    return np.array(train_acc), np.array(test_acc)


def _mean_std(values: np.ndarray) -> str:
    return f"{values.mean():.3f} ± {values.std():.3g}"


def _quick(
    models: list[Model], x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, epochs: int, seed: int
) -> dict[str, dict[str, Any]]:
    """One training per model on the 80 % at ``QUICK_LR``, tested on the 20 %."""
    print(
        f"\n--quick: one training per model on the 80 % split, learning rate {QUICK_LR}\n"
        f"{'model':<16}  {'training acc':>12}  {'test acc':>8}  {'report test acc':>16}"
    )
    results = {}
    for model in models:
        mlp = train_model(model, QUICK_LR, x, y, epochs, seed)
        r = results[model.name] = {
            "lr": QUICK_LR,
            "train_acc": accuracy(mlp, x, y),
            "test_acc": accuracy(mlp, x_test, y_test),
        }
        print(f"{model.name:<16}  {r['train_acc']:>12.3f}  {r['test_acc']:>8.3f}  {TABLE_I[model.name][1]:>16}")
    return results


def _full(
    models: list[Model],
    lrs: list[float],
    x: np.ndarray,
    y: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    epochs: int,
    seed: int,
) -> dict[str, dict[str, Any]]:
    """The report's procedure: learning rate by 5-fold CV, Table I by 2x 5-fold CV, plus the 20 % test."""
    grid_epochs = max(1, epochs * 2 // 3)
    print(f"\nLearning rate by 5-fold CV over {lrs} ({grid_epochs} epochs each), mean held-out accuracy:")
    results = {}
    for model in models:
        scores = [cross_validate(model, lr, x, y, 5, 1, grid_epochs, seed)[1].mean() for lr in lrs]
        best = lrs[int(np.argmax(scores))]
        print(
            f"  {model.name:<16} " + "  ".join(f"{lr:g}: {s:.4f}" for lr, s in zip(lrs, scores)) + f"  -> {best:g}",
            flush=True,
        )
        train_acc, cv_acc = cross_validate(model, best, x, y, 5, 2, epochs, seed + 1)
        final = train_model(model, best, x, y, epochs, seed)
        results[model.name] = {
            "lr": best,
            "train_acc": float(train_acc.mean()),
            "train_std": float(train_acc.std()),
            "test_acc": float(cv_acc.mean()),
            "test_std": float(cv_acc.std()),
            "held_out_acc": accuracy(final, x_test, y_test),
            "table": (_mean_std(train_acc), _mean_std(cv_acc)),
        }
    print(
        "\nTable I: accuracies as mean ± std over 2x 5-fold CV (the report's beside ours), "
        "and one model trained on all 80 % tested on the 20 %"
    )
    print(
        f"{'model':<16}  {'lr':>6}  {'training (MyTorch)':>18}  {'(report)':>15}  "
        f"{'test (MyTorch)':>15}  {'(report)':>15}  {'20 % test':>9}"
    )
    for model in models:
        r = results[model.name]
        doc_train, doc_test = TABLE_I[model.name]
        print(
            f"{model.name:<16}  {r['lr']:>6g}  {r['table'][0]:>18}  {doc_train:>15}  "
            f"{r['table'][1]:>15}  {doc_test:>15}  {r['held_out_acc']:>9.3f}"
        )
    return results


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Grid-search each model's learning rate, print Table I beside the report's; return the numbers."""
    parser = demo_parser("hw_bonus.demos.disc_cv", __doc__)
    parser.add_argument(
        "--quick", action="store_true", help="seconds, not minutes: one 80/20 split, learning rate 0.01, no grid search"
    )
    parser.add_argument("--epochs", type=positive_int, default=None, help="epochs per training (default 12; quick 8)")
    parser.add_argument("--lrs", type=positive, nargs="+", default=[0.003, 0.01, 0.03], help="the learning-rate grid")
    parser.add_argument(
        "--models",
        nargs="+",
        choices=[m.name.replace(" ", "-") for m in MODELS],
        help="only these models (default: all six)",
    )
    args = parser.parse_args(argv)
    epochs = args.epochs or (8 if args.quick else 12)
    models = [m for m in MODELS if args.models is None or m.name.replace(" ", "-") in args.models]

    start, cpu_start = time.perf_counter(), time.process_time()
    (x, y), (x_test, y_test) = load_disc()
    print(
        f"disc data: {len(x)} training and {len(x_test)} test points, {y.mean():.3f} of them labelled 1 "
        f"(outside the circle of area 1/2), inputs standardised;\n2-25-25-25-1 networks, Xavier initial weights, "
        f"MSE, Adam on mini-batches of {BATCH_SIZE}, {epochs} epochs per training"
    )
    results = (
        _quick(models, x, y, x_test, y_test, epochs, args.seed)
        if args.quick
        else _full(models, args.lrs, x, y, x_test, y_test, epochs, args.seed)
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"\ntook {seconds:.1f} s ({cpu:.1f} s of CPU time)")
    return {"results": results, "seconds": seconds, "cpu_seconds": cpu, "epochs": epochs}


if __name__ == "__main__":
    raise SystemExit(run_command("python -m hw_bonus.demos.disc_cv", main))
