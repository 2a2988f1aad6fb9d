"""Extra section ``loss_extra``: ``MSELoss``, and ``SoftmaxCrossEntropy`` on a batch.

MyTorch's conventions: MSELoss is the mean of (y_hat - y)^2 over all elements; the
cross-entropy of a batch of N examples is the mean of the examples' losses.
"""

import numpy as np

from .checks import assert_close, make_rng, softmax
from .grading import graded
from .test_loss import labelled_batch, run_loss


def _regression(seed: int):
    rng = make_rng(seed)
    return rng.standard_normal((4, 3)), rng.standard_normal((4, 3))


@graded("loss_extra", 1, "MSELoss forward")
def test_mse_forward():
    y, y_hat = _regression(60)
    value, _ = run_loss("MSELoss", y, y_hat, backward=False)
    assert_close("MSELoss(y, y_hat)", value, [np.mean((y_hat - y) ** 2)])


@graded("loss_extra", 2, "MSELoss backward")
def test_mse_backward():
    y, y_hat = _regression(61)
    _, grad = run_loss("MSELoss", y, y_hat, backward=True)
    assert_close("gradient of y_hat", grad, 2 * (y_hat - y) / y.size)


@graded("loss_extra", 1, "SoftmaxCrossEntropy batch forward")
def test_softmax_cross_entropy_batch_forward():
    y, y_hat = labelled_batch(62, batch=6)
    value, _ = run_loss("SoftmaxCrossEntropy", y, y_hat, backward=False)
    assert_close("SoftmaxCrossEntropy(y, y_hat) over 6 examples", value, [-(y * np.log(softmax(y_hat))).sum() / 6])


@graded("loss_extra", 2, "SoftmaxCrossEntropy batch backward")
def test_softmax_cross_entropy_batch_backward():
    y, y_hat = labelled_batch(63, batch=6)
    _, grad = run_loss("SoftmaxCrossEntropy", y, y_hat, backward=True)
    assert_close("gradient of y_hat over 6 examples", grad, (softmax(y_hat) - y) / 6)
