"""Train the MLP from the command line: ``python -m hw_bonus.mlp_runner``.

With no arguments it trains a 784-256-128-10 ReLU network on the bundled MNIST digits
(``mnist-5k``) and prints the test accuracy. While it trains it shows one line per epoch
(loss, error, examples per second, time left). Into the output folder (``runs/<dataset>``
by default) it writes ``metrics.json``, ``metrics.csv``, ``curves.png`` (with matplotlib)
and ``checkpoint.npz`` (after an epoch, at most once a second, and always after the last).
``--resume`` continues from that checkpoint and ends with exactly the weights an
uninterrupted run would have.

Each data set has its own defaults (``PRESETS``); every option given on the command line
overrides them. Failures end with one line on stderr and the exit status ``hw_bonus.cli``
documents (2 for bad input, 1 for an output that cannot be written, 130 after Ctrl-C).
"""

from __future__ import annotations

import argparse
import errno
import io
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import mytorch
from hw_bonus.checkpoint import load_checkpoint, save_checkpoint
from hw_bonus.cli import EXIT_SUMMARY, install_hint, make_output_folder, run_command
from hw_bonus.datasets import DATASETS, DataSet, load_dataset
from hw_bonus.metrics import COLUMNS, plot_curves, write_metrics
from hw_bonus.mlp import MLP, OPTIMIZERS, evaluate, train_epoch
from hw_bonus.progress import Progress, format_seconds
from mytorch import Autograd
from mytorch.nn.modules import ACTIVATIONS, INITS

__all__ = ["PRESETS", "build_parser", "main", "run"]

_MNIST = {
    "hidden": [256, 128], "activation": "relu", "epochs": 20, "batch_size": 32,
    "lr": 0.02, "momentum": 0.9, "optimizer": "sgd", "init": "uniform",
}  # fmt: skip
PRESETS: dict[str, dict[str, Any]] = {
    "mnist-5k": _MNIST,
    "mnist": {**_MNIST, "epochs": 10},
    "disc": {**_MNIST, "hidden": [25, 25, 25], "epochs": 30, "lr": 0.05, "init": "xavier"},
    "gaussians": {**_MNIST, "hidden": [10], "epochs": 10, "batch_size": 16, "lr": 0.05},
    "and": {**_MNIST, "hidden": [4], "activation": "tanh", "epochs": 100, "batch_size": 4, "lr": 0.5},
}
"""Each data set's default options."""

TRAINING_OPTIONS = (
    "hidden", "activation", "epochs", "batch_size", "lr", "momentum", "optimizer", "init", "seed", "dtype",
)  # fmt: skip
ARCHITECTURE = ("dataset", "n_features", "n_classes", "hidden", "activation", "dtype")
"""The settings a checkpoint's weights depend on: a checkpoint with others is refused."""

OUTPUTS = ("checkpoint.npz", "metrics.json", "metrics.csv", "curves.png")
"""The files a run writes into its output folder."""

CHECKPOINT_INTERVAL = 1.0
"""Seconds between checkpoints at the least (each one is fsynced); the last epoch is always saved."""


def _number(kind: Callable[[str], Any], test: Callable[[Any], bool], what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"{text!r} must be {what}")
        return value

    return parse


_positive_int = _number(int, lambda v: v > 0, "a positive integer")
_positive_float = _number(float, lambda v: v > 0 and np.isfinite(v), "a positive number")
_unit_float = _number(float, lambda v: 0 <= v < 1, "in [0, 1)")
_seed_int = _number(int, lambda v: v >= 0, "a non-negative integer")


