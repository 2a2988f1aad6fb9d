"""``RelaxedOneHotCategorical``, ``RelaxedBernoulli`` and ``ContinuousBernoulli``: closed forms,
sample statistics, a gradient against finite differences, and densities, moments and gradients
against PyTorch 2.13 where it is installed (near p = 1/2 too, where the Taylor forms are used)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import ContinuousBernoulli, RelaxedBernoulli, RelaxedOneHotCategorical


def test_samples_lie_where_they_should_and_carry_gradients():
    mt.manual_seed(0)
    logits = mt.tensor([[0.3, -1.0, 2.0]], dtype=mt.float64, requires_grad=True)
    d = RelaxedOneHotCategorical(mt.tensor(0.5, dtype=mt.float64), logits=logits)
    y = d.rsample((4000,))
    assert y.shape == (4000, 1, 3) and d.event_shape == (3,) and d.batch_shape == (1,)
    np.testing.assert_allclose(y.detach().numpy().sum(-1), 1.0, rtol=1e-12)
    winners = np.bincount(y.detach().numpy().argmax(-1).ravel(), minlength=3) / 4000  # (Gumbel-max: the softmax)
    np.testing.assert_allclose(
        winners, np.exp(logits.detach().numpy()[0]) / np.exp(logits.detach().numpy()).sum(), atol=0.03
    )
    y[..., 2].mean().backward()
    assert logits.grad.abs().sum().item() > 0
    cold = RelaxedBernoulli(mt.tensor(0.05), probs=mt.tensor([0.3])).sample((2000,)).numpy()
    assert ((cold < 0.05) | (cold > 0.95)).mean() > 0.9 and abs((cold > 0.5).mean() - 0.3) < 0.05
    cb = ContinuousBernoulli(probs=mt.tensor([0.2, 0.5, 0.8], dtype=mt.float64))
    draws = cb.sample((40000,)).numpy()
    assert draws.min() >= 0 and draws.max() <= 1
    np.testing.assert_allclose(draws.mean(0), cb.mean.numpy(), atol=0.01)
    np.testing.assert_allclose(draws.var(0), cb.variance.numpy(), atol=0.01)


def test_continuous_bernoulli_closed_forms_and_a_finite_difference():
    p, x = 0.2, np.array([0.0, 0.3, 1.0])
    norm = 2 * math.atanh(1 - 2 * p) / (1 - 2 * p)
    d = ContinuousBernoulli(probs=mt.tensor(p, dtype=mt.float64))
    expected = np.log(norm) + x * np.log(p) + (1 - x) * np.log(1 - p)
    np.testing.assert_allclose(d.log_prob(mt.tensor(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        ContinuousBernoulli(probs=mt.tensor(0.5)).log_prob(mt.tensor(0.3)).item(), 0.0, atol=1e-7
    )
    q = mt.tensor([0.1, 0.6], dtype=mt.float64)  # (float32 values give float32, as PyTorch's 0-d probs do)
    np.testing.assert_allclose(d.cdf(d.icdf(q)).numpy(), [0.1, 0.6], rtol=1e-12)
    probs = mt.tensor([0.2, 0.4999, 0.8], dtype=mt.float64, requires_grad=True)
    ContinuousBernoulli(probs=probs).log_prob(mt.tensor([0.3, 0.3, 0.3])).sum().backward()

    def f(q):
        return float(ContinuousBernoulli(probs=mt.tensor(q)).log_prob(mt.tensor([0.3, 0.3, 0.3])).sum())

    base = probs.detach().numpy()
    numeric = [(f(base + e) - f(base - e)) / 2e-7 for e in np.eye(3) * 1e-7]
    np.testing.assert_allclose(probs.grad.numpy(), numeric, rtol=1e-5)
    with pytest.raises(ValueError, match="outside the support"):
        d.log_prob(mt.tensor(1.5))


def test_densities_moments_and_gradients_match_pytorchs():
    torch = pytest.importorskip("torch")

    def run(lib):
        dists = lib.distributions
        logits = lib.tensor(np.array([[0.3, -1.0, 2.0], [0.1, 0.2, -0.5]]), requires_grad=True)
        t = lib.tensor(0.7, dtype=lib.float64, requires_grad=True)
        simplex = lib.tensor(np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]))
        probs = lib.tensor(np.array([0.2, 0.5, 0.4995, 0.9]), requires_grad=True)
        y = lib.tensor(np.array([0.3, 0.7, 0.1, 0.95]))
        cb = dists.ContinuousBernoulli(probs=probs)
        by_logits = dists.ContinuousBernoulli(logits=lib.tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True))
        out = [
            dists.RelaxedOneHotCategorical(t, logits=logits).log_prob(simplex),
            dists.RelaxedBernoulli(t, probs=probs).log_prob(y),
            cb.log_prob(y),
            cb.mean,
            cb.variance,
            cb.entropy(),
            cb.cdf(y),
            cb.icdf(y),
            by_logits.log_prob(lib.tensor(np.array([0.0, 0.5, 1.0]))),
            by_logits.mean,
        ]
        total = sum((o * (i + 1)).sum() for i, o in enumerate(out))
        grads = lib.autograd.grad(total, [logits, t, probs])
        return [o.detach().numpy() for o in out] + [g.numpy() for g in grads]

    for i, (a, b) in enumerate(zip(run(mt), run(torch))):
        assert a.shape == b.shape, i
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(i))


def test_continuous_bernoulli_cdf_beyond_the_unit_interval_is_0_or_1_with_no_nan():
    # cdf(inf) was NaN (0 * inf where it took 1), and every gradient through an infinite value NaN
    d = ContinuousBernoulli(probs=mt.tensor([0.3, 0.5, 0.999]))
    x = mt.tensor([[math.inf], [-math.inf], [2.0], [-1.0], [0.5]], requires_grad=True)
    cdf = d.cdf(x)
    cdf.sum().backward()
    np.testing.assert_array_equal(cdf.detach().numpy()[:4], [[1.0] * 3, [0.0] * 3, [1.0] * 3, [0.0] * 3])
    assert x.grad.numpy()[:4].tolist() == [[0.0]] * 4 and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(cdf.detach().numpy()[4, 1], 0.5, rtol=1e-6)
