"""Section ``linear`` (9 points): ``Linear(5, 5, autograd)``, alone and with a skip connection.

The layer computes y = x W^T + b with W of shape (out, in) and b of shape (out,). With an
upstream gradient G, the closed forms are dW = G^T x, db = column sums of G, dx = G W. What
the student's layer computes is in ``compute/layers.py``.
"""

import numpy as np

from .checks import make_rng
from .compute import layers
from .grading import graded


def _layer_data(seed: int, suffix: str = "") -> dict:
    """Known weights W (5, 5), b (5,) and a batch x of 4 inputs."""
    rng = make_rng(seed)
    W, b, x = rng.standard_normal((5, 5)), rng.standard_normal(5), rng.standard_normal((4, 5))
    return {"W" + suffix: W, "b" + suffix: b, "x" + suffix: x}


def _gradients(suffix: str, x, W, G) -> dict:
    """dW, db and the input's gradient by their closed forms."""
    return {f"dW {suffix}": G.T @ x, f"db {suffix}": G.sum(axis=0), f"gradient of x {suffix}": G @ W}


@graded("linear", 2, "forward", inputs=lambda: _layer_data(20), computes=layers.linear)
def test_linear_forward(W, b, x):
    return {"x after Linear.forward(x)": x, "Linear.forward(x)": x @ W.T + b}


def _backward_data():
    return {**_layer_data(21), **_layer_data(22, "2"), "G": make_rng(23).standard_normal((4, 5))}


@graded("linear", 4, "backward", inputs=_backward_data, computes=layers.linear_backward)
def test_linear_backward(W, b, x, W2, b2, x2, G):
    return {**_gradients("after backward(1)", x, W, np.ones((4, 5))), **_gradients("after backward(G)", x2, W2, G)}


@graded("linear", 1, "skip connection forward", inputs=lambda: _layer_data(24), computes=layers.linear_skip)
def test_linear_skip_forward(W, b, x):
    return {"x after the forward pass": x, "Linear(x) + x": x @ W.T + b + x}


def _skip_backward_data():
    return {**_layer_data(25), "G": make_rng(26).standard_normal((4, 5))}


@graded("linear", 2, "skip connection backward", inputs=_skip_backward_data, computes=layers.linear_skip,
        backward=True)  # fmt: skip
def test_linear_skip_backward(W, b, x, G):
    return {"x after the forward pass": x, "dW": G.T @ x, "db": G.sum(axis=0), "gradient of x": G @ W + G}
