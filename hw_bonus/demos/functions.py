"""The "Graduating Autograd" brief's examples: f, g, h and a neuron, then networks trained with them.

The Graduating Autograd brief asks for an engine that works "similar to the PyTorch autograd engine" (``z.backward()``,
``x1.grad``) and shows it on

    f(x1, x2) = log(x1 x2) sin(x2)      g(x1, x2) = x1 x2 (x1 + x2)
    h(x) = 3x^2 + 4x + 2                Neuron(x, w, b) = tanh(x . w + b)

Each function is written once, as an expression over an ``ops`` namespace, and evaluated two
ways: on ``mytorch.Tensor`` objects (``ops=mytorch``), whose ``backward()`` gives the engine's
gradient, and on NumPy floats (``ops=numpy``) for central finite differences. Both are printed
beside the closed-form calculus at several points. (The brief writes d/dx sin(x) = -cos(x);
the derivative is +cos(x), which is what its own PyTorch snippet and the formulas below use.)

Then, as the brief's optional part suggests, neurons and a layer of them, built on Tensors and
trained by gradient descent: one tanh neuron learns the AND gate, a 2-8-1 network a small
classification (points labelled by the XOR of their coordinates' signs).

Run: ``python -m hw_bonus.demos.functions [--out DIR]`` (the graph of f goes to DIR, by default
``demo_output/``: SVG when Graphviz is installed, DOT text otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import mytorch
from hw_bonus.cli import make_output_folder, run_command
from hw_bonus.demos.report import demo_parser, print_title
from mytorch import Tensor, viz

__all__ = ["EXAMPLES", "Example", "Layer", "draw_f", "engine_gradients", "finite_differences", "main"]


@dataclass(frozen=True)
class Example:
    """A function of the brief, its closed-form gradient and the points to check it at.

    Attributes:
        name: how the brief writes it.
        args: the arguments' names.
        fn: ``fn(ops, *args)``, the expression over ``ops`` (``mytorch`` or ``numpy``).
        calculus: ``calculus(*args)``, the gradient with respect to each argument, by hand.
        points: argument tuples (NumPy arrays) to evaluate at.
    """

    name: str
    args: tuple[str, ...]
    fn: Callable[..., Any]
    calculus: Callable[..., list[np.ndarray]]
    points: list[tuple[np.ndarray, ...]]


def _f_calculus(x1: np.ndarray, x2: np.ndarray) -> list[np.ndarray]:
    return [np.sin(x2) / x1, np.cos(x2) * np.log(x1 * x2) + np.sin(x2) / x2]


def _neuron_calculus(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    slope = 1.0 - np.tanh(x @ w + b) ** 2
    return [slope * w, slope * x, slope]


def _points(*rows: tuple[Any, ...]) -> list[tuple[np.ndarray, ...]]:
    return [tuple(np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in row) for row in rows]


EXAMPLES = [
    Example(
        "f(x1, x2) = log(x1 x2) sin(x2)",
        ("x1", "x2"),
        lambda ops, x1, x2: ops.log(x1 * x2) * ops.sin(x2),
        _f_calculus,
        _points((1.0, 2.0), (3.0, 0.5), (0.7, 4.0)),
    ),
    Example(
        "g(x1, x2) = x1 x2 (x1 + x2)",
        ("x1", "x2"),
        lambda ops, x1, x2: x1 * x2 * (x1 + x2),
        lambda x1, x2: [2 * x1 * x2 + x2**2, x1**2 + 2 * x1 * x2],
        _points((1.0, 2.0), (-1.5, 3.0), (2.0, -0.5)),
    ),
    Example(
        "h(x) = 3x^2 + 4x + 2",
        ("x",),
        lambda ops, x: 3 * x**2 + 4 * x + 2,
        lambda x: [6 * x + 4],
        _points((-2.0,), (0.0,), (1.5,)),
    ),
    Example(
        "Neuron(x, w, b) = tanh(x . w + b)",
        ("x", "w", "b"),
        lambda ops, x, w, b: ops.tanh(x @ w + b),
        _neuron_calculus,
        _points(([1.0, -2.0, 0.5], [0.3, 0.1, -0.8], 0.2), ([0.5, 0.5], [-1.0, 2.0], -0.4)),
    ),
]
"""The brief's four example functions."""


