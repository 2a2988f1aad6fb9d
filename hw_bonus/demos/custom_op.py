"""The lecture's "extending autograd" example: a quantizing op inside the two-Gaussian classifier.

The Purdue lecture extends PyTorch's autograd with a ``Function`` whose forward casts its input to 8-bit
unsigned integers and saves the quantization error in its context, and whose backward adds
that saved error to the incoming gradient. It then feeds every training sample through the
op into a one-hidden-layer classifier: 2 inputs, 10 hidden units clamped at zero (ReLU),
2 outputs, squared error, two Gaussian classes around (3, 3) and (5, 5) with identity
covariance, 1,000 samples each.

Here the op is a ``mytorch.Function``; nothing else in MyTorch had to change to use it. As
the lecture notes, nothing before the op has parameters, so the added error changes no
weight's gradient; it shows in the gradient of the input itself, which is printed.

Differences from the lecture, printed: the layers have biases (without them the outputs are
positively homogeneous in x, so only the direction of x counts, and both class means lie on
the diagonal: the lecture's network can hardly tell its classes apart); targets are one-hot rows
(the lecture subtracts its scalar label 1 or 2 from both outputs); the weights are updated
after every mini-batch from the batch's mean loss (the lecture sums the gradients of all
2,000 samples and updates once per epoch with a learning rate of 1e-6, which barely moves
them in 5 epochs).

Run: ``python -m hw_bonus.demos.custom_op``
"""

from __future__ import annotations

from typing import Any

import numpy as np

import mytorch
from hw_bonus.cli import run_command
from hw_bonus.demos.report import demo_parser, positive, positive_int, print_title
from mytorch import Context, Function, Tensor

__all__ = ["Quantize", "gaussian_data", "main", "train_classifier"]


class Quantize(Function):
    """Cast to 8-bit unsigned integers (truncate, clip to 0..255); backward adds the saved error."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        """The quantized ``x``; saves the truncation error for the backward."""
        q = np.clip(x, 0, 255).astype(np.uint8).astype(x.dtype)
        ctx.save_for_backward(x - q)
        return q

    @staticmethod
    def backward(ctx: Context, grad_output: np.ndarray) -> np.ndarray:
        """``grad_output`` plus the saved truncation error."""
        (error,) = ctx.saved_arrays
        return grad_output + error


def gaussian_data(per_class: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's two classes: ``per_class`` points around (3, 3) (class 0) and (5, 5) (class 1), shuffled."""
    x = np.concatenate([rng.multivariate_normal(m, np.eye(2), size=per_class) for m in ([3.0, 3.0], [5.0, 5.0])])
    y = np.repeat([0, 1], per_class)
    order = rng.permutation(len(x))
    return x[order], y[order]


def _classifier(x: Any, params: list[Tensor], quantize: bool) -> Tensor:
    """The lecture's ``x.mm(w1).clamp(min=0).mm(w2)`` plus biases, with ``Quantize`` applied to x first if asked."""
    w1, b1, w2, b2 = params
    if quantize:
        x = Quantize.apply(x)
    return mytorch.clamp(x @ w1 + b1, min=0) @ w2 + b2


def train_classifier(
    x: np.ndarray, y: np.ndarray, quantize: bool, epochs: int, lr: float, batch_size: int, seed: int
) -> tuple[list[Tensor], list[float]]:
    """Train the 2-10-2 classifier by SGD on the squared error; return ([w1, b1, w2, b2], loss every 200 samples)."""
    rng = np.random.default_rng(seed)
    params = [Tensor(rng.standard_normal(shape), requires_grad=True) for shape in ((2, 10), (10,), (10, 2), (2,))]
    targets = np.eye(2)[y]
    losses = []
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            stop = start + batch_size
            y_pred = _classifier(Tensor(x[start:stop]), params, quantize)
            loss = ((y_pred - targets[start:stop]) ** 2).sum() / len(y_pred)
            loss.backward()
            with mytorch.no_grad():
                for w in params:
                    w -= lr * w.grad  # in place: w stays the same leaf
                    w.zero_grad()
            if stop // 200 > start // 200:  # the lecture prints the loss every 200 samples
                losses.append(loss.item())
    return params, losses


def accuracy(x: np.ndarray, y: np.ndarray, params: list[Tensor], quantize: bool) -> float:
    """The fraction of points whose larger output is their class."""
    with mytorch.no_grad():
        out = _classifier(Tensor(x), params, quantize)
    return float(np.mean(out.numpy().argmax(axis=1) == y))


def show_gradient(x: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """One batch through the op with the input as a leaf: its gradient is the analytic one plus the error."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((len(x), 2))
    leaf = Tensor(x, requires_grad=True)
    q = Quantize.apply(leaf)
    (q * c).sum().backward()  # d/dq of sum(q * c) is c
    return {"x": x, "q": q.numpy(), "error": x - q.numpy(), "analytic": c, "grad": leaf.grad.numpy()}


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Show the op's forward and backward, then train the classifier with and without it."""
    parser = demo_parser("hw_bonus.demos.custom_op", __doc__)
    parser.add_argument("--epochs", type=positive_int, default=5, help="passes over the data (the lecture: 5)")
    parser.add_argument("--lr", type=positive, default=0.01, help="learning rate (the lecture: 1e-6)")
    parser.add_argument("--batch-size", type=positive_int, default=10, help="samples per update")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x, y = gaussian_data(1000, rng)

    print_title("Quantize (a mytorch.Function): forward truncates to uint8, backward adds the saved error")
    shown = show_gradient(x[:4], args.seed)
    print(f"{'x':>19}  {'q = uint8(x)':>12}  {'error x - q':>19}  {'d/dq (analytic)':>19}  {'x.grad':>19}")
    for row in zip(*(shown[k] for k in ("x", "q", "error", "analytic", "grad"))):
        print("  ".join(f"{v[0]:>+8.4f} {v[1]:>+8.4f}" if v.size == 2 else "" for v in row))
    gap = float(np.max(np.abs(shown["grad"] - (shown["analytic"] + shown["error"]))))
    print(f"x.grad - (analytic + error): largest difference {gap:.1e}")

    print_title(
        f"Two-Gaussian classifier 2-10-2, clamp(min=0), squared error, {args.epochs} epochs, "
        f"lr {args.lr}, batches of {args.batch_size}"
    )
    print(
        "the lecture: no biases, scalar label 1 or 2 subtracted from both outputs, lr 1e-6, one sample per step;\n"
        "here: biases, one-hot targets, the batch's mean loss (see the module's docstring for why)"
    )
    results: dict[str, Any] = {"gradient_gap": gap, "shown": shown}
    for quantize in (True, False):
        params, losses = train_classifier(x, y, quantize, args.epochs, args.lr, args.batch_size, args.seed)
        acc = accuracy(x, y, params, quantize)
        label = "inputs through Quantize" if quantize else "float inputs (no op)  "
        print(f"{label}: loss every 200 samples {losses[0]:.3f} ... {losses[-1]:.3f}; training accuracy {acc:.1%}")
        results["quantized" if quantize else "float"] = {"accuracy": acc, "losses": losses}
    print("(the lecture prints only its running losses; the classes overlap, so about 92 % is the best possible)")
    return results


if __name__ == "__main__":
    raise SystemExit(run_command("python -m hw_bonus.demos.custom_op", main))
