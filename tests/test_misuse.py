"""The misuse catalogue: wrong uses of the whole public API, each refused with a clear error.

Every entry of ``CATALOGUE`` is one wrong use: the call that makes it, the exception it
must raise, and fragments its message must contain, naming what was wrong and where (the
op, the argument, the shapes, the file). ``docs/errors.md`` lists every entry in the section
of its area and quotes its message as raised; a test keeps the two in step
(``PYTHONPATH=. python tests/test_misuse.py`` prints each section's rows to start from).

Below the catalogue: anomaly detection, which names the operation that produced a NaN or
inf in backward.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import mytorch
from mytorch import Autograd
from mytorch.gradcheck import check_kernel
from mytorch.nn import functional as F
from mytorch.nn import modules as M
from mytorch.optim import SGD, Adam
from mytorch.replay import Replay, ReplayError
from mytorch.tensor import Tensor

DOC = Path(__file__).resolve().parent.parent / "docs" / "errors.md"
X = np.ones((2, 3))


@dataclass(frozen=True)
class Misuse:
    """One wrong use: ``call(tmp_path)`` must raise ``error`` whose message holds ``names``."""

    key: str
    area: str
    what: str
    call: Callable[[Path], Any]
    error: type[BaseException]
    names: tuple[str, ...]


# --------------------------------------------------------------------------- small helpers
def _tanh_tape() -> Autograd:
    """A tape holding tanh(X)."""
    engine = Autograd()
    F.apply(engine, "tanh", X)
    return engine


def _layer() -> M.Linear:
    return M.Linear(3, 2, Autograd())


def _mlp(**kwargs: Any) -> Any:
    from hw_bonus.mlp import MLP

    args = {"activations": ["relu", "identity"], "criterion": "cross_entropy", **kwargs}
    return MLP(4, 3, [5], args.pop("activations"), args.pop("criterion"), 0.1, Autograd(), 0.9, **args)


def _mlp_after_forward() -> Any:
    mlp = _mlp()
    mlp.forward(np.ones((2, 4)))
    return mlp


def MLP_(inputs: int, outputs: int) -> Any:  # noqa: N802 - the MLP class, with the handout's arguments
    from hw_bonus.mlp import MLP

    return MLP(inputs, outputs, [5], ["relu", "identity"], "cross_entropy", 0.1, Autograd())


def _train(labels: list[int]) -> Any:
    from hw_bonus.mlp import train_epoch

    return train_epoch(_mlp(), np.ones((len(labels), 4)), np.array(labels, dtype=np.int64), 2)


def _evaluate(x: np.ndarray, labels: np.ndarray, batch_size: int = 1000) -> Any:
    from hw_bonus.mlp import evaluate

    return evaluate(_mlp(), x, labels, batch_size)


def _training_stats(nepochs: Any) -> Any:
    from hw_bonus.mlp import get_training_stats

    split = (np.ones((2, 4)), np.array([0, 1]))
    return get_training_stats(_mlp(), (split, split), nepochs, 2)


def _sgd_with_momentum() -> SGD:
    return SGD(_layer().parameters(), 0.1, momentum=0.9)


def _run_twice_backward() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    y.backward()


def _forgot_super_init() -> Any:
    import mytorch.nn as nn

    class Net(nn.Module):
        def __init__(self) -> None:
            self.layer = nn.Linear(2, 2)

    return Net()


def _parse_runner(*argv: str) -> Any:
    from hw_bonus.mlp_runner import build_parser

    return build_parser().parse_args(list(argv))


def _run_runner(*argv: str) -> Any:
    from hw_bonus.mlp_runner import run

    return run(_parse_runner(*argv))


_CONFIG = {"dataset": "and", "n_features": 4, "n_classes": 3, "hidden": [5], "activation": "relu", "epochs": 1,
           "batch_size": 4, "lr": 0.1, "momentum": 0.9, "optimizer": "sgd", "init": "uniform", "seed": 0,
           "dtype": "float64"}  # fmt: skip
"""A complete checkpoint config fitting ``_mlp()``."""


def _checkpoint(tmp: Path, name: str = "checkpoint.npz", config: dict | None = None) -> Path:
    from hw_bonus.checkpoint import save_checkpoint

    path = tmp / name
    save_checkpoint(path, config or _CONFIG, _mlp(), np.random.default_rng(0), 1, np.zeros((1, 6)))
    return path


def _changed_checkpoint(tmp: Path, **arrays: Any) -> Any:
    """Load a checkpoint after replacing some of its arrays."""
    from hw_bonus.npz import load_npz, save_npz

    path = _checkpoint(tmp)
    save_npz(path, load_npz(path) | {key: np.asarray(value) for key, value in arrays.items()})
    return _load_checkpoint(path)


def _load_checkpoint(path: Path) -> Any:
    from hw_bonus.checkpoint import load_checkpoint

    return load_checkpoint(path)


def _truncated_checkpoint(tmp: Path) -> Any:
    path = _checkpoint(tmp)
    path.write_bytes(path.read_bytes()[:-100])
    return _load_checkpoint(path)


def _checkpoint_without(tmp: Path, key: str) -> Any:
    from hw_bonus.npz import load_npz, save_npz

    path = _checkpoint(tmp)
    arrays = load_npz(path)
    del arrays[key]
    save_npz(path, arrays)
    return _load_checkpoint(path)


def _checkpoint_with_bad_config(tmp: Path) -> Any:
    from hw_bonus.npz import load_npz, save_npz

    path = _checkpoint(tmp)
    arrays = load_npz(path)
    arrays["config"] = np.array("{not json")
    save_npz(path, arrays)
    return _load_checkpoint(path)


def _checkpoint_with_unknown_compression(tmp: Path) -> Any:
    """A damaged central directory naming a compression method zipfile does not know."""
    path = _checkpoint(tmp)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 10] = 99  # the compression method field
    path.write_bytes(bytes(data))
    return _load_checkpoint(path)


def _resume_other_architecture(tmp: Path) -> Any:
    config = {"dataset": "and", "hidden": [4], "activation": "tanh", "epochs": 1, "batch_size": 4, "lr": 0.5,
              "momentum": 0.9, "optimizer": "sgd", "init": "uniform", "seed": 0, "dtype": "float32",
              "n_features": 2, "n_classes": 2}  # fmt: skip
    _checkpoint(tmp, config=config)
    return _run_runner("--dataset", "and", "--hidden", "8", "--out", str(tmp), "--resume", "--no-plots")


def _load_dataset(name: str, folder: Path | None) -> Any:
    from hw_bonus.datasets import load_dataset

    return load_dataset(name, folder)


def _corrupt_mnist_folder(tmp: Path) -> Any:
    from hw_bonus.datasets import MNIST_FILES

    for name in MNIST_FILES:
        (tmp / name).write_bytes(b"\x93NUMPY garbage")
    return _load_dataset("mnist", tmp)


def _course_mnist(tmp: Path, **changes: Callable[[np.ndarray], np.ndarray]) -> Any:
    """A small course MNIST folder (digits 0..5) with some files changed, then loaded."""
    from hw_bonus.datasets import MNIST_FILES

    for name in MNIST_FILES:
        array = np.zeros((6, 784)) if name.endswith("_data.npy") else np.arange(6)
        np.save(tmp / name, changes.get(name.removesuffix(".npy"), lambda a: a)(array))
    return _load_dataset("mnist", tmp)


def _with(index: Any, value: Any, dtype: Any = None) -> Callable[[np.ndarray], np.ndarray]:
    def change(a: np.ndarray) -> np.ndarray:
        a = a.astype(dtype or a.dtype)
        a[index] = value
        return a

    return change


def _corrupt_mnist5k(tmp: Path) -> Any:
    (tmp / "mnist_5k.npz").write_bytes(b"PK\x03\x04 not really a zip")
    return _load_dataset("mnist-5k", tmp)


def _pickled_npz(tmp: Path) -> Any:
    from hw_bonus.npz import load_npz

    path = tmp / "objects.npz"
    np.savez(path, weights=np.array([{"W": 1}], dtype=object))
    return load_npz(path)


def _extract(tmp: Path, archive: Path) -> Any:
    from autograder.sandbox import extract_handin

    return extract_handin(archive, tmp / "out")


def _not_a_tar(tmp: Path) -> Any:
    archive = tmp / "handin.tar"
    archive.write_text("this is not a tar archive")
    return _extract(tmp, archive)


def _escaping_tar(tmp: Path) -> Any:
    archive = tmp / "handin.tar"
    with tarfile.open(archive, "w") as tar:
        payload = b"print('hi')\n"
        member = tarfile.TarInfo("../evil.py")
        member.size = len(payload)
        tar.addfile(member, io.BytesIO(payload))
    return _extract(tmp, archive)


def _grader(*argv: str) -> Any:
    from autograder.cli import main

    return main(list(argv))


def _replayed_then_backward() -> Any:
    mlp = _mlp(replay=True)
    x, y = np.ones((2, 4)), np.eye(3)[:2]
    for _ in range(2):
        mlp.train_step(x, y)
    return mlp.backward(y)


def _kernel_returning_two_gradients() -> None:
    engine = Autograd()
    engine.add_operation([X], X * 2, [None], lambda g, x: (g, g))
    engine.backward()


def _jvp_through_in_place_change() -> Any:
    from mytorch import func

    def f(x: Tensor) -> Tensor:
        h = x * 2
        y = h * x
        h.mul_(x)
        return y.sum()

    return func.jvp(f, (Tensor(np.ones(2)),), (Tensor(np.ones(2)),))


def _jvp_capturing_a_released_graph() -> Any:
    from mytorch import func

    c = Tensor(np.ones(2), requires_grad=True) * 3
    c.sum().backward()
    return func.jvp(lambda x: (x * c).sum(), (Tensor(np.ones(2)),), (Tensor(np.ones(2)),))


def _replay_batch_norm() -> Any:
    """A replayed step through a BatchNorm1d in training mode (its running statistics move off the tape)."""
    norm = mytorch.nn.BatchNorm1d(3, dtype=np.float64)

    def step(model: Any, opt: SGD, x: Any) -> Any:
        opt.zero_grad()
        loss = norm(model(x)).sum()
        loss.backward()
        opt.step()
        return loss

    return _replay(step, Tensor(np.arange(8.0).reshape(2, 4)))


def _load_a_plain_npz(tmp: Path) -> Any:
    np.savez(tmp / "weights.npz", weight=np.ones(2))
    return mytorch.load(tmp / "weights.npz")


def _replay(step: Callable[..., Any], *inputs: Any, **kwargs: Any) -> Any:
    """``Replay(step, ...)`` over an SGD of one ``nn.Linear(4, 3)``, run three times."""
    model = mytorch.nn.Linear(4, 3, dtype=np.float64)
    opt = SGD(model.parameters(), 0.1)
    replay = Replay(lambda *xs: step(model, opt, *xs), optimizer=opt, **kwargs)
    for _ in range(3):
        replay(*inputs)


def _step_with_dropout(model: Any, opt: SGD, x: Any) -> Any:
    opt.zero_grad()
    loss = mytorch.nn.functional.dropout(model(x), 0.5, training=True).sum()
    loss.backward()
    opt.step()
    return loss


def _step_without_zero_grad(model: Any, opt: SGD, x: Any) -> Any:
    loss = model(x).sum()
    loss.backward()
    opt.step()
    return loss


def _mixed_dtype_step() -> Any:
    # (the handout's losses refuse such targets themselves: loss-wider-targets)
    layer = mytorch.nn.Linear(4, 3).float()
    opt = SGD(layer.parameters(), 0.1)

    def step(x: Tensor, y: Tensor) -> Tensor:
        opt.zero_grad()
        loss = mytorch.nn.functional.mse_loss(layer(x), y)
        loss.backward()
        opt.step()
        return loss

    return Replay(step, optimizer=opt)(Tensor(np.ones((2, 4), np.float32)), Tensor(np.ones((2, 3))))


def _run_diverging(tmp: Path) -> Any:
    return _run_runner("--dataset", "and", "--epochs", "2", "--lr", "1e300", "--out", str(tmp), "--no-plots", "--quiet")


def _resume_with_fewer_epochs(tmp: Path) -> Any:
    _run_runner("--dataset", "and", "--epochs", "2", "--out", str(tmp), "--no-plots", "--quiet")
    return _run_runner("--dataset", "and", "--epochs", "1", "--out", str(tmp), "--no-plots", "--quiet", "--resume")


def _metrics_with_nan(tmp: Path) -> Any:
    from hw_bonus.metrics import write_metrics

    return write_metrics(tmp, {}, np.array([[1.0, np.nan, 0.0, 0.0, 0.0, 0.0]]), {"loss": 0.0})


def _save_nan_checkpoint(tmp: Path) -> Any:
    from hw_bonus.checkpoint import save_checkpoint

    mlp = _mlp()
    mlp.linear_layers[0].W[0, 0] = np.nan
    return save_checkpoint(tmp / "checkpoint.npz", _CONFIG, mlp, np.random.default_rng(0), 1, np.zeros((1, 6)))


def _npz_as_npy(tmp: Path) -> Any:
    from hw_bonus.datasets import MNIST_FILES

    for name in MNIST_FILES:
        array = np.zeros((6, 784)) if name.endswith("_data.npy") else np.arange(6)
        np.save(tmp / name, array)
    with open(tmp / "val_data.npy", "wb") as file:
        np.savez(file, a=np.zeros((6, 784)))
    return _load_dataset("mnist", tmp)


def _buffer_written_after_read() -> None:
    engine, h = Autograd(), X * 2.0
    engine.add_operation([h], np.exp(h), [None], F.exp_backward)
    engine.add_operation([X], np.tanh(X, out=h), [None], F.tanh_backward)  # h written after exp read it


def _handin_error() -> type[BaseException]:
    from autograder.sandbox import HandinError

    return HandinError


# --------------------------------------------------------------------------- the catalogue
CATALOGUE: list[Misuse] = [
    # engine
    Misuse("engine-in-place", "engine", "record an op whose output is its own input (done in place)",
           lambda t: Autograd().add_operation([X], X, [None], F.identity_backward),
           ValueError, ("add_operation(identity_backward)", "output is input 0 itself")),
    Misuse("engine-output-read-before", "engine", "write an op's output into an array an earlier op read (out=)",
           lambda t: _buffer_written_after_read(), ValueError,
           ("add_operation(tanh_backward)", "is an input of an operation already on the tape")),
    Misuse("engine-string-divergence", "engine", "a string as the divergence",
           lambda t: _tanh_tape().backward("1.0"), TypeError,
           ("backward: the divergence must be integers or floats, got a str of dtype <U3",)),
    Misuse("engine-nan-divergence", "engine", "backward with a NaN divergence",
           lambda t: _tanh_tape().backward(np.nan), ValueError, ("backward", "NaN or inf", "tanh_backward")),
    Misuse("engine-jvp-input-off-tape", "engine", "jvp along an array no op reads",
           lambda t: _tanh_tape().jvp([np.ones(4)], [np.ones(4)]), ValueError, ("jvp: input 0", "(4,)", "not on")),
    Misuse("engine-jvp-output-off-tape", "engine", "jvp asking for an output not on the tape",
           lambda t: _tanh_tape().jvp([X], [X], outputs=[np.ones(5)]), ValueError, ("jvp: output 0", "(5,)")),
    Misuse("engine-freed-gradient", "engine", "read an intermediate's gradient after backward freed it",
           lambda t: _freed_gradient(), KeyError, ("get_param", "(2, 3)", "keep_grads=True")),
    Misuse("buffer-non-array", "engine", "ask the gradient buffer about a list",
           lambda t: Autograd().gradient_buffer.get_param([1.0]), TypeError, ("GradientBuffer.get_param", "list")),
    Misuse("buffer-wrong-shape", "engine", "store a gradient of the wrong shape in the buffer",
           lambda t: Autograd().gradient_buffer.update_param(np.ones(3), np.ones(4)),
           ValueError, ("update_param", "(4,)", "(3,)")),
    Misuse("buffer-string-gradient", "engine", "a gradient of strings stored in the buffer",
           lambda t: mytorch.GradientBuffer().update_param(X, np.full((2, 3), "g")), TypeError,
           ("GradientBuffer.update_param: the gradient must hold numbers, got dtype <U1",)),
    Misuse("buffer-set-wrong-shape", "engine", "replace a gradient by one of the wrong shape",
           lambda t: Autograd().gradient_buffer.set_param(np.ones(3), np.ones((3, 1))),
           ValueError, ("set_param", "(3, 1)", "(3,)")),
    Misuse("engine-empty-tape", "engine", "backward on an empty tape",
           lambda t: Autograd().backward(), ValueError, ("backward: the tape is empty",)),
    Misuse("engine-gradient-count", "engine", "one input, two entries in gradients_to_update",
           lambda t: Autograd().add_operation([X], X * 2, [None, None], F.tanh_backward),
           ValueError, ("add_operation(tanh_backward): 1 inputs but 2 entries",)),
    Misuse("engine-gradient-into-value", "engine", "the weights themselves as their gradient array",
           lambda t: Autograd().add_operation([X, X.T], X @ X.T, [None, X.T], F.matmul_backward), ValueError,
           ("add_operation(matmul_backward): gradients_to_update[1] shares memory with input 1 (shape (3, 2))",
            "dW, not W")),
    Misuse("engine-narrow-gradient", "engine", "a float32 gradient array for a float64 input",
           lambda t: Autograd().add_operation([X], np.tanh(X), [np.zeros((2, 3), np.float32)], F.tanh_backward),
           TypeError, ("add_operation(tanh_backward): gradients_to_update[0] has dtype float32", "input 0 is float64")),
    Misuse("engine-constant-input", "engine", "a Python number among the inputs",
           lambda t: Autograd().add_operation([X, 2.0], X * 2, [None, None], F.mul_backward),
           TypeError, ("add_operation(mul_backward): input 1 must be a numpy.ndarray", "NO_GRAD")),
    Misuse("engine-kernel-gradient-count", "engine", "a kernel returning two gradients for one input",
           lambda t: _kernel_returning_two_gradients(),
           ValueError, ("backward: operation 0", "returned 2 gradients for 1 inputs")),
    # kernels
    Misuse("apply-matmul-shapes", "kernels", "matmul of (2, 3) by (2, 3)",
           lambda t: F.apply(None, "matmul", X, X), ValueError, ("apply(matmul)", "(2, 3), (2, 3)")),
    Misuse("apply-no-broadcast", "kernels", "add shapes that do not broadcast",
           lambda t: F.apply(None, "add", X, np.ones(4)), ValueError, ("apply(add)", "(2, 3), (4,)")),
    Misuse("apply-reshape-size", "kernels", "reshape 6 elements to (4,)",
           lambda t: F.apply(None, "reshape", X, shape=(4,)), ValueError, ("apply(reshape)", "(4,)")),
    Misuse("apply-axis-out-of-range", "kernels", "sum over axis 2 of a 2-D array",
           lambda t: F.apply(None, "sum", X, axis=2), ValueError, ("apply(sum)", "axis 2")),
    Misuse("apply-index-out-of-range", "kernels", "index row 5 of a 2-row array",
           lambda t: F.apply(None, "index", X, index=(5,)), IndexError, ("apply(index)", "(2, 3)", "index 5")),
    Misuse("apply-list-input", "kernels", "pass a Python list to a kernel",
           lambda t: F.apply(None, "sum", [1.0, 2.0]), TypeError, ("apply(sum): input 0", "list")),
    Misuse("apply-missing-param", "kernels", "pow without its exponent",
           lambda t: F.apply(None, "pow", X), TypeError, ("apply(pow)", "exponent")),
    Misuse("apply-unknown-param", "kernels", "an axis for an elementwise kernel",
           lambda t: F.apply(None, "tanh", X, axis=0), TypeError, ("apply(tanh)", "axis")),
    Misuse("apply-concatenate-shapes", "kernels", "concatenate arrays that differ off the axis",
           lambda t: F.apply(None, "concatenate", X, np.ones((3, 3)), axis=1),
           ValueError, ("apply(concatenate)", "(2, 3), (3, 3)")),
    Misuse("cross-entropy-class-labels", "kernels", "integer-style labels (N,) against logits (N, C)",
           lambda t: F.softmax_cross_entropy(np.arange(3.0), np.ones((3, 3))),
           ValueError, ("softmax_cross_entropy", "(3,)", "(3, 3)", "one-hot")),
    Misuse("bce-not-probabilities", "kernels", "logits given to bce_loss",
           lambda t: F.bce_loss(np.ones(3), np.array([-0.5, 0.5, 2.0])),
           ValueError, ("bce_loss", "[0, 1]", "bce_with_logits_loss")),
    Misuse("mse-shapes", "kernels", "mse_loss of (4,) against (4, 1)",
           lambda t: F.mse_loss(np.ones(4), np.ones((4, 1))), ValueError, ("mse_loss", "(4,)", "(4, 1)")),
    Misuse("apply-unknown-kernel", "kernels", "a misspelt kernel name",
           lambda t: F.apply(None, "tahn", X), ValueError, ("no kernel named 'tahn'", "tanh")),
    Misuse("check-kernel-unknown", "kernels", "gradcheck a kernel that does not exist",
           lambda t: check_kernel("softmaxx", X), ValueError, ("check_kernel", "'softmaxx'")),
    Misuse("register-jvp-not-callable", "kernels", "register a JVP rule that is not a function",
           lambda t: F.register_jvp(F.tanh_backward, "tanh_jvp"), TypeError, ("register_jvp", "callable")),
    # modules
    Misuse("linear-zero-features", "modules", "Linear(0, 3)",
           lambda t: M.Linear(0, 3, Autograd()), ValueError, ("Linear", "in_features", "0")),
    Misuse("linear-fractional-size", "modules", "Linear(3, 2.5)",
           lambda t: M.Linear(3, 2.5, Autograd()), ValueError, ("Linear", "out_features", "2.5")),
    Misuse("linear-unknown-init", "modules", "an initialisation that does not exist",
           lambda t: M.Linear(3, 2, Autograd(), init="gaussian"), ValueError, ("Linear: init", "'gaussian'", "he")),
    Misuse("linear-integer-dtype", "modules", "integer parameters",
           lambda t: M.Linear(3, 2, Autograd(), dtype=np.int64), TypeError, ("Linear: dtype", "int64")),
    Misuse("linear-wrong-columns", "modules", "a (4, 5) batch into Linear(3, 2)",
           lambda t: _layer()(np.ones((4, 5))), ValueError, ("Linear(3, 2).forward", "(N, 3)", "(4, 5)")),
    Misuse("linear-vector-input", "modules", "a 1-D input into Linear",
           lambda t: _layer()(np.ones(3)), ValueError, ("Linear(3, 2).forward", "(3,)")),
    Misuse("linear-integer-data", "modules", "integer data into a layer that wants its gradient",
           lambda t: _layer()(np.ones((2, 3), dtype=np.int64)), TypeError, ("matmul_backward", "input 0", "int64")),
    Misuse("linear-wider-input", "modules", "float64 data into a float32 layer",
           lambda t: M.Linear(3, 2, Autograd(), dtype=np.float32)(X), TypeError,
           ("Linear(3, 2).forward: the input is float64 but the layer's parameters are float32", "x.astype")),
    Misuse("activation-integer-input", "modules", "a boolean array into an activation",
           lambda t: M.Sigmoid(Autograd())(X > 0), TypeError, ("Sigmoid.forward: expected a floating-point", "bool")),
    Misuse("activation-list", "modules", "a Python list into an activation",
           lambda t: M.Tanh(Autograd())([1.0, 2.0]), TypeError, ("Tanh.forward", "list")),
    Misuse("module-without-forward", "modules", "call the Module base class",
           lambda t: M.Module(Autograd())(X), NotImplementedError, ("Module.forward",)),
    # losses
    Misuse("loss-shapes", "losses", "predictions (4, 3) against targets (4, 2)",
           lambda t: M.MSELoss(Autograd())(np.ones((4, 2)), np.ones((4, 3))),
           ValueError, ("MSELoss", "(4, 2)", "(4, 3)")),
    Misuse("loss-list", "losses", "a list as the ground truth",
           lambda t: M.SoftmaxCrossEntropy(Autograd())([0, 1], X), TypeError, ("SoftmaxCrossEntropy", "list")),
    Misuse("loss-wider-targets", "losses", "float64 targets against float32 predictions",
           lambda t: M.SoftmaxCrossEntropy(Autograd())(np.eye(2), np.eye(2, dtype=np.float32)), TypeError,
           ("SoftmaxCrossEntropy: ground truth y of dtype float64 against float32 predictions", "y.astype")),
    Misuse("loss-string-targets", "losses", "targets of strings",
           lambda t: M.MSELoss(Autograd())(np.array(["a", "b"]), np.ones(2)), TypeError,
           ("MSELoss: the ground truth y must hold real numbers, got dtype <U1",)),
    Misuse("loss-empty-batch", "losses", "a batch of no examples",
           lambda t: M.MSELoss(Autograd())(np.ones((0, 3)), np.ones((0, 3))), ValueError,
           ("MSELoss: an empty batch (y_hat of shape (0, 3))",)),
    Misuse("loss-backward-first", "losses", "loss.backward() before computing a loss",
           lambda t: M.BCELoss(Autograd()).backward(), ValueError, ("BCELoss.backward", "call the loss")),
    Misuse("mlp-cross-entropy-one-output", "MLP", "cross-entropy over a single output",
           lambda t: MLP_(4, 1), ValueError, ("MLP: cross-entropy over 1 output is always 0", "bce_with_logits")),
    Misuse("mlp-backward-after-replay", "MLP", "backward right after a replayed train_step",
           lambda t: _replayed_then_backward(), ValueError, ("MLP.backward: the last train_step was replayed",)),
    Misuse("mlp-adam-momentum", "MLP", "mlp.momentum set with Adam",
           lambda t: setattr(_mlp(optimizer="adam"), "momentum", 0.9), ValueError, ("MLP.momentum", "Adam")),
    Misuse("mlp-error-label-count", "MLP", "MLP.error with one label for a batch of two",
           lambda t: _mlp_after_forward().error(np.array([1])), ValueError,
           ("MLP.error: the last output has shape (2, 3); labels must be classes (2,) or rows (2, 3), got (1,)",)),
    Misuse("mlp-no-examples", "MLP", "an empty data set",
           lambda t: _train([]), ValueError, ("train_epoch: no examples",)),
    Misuse("mlp-nan-input", "MLP", "a NaN in an input row",
           lambda t: _evaluate(np.array([[1.0, np.nan, 0.0, 0.0]]), np.array([0])),
           ValueError, ("evaluate: example 0 has a NaN or infinite input",)),
    Misuse("mlp-bad-target-row", "MLP", "a cross-entropy target row summing to 2",
           lambda t: _evaluate(np.ones((2, 4)), np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
           ValueError, ("evaluate: the target row of example 0 is [1.0, 1.0, 0.0]",)),
    Misuse("mlp-negative-batch", "MLP", "evaluate with batch_size -1",
           lambda t: _evaluate(np.ones((2, 4)), np.array([0, 1]), batch_size=-1),
           ValueError, ("evaluate: batch_size must be positive, got -1",)),
    Misuse("mlp-fractional-epochs", "MLP", "2.5 epochs",
           lambda t: _training_stats(2.5), TypeError, ("get_training_stats: nepochs must be a whole number",)),
    # optimizers
    Misuse("optimizer-given-module", "optimizers", "SGD(layer) instead of SGD(layer.parameters())",
           lambda t: SGD(_layer(), 0.1), TypeError, ("SGD: params", "Linear", "parameters()")),
    Misuse("optimizer-negative-lr", "optimizers", "a negative learning rate",
           lambda t: SGD(_layer().parameters(), -0.1), ValueError, ("SGD: lr", ">= 0", "-0.1")),
    Misuse("optimizer-nan-lr", "optimizers", "a NaN learning rate",
           lambda t: Adam(_layer().parameters(), float("nan")), ValueError, ("Adam: lr", "nan")),
    Misuse("optimizer-string-lr", "optimizers", "the learning rate as a string",
           lambda t: SGD(_layer().parameters(), "0.1"), TypeError, ("SGD: lr must be a number", "str")),
    Misuse("sgd-nesterov-without-momentum", "optimizers", "Nesterov with momentum 0",
           lambda t: SGD(_layer().parameters(), 0.1, nesterov=True), ValueError, ("SGD", "nesterov", "momentum")),
    Misuse("sgd-negative-momentum", "optimizers", "momentum -0.5",
           lambda t: SGD(_layer().parameters(), 0.1, momentum=-0.5), ValueError, ("SGD: momentum", ">= 0")),
    Misuse("adam-beta-one", "optimizers", "beta1 = 1",
           lambda t: Adam(_layer().parameters(), betas=(1.0, 0.9)), ValueError, ("Adam: betas", "[0, 1)", "1.0")),
    Misuse("adam-one-beta", "optimizers", "a single beta",
           lambda t: Adam(_layer().parameters(), betas=(0.9,)), ValueError, ("Adam: betas must be a pair", "(0.9,)")),
    Misuse("optimizer-no-parameters", "optimizers", "an empty parameter list",
           lambda t: SGD([], 0.1), ValueError, ("SGD", "no parameters")),
    Misuse("optimizer-mismatched-pair", "optimizers", "a gradient of another shape than its value",
           lambda t: SGD([(np.ones((2, 3)), np.ones(3))], 0.1), ValueError, ("SGD: parameter 0", "(2, 3)", "(3,)")),
    Misuse("optimizer-integer-value", "optimizers", "an integer array as a parameter's value",
           lambda t: SGD([(np.ones(3, np.int64), np.ones(3))], 0.1), TypeError,
           ("SGD: parameter 0's value has dtype int64; it must be floating point",)),
    Misuse("optimizer-value-is-gradient", "optimizers", "the value given as its own gradient",
           lambda t: Adam([(X, X)], 0.1), ValueError, ("Adam: parameter 0's value and gradient share memory",)),
    Misuse("optimizer-state-missing", "optimizers", "load a state without the velocities",
           lambda t: _sgd_with_momentum().load_state_dict({}), ValueError, ("SGD.load_state_dict", "velocity.0")),
    Misuse("optimizer-state-shape", "optimizers", "load a velocity of the wrong shape",
           lambda t: _sgd_with_momentum().load_state_dict({"velocity.0": np.ones((2, 3)), "velocity.1": np.ones(5)}),
           ValueError, ("SGD.load_state_dict", "velocity.1", "(5,)", "(2,)")),
    # the MLP
    Misuse("mlp-activation-count", "MLP", "one activation for two layers",
           lambda t: _mlp(activations=["relu"]), ValueError, ("MLP", "need 2 activations", "got 1")),
    Misuse("mlp-unknown-activation", "MLP", "an activation name that does not exist",
           lambda t: _mlp(activations=["relu6", "identity"]), ValueError, ("MLP: unknown activation 'relu6'", "gelu")),
    Misuse("mlp-foreign-criterion", "MLP", "a loss built on another engine",
           lambda t: _mlp(criterion=M.MSELoss(Autograd())), ValueError, ("MLP: criterion MSELoss", "another engine")),
    Misuse("mlp-unknown-optimizer", "MLP", "an optimizer name that does not exist",
           lambda t: _mlp(optimizer="rmsprop"), ValueError, ("MLP: unknown optimizer 'rmsprop'", "adam")),
    Misuse("mlp-backward-first", "MLP", "backward before forward",
           lambda t: _mlp().backward(np.ones((2, 3))), ValueError, ("MLP.backward", "call forward first")),
    Misuse("mlp-label-count", "MLP", "5 examples with 4 labels",
           lambda t: _train_with_labels(4), ValueError, ("5 examples but 4 labels",)),
    Misuse("mlp-label-range", "MLP", "class 7 for a 3-class network",
           lambda t: _train_with_labels(5, top=7), ValueError, ("one_hot", "[0, 3)", "7")),
    Misuse("mlp-state-shape", "MLP", "load weights of another architecture",
           lambda t: _mlp().load_state_dict({**_mlp().state_dict(), "W.1": np.ones((9, 9))}),
           ValueError, ("MLP.load_state_dict", "W.1", "(9, 9)", "(3, 5)")),
    # Tensor
    Misuse("tensor-strings", "Tensor", "a Tensor of strings",
           lambda t: Tensor(["a", "b"]), TypeError, ("Tensor", "<U1", "not numeric")),
    Misuse("tensor-implicit-gradient", "Tensor", "backward() on a non-scalar without a gradient",
           lambda t: (Tensor(X, requires_grad=True) * 2).backward(), RuntimeError,
           ("backward", "one-element", "(2, 3)")),
    Misuse("tensor-backward-twice", "Tensor", "backward twice through a released graph",
           lambda t: _run_twice_backward(), RuntimeError, ("already released", "retain_graph=True")),
    Misuse("tensor-item-elements", "Tensor", "item() of a tensor of many elements",
           lambda t: Tensor(X).item(), RuntimeError, ("item", "(2, 3)", "6 elements", "one-element")),
    Misuse("tensor-no-grad", "Tensor", "backward on a tensor nothing requires a gradient of",
           lambda t: Tensor(X).sum().backward(), RuntimeError, ("backward", "does not require a gradient")),
    Misuse("tensor-matmul-shapes", "Tensor", "(2, 3) @ (2, 3)",
           lambda t: Tensor(X, requires_grad=True) @ Tensor(X), ValueError, ("matmul", "(2, 3), (2, 3)")),
    Misuse("tensor-gradient-shape", "Tensor", "backward(gradient) of the wrong shape",
           lambda t: Tensor(X, requires_grad=True).sum().backward(np.ones(3)), ValueError, ("backward", "(3,)")),
    Misuse("tensor-grad-array", "Tensor", "assign an array to .grad",
           lambda t: setattr(Tensor(X, requires_grad=True), "grad", np.ones((2, 3))),
           TypeError, ("Tensor.grad", "ndarray", "mytorch.Tensor(array)")),
    Misuse("tensor-grad-shape", "Tensor", "assign a .grad of another shape",
           lambda t: setattr(Tensor(X, requires_grad=True), "grad", Tensor(np.ones(3))),
           ValueError, ("Tensor.grad", "(3,)", "(2, 3)")),
    Misuse("tensor-topk-k", "Tensor", "topk(4) of three values",
           lambda t: Tensor(np.ones(3)).topk(4), ValueError, ("topk: k = 4", "size 3", "(3,)")),
    Misuse("tensor-einsum-lengths", "Tensor", "einsum('ij,jk->ik') of (2, 3) and (2, 4)",
           lambda t: mytorch.einsum("ij,jk->ik", Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))),
           ValueError, ("einsum: letter 'j'", "3 and 2")),
    # in place
    Misuse("inplace-leaf", "in place", "w += 1 on a leaf that requires grad, while recording",
           lambda t: Tensor(X, requires_grad=True).__iadd__(1), RuntimeError, ("+=", "leaf", "(2, 3)", "no_grad")),
    Misuse("inplace-saved-output", "in place", "a *= 0.5 on a sigmoid output, then backward",
           lambda t: _dropout_on_saved_sigmoid(), RuntimeError,
           ("sigmoid_backward", "output", "(2, 3)", "version 1", "expected version 0")),
    Misuse("inplace-parameter-updated", "in place", "update a parameter between forward and backward",
           lambda t: _update_between_forward_and_backward(), RuntimeError, ("mul_backward", "input 0", "(2, 3)")),
    Misuse("inplace-raw-write", "in place", "x.numpy()[...] = 10 while a graph that read x lives",
           lambda t: _raw_write_into_saved_leaf(), ValueError, ("read-only",)),
    Misuse("inplace-view", "in place", "w[0] += 1 on a leaf that requires grad, while recording (through a view)",
           lambda t: _in_place_on_view(), RuntimeError,
           ("+=", "(3,)", "view of a leaf tensor that requires grad", "(2, 3)", "no_grad")),
    Misuse("inplace-view-no-grad", "in place", "a view made under no_grad of a recorded tensor, changed with grad on",
           lambda t: _in_place_on_no_grad_view(), RuntimeError,
           ("mul_", "(3,)", "view made under no_grad", "both inside")),
    Misuse("inplace-view-split", "in place", "a piece of split changed in place while recording",
           lambda t: (Tensor(X, requires_grad=True) * 1).split(1)[0].mul_(2), RuntimeError,
           ("mul_", "(1, 3)", "views Split returned together", "slice")),
    Misuse("inplace-view-expanded", "in place", "an expanded view of a recorded tensor changed in place",
           lambda t: (Tensor(np.ones(3), requires_grad=True) * 1).expand(2, 3).mul_(2), RuntimeError,
           ("mul_", "more than one element", "(2, 3)", "clone")),
    Misuse("inplace-view-custom", "in place", "a tensor changed in place while a custom Function's view of it lives",
           lambda t: _in_place_beside_custom_view(), RuntimeError,
           ("mul_", "(2, 3)", "shares its memory", "(3, 2)", "custom Function")),
    Misuse("inplace-dtype", "in place", "an integer tensor += 0.5",
           lambda t: Tensor(np.arange(3)).__iadd__(0.5), RuntimeError, ("+=", "int64", "float32")),
    Misuse("inplace-read-only", "in place", "add_ on a tensor wrapping a read-only array",
           lambda t: Tensor(_read_only()).add_(1), RuntimeError, ("add_", "(2, 3)", "read-only")),
    Misuse("inplace-floor-divide-recording", "in place", "h //= 2 on a tensor that requires grad, while recording",
           lambda t: (Tensor(np.ones(2), requires_grad=True) * 1).__ifloordiv__(2), RuntimeError,
           ("//=: floor division has no derivative", "(2,)", "no_grad")),
    Misuse("engine-anomaly-changed-array", "engine", "under detect_anomaly, change a recorded array before backward",
           lambda t: _anomaly_changed_array(), RuntimeError,
           ("detect_anomaly: operation 0", "tanh_backward", "(2, 3)")),
    Misuse("jvp-complex-tangent", "engine", "a complex tangent for a real input",
           lambda t: _tanh_tape().jvp([X], [X * 1j]), TypeError, ("jvp: tangent 0", "complex", "(2, 3)")),
    # nn and optim on Tensors
    Misuse("nn-array-into-linear", "nn", "a NumPy array into nn.Linear",
           lambda t: mytorch.nn.Linear(3, 2)(np.ones((4, 3))), TypeError,
           ("Linear (mytorch.nn) takes a mytorch Tensor", "mytorch.tensor(x)", "mytorch.nn.modules.linear.Linear")),
    Misuse("nn-tensor-into-handout-linear", "nn", "a Tensor into the handout's Linear",
           lambda t: _layer()(Tensor(np.ones((4, 3)))), TypeError,
           ("Linear(3, 2).forward", "got a Tensor", "mytorch.nn.Linear(in_features, out_features)")),
    Misuse("nn-linear-handout-signature", "nn", "nn.Linear(3, 2, engine), the handout's signature",
           lambda t: mytorch.nn.Linear(3, 2, Autograd()), TypeError,
           ("Linear: bias must be True or False", "Autograd", "mytorch.nn.modules.linear.Linear")),
    Misuse("nn-handout-module-in-sequential", "nn", "a handout module inside nn.Sequential",
           lambda t: mytorch.nn.Sequential(_layer()), TypeError, ("Sequential: item 0", "do not mix")),
    Misuse("nn-no-super-init", "nn", "a Module subclass assigning a layer before super().__init__()",
           lambda t: _forgot_super_init(), AttributeError, ("Net", "super().__init__()")),
    Misuse("nn-class-label-range", "nn", "a class label 3 for 3 logits",
           lambda t: mytorch.nn.CrossEntropyLoss()(Tensor(np.zeros((2, 3))), np.array([0, 3])), ValueError,
           ("F.cross_entropy", "below 3", "0 .. 3")),
    Misuse("nn-state-dict-shape", "nn", "load a bias of the wrong shape",
           lambda t: mytorch.nn.Linear(3, 2).load_state_dict({"weight": np.ones((2, 3)), "bias": np.ones(3)}),
           ValueError, ("Linear.load_state_dict", "'bias'", "(3,)", "(2,)")),
    Misuse("nn-state-dict-missing", "nn", "load a state dict without the bias",
           lambda t: mytorch.nn.Linear(3, 2).load_state_dict({"weight": np.ones((2, 3))}), KeyError,
           ("missing keys ['bias']",)),
    Misuse("optimizer-non-leaf", "nn", "optimize a computed Tensor",
           lambda t: SGD([Tensor(np.ones(2), requires_grad=True) * 2], 0.1), ValueError,
           ("SGD: parameter 0", "leaf")),
    Misuse("scheduler-zero-step", "nn", "StepLR with step_size 0",
           lambda t: mytorch.optim.lr_scheduler.StepLR(_sgd_with_momentum(), 0), ValueError,
           ("StepLR: step_size", "positive", "0")),
    Misuse("nn-integer-one-hot", "nn", "integer one-hot rows as a cross-entropy target",
           lambda t: mytorch.nn.functional.cross_entropy(Tensor(np.ones((2, 3))), np.eye(3, dtype=np.int64)[:2]),
           TypeError, ("F.cross_entropy", "must be floating point", "int64")),
    Misuse("nn-bce-target-range", "nn", "a BCE target of 2",
           lambda t: mytorch.nn.BCELoss()(Tensor(np.full((2, 1), 0.5)), Tensor(np.full((2, 1), 2.0))),
           ValueError, ("F.binary_cross_entropy: the targets must be probabilities in [0, 1]",)),
    Misuse("nn-string-target", "nn", "a string target for mse_loss",
           lambda t: mytorch.nn.functional.mse_loss(Tensor(np.ones(2)), np.array(["a", "b"])),
           TypeError, ("F.mse_loss: target must hold numbers",)),
    Misuse("nn-flatten-dimension", "nn", "nn.Flatten(2) on an (N, F) input",
           lambda t: mytorch.nn.Flatten(2)(Tensor(np.ones((2, 3)))),
           IndexError, ("flatten: dimension 2 out of range",)),
    Misuse("nn-flatten-order", "nn", "nn.Flatten(1, 0)",
           lambda t: mytorch.nn.Flatten(1, 0)(Tensor(np.ones((2, 3)))),
           ValueError, ("start_dim 1 comes after end_dim 0",)),
    Misuse("nn-pad-reflect-too-far", "nn", "F.pad(x, (3, 0), 'reflect') of a length-3 axis",
           lambda t: mytorch.nn.functional.pad(Tensor(np.ones(3)), (3, 0), "reflect"), ValueError,
           ("pad: mode 'reflect' needs padding less than the axis length", "(3, 0)", "length 3")),
    Misuse("nn-layer-norm-shape", "nn", "LayerNorm(4) on a (2, 3) input",
           lambda t: mytorch.nn.LayerNorm(4)(Tensor(np.ones((2, 3)))), ValueError,
           ("layer_norm: normalized_shape (4,)", "(2, 3)")),
    Misuse("nn-batch-norm-one-row", "nn", "BatchNorm1d in training mode on a batch of one",
           lambda t: mytorch.nn.BatchNorm1d(3)(Tensor(np.ones((1, 3)))), ValueError,
           ("batch_norm: expected more than 1 value per channel when training", "(1, 3)")),
    Misuse("nn-save-module", "nn", "mytorch.save of a whole module",
           lambda t: mytorch.save(mytorch.nn.Linear(2, 2), t / "net.pt"), TypeError,
           ("mytorch.save: the object is a Linear: save its state_dict() instead", "not other objects")),
    Misuse("nn-load-plain-npz", "nn", "mytorch.load of an .npz that mytorch.save did not write",
           _load_a_plain_npz, ValueError, ("mytorch.load:", "weights.npz", "is not a file mytorch.save wrote")),
    Misuse("func-jvp-in-place", "Tensor", "func.jvp through an in-place change of a value read before",
           lambda t: _jvp_through_in_place_change(), RuntimeError, ("jvp (forward mode replays what was recorded)",)),
    Misuse("func-jvp-released-graph", "Tensor", "func.jvp of an f capturing a Tensor from a released graph",
           lambda t: _jvp_capturing_a_released_graph(), RuntimeError, ("already released", ".detach()")),
    Misuse("func-repeated-argnums", "Tensor", "argnums=(0, 0)",
           lambda t: mytorch.func.grad(lambda a: (a * a).sum(), argnums=(0, 0))(Tensor(np.ones(2))),
           ValueError, ("func.grad: argnums must name distinct arguments",)),
    # replay
    Misuse("replay-not-callable", "replay", "Replay of something that is not a function",
           lambda t: Replay(3, optimizer=_sgd_with_momentum()),
           TypeError, ("Replay: step must be callable",)),
    Misuse("replay-dropout", "replay", "a step drawing a dropout mask",
           lambda t: _replay(_step_with_dropout, Tensor(np.ones((2, 4)))),
           ReplayError, ("an array the step makes anew each run",)),
    Misuse("replay-no-zero-grad", "replay", "a step that never zeroes its gradients",
           lambda t: _replay(_step_without_zero_grad, Tensor(np.ones((2, 4)))),
           ReplayError, ("gradient(s) it did not zero",)),
    Misuse("replay-mixed-dtypes", "replay", "float32 predictions against float64 targets",
           lambda t: _mixed_dtype_step(), ReplayError, ("mixes dtypes",)),
    Misuse("replay-batch-norm", "replay", "a step training a BatchNorm1d",
           lambda t: _replay_batch_norm(), ReplayError, ("BatchNorm1d's running statistics outside the tape",)),
    # runner options
    Misuse("runner-zero-lr", "runner", "--lr 0",
           lambda t: _parse_runner("--lr", "0"), SystemExit, ("--lr", "'0' must be a positive number")),
    Misuse("runner-negative-hidden", "runner", "--hidden 64 -3",
           lambda t: _parse_runner("--hidden", "64", "-3"), SystemExit, ("--hidden", "'-3'")),
    Misuse("runner-momentum-one", "runner", "--momentum 1",
           lambda t: _parse_runner("--momentum", "1"), SystemExit, ("--momentum", "in [0, 1)")),
    Misuse("runner-unknown-dataset", "runner", "--dataset cifar",
           lambda t: _parse_runner("--dataset", "cifar"), SystemExit, ("--dataset", "'cifar'")),
    Misuse("runner-resume-nothing", "runner", "--resume with no checkpoint",
           lambda t: _run_runner("--dataset", "and", "--out", str(t), "--resume"),
           FileNotFoundError, ("checkpoint.npz", "no checkpoint to resume")),
    Misuse("runner-resume-other-architecture", "runner", "--resume with other hidden sizes",
           _resume_other_architecture, ValueError, ("checkpoint.npz", "another architecture", "hidden=[4]", "[8]")),
    Misuse("runner-diverged", "runner", "a learning rate of 1e300",
           _run_diverging, ValueError, ("training diverged in epoch 1", "smaller --lr")),
    Misuse("runner-resume-fewer-epochs", "runner", "--resume --epochs 1 after 2 epochs",
           _resume_with_fewer_epochs, ValueError, ("2 epochs are done already; --epochs 1 is fewer",)),
    # data files
    Misuse("data-mnist-no-folder", "data", "--dataset mnist without --data-dir",
           lambda t: _load_dataset("mnist", None), ValueError, ("mnist", "--data-dir")),
    Misuse("data-mnist-missing-files", "data", "an empty MNIST folder",
           lambda t: _load_dataset("mnist", t), FileNotFoundError, ("train_data.npy", "missing")),
    Misuse("data-mnist-corrupt", "data", "an MNIST .npy file that is garbage",
           _corrupt_mnist_folder, ValueError, ("train_data.npy", "not a readable .npy")),
    Misuse("data-mnist5k-corrupt", "data", "a damaged mnist_5k.npz",
           _corrupt_mnist5k, ValueError, ("mnist_5k.npz", "not a readable .npz")),
    Misuse("data-pickled-npz", "data", "an .npz holding pickled objects",
           _pickled_npz, ValueError, ("objects.npz", "pickle")),
    Misuse("data-unknown-set", "data", "a data set name that does not exist",
           lambda t: _load_dataset("cifar", None), ValueError, ("load_dataset", "'cifar'", "mnist-5k")),
    Misuse("data-nan-feature", "data", "one NaN pixel in the test split",
           lambda t: _course_mnist(t, test_data=_with((2, 7), np.nan)), ValueError,
           ("test_data.npy", "row 2", "non-finite feature", "nan in column 7")),
    Misuse("data-label-out-of-range", "data", "a label 12 in a 10-class data set",
           lambda t: _course_mnist(t, train_labels=_with(3, 12)), ValueError,
           ("train_labels.npy", "row 3 has label 12", "mnist has 10 classes")),
    Misuse("data-fractional-label", "data", "a label 2.5",
           lambda t: _course_mnist(t, val_labels=_with(1, 2.5, float)), ValueError,
           ("val_labels.npy", "row 1 has label 2.5", "whole numbers")),
    Misuse("data-label-count", "data", "5 labels for 6 rows",
           lambda t: _course_mnist(t, test_labels=lambda a: a[:5]), ValueError,
           ("test_labels.npy", "6 rows of features need 6 labels", "(5,)")),
    Misuse("data-generated-with-folder", "data", "a folder for a generated data set",
           lambda t: _load_dataset("disc", t), ValueError, ("load_dataset: disc is generated",)),
    Misuse("data-bool-labels", "data", "boolean labels (a saved mask)",
           lambda t: _course_mnist(t, train_labels=lambda a: a == 3),
           ValueError, ("labels must be whole numbers, got dtype bool",)),
    Misuse("data-split-widths", "data", "a validation split with 700 features",
           lambda t: _course_mnist(t, val_data=lambda a: np.zeros((6, 700))), ValueError,
           ("val_data.npy: 700 features per row, but train_data.npy has 784",)),
    Misuse("data-vector-features", "data", "1-D features",
           lambda t: _course_mnist(t, val_data=lambda a: np.zeros(6)), ValueError,
           ("val_data.npy: need rows (N, features)",)),
    Misuse("data-npz-as-npy", "data", "an .npz saved under a .npy name",
           _npz_as_npy, ValueError, ("val_data.npy: a .npz archive, not a .npy file",)),
    Misuse("data-pixel-scales", "data", "one split on 0..1, the others on 0..255",
           lambda t: _course_mnist(t, train_data=lambda a: a + 255.0, val_data=lambda a: a + 0.5), ValueError,
           ("val_data.npy: pixels from 0.5 to 0.5 (the 0..1 scale)", "give all three splits on one scale")),
    Misuse("metrics-nan", "data", "a NaN in the history written to metrics.json",
           _metrics_with_nan, ValueError, ("metrics.json: a metric is NaN or infinite; not written",)),
    # checkpoints
    Misuse("checkpoint-missing", "checkpoints", "load a checkpoint that is not there",
           lambda t: _load_checkpoint(t / "nope.npz"), FileNotFoundError, ("nope.npz", "no such file")),
    Misuse("checkpoint-truncated", "checkpoints", "load a truncated checkpoint",
           _truncated_checkpoint, ValueError, ("checkpoint.npz", "corrupt or truncated")),
    Misuse("checkpoint-unknown-compression", "checkpoints", "a damaged zip header (unknown compression)",
           _checkpoint_with_unknown_compression, ValueError, ("checkpoint.npz", "not a readable .npz")),
    Misuse("checkpoint-missing-array", "checkpoints", "a checkpoint without its rng state",
           lambda t: _checkpoint_without(t, "rng"), ValueError, ("checkpoint.npz", "missing array(s) rng")),
    Misuse("checkpoint-bad-config", "checkpoints", "a checkpoint whose config is not JSON",
           _checkpoint_with_bad_config, ValueError, ("checkpoint.npz", "not a MyTorch checkpoint")),
    Misuse("checkpoint-config-not-object", "checkpoints", "a config that is a JSON list",
           lambda t: _changed_checkpoint(t, config="[1, 2]"), ValueError,
           ("checkpoint.npz", "damaged checkpoint", "'config' is list JSON, not an object")),
    Misuse("checkpoint-config-missing-field", "checkpoints", "a config without epochs",
           lambda t: _changed_checkpoint(t, config=json.dumps({k: v for k, v in _CONFIG.items() if k != "epochs"})),
           ValueError, ("checkpoint.npz", "config fields missing epochs")),
    Misuse("checkpoint-config-out-of-range", "checkpoints", "a config with epochs -3",
           lambda t: _changed_checkpoint(t, config=json.dumps(_CONFIG | {"epochs": -3})), ValueError,
           ("checkpoint.npz", "config field 'epochs' is -3", "whole number >= 1")),
    Misuse("checkpoint-epoch-out-of-range", "checkpoints", "10**6 epochs done of 1",
           lambda t: _changed_checkpoint(t, epoch=10**6), ValueError,
           ("checkpoint.npz", "'epoch' is 1000000", "from 1 to the config's epochs (1)")),
    Misuse("checkpoint-nan-weights", "checkpoints", "NaN weights",
           lambda t: _changed_checkpoint(t, **{"W.0": np.full((5, 4), np.nan)}), ValueError,
           ("checkpoint.npz", "damaged checkpoint", "'W.0' holds NaN or infinite values")),
    Misuse("checkpoint-folder", "checkpoints", "a folder where the checkpoint should be",
           lambda t: _load_checkpoint((t / "checkpoint.npz").mkdir() or t / "checkpoint.npz"), ValueError,
           ("checkpoint.npz: a folder, not a .npz file",)),
    Misuse("checkpoint-save-nan", "checkpoints", "saving NaN weights",
           _save_nan_checkpoint, ValueError, ("save_checkpoint: array 'W.0' holds NaN or infinite values",)),
    # autograder inputs
    Misuse("handin-missing", "autograder", "grade an archive that does not exist",
           lambda t: _extract(t, t / "handin.tar"), FileNotFoundError, ("handin.tar", "does not exist")),
    Misuse("handin-not-tar", "autograder", "grade a file that is not a tar archive",
           _not_a_tar, _handin_error(), ("handin.tar", "not a readable tar archive")),
    Misuse("handin-escapes", "autograder", "an archive member ../evil.py",
           _escaping_tar, _handin_error(), ("refused", "../evil.py")),
    Misuse("grader-unknown-section", "autograder", "a section name that does not exist",
           lambda t: _grader("linearr"), SystemExit, ("unknown section(s) linearr", "autograd")),
    Misuse("grader-zero-timeout", "autograder", "--timeout 0",
           lambda t: _grader("--timeout", "0"), SystemExit, ("--timeout must be positive",)),
]  # fmt: skip
"""Every wrong use MyTorch refuses, with the exception and the message fragments."""


def _dropout_on_saved_sigmoid() -> None:
    a = Tensor(X, requires_grad=True).sigmoid()
    a *= 0.5
    a.sum().backward()


def _update_between_forward_and_backward() -> None:
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    loss = (w * w).sum()
    with mytorch.no_grad():
        w -= 0.1
    loss.backward()


def _raw_write_into_saved_leaf() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x**2).sum()
    x.numpy()[...] = 10
    y.backward()


def _in_place_on_view() -> None:
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    w[0] += 1


def _in_place_on_no_grad_view() -> None:
    h = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with mytorch.no_grad():
        row = h[0]
    row.mul_(2)


class _Transposed(mytorch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        return x.t()

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        return g.t()


def _in_place_beside_custom_view() -> None:
    h = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    view = _Transposed.apply(h)
    h.mul_(2)
    del view


def _read_only() -> np.ndarray:
    array = np.ones((2, 3))
    array.flags.writeable = False
    return array


def _anomaly_changed_array() -> None:
    with mytorch.detect_anomaly():
        engine = Autograd()
        y = F.apply(engine, "tanh", X.copy())
        y += 1
        engine.backward(np.ones((2, 3)))


def _freed_gradient() -> Any:
    engine = Autograd()
    h = F.apply(engine, "tanh", X)
    F.apply(engine, "sum", h)
    engine.backward()
    return engine.gradient_buffer.get_param(h)


def _train_with_labels(n_labels: int, top: int = 2) -> Any:
    from hw_bonus.mlp import train_epoch

    labels = np.minimum(np.arange(n_labels), top)
    labels[-1] = top
    return train_epoch(_mlp(), np.ones((5, 4)), labels, batch_size=2)


def test_catalogue_entries_are_distinct_and_cover_every_area() -> None:
    keys = [m.key for m in CATALOGUE]
    assert len(keys) == len(set(keys)) >= 157
    assert {m.area for m in CATALOGUE} >= {"engine", "kernels", "modules", "losses", "optimizers", "Tensor",
                                           "in place", "runner", "data", "checkpoints", "autograder"}  # fmt: skip


@pytest.mark.parametrize("misuse", CATALOGUE, ids=lambda m: m.key)
def test_misuse_is_refused_clearly(misuse: Misuse, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(misuse.error) as info:
        misuse.call(tmp_path)
    message = str(info.value) + capsys.readouterr().err  # argparse prints its message, then exits
    missing = [name for name in misuse.names if name not in message]
    assert not missing, f"{misuse.key}: message lacks {missing}: {message!r}"
    if misuse.error is SystemExit:
        assert info.value.code == 2


SECTIONS = {
    "engine": "The engine and `add_operation`",
    "kernels": "Kernels and `F.apply`",
    "modules": "Modules and the MLP",
    "losses": "Modules and the MLP",
    "MLP": "Modules and the MLP",
    "Tensor": "Tensor, in-place changes and version counters",
    "in place": "Tensor, in-place changes and version counters",
    "optimizers": "`nn` and `optim`",
    "nn": "`nn` and `optim`",
    "data": "Data sets and checkpoints",
    "checkpoints": "Data sets and checkpoints",
    "replay": "Replay",
    "runner": "The runner: `python -m hw_bonus.mlp_runner`",
    "autograder": "The autograder",
}
"""The section of ``docs/errors.md`` (its ``## `` heading) that lists each area's misuses."""


def doc_rows() -> dict[str, tuple[str, list[str]]]:
    """``{key: (section, cells)}`` of every table row of ``docs/errors.md`` whose cause (third
    cell) ends with a catalogue key; the cells are the quoted message, the exception, the
    cause and what to do."""
    rows: dict[str, tuple[str, list[str]]] = {}
    section = ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:]
        elif line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            for key in re.findall(r"\(`([a-z0-9-]+)`\)", cells[2]):
                assert key not in rows, f"docs/errors.md lists {key} twice"
                rows[key] = (section, cells)
    return rows


