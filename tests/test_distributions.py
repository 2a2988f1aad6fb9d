"""mytorch.distributions: densities, entropies and KL divergences by their closed forms, their
gradients against PyTorch where it is installed, and samples by their frequencies (seeded)."""

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import Bernoulli, Categorical, Normal, Uniform, kl_divergence

LOGITS = np.array([[0.2, -1.0, 0.5], [1.0, 0.0, -0.5]])


def test_closed_forms():
    c = Categorical(logits=mt.tensor(LOGITS))
    p = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
    np.testing.assert_allclose(c.log_prob(mt.tensor([2, 0])).numpy(), np.log([p[0, 2], p[1, 0]]), rtol=1e-6)
    np.testing.assert_allclose(c.entropy().numpy(), -(p * np.log(p)).sum(1), rtol=1e-6)
    np.testing.assert_allclose(Categorical(probs=mt.tensor(p * 3)).probs.numpy(), p, rtol=1e-6)
    n = Normal(mt.tensor(1.0), mt.tensor(2.0))
    assert n.log_prob(mt.tensor(3.0)).item() == pytest.approx(-0.5 - math.log(2) - 0.5 * math.log(2 * math.pi))
    assert n.entropy().item() == pytest.approx(0.5 + 0.5 * math.log(2 * math.pi) + math.log(2))
    assert kl_divergence(n, Normal(0.0, 1.0)).item() == pytest.approx(0.5 * (4 + 1 - 1 - math.log(4)))
    b = Bernoulli(probs=mt.tensor([0.25]))
    assert b.log_prob(mt.tensor([1.0])).item() == pytest.approx(math.log(0.25), rel=1e-6)
    assert b.entropy().item() == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)), rel=1e-6)
    u = Uniform(0.0, 4.0)
    assert u.log_prob(mt.tensor(1.0)).item() == pytest.approx(-math.log(4)) and u.entropy().item() == pytest.approx(
        math.log(4)
    )
    assert u.log_prob(mt.tensor(5.0)).item() == -math.inf
    with pytest.raises(ValueError, match="either probs or logits"):
        Categorical()
    with pytest.raises(NotImplementedError, match="Uniform"):
        kl_divergence(u, n)


def test_samples_follow_the_distribution_and_rsample_carries_the_gradient():
    mt.manual_seed(0)
    counts = np.bincount(Categorical(probs=mt.tensor([0.1, 0.6, 0.3])).sample((20000,)).numpy(), minlength=3)
    np.testing.assert_allclose(counts / 20000, [0.1, 0.6, 0.3], atol=0.015)
    assert Categorical(logits=mt.tensor(LOGITS)).sample((5,)).shape == (5, 2)
    assert Bernoulli(probs=mt.tensor([0.2, 0.9])).sample((4000,)).numpy().mean(0) == pytest.approx([0.2, 0.9], abs=0.03)
    loc, scale = mt.tensor(1.0, requires_grad=True), mt.tensor(2.0, requires_grad=True)
    draws = Normal(loc, scale).rsample((5000,))
    assert draws.numpy().mean() == pytest.approx(1.0, abs=0.1) and draws.numpy().std() == pytest.approx(2.0, abs=0.1)
    draws.mean().backward()
    assert loc.grad.item() == pytest.approx(1.0)
    assert scale.grad.item() == pytest.approx(float(((draws.detach() - 1.0) / 2.0).mean()), rel=1e-5)
    assert not Normal(loc, scale).sample().requires_grad


def test_values_and_gradients_match_pytorchs():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, mt):
        d = lib.distributions
        logits = lib.tensor(LOGITS, requires_grad=True)
        c, c2 = d.Categorical(logits=logits), d.Categorical(probs=lib.tensor(np.exp(LOGITS)))
        n = d.Normal(logits, lib.tensor([0.5, 1.5, 2.0], dtype=lib.float64))
        b = d.Bernoulli(logits=logits)
        total = (
            c.log_prob(lib.tensor([2, 0])).sum()
            + c.entropy().sum()
            + n.log_prob(lib.tensor(np.ones((2, 3)))).sum()
            + n.entropy().sum()
            + b.log_prob(lib.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype=lib.float64)).sum()
            + b.entropy().sum()
            + d.kl_divergence(d.Normal(logits, 1.0), d.Normal(0.0, 2.0)).sum()
            + d.kl_divergence(c, c2).sum()
            + d.kl_divergence(b, d.Bernoulli(probs=lib.tensor([[0.3, 0.5, 0.7]] * 2, dtype=lib.float64))).sum()
        )
        total.backward()
        results.append((total.item(), logits.grad.numpy()))
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-10, atol=1e-12)


