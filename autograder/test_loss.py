"""Section ``loss`` (5 points): ``SoftmaxCrossEntropy``, forward 1 + backward 4.

The handout's convention: a one-hot ``y`` of shape (1, 5), ``loss = criterion(y, y_hat)``,
then ``autograd.backward(1)`` (``compute.layers.loss`` runs it in the worker). Closed forms:
loss = -sum(y * log softmax(y_hat)) and d loss / d y_hat = softmax(y_hat) - y (one example).
"""

import numpy as np

from .checks import make_rng, one_hot, softmax
from .compute import layers
from .grading import graded


def labelled_batch(seed: int, batch: int = 1, classes: int = 5):
    """One-hot labels y and logits y_hat for ``batch`` examples."""

    def make() -> dict:
        rng = make_rng(seed)
        return {"y": one_hot(rng.integers(0, classes, size=batch), classes),
                "y_hat": rng.normal(0.0, 2.0, size=(batch, classes))}  # fmt: skip

    return make


def cross_entropy(y, y_hat):
    """The mean over the examples of -sum(y * log softmax(y_hat))."""
    return [-(y * np.log(softmax(y_hat))).sum() / len(y)]


@graded("loss", 1, "SoftmaxCrossEntropy forward", inputs=labelled_batch(30), computes=layers.loss,
        cls="SoftmaxCrossEntropy")  # fmt: skip
def test_softmax_cross_entropy_forward(y, y_hat):
    return {"SoftmaxCrossEntropy(y, y_hat)": cross_entropy(y, y_hat)}


@graded("loss", 4, "SoftmaxCrossEntropy backward", inputs=labelled_batch(31), computes=layers.loss,
        cls="SoftmaxCrossEntropy", backward=True)  # fmt: skip
def test_softmax_cross_entropy_backward(y, y_hat):
    return {"gradient of y_hat": softmax(y_hat) - y}