def raised_message(misuse: Misuse, tmp_path: Path, capsys: pytest.CaptureFixture) -> str:
    """The message ``misuse`` raises, as a user reads it: a command line's ``error:`` line
    (argparse prints it, then exits), a ``KeyError``'s text unquoted, a file named without the
    temporary folder it was made in."""
    with pytest.raises(misuse.error) as info:
        misuse.call(tmp_path)
    error = info.value
    if isinstance(error, SystemExit):
        line = capsys.readouterr().err.strip().splitlines()[-1]
        message = line[line.index("error: ") :]
    else:
        message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    return message.replace(f"{tmp_path}/", "")


@pytest.mark.parametrize("misuse", CATALOGUE, ids=lambda m: m.key)
def test_the_docs_quote_each_message_where_it_arises(
    misuse: Misuse, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """``docs/errors.md`` lists the misuse in its area's section, with its exception, quoting
    its message: the first quoted part is how the message starts, the others follow in order."""
    rows = doc_rows()
    assert misuse.key in rows, f"docs/errors.md lacks {misuse.key}: PYTHONPATH=. python tests/test_misuse.py"
    section, (quoted, error, *_) = rows[misuse.key]
    assert section == SECTIONS[misuse.area], f"{misuse.key} is listed under {section!r}"
    assert error == f"`{misuse.error.__name__}`", f"{misuse.key}: the docs say {error}"
    message = raised_message(misuse, tmp_path, capsys)
    parts = re.findall(r"`([^`]+)`", quoted)
    assert parts and message.startswith(parts[0]), f"{misuse.key}: the docs quote {parts}, it raises {message!r}"
    at = 0
    for part in parts:
        at = message.find(part, at)
        assert at >= 0, f"{misuse.key}: the docs quote {part!r}, it raises {message!r}"
        at += len(part)


def test_the_docs_list_no_misuse_the_catalogue_lacks() -> None:
    assert set(doc_rows()) <= {m.key for m in CATALOGUE}


def catalogue_rows() -> str:
    """Each section's rows for ``docs/errors.md``, to start from: the message's fragments
    (write how the message starts instead) and an empty "what to do"."""
    lines = []
    for section in dict.fromkeys(SECTIONS.values()):
        lines += ["", f"## {section}", "", "| message (start) | exception | cause | what to do |", "|---|---|---|---|"]
        for m in CATALOGUE:
            if SECTIONS[m.area] == section:
                names = " … ".join(f"`{n}`" for n in m.names).replace("|", "\\|")
                lines.append(f"| {names} | `{m.error.__name__}` | {m.what} (`{m.key}`) | |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- anomaly detection
def test_anomaly_names_the_op_its_index_kernel_and_shapes() -> None:
    """log at 0 gives an infinite gradient in backward: the third op on the tape is named."""
    engine = Autograd()
    x = np.array([[1.0, 0.0, 2.0]])
    h = F.apply(engine, "mul", x, np.full((2, 1), 0.5))  # (2, 3), op 0
    s = F.apply(engine, "sin", h)  # op 1: sin(0) = 0
    with np.errstate(divide="ignore"):
        y = F.apply(engine, "log", s)  # op 2: d log/ds = 1/0 = inf
    F.apply(engine, "sum", y)  # op 3
    with mytorch.detect_anomaly(), np.errstate(divide="ignore"), pytest.raises(FloatingPointError) as info:
        engine.backward()
    message = str(info.value)
    for fragment in ("operation 2", "log_backward", "(2, 3)", "NaN or inf"):
        assert fragment in message, message


def test_without_anomaly_mode_the_inf_passes_silently() -> None:
    """The contrast: outside ``detect_anomaly`` the same backward runs and yields inf."""
    engine = Autograd()
    x = np.array([0.0, 1.0])
    with np.errstate(divide="ignore"):
        F.apply(engine, "sum", F.apply(engine, "log", x))
        engine.backward()
    assert np.isinf(engine.gradient_buffer.get_param(x)[0])


def test_anomaly_in_a_training_step_names_the_layer_op() -> None:
    """A NaN target poisons the loss gradient: the loss op (last on the tape) is named."""
    engine = Autograd()
    layer = M.Linear(3, 2, engine, rng=0)
    loss_fn = M.MSELoss(engine)
    target = np.array([[np.nan, 0.0]])
    loss_fn(target, layer(np.ones((1, 3))))
    with mytorch.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        loss_fn.backward()
    assert "operation 2 (mse_loss_backward((1, 2), (1, 2)) -> (1,))" in str(info.value)
    assert not layer.dW.any(), "backward stopped at the loss: nothing reached the layer"


if __name__ == "__main__":
    print(catalogue_rows(), end="")