def test_a_probability_of_0_or_1_and_a_masked_logit_give_finite_values_as_pytorchs():
    """PyTorch keeps probabilities within [eps, 1 - eps] before their log, and a logit of -inf
    counts as the dtype's lowest number in the entropy: a Bernoulli of probs 0 or 1, a Categorical
    with a class of probability 0 or a masked logit (a policy's invalid action) gave NaN."""
    eps = float(np.finfo(np.float64).eps)
    sure = Bernoulli(probs=mt.tensor([0.0, 1.0], dtype=mt.float64))
    np.testing.assert_allclose(sure.log_prob(mt.tensor([0.0, 1.0], dtype=mt.float64)).numpy(), 0.0, atol=1e-15)
    np.testing.assert_allclose(
        sure.log_prob(mt.tensor([1.0, 0.0], dtype=mt.float64)).numpy(), math.log(eps), rtol=1e-12
    )
    np.testing.assert_allclose(sure.entropy().numpy(), 0.0, atol=1e-14)
    for half in (
        Categorical(probs=mt.tensor([0.0, 0.5, 0.5], dtype=mt.float64)),
        Categorical(logits=mt.tensor([-math.inf, 0.0, 0.0], dtype=mt.float64)),
    ):
        assert math.isclose(half.entropy().item(), math.log(2), rel_tol=1e-12)
        assert math.isclose(half.log_prob(mt.tensor(1)).item(), -math.log(2), rel_tol=1e-12)
    assert math.isclose(
        Categorical(probs=mt.tensor([0.0, 1.0], dtype=mt.float64)).log_prob(mt.tensor(0)).item(), math.log(eps)
    )
    logits = mt.tensor([1.0, -math.inf, 0.0], dtype=mt.float64, requires_grad=True)
    Categorical(logits=logits).entropy().backward()
    assert np.isfinite(logits.grad.numpy()).all() and logits.grad.numpy()[1] == 0.0


def test_independent_sums_the_event_axes():
    # 'module mytorch.distributions has no attribute Independent' before
    mu = mt.tensor([[0.5, -1.0, 2.0], [0.0, 0.25, -0.5]], requires_grad=True)
    std = mt.tensor([[1.0, 0.5, 2.0], [0.3, 1.5, 1.0]], requires_grad=True)
    base = mt.distributions.Normal(mu, std)
    policy = mt.distributions.Independent(base, 1)
    assert (policy.batch_shape, policy.event_shape) == ((2,), (3,))
    action = mt.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]])
    np.testing.assert_allclose(policy.log_prob(action).detach().numpy(), base.log_prob(action).sum(-1).detach().numpy())
    np.testing.assert_allclose(policy.entropy().detach().numpy(), base.entropy().sum(-1).detach().numpy())
    other = mt.distributions.Independent(mt.distributions.Normal(mu.detach() + 1, std.detach()), 1)
    kl = mt.distributions.kl_divergence(policy, other)
    np.testing.assert_allclose(kl.detach().numpy(), [0.5 + 2 + 0.125, 1 / 0.18 + 1 / 4.5 + 0.5])  # sum of 1 / (2 std^2)
    policy.log_prob(action).sum().backward()
    assert mu.grad.shape == (2, 3) and policy.rsample((4,)).shape == (4, 2, 3)


def test_independent_matches_torch():
    torch = pytest.importorskip("torch")
    out = []
    for lib in (mt, torch):
        mu = lib.tensor([[0.5, -1.0], [0.0, 0.25]], dtype=lib.float64, requires_grad=True)
        std = lib.tensor([[1.0, 0.5], [0.3, 1.5]], dtype=lib.float64, requires_grad=True)
        p = lib.distributions.Independent(lib.distributions.Normal(mu, std), 1)
        q = lib.distributions.Independent(lib.distributions.Normal(mu.detach() * 2, std.detach() + 1), 1)
        loss = p.log_prob(lib.tensor([[0.1, 0.2], [0.3, 0.4]], dtype=lib.float64)).sum() + p.entropy().sum()
        loss = loss + lib.distributions.kl_divergence(p, q).sum()
        loss.backward()
        out.append((loss.item(), mu.grad.numpy(), std.grad.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-13)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-13)
    np.testing.assert_allclose(out[0][2], out[1][2], rtol=1e-13)
