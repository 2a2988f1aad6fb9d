"""``Autograd.record``: the unchecked ``add_operation`` the modules record through."""

from __future__ import annotations

import numpy as np
import pytest

from mytorch import NO_GRAD, Autograd, detect_anomaly, no_grad
from mytorch.nn import functional as F
from mytorch.nn.modules import Linear, MSELoss, Tanh


def test_record_makes_the_operation_add_operation_makes():
    x, W = np.ones((2, 3)), np.arange(6.0).reshape(3, 2)
    dW = np.zeros_like(W)
    checked, unchecked = Autograd(), Autograd()
    a = checked.add_operation([x, W], x @ W, [NO_GRAD, dW], F.matmul_backward)
    b = unchecked.record([x, W], x @ W, [NO_GRAD, dW], F.matmul_backward, skipped=1)
    assert a.vjp is b.vjp and a.backward_operation is b.backward_operation
    assert a.gradients_to_update == b.gradients_to_update
    assert unchecked.gradient_buffer.owners.keys() == checked.gradient_buffer.owners.keys()


def test_record_keeps_no_grad_and_routes_anomaly_mode_through_the_checks():
    engine = Autograd()
    x = np.ones(3)
    with no_grad():
        assert engine.record([x], np.exp(x), [None], F.exp_backward) is None
    with engine.no_grad():
        assert engine.record([x], np.exp(x), [None], F.exp_backward) is None
    with detect_anomaly(), pytest.raises(ValueError, match="2 inputs but 1 entries"):
        engine.record([x, x], x + x, [None], F.add_backward)  # the checked path under anomaly mode
    assert len(engine) == 0


def test_modules_give_the_same_gradients_through_record():
    """A small network's gradients through the modules (record) against the same network
    recorded op by op with add_operation and the general kernels."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    engine = Autograd()
    layer = Linear(3, 2, engine, rng=1)
    MSELoss(engine)(y, Tanh(engine)(layer(x)))
    engine.backward()
    reference = Autograd()
    W, b = layer.W.copy(), layer.b.copy()
    dW, db = np.zeros_like(W), np.zeros_like(b)
    h = x @ W.T
    reference.add_operation([x, W.T], h, [None, dW.T], F.matmul_backward)
    z = h + b
    reference.add_operation([h, b], z, [None, db], F.add_backward)
    a = np.tanh(z)
    reference.add_operation([z], a, [None], F.tanh_backward, {"out": a})
    loss = F.mse_loss(y, a)
    reference.add_operation([y, a], loss, [NO_GRAD, None], F.mse_loss_backward)
    reference.backward()
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-14)
    np.testing.assert_allclose(layer.db, db, rtol=1e-14)
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), reference.gradient_buffer.get_param(x), rtol=1e-14)


def test_a_module_given_integer_data_still_gets_the_checked_message():
    with pytest.raises(TypeError, match="matmul_backward.*input 0.*int64"):
        Linear(3, 2, Autograd())(np.ones((2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="Tanh.forward: expected a floating-point array, got dtype int64"):
        Tanh(Autograd())(np.ones(3, dtype=np.int64))
