"""distributions.MixtureSameFamily: the density against its closed form, gradients against central
differences, samples against the mean and variance, and everything against PyTorch where installed."""

from __future__ import annotations

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt

D = mt.distributions


def _gmm(lib, logits, mu, log_sigma):
    dist = lib.distributions
    return dist.MixtureSameFamily(
        dist.Categorical(logits=logits), dist.Independent(dist.Normal(mu, log_sigma.exp()), 1)
    )


def test_density_gradient_and_moments():
    rng = np.random.default_rng(0)
    lg, mu, x0 = rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    ls = rng.normal(scale=0.3, size=(3, 2))

    def density(logits, means, log_sigma):
        pi = np.exp(logits - np.log(np.exp(logits).sum()))
        sigma = np.exp(log_sigma)
        z = (x0[:, None, :] - means) / sigma
        per = np.exp(-0.5 * (z**2).sum(-1)) / ((2 * np.pi) * sigma.prod(-1))
        return np.log((pi * per).sum(-1))

    params = [mt.tensor(v, requires_grad=True) for v in (lg, mu, ls)]
    gmm = _gmm(mt, *params)
    assert gmm.batch_shape == () and gmm.event_shape == (2,)
    lp = gmm.log_prob(mt.tensor(x0))
    np.testing.assert_allclose(lp.detach().numpy(), density(lg, mu, ls), rtol=1e-12)
    lp.sum().backward()
    expected = central_differences(lambda a, b, c: float(density(a, b, c).sum()), [lg.copy(), mu.copy(), ls.copy()])
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.grad.numpy(), e, rtol=1e-6, atol=1e-8)
    mt.manual_seed(0)
    draws = gmm.sample((20000,)).numpy()
    assert draws.shape == (20000, 2)
    np.testing.assert_allclose(draws.mean(0), gmm.mean.detach().numpy(), atol=0.05)
    np.testing.assert_allclose(draws.var(0), gmm.variance.detach().numpy(), rtol=0.05)


def test_one_dimensional_components_and_refusals():
    weights = D.Categorical(probs=mt.tensor([0.25, 0.75]))
    one = D.MixtureSameFamily(weights, D.Normal(mt.tensor([-1.0, 2.0]), mt.tensor([0.5, 1.0])))
    assert one.cdf(mt.tensor([100.0])).item() == pytest.approx(1.0)
    assert one.mean.item() == pytest.approx(0.25 * -1 + 0.75 * 2)
    with pytest.raises(ValueError, match="must end with"):
        D.MixtureSameFamily(D.Categorical(logits=mt.zeros(3)), D.Normal(mt.zeros(2), mt.ones(2)))
    with pytest.raises(ValueError, match="Categorical"):
        D.MixtureSameFamily(D.Normal(mt.zeros(2), mt.ones(2)), D.Normal(mt.zeros(2), mt.ones(2)))


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    lg, mu, x0 = rng.normal(size=(2, 3)), rng.normal(size=(2, 3, 2)), rng.normal(size=(5, 2, 2))
    ls = rng.normal(scale=0.3, size=(2, 3, 2))
    results = []
    for lib in (torch, mt):
        params = [lib.tensor(v, requires_grad=True) for v in (lg, mu, ls)]
        gmm = _gmm(lib, *params)
        lp = gmm.log_prob(lib.tensor(x0))
        (lp.sum() + gmm.mean.sum() + gmm.variance.sum()).backward()
        got = [lp, gmm.mean, gmm.variance, *(p.grad for p in params)]
        results.append([t.detach().numpy() for t in got] + [np.array(gmm.sample((3,)).shape)])
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


def _support_checks(lib):
    dist = lib.distributions
    vectors = dist.MixtureSameFamily(
        dist.Categorical(probs=lib.ones(2) / 2), dist.Independent(dist.Normal(lib.zeros(2, 3), 1.0), 1)
    )
    numbers = dist.MixtureSameFamily(dist.Categorical(probs=lib.ones(2) / 2), dist.Gamma(lib.ones(2), 1.0))
    checks = [
        vectors.support.check(lib.tensor([[0.0, 1.0, 2.0], [float("nan"), 0.0, 0.0]])),
        numbers.support.check(lib.tensor([1.0, -1.0, 0.0])),
    ]
    return [c.tolist() for c in checks], [repr(vectors.support), repr(numbers.support), vectors.support.event_dim]


def test_support_is_a_mixture_same_family_constraint():
    checks, names = _support_checks(mt)
    assert checks == [[True, False], [True, False, True]]
    assert names == [
        "MixtureSameFamilyConstraint(IndependentConstraint(Real(), 1))",
        "MixtureSameFamilyConstraint(GreaterThanEq(lower_bound=0.0))",
        1,
    ]
    torch = pytest.importorskip("torch")
    assert _support_checks(torch) == (checks, names)
