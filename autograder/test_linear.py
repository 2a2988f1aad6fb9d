"""Section ``linear`` (9 points): ``Linear(5, 5, autograd)``, alone and with a skip connection.

The layer computes y = x W^T + b with W of shape (out, in) and b of shape (out,). With an
upstream gradient G, the closed forms are dW = G^T x, db = column sums of G, dx = G W.
"""

import numpy as np

from .checks import assert_close, make_rng
from .grading import graded


def make_layer(autograd, seed: int):
    """``Linear(5, 5, autograd)`` with known weights, and a batch of 4 inputs."""
    from mytorch.nn.modules.linear import Linear

    rng = make_rng(seed)
    layer = Linear(5, 5, autograd)
    W, b, x = rng.standard_normal((5, 5)), rng.standard_normal(5), rng.standard_normal((4, 5))
    layer.W, layer.b = W.copy(), b.copy()
    return layer, W, b, x


def check_parameter_gradients(layer, x, W, G, autograd, dx) -> None:
    """dW, db and the input's gradient (from the gradient buffer) against the closed forms."""
    assert_close("dW", layer.dW, G.T @ x)
    assert_close("db", layer.db, G.sum(axis=0))
    assert_close("gradient of x (gradient_buffer.get_param(x))", autograd.gradient_buffer.get_param(x), dx)


@graded("linear", 2, "forward")
def test_linear_forward():
    from mytorch.autograd_engine import Autograd

    autograd = Autograd()
    layer, W, b, x = make_layer(autograd, 20)
    assert_close("Linear(5, 5).forward(x)", layer.forward(x), x @ W.T + b)


@graded("linear", 4, "backward")
def test_linear_backward():
    from mytorch.autograd_engine import Autograd

    autograd = Autograd()
    layer, W, b, x = make_layer(autograd, 21)
    layer.forward(x)
    autograd.backward(1)
    check_parameter_gradients(layer, x, W, np.ones((4, 5)), autograd, np.ones((4, 5)) @ W)

    autograd = Autograd()
    layer, W, b, x = make_layer(autograd, 22)
    layer.forward(x)
    G = make_rng(23).standard_normal((4, 5))
    autograd.backward(G)
    check_parameter_gradients(layer, x, W, G, autograd, G @ W)


def _skip_connection(seed: int):
    """y = Linear(x) + x, the sum recorded with the handout's add_backward."""
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.functional import add_backward

    autograd = Autograd()
    layer, W, b, x = make_layer(autograd, seed)
    x_before = x.copy()
    out = layer.forward(x)
    y = out + x
    autograd.add_operation([out, x], y, [None, None], add_backward)
    assert_close("x after the forward pass (it must not change)", x, x_before)
    return autograd, layer, W, b, x, y


@graded("linear", 1, "skip connection forward")
def test_linear_skip_forward():
    _, _, W, b, x, y = _skip_connection(24)
    assert_close("Linear(x) + x", y, x @ W.T + b + x)


@graded("linear", 2, "skip connection backward")
def test_linear_skip_backward():
    autograd, layer, W, _, x, y = _skip_connection(25)
    G = make_rng(26).standard_normal(y.shape)
    autograd.backward(G)
    check_parameter_gradients(layer, x, W, G, autograd, G @ W + G)
