"""distributions.Poisson, Geometric, StudentT, Cauchy, Gumbel, HalfNormal: densities against
closed forms, gradients against central differences, samples against the moments, and densities,
entropies, moments and gradients against PyTorch where it is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt

D = mt.distributions


def test_densities_against_closed_forms():
    k = np.array([0.0, 1.0, 4.0])
    rate = 2.5
    poisson = [x * math.log(rate) - rate - math.lgamma(x + 1) for x in k]
    np.testing.assert_allclose(D.Poisson(mt.tensor(rate)).log_prob(mt.tensor(k)).numpy(), poisson, rtol=1e-6)
    np.testing.assert_allclose(
        D.Geometric(probs=mt.tensor(0.3)).log_prob(mt.tensor(k)).numpy(), k * math.log(0.7) + math.log(0.3), rtol=1e-6
    )
    x = np.array([-2.0, 0.1, 3.0])
    cauchy = -np.log(np.pi * 2.0) - np.log1p(((x - 0.5) / 2.0) ** 2)
    np.testing.assert_allclose(
        D.Cauchy(mt.tensor(0.5), mt.tensor(2.0)).log_prob(mt.tensor(x)).numpy(), cauchy, rtol=1e-6
    )
    z = (x - 1.0) / 0.7
    np.testing.assert_allclose(
        D.Gumbel(mt.tensor(1.0), mt.tensor(0.7)).log_prob(mt.tensor(x)).numpy(),
        -(np.log(0.7) + z + np.exp(-z)),
        rtol=1e-6,
    )
    half = np.log(2) - 0.5 * np.log(2 * np.pi) - np.log(1.5) - np.abs(x) ** 2 / (2 * 1.5**2)
    np.testing.assert_allclose(D.HalfNormal(mt.tensor(1.5)).log_prob(mt.tensor(np.abs(x))).numpy(), half, rtol=1e-6)
    nu = 3.0
    t = (
        math.lgamma((nu + 1) / 2)
        - math.lgamma(nu / 2)
        - 0.5 * math.log(nu * math.pi)
        - (nu + 1) / 2 * np.log1p(x**2 / nu)
    )
    np.testing.assert_allclose(D.StudentT(mt.tensor(nu)).log_prob(mt.tensor(x)).numpy(), t, rtol=1e-6)
    with pytest.raises(ValueError, match="support"):
        D.Poisson(mt.tensor(1.0)).log_prob(mt.tensor(0.5))
    assert D.StudentT(mt.tensor(3.0)).rsample((4,)).shape == (4,)  # (its gradient: tests/test_gamma_rsample.py)


def test_gradients_and_samples():
    x0 = np.array([-1.0, 0.3, 2.0])

    def student(df, loc, scale):
        return D.StudentT(mt.tensor(df), mt.tensor(loc), mt.tensor(scale)).log_prob(mt.tensor(x0)).sum().item()

    params = [mt.tensor(v, requires_grad=True, dtype=mt.float64) for v in (4.0, 0.2, 1.3)]
    D.StudentT(*params).log_prob(mt.tensor(x0)).sum().backward()
    expected = central_differences(student, [np.array(4.0), np.array(0.2), np.array(1.3)])
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.grad.numpy(), e, rtol=1e-6)
    mt.manual_seed(0)
    for dist in (
        D.Poisson(mt.tensor(3.0)),
        D.Geometric(probs=mt.tensor(0.4)),
        D.Gumbel(mt.tensor(1.0), mt.tensor(2.0)),
        D.HalfNormal(mt.tensor(1.5)),
        D.StudentT(mt.tensor(5.0), mt.tensor(1.0), mt.tensor(2.0)),
    ):
        draws = dist.sample((40000,)).numpy()
        assert draws.mean() == pytest.approx(dist.mean.item(), rel=0.05, abs=0.03)
        assert draws.var() == pytest.approx(dist.variance.item(), rel=0.08)


@pytest.mark.parametrize(
    "name", ["Poisson", "Geometric", "GeometricLogits", "StudentT", "Cauchy", "Gumbel", "HalfNormal"]
)
def test_against_pytorch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b, c, p = rng.uniform(0.5, 3, 4), rng.normal(size=4), rng.uniform(0.5, 2, 4), rng.uniform(0.1, 0.9, 4)
    values = {
        "Poisson": rng.integers(0, 6, (3, 4)),
        "Geometric": rng.integers(0, 6, (3, 4)),
        "HalfNormal": rng.uniform(0, 3, (3, 4)),
    }
    x = np.asarray(values.get(name.removesuffix("Logits"), rng.normal(size=(3, 4)) * 2), dtype=np.float64)
    results = []
    for lib in (torch, mt):
        A, B, C, P = (lib.tensor(v, requires_grad=True) for v in (a, b, c, p))
        dist = lib.distributions
        d = {
            "Poisson": lambda: dist.Poisson(A),
            "Geometric": lambda: dist.Geometric(probs=P),
            "GeometricLogits": lambda: dist.Geometric(logits=B),
            "StudentT": lambda: dist.StudentT(A + 1.5, B, C),
            "Cauchy": lambda: dist.Cauchy(B, C),
            "Gumbel": lambda: dist.Gumbel(B, C),
            "HalfNormal": lambda: dist.HalfNormal(C),
        }[name]()
        got = [d.log_prob(lib.tensor(x)), d.mean, d.variance]
        if name != "Poisson":
            got.append(d.entropy())
        sum(t.sum() for t in got if bool(lib.isfinite(t).all())).backward()
        grads = [t.grad if t.grad is not None else lib.zeros(4, dtype=lib.float64) for t in (A, B, C, P)]
        results.append([t.detach().numpy() for t in got + grads] + [np.array(d.sample((5,)).shape)])
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-7, atol=1e-10)


def test_binomial():
    k = np.array([0.0, 2.0, 5.0])
    d = D.Binomial(mt.tensor(5.0, dtype=mt.float64), probs=mt.tensor(0.3, dtype=mt.float64))
    expected = [math.log(math.comb(5, int(x))) + x * math.log(0.3) + (5 - x) * math.log(0.7) for x in k]
    np.testing.assert_allclose(d.log_prob(mt.tensor(k)).numpy(), expected, rtol=1e-12)
    support = np.exp([math.log(math.comb(5, j)) + j * math.log(0.3) + (5 - j) * math.log(0.7) for j in range(6)])
    assert d.entropy().item() == pytest.approx(-(support * np.log(support)).sum(), rel=1e-12)
    with pytest.raises(ValueError, match="support"):
        d.log_prob(mt.tensor(6.0))
    mt.manual_seed(1)
    draws = D.Binomial(10, probs=mt.tensor(0.3)).sample((20000,)).numpy()
    assert draws.mean() == pytest.approx(3.0, rel=0.03) and draws.var() == pytest.approx(2.1, rel=0.06)
    logits = mt.tensor([-0.5, 0.0, 1.2], dtype=mt.float64, requires_grad=True)
    D.Binomial(4, logits=logits).log_prob(mt.tensor([1.0, 2.0, 4.0])).sum().backward()
    expected = np.array([1.0, 2.0, 4.0]) - 4 / (1 + np.exp(-np.array([-0.5, 0.0, 1.2])))  # k - n p
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-12)
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    p, counts = rng.uniform(0.1, 0.9, 4), rng.integers(0, 6, (3, 4)).astype(float)
    results = []
    for lib in (torch, mt):
        q = lib.tensor(p, requires_grad=True)
        dist = lib.distributions.Binomial(lib.tensor(np.full(4, 5.0)), probs=q)
        got = [dist.log_prob(lib.tensor(counts)), dist.entropy(), dist.mean, dist.variance]
        sum(t.sum() for t in got).backward()
        results.append([t.detach().numpy() for t in [*got, q.grad]])
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_multinomial():
    logits = mt.tensor([0.2, -1.0, 0.5], dtype=mt.float64, requires_grad=True)
    d = D.Multinomial(4, logits=logits)
    k = np.array([1.0, 0.0, 3.0])
    p = np.exp([0.2, -1.0, 0.5]) / np.exp([0.2, -1.0, 0.5]).sum()
    expected = math.log(math.factorial(4) / (math.factorial(1) * math.factorial(3))) + (k * np.log(p)).sum()
    lp = d.log_prob(mt.tensor(k))
    assert lp.item() == pytest.approx(expected, rel=1e-12) and d.event_shape == (3,)
    lp.backward()
    np.testing.assert_allclose(logits.grad.numpy(), k - 4 * p, rtol=1e-12)  # k - n p
    with pytest.raises(ValueError, match="support"):
        d.log_prob(mt.tensor([1.0, 1.0, 1.0]))
    mt.manual_seed(2)
    draws = D.Multinomial(10, probs=mt.tensor([0.2, 0.3, 0.5])).sample((5000,)).numpy()
    assert (draws.sum(-1) == 10).all()
    np.testing.assert_allclose(draws.mean(0), [2.0, 3.0, 5.0], rtol=0.05)
    torch = pytest.importorskip("torch")
    counts = np.array([[[1, 0, 3, 2], [0, 0, 6, 0]], [[2, 2, 1, 1], [6, 0, 0, 0]]], float)
    raw = np.random.default_rng(3).normal(size=(2, 4))
    results = []
    for lib in (torch, mt):
        z = lib.tensor(raw, requires_grad=True)
        dist = lib.distributions.Multinomial(6, logits=z)
        got = [dist.log_prob(lib.tensor(counts)), dist.mean, dist.variance]
        sum(t.sum() for t in got).backward()
        results.append([t.detach().numpy() for t in [*got, z.grad]])
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_binomial_and_geometric_at_probabilities_0_and_1():
    # log_prob reads the logits, which were log(0) - log1p(-0) = -inf and log(1) - log1p(-1) = inf:
    # NaN for the certain outcomes (0 successes at p = 0, n at p = 1), and NaN gradients. The
    # probabilities are kept within [eps, 1 - eps] first, as PyTorch's probs_to_logits keeps them
    p = mt.tensor([0.0, 1.0, 0.5], dtype=mt.float64, requires_grad=True)
    dist = mt.distributions.Binomial(total_count=mt.tensor([4.0, 4.0, 4.0], dtype=mt.float64), probs=p)
    lp = dist.log_prob(mt.tensor([0.0, 4.0, 1.0], dtype=mt.float64))
    eps = np.finfo(np.float64).eps
    np.testing.assert_allclose(
        lp.detach().numpy(), [4 * math.log1p(-eps), 4 * math.log1p(-eps), math.log(4 / 16)], atol=1e-13
    )
    lp.sum().backward()
    assert np.isfinite(p.grad.numpy()).all()
    assert np.isfinite(mt.distributions.Binomial(4, probs=mt.tensor([0.0, 1.0])).entropy().numpy()).all()
    assert np.isfinite(mt.distributions.Geometric(probs=mt.tensor([1.0, 0.5])).logits.numpy()).all()


def test_gumbel_and_halfnormal_quantiles():
    # PyTorch's Gumbel and HalfNormal have icdf (through their transforms); here they raised AttributeError
    q = mt.tensor([1e-8, 0.1, 0.5, 0.9, 0.999], dtype=mt.float64)
    gumbel = mt.distributions.Gumbel(mt.tensor(0.3, dtype=mt.float64), mt.tensor(1.7, dtype=mt.float64))
    half = mt.distributions.HalfNormal(mt.tensor(1.7, dtype=mt.float64))
    expected = 0.3 - 1.7 * np.log(-np.log(q.numpy()))
    np.testing.assert_allclose(gumbel.icdf(q).numpy(), expected, rtol=1e-13)
    for dist in (gumbel, half):
        np.testing.assert_allclose(dist.cdf(dist.icdf(q)).numpy(), q.numpy(), rtol=1e-7)  # (2 F(x) - 1 cancels near 0)
    np.testing.assert_allclose(half.icdf(mt.tensor(0.5)).item(), 1.7 * 0.6744897501960817, rtol=1e-6)
