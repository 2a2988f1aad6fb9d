"""The losses: closed forms, finite differences, stability, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from mytorch import NO_GRAD, Autograd
from mytorch.gradcheck import gradcheck
from mytorch.nn.modules import BCELoss, BCEWithLogitsLoss, MSELoss, SoftmaxCrossEntropy


def one_hot(labels, n):
    return np.eye(n)[labels]


def targets_and_predictions(cls, batch, dtype, rng):
    if cls is SoftmaxCrossEntropy:
        return one_hot(rng.integers(0, 4, batch), 4).astype(dtype), rng.standard_normal((batch, 4)).astype(dtype)
    y = rng.integers(0, 2, (batch, 3)).astype(dtype)
    if cls is BCELoss:
        return y, rng.uniform(0.1, 0.9, (batch, 3)).astype(dtype)
    return y, rng.standard_normal((batch, 3)).astype(dtype)


LOSSES = [MSELoss, SoftmaxCrossEntropy, BCELoss, BCEWithLogitsLoss]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [1, 64])
@pytest.mark.parametrize("cls", LOSSES, ids=lambda c: c.__name__)
def test_loss_gradient_matches_finite_differences(cls, batch, dtype):
    engine = Autograd()
    loss_fn = cls(engine)
    y, y_hat = targets_and_predictions(cls, batch, dtype, np.random.default_rng(0))
    loss = loss_fn(y, y_hat)
    assert loss.shape == (1,) and loss.dtype == dtype
    op = engine.operation_list[-1]
    assert op.inputs[0] is y and op.gradients_to_update[0] is NO_GRAD
    gradcheck(lambda p: loss_fn(y, p), [y_hat], engine)


def test_loss_values_match_closed_forms():
    rng = np.random.default_rng(1)
    y = one_hot(np.array([0, 2, 1]), 3)
    x = rng.standard_normal((3, 3))
    engine = Autograd()
    log_p = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(SoftmaxCrossEntropy(engine)(y, x), [-(y * log_p).sum() / 3])
    np.testing.assert_allclose(MSELoss(engine)(y, x), [((x - y) ** 2).mean()])
    p = 1 / (1 + np.exp(-x))
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    np.testing.assert_allclose(BCELoss(engine)(y, p), [bce])
    np.testing.assert_allclose(BCEWithLogitsLoss(engine)(y, x), [bce])


def test_softmax_cross_entropy_gradient_is_softmax_minus_y_over_n():
    rng = np.random.default_rng(2)
    y = one_hot(rng.integers(0, 5, 8), 5)
    x = rng.standard_normal((8, 5))
    engine = Autograd()
    loss_fn = SoftmaxCrossEntropy(engine)
    loss_fn(y, x)
    loss_fn.backward()
    softmax = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), (softmax - y) / 8, rtol=1e-12)
    with pytest.raises(KeyError):  # the ground truth gets no gradient
        engine.gradient_buffer.get_param(y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_is_finite_for_logits_of_plus_minus_1000(dtype):
    x = np.array([[1000.0, -1000.0], [1000.0, -1000.0], [-1000.0, 1000.0]], dtype=dtype)
    y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], dtype=dtype)
    engine = Autograd()
    loss_fn = SoftmaxCrossEntropy(engine)
    loss = loss_fn(y, x)
    np.testing.assert_allclose(loss, [2000.0 / 3], rtol=1e-6)  # only the wrong middle row costs 2000
    loss_fn.backward()
    grad = engine.gradient_buffer.get_param(x)
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(grad, [[0, 0], [1 / 3, -1 / 3], [0, 0]], atol=1e-7)


def test_bce_with_logits_is_finite_for_huge_logits():
    engine = Autograd()
    loss_fn = BCEWithLogitsLoss(engine)
    loss = loss_fn(np.array([[1.0, 0.0]]), np.array([[-1000.0, 1000.0]]))
    np.testing.assert_allclose(loss, [1000.0])
    loss_fn.backward()
    assert np.isfinite(engine.gradient_buffer.get_param(engine.operation_list[-1].inputs[1])).all()


def test_losses_reject_bad_input():
    engine = Autograd()
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy.*\(2, 3\).*\(2, 4\)"):
        SoftmaxCrossEntropy(engine)(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="MSELoss"):
        MSELoss(engine)([1.0], np.zeros(1))
    with pytest.raises(ValueError, match="MSELoss.backward"):
        MSELoss(engine).backward()


def test_integer_labels_into_softmax_cross_entropy_say_one_hot() -> None:
    loss = SoftmaxCrossEntropy(Autograd())
    logits = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy: .*\(4,\).*\(4, 3\).*one-hot"):
        loss(np.array([0, 1, 2, 1]), logits)


@pytest.mark.parametrize("loss_cls", [MSELoss, SoftmaxCrossEntropy])
def test_jvp_of_a_recorded_loss_uses_its_saved_values_and_matches_central_differences(loss_cls):
    rng = np.random.default_rng(7)
    y, x, tx, ty = (rng.random((4, 3)) for _ in range(4))
    engine = Autograd()
    loss_cls(engine)(y, x)
    assert engine.operation_list[-1].params  # the forward's log-probabilities / difference
    (tangent,) = engine.jvp([x, y], [tx, ty])
    h = 1e-6
    unrecorded = loss_cls(None)  # no engine: computes, records nothing
    expected = (unrecorded(y + h * ty, x + h * tx) - unrecorded(y - h * ty, x - h * tx)) / (2 * h)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6)
