"""``nn.AdaptiveLogSoftmaxWithLoss`` (``mytorch/nn/adaptive.py``): ``log_prob`` sums to one over the
classes and agrees with ``forward``'s output, refusals; and with PyTorch's weights loaded, the
output, loss, ``log_prob``, ``predict``, the weights' gradients and a second derivative against
PyTorch 2.13's where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt

TARGET = np.array([0, 2, 3, 9, 5, 7, 1, 6, 8, 4, 9, 0])


def _module(lib, seed=0):
    lib.manual_seed(seed)
    return lib.nn.AdaptiveLogSoftmaxWithLoss(6, 10, [3, 6], div_value=2.0, head_bias=True).double()


def test_log_prob_is_a_distribution_and_forward_picks_from_it():
    m = _module(mt)
    x = mt.tensor(np.random.default_rng(0).normal(size=(12, 6)))
    full = m.log_prob(x)
    np.testing.assert_allclose(full.exp().sum(1).numpy(), 1.0, rtol=1e-12)
    out, loss = m(x, mt.tensor(TARGET))
    np.testing.assert_allclose(out.detach().numpy(), full.detach().numpy()[np.arange(12), TARGET], rtol=1e-12)
    assert loss.item() == pytest.approx(-out.detach().numpy().mean(), rel=1e-12)
    np.testing.assert_array_equal(m.predict(x).numpy(), full.detach().numpy().argmax(1))
    single, _ = m(x[3], mt.tensor(9))
    assert single.shape == () and single.item() == pytest.approx(out[3].item(), rel=1e-12)
    assert m.log_prob(x[0]).shape == (10,) and [len(p) for p in m.tail] == [2, 2]
    assert (m.head.out_features, m.tail[0][0].out_features, m.tail[1][0].out_features) == (5, 3, 1)
    before = m.tail[1][1].weight.detach().numpy().copy()
    m.reset_parameters()
    assert not np.array_equal(m.tail[1][1].weight.detach().numpy(), before)


def test_refusals_name_the_problem():
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique"):
        mt.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3])
    with pytest.raises(ValueError, match="larger than 0"):
        mt.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [])
    m = mt.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5])
    with pytest.raises(ValueError, match=r"target values should be in \[0, 9\]"):
        m(mt.zeros(2, 4), mt.tensor([1, 10]))
    with pytest.raises(RuntimeError, match="2-D input with as many rows"):
        m(mt.zeros(3, 4), mt.tensor([1, 2]))
    with pytest.raises(ValueError, match="0-D or 1-D target"):
        m(mt.zeros(2, 4), mt.zeros(2, 2, dtype=mt.int64))


def _run(lib, weights, x):
    m = _module(lib)
    with lib.no_grad():
        for p, w in zip(m.parameters(), weights):
            p.copy_(lib.tensor(w))
    inputs = lib.tensor(x, requires_grad=True)
    out, loss = m(inputs, lib.tensor(TARGET))
    params = list(m.parameters())
    grads = lib.autograd.grad(loss, [inputs, *params], create_graph=True)
    (second,) = lib.autograd.grad(grads[0].square().sum(), params[0])
    values = [out, loss, m.log_prob(inputs), m.predict(inputs), *grads, second]
    return [v.detach().numpy() for v in values]


def test_forward_gradients_and_second_derivative_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    weights = [p.detach().numpy() for p in _module(torch).parameters()]
    assert [w.shape for w in weights] == [tuple(p.shape) for p in _module(mt).parameters()]
    x = np.random.default_rng(1).normal(size=(12, 6))
    for ours, theirs in zip(_run(mt, weights, x), _run(torch, weights, x)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
