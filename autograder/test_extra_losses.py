"""Extra section ``loss_extra``: ``MSELoss``, and ``SoftmaxCrossEntropy`` on a batch.

MyTorch's conventions: MSELoss is the mean of (y_hat - y)^2 over all elements; the
cross-entropy of a batch of N examples is the mean of the examples' losses.
"""

import numpy as np

from .checks import make_rng, softmax
from .compute import layers
from .grading import graded
from .test_loss import cross_entropy, labelled_batch


def _regression(seed: int):
    def make() -> dict:
        rng = make_rng(seed)
        return {"y": rng.standard_normal((4, 3)), "y_hat": rng.standard_normal((4, 3))}

    return make


@graded("loss_extra", 1, "MSELoss forward", inputs=_regression(60), computes=layers.loss, cls="MSELoss")
def test_mse_forward(y, y_hat):
    return {"MSELoss(y, y_hat)": [np.mean((y_hat - y) ** 2)]}


@graded("loss_extra", 2, "MSELoss backward", inputs=_regression(61), computes=layers.loss, cls="MSELoss",
        backward=True)  # fmt: skip
def test_mse_backward(y, y_hat):
    return {"gradient of y_hat": 2 * (y_hat - y) / y.size}


@graded("loss_extra", 1, "SoftmaxCrossEntropy batch forward", inputs=labelled_batch(62, batch=6),
        computes=layers.loss, cls="SoftmaxCrossEntropy")  # fmt: skip
def test_softmax_cross_entropy_batch_forward(y, y_hat):
    return {"SoftmaxCrossEntropy(y, y_hat)": cross_entropy(y, y_hat)}


@graded("loss_extra", 2, "SoftmaxCrossEntropy batch backward", inputs=labelled_batch(63, batch=6),
        computes=layers.loss, cls="SoftmaxCrossEntropy", backward=True)  # fmt: skip
def test_softmax_cross_entropy_batch_backward(y, y_hat):
    return {"gradient of y_hat": (softmax(y_hat) - y) / 6}
