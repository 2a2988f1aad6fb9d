"""Section ``loss`` (5 points): ``SoftmaxCrossEntropy``, forward 1 + backward 4.

The handout's convention: a one-hot ``y`` of shape (1, 5), ``loss = criterion(y, y_hat)``,
then ``autograd.backward(1)``. Closed forms: loss = -sum(y * log softmax(y_hat)) and
d loss / d y_hat = softmax(y_hat) - y (for one example).
"""

import numpy as np

from .checks import assert_close, make_rng, one_hot, softmax
from .grading import graded


def run_loss(cls: str, y: np.ndarray, y_hat: np.ndarray, backward: bool):
    """Record ``<cls>(autograd).forward(y, y_hat)``; optionally ``autograd.backward(1)``.

    Returns the loss and the gradient of ``y_hat`` (None without backward).
    """
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.modules import loss

    autograd = Autograd()
    value = getattr(loss, cls)(autograd).forward(y, y_hat)
    assert np.size(value) == 1, f"{cls} returned {np.size(value)} values; expected one (shape (1,))"
    if not backward:
        return np.reshape(value, 1), None
    autograd.backward(1)
    return np.reshape(value, 1), autograd.gradient_buffer.get_param(y_hat)


def labelled_batch(seed: int, batch: int = 1, classes: int = 5):
    rng = make_rng(seed)
    return one_hot(rng.integers(0, classes, size=batch), classes), rng.normal(0.0, 2.0, size=(batch, classes))


@graded("loss", 1, "SoftmaxCrossEntropy forward")
def test_softmax_cross_entropy_forward():
    y, y_hat = labelled_batch(30)
    value, _ = run_loss("SoftmaxCrossEntropy", y, y_hat, backward=False)
    assert_close("SoftmaxCrossEntropy(y, y_hat)", value, [-(y * np.log(softmax(y_hat))).sum()])


@graded("loss", 4, "SoftmaxCrossEntropy backward")
def test_softmax_cross_entropy_backward():
    y, y_hat = labelled_batch(31)
    _, grad = run_loss("SoftmaxCrossEntropy", y, y_hat, backward=True)
    assert_close("gradient of y_hat", grad, softmax(y_hat) - y)