def build_parser() -> argparse.ArgumentParser:
    """The command line (options left unset take the data set's preset)."""
    defaults = " ".join(
        f"--{name.replace('_', '-')} {' '.join(map(str, value)) if isinstance(value, list) else value}"
        for name, value in PRESETS["mnist-5k"].items()
    )
    # Named as the user called it (usage, errors, the resume hint): the installed `mytorch-train`
    # script, else `python -m hw_bonus.mlp_runner`
    called = Path(sys.argv[0]).stem if sys.argv else ""
    p = argparse.ArgumentParser(
        prog="mytorch-train" if called == "mytorch-train" else "python -m hw_bonus.mlp_runner",
        description="Train a MyTorch MLP and report its test accuracy. An option left unset takes the data "
        f"set's default (docs/training.md lists them); mnist-5k's are {defaults}.",
        epilog=EXIT_SUMMARY,
    )
    p.add_argument("--dataset", choices=DATASETS, default="mnist-5k", help="data set (default: mnist-5k)")
    p.add_argument(
        "--data-dir",
        type=Path,
        help="for --dataset mnist: the folder of the course's MNIST .npy files; for mnist-5k: a folder holding "
        "another mnist_5k.npz",
    )
    p.add_argument(
        "--hidden",
        type=_positive_int,
        nargs="*",
        help="hidden layer sizes, e.g. --hidden 256 128 (--hidden alone: no hidden layer)",
    )
    p.add_argument("--activation", choices=list(ACTIVATIONS), help="hidden layers' activation")
    p.add_argument("--epochs", type=_positive_int, help="passes over the training set")
    p.add_argument("--batch-size", type=_positive_int, help="examples per update")
    p.add_argument("--lr", type=_positive_float, help="learning rate")
    p.add_argument("--momentum", type=_unit_float, help="SGD momentum in [0, 1)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, help="sgd, nesterov or adam")
    p.add_argument("--init", choices=INITS, help="weight initialisation")
    p.add_argument("--seed", type=_seed_int, help="seed for the initial weights and the shuffling (default 0)")
    p.add_argument("--dtype", choices=("float32", "float64"), help="parameter and data type (default float32)")
    p.add_argument("--out", type=Path, help="output folder (default: runs/<dataset>)")
    p.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.npz")
    p.add_argument("--no-plots", action="store_true", help="do not draw curves.png")
    p.add_argument("--quiet", action="store_true", help="print only the test result (errors still go to stderr)")
    p.add_argument("--version", action="version", version=f"%(prog)s (MyTorch {mytorch.__version__})")
    p.add_argument(
        "--no-replay",
        action="store_true",
        help="run every training step dynamically (by default a step is recorded once and replayed: "
        "the same numbers, faster; see docs/performance.md)",
    )
    return p


def _config(args: argparse.Namespace, checkpoint_path: Path) -> tuple[dict[str, Any], Any]:
    """The run's settings: the preset (or the checkpoint's, with --resume) plus explicit options."""
    given = {k: getattr(args, k) for k in TRAINING_OPTIONS if getattr(args, k) is not None}
    if not args.resume:
        return {"dataset": args.dataset, "seed": 0, "dtype": "float32", **PRESETS[args.dataset], **given}, None
    if not checkpoint_path.exists():
        raise FileNotFoundError(f"{checkpoint_path}: no checkpoint to resume; run once without --resume first")
    checkpoint = load_checkpoint(checkpoint_path)
    saved = checkpoint.config
    asked = {"dataset": args.dataset, **given}
    asked.pop("epochs", None)  # the one option a resumed run may change
    clashes = [k for k, v in asked.items() if saved.get(k) != v]
    if clashes:
        what = "another architecture" if set(clashes) & set(ARCHITECTURE) else "other training options"
        detail = ", ".join(f"{k}={saved.get(k)!r} (asked {asked[k]!r})" for k in clashes)
        raise ValueError(f"{checkpoint_path}: the checkpoint was made with {what}: {detail}")
    epochs = given.get("epochs", saved["epochs"])
    if epochs < checkpoint.epoch:
        raise ValueError(f"{checkpoint_path}: {checkpoint.epoch} epochs are done already; --epochs {epochs} is fewer")
    return {**saved, "epochs": epochs}, checkpoint


def _check_state(path: Path, state: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    """Refuse a checkpoint's weights and optimizer state unless they are arrays this network
    saves, each of the dtype it saves (an array it would ignore, or integer weights cast to
    float, means the file is not what this run wrote), and the optimizer's settings as the
    config gives them. Missing arrays and wrong shapes are refused by ``MLP.load_state_dict``."""
    unknown = sorted(set(state) - set(expected))
    if unknown:
        raise ValueError(f"{path}: damaged checkpoint: array(s) {', '.join(unknown)} belong to no part of this network")
    for key, array in expected.items():
        if key in state and state[key].dtype != array.dtype:
            raise ValueError(
                f"{path}: damaged checkpoint: array {key!r} holds {state[key].dtype}; this network's is {array.dtype}"
            )
        if key.startswith("optim.group.") and key in state and not np.array_equal(state[key], array):
            # (the optimizer's settings: the config's, which the run reports; the file's would win silently)
            raise ValueError(
                f"{path}: damaged checkpoint: {key!r} is {state[key].tolist()!r}; the config gives {array.tolist()!r}"
            )


def _describe(config: dict[str, Any], data: DataSet) -> str:
    sizes = " -> ".join(str(n) for n in [data.n_features, *config["hidden"], data.n_classes])
    momentum = f" momentum {config['momentum']}" if config["optimizer"] != "adam" else ""
    return (
        f"MyTorch MLP on {data.name}: {len(data.train[0])} train / {len(data.val[0])} val / {len(data.test[0])} test\n"
        f"network {sizes} ({config['activation']}, {config['init']} init, {config['dtype']}), "
        f"{config['optimizer']} lr {config['lr']}{momentum}, batch {config['batch_size']}, "
        f"{config['epochs']} epochs, seed {config['seed']}"
    )


def run(args: argparse.Namespace) -> dict[str, float]:
    """Train as ``args`` say, write the run's files, and return the test result.

    Raises:
        FileNotFoundError: a missing data file or checkpoint (the message says how to get it).
        ValueError: a corrupt file, a checkpoint that does not fit the options, or a run whose
            loss became NaN or inf (no checkpoint is written for that epoch).
    """
    out = args.out or Path("runs") / args.dataset
    checkpoint_path = out / "checkpoint.npz"
    config, checkpoint = _config(args, checkpoint_path)
    data = load_dataset(config["dataset"], args.data_dir, dtype=np.dtype(config["dtype"]))
    found = {"n_features": data.n_features, "n_classes": data.n_classes}
    if checkpoint is not None and any(checkpoint.config.get(k) != v for k, v in found.items()):
        raise ValueError(
            f"{checkpoint_path}: the checkpoint was made for another architecture: "
            f"{checkpoint.config.get('n_features')} -> {checkpoint.config.get('n_classes')}, data has "
            f"{data.n_features} -> {data.n_classes}"
        )
    config.update(found)
    mlp = MLP(
        data.n_features, data.n_classes, config["hidden"],
        [config["activation"]] * len(config["hidden"]) + ["identity"], "cross_entropy",
        config["lr"], Autograd(), config["momentum"],
        optimizer=config["optimizer"], init=config["init"], seed=config["seed"], dtype=np.dtype(config["dtype"]),
        replay=not args.no_replay,
    )  # fmt: skip
    rng = np.random.default_rng(config["seed"] + 1)
    history = np.zeros((0, len(COLUMNS)))
    start = 0
    if checkpoint is not None:
        _check_state(checkpoint_path, checkpoint.state, mlp.state_dict())
        try:
            mlp.load_state_dict(checkpoint.state)
        except ValueError as err:
            raise ValueError(f"{checkpoint_path}: does not fit this network ({err})") from None
        rng, history, start = checkpoint.rng, checkpoint.history, checkpoint.epoch
    say = (lambda *_: None) if args.quiet else print
    say(_describe(config, data))
    if start:
        say(f"resuming from {checkpoint_path} after epoch {start}")
    make_output_folder(out)
    for name in OUTPUTS:  # found now, not after the training that was to fill them
        if (out / name).is_dir():
            raise IsADirectoryError(errno.EISDIR, "a folder where the run writes a file", str(out / name))
    quiet_stream = io.StringIO() if args.quiet else None  # --quiet: the epoch lines are discarded
    progress = Progress(config["epochs"], len(data.train[0]), first_epoch=start, stream=quiet_stream)
    saved_at = progress.started
    for epoch in range(start + 1, config["epochs"] + 1):
        progress.start_epoch(epoch)
        began = time.perf_counter()
        train_loss, train_error = train_epoch(mlp, *data.train, config["batch_size"], rng, progress.batch_done)
        val_loss, val_error = evaluate(mlp, *data.val)
        progress.end_epoch(train_loss, train_error, val_loss, val_error)
        # The training loss is measured before each update: the last update of an epoch can
        # blow the weights up with it still finite, so the validation loss is checked too.
        if not (np.isfinite(train_loss) and np.isfinite(val_loss)):
            raise ValueError(
                f"training diverged in epoch {epoch} (training loss {train_loss}, validation loss {val_loss}); "
                f"try a smaller --lr than {config['lr']}"
            )
        row = [epoch, train_loss, train_error, val_loss, val_error, time.perf_counter() - began]
        history = np.vstack([history, row])
        if epoch == config["epochs"] or time.perf_counter() - saved_at >= CHECKPOINT_INTERVAL:
            save_checkpoint(checkpoint_path, config, mlp, rng, epoch, history)
            saved_at = time.perf_counter()
    test_loss, test_error = evaluate(mlp, *data.test)
    n_test = len(data.test[0])
    test = {"loss": test_loss, "accuracy": 1.0 - test_error, "correct": n_test - round(test_error * n_test)}
    print(f"test accuracy {100 * test['accuracy']:.2f}% ({test['correct']}/{n_test}), test loss {test_loss:.4f}")
    written = write_metrics(out, config, history, test)
    if not args.no_plots:
        png = plot_curves(out, history, f"MyTorch MLP on {data.name}")
        if png is None:
            say(f"note: matplotlib is not installed, so no curves.png ({install_hint('plot')})")
        else:
            written.append(png)
    written.append(checkpoint_path)
    say(f"wrote {', '.join(str(p) for p in written)} in {format_seconds(time.perf_counter() - progress.started)}")
    return test


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (``hw_bonus.cli``: 0 done, 1 an output
    not writable, 2 bad input or a diverged run, 130 interrupted, 141 stdout closed)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    out = args.out or Path("runs") / args.dataset
    data_dir = f" --data-dir {args.data_dir}" if args.data_dir else ""
    resume = f"{parser.prog} --dataset {args.dataset}{data_dir} --out {out} --resume"

    def train() -> None:
        # A diverging run overflows on its way to NaN; its own message below says so, once.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            run(args)

    return run_command(parser.prog, train, lambda: f"interrupted; continue with: {resume}")


if __name__ == "__main__":
    raise SystemExit(main())