def _array(value: Any) -> np.ndarray:
    """The NumPy array behind a Tensor, a gradient or a number."""
    return np.asarray(value, dtype=np.float64)


def engine_gradients(example: Example, point: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """The gradient with respect to every argument, from ``Tensor.backward()``."""
    args = [Tensor(a, requires_grad=True) for a in point]
    out = example.fn(mytorch, *args)
    out.backward()
    return [_array(a.grad) for a in args]


def finite_differences(example: Example, point: tuple[np.ndarray, ...], eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences (f(a + eps) - f(a - eps)) / 2 eps for every element of every argument."""
    grads = []
    for i, arg in enumerate(point):
        grad = np.zeros_like(arg)
        for j in range(arg.size):
            shifted = [a.copy() for a in point]
            shifted[i].flat[j] = arg.flat[j] + eps
            up = float(np.sum(example.fn(np, *shifted)))
            shifted[i].flat[j] = arg.flat[j] - eps
            down = float(np.sum(example.fn(np, *shifted)))
            grad.flat[j] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def _fmt(values: np.ndarray) -> str:
    return " ".join(f"{v:+.6f}" for v in values.ravel())


def check_gradients() -> dict[str, dict[str, float]]:
    """Print engine, calculus and finite differences side by side; return the worst errors per function."""
    errors = {}
    for example in EXAMPLES:
        print_title(example.name)
        worst_calculus = worst_numeric = 0.0
        for point in example.points:
            ours = engine_gradients(example, point)
            calculus = example.calculus(*point)
            numeric = finite_differences(example, point)
            print("at " + ", ".join(f"{name} = {_fmt(a)}" for name, a in zip(example.args, point)))
            for name, a, c, n in zip(example.args, ours, calculus, numeric):
                c = np.broadcast_to(c, a.shape)
                print(f"  d/d{name:<2}  engine {_fmt(a)}   calculus {_fmt(c)}   finite diff {_fmt(n)}")
                worst_calculus = max(worst_calculus, float(np.max(np.abs(a - c))))
                worst_numeric = max(worst_numeric, float(np.max(np.abs(a - n))))
        print(f"largest |engine - calculus| = {worst_calculus:.1e}, |engine - finite diff| = {worst_numeric:.1e}")
        errors[example.name] = {"calculus": worst_calculus, "finite_difference": worst_numeric}
    return errors


def draw_f(out_dir: Path) -> Path:
    """The brief's picture of f at (1, 2): value nodes (orange), operation nodes (gray), gradients."""
    x1, x2 = Tensor(np.array([1.0]), requires_grad=True), Tensor(np.array([2.0]), requires_grad=True)
    z = EXAMPLES[0].fn(mytorch, x1, x2)
    z.backward(keep_grads=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    return viz.render(viz.to_dot(z, names={"x1": x1, "x2": x2, "z": z}), out_dir / "functions_f.svg")


def _pytorch_reference() -> None:
    """Run the brief's own PyTorch snippet at (1, 2) when PyTorch is installed, for comparison."""
    try:
        import torch
    except ImportError:
        print("(PyTorch is not installed: the brief's snippet is not run for comparison)")
        return
    x1 = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    x2 = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    z = torch.log(x1 * x2) * torch.sin(x2)
    z.backward()
    print(f"the brief's snippet in PyTorch at (1, 2): x1.grad = {x1.grad.item():.4f}, x2.grad = {x2.grad.item():.4f}")


class Layer:
    """``n_out`` tanh (or identity) neurons, each ``activation(x . w + b)``, as one Tensor matrix."""

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator, activation: str = "tanh") -> None:
        self.w = Tensor(rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out)), requires_grad=True)
        self.b = Tensor(np.zeros(n_out), requires_grad=True)
        self.activation = activation

    def __call__(self, x: Any) -> Tensor:
        """``activation(x @ w + b)``."""
        z = x @ self.w + self.b
        return mytorch.tanh(z) if self.activation == "tanh" else z

    def parameters(self) -> list[Tensor]:
        """The weights and the biases."""
        return [self.w, self.b]


def train(layers: list[Layer], x: np.ndarray, targets: np.ndarray, steps: int, lr: float) -> list[float]:
    """Full-batch gradient descent on the mean squared error; returns the loss at every step."""
    params = [p for layer in layers for p in layer.parameters()]
    losses = []
    for _ in range(steps):
        out = Tensor(x)
        for layer in layers:
            out = layer(out)
        loss = ((out - targets) ** 2).mean()
        loss.backward()
        with mytorch.no_grad():
            for p in params:
                p.data -= lr * _array(p.grad)
                p.grad = None
        losses.append(float(_array(loss)))
    return losses


def predict(layers: list[Layer], x: np.ndarray) -> np.ndarray:
    """The sign of the network's output (+1 or -1) for each row of ``x``."""
    out: Any = Tensor(x)
    with mytorch.no_grad():
        for layer in layers:
            out = layer(out)
    return np.where(_array(out).reshape(len(x)) > 0, 1.0, -1.0)


def _xor_points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in [-1, 1]^2 at least 0.1 from both axes, labelled +1 when x1 x2 > 0, else -1."""
    x = rng.uniform(0.1, 1.0, size=(n, 2)) * rng.choice([-1.0, 1.0], size=(n, 2))
    return x, np.sign(x[:, 0] * x[:, 1])


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Check the four functions' gradients, train the AND gate and the classifier; return the numbers."""
    parser = demo_parser("hw_bonus.demos.functions", __doc__)
    parser.add_argument("--out", type=Path, default=Path("demo_output"), help="where the graph of f goes")
    args = parser.parse_args(argv)
    make_output_folder(args.out)  # an unusable --out fails now, not after the work
    rng = np.random.default_rng(args.seed)

    errors = check_gradients()
    _pytorch_reference()
    graph = draw_f(args.out)
    print(f"the computation graph of f (orange values, gray operations, with their gradients): {graph}")

    print_title("A tanh neuron learns the AND gate (targets -1 / +1, gradient descent on the MSE)")
    gate_x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    gate_y = np.array([-1.0, -1.0, -1.0, 1.0])
    neuron = [Layer(2, 1, rng)]
    gate_losses = train(neuron, gate_x, gate_y[:, None], steps=500, lr=0.5)
    gate_pred = predict(neuron, gate_x)
    for xi, yi, pi in zip(gate_x, gate_y, gate_pred):
        print(f"  {xi[0]:g} AND {xi[1]:g} = {int(yi > 0)}   neuron says {int(pi > 0)}")
    gate_acc = float(np.mean(gate_pred == gate_y))
    print(f"loss {gate_losses[0]:.3f} -> {gate_losses[-1]:.4f}; accuracy {gate_acc:.0%}")

    print_title("A 2-8-1 tanh network classifies points by the XOR of their signs (200 train, 200 test)")
    x_train, y_train = _xor_points(200, rng)
    x_test, y_test = _xor_points(200, rng)
    network = [Layer(2, 8, rng), Layer(8, 1, rng)]
    xor_losses = train(network, x_train, y_train[:, None], steps=1000, lr=0.2)
    train_acc = float(np.mean(predict(network, x_train) == y_train))
    test_acc = float(np.mean(predict(network, x_test) == y_test))
    print(
        f"loss {xor_losses[0]:.3f} -> {xor_losses[-1]:.4f}; training accuracy {train_acc:.1%}, "
        f"test accuracy {test_acc:.1%}"
    )
    return {
        "errors": errors,
        "graph": graph,
        "and_accuracy": gate_acc,
        "and_losses": gate_losses,
        "xor_train_accuracy": train_acc,
        "xor_test_accuracy": test_acc,
    }


if __name__ == "__main__":
    raise SystemExit(run_command("python -m hw_bonus.demos.functions", main))
