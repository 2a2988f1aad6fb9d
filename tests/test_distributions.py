"""mytorch.distributions: densities, entropies and KL divergences by their closed forms, their
gradients against PyTorch where it is installed, and samples by their frequencies (seeded)."""

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import Bernoulli, Categorical, Cauchy, Normal, Uniform, kl_divergence

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
    assert Uniform(0.0, 4.0, validate_args=False).log_prob(mt.tensor(5.0)).item() == -math.inf
    with pytest.raises(ValueError, match="support"):  # validated, as PyTorch's
        u.log_prob(mt.tensor(5.0))
    with pytest.raises(ValueError, match="either probs or logits"):
        Categorical()
    with pytest.raises(NotImplementedError, match="Normal and Cauchy"):  # (more pairs: tests/test_kl_pairs.py)
        kl_divergence(n, Cauchy(0.0, 1.0))


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


# --------------------------------------------------------------------------- MultivariateNormal
L_FACTOR = np.array([[1.0, 0.0, 0.0], [0.5, 0.8, 0.0], [-0.3, 0.2, 0.6]])
LOC = np.array([0.1, -0.2, 0.3])
POINTS = np.random.default_rng(3).normal(size=(5, 3))


def test_multivariate_normal_closed_forms():
    # 'cannot import name MultivariateNormal' before (a VAE / Gaussian-process program)
    from mytorch.distributions import MultivariateNormal

    cov = L_FACTOR @ L_FACTOR.T
    inverse, (_, logdet) = np.linalg.inv(cov), np.linalg.slogdet(cov)
    diff = POINTS - LOC
    want = -0.5 * (3 * math.log(2 * math.pi) + logdet + np.einsum("ni,ij,nj->n", diff, inverse, diff))
    for kwargs in ({"covariance_matrix": cov}, {"scale_tril": L_FACTOR}, {"precision_matrix": inverse}):
        d = MultivariateNormal(mt.tensor(LOC), **{k: mt.tensor(v) for k, v in kwargs.items()})
        np.testing.assert_allclose(d.log_prob(mt.tensor(POINTS)).numpy(), want, rtol=1e-12)
        np.testing.assert_allclose(d.scale_tril.numpy(), L_FACTOR, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(d.covariance_matrix.numpy(), cov, rtol=1e-12)
        assert d.entropy().item() == pytest.approx(0.5 * (3 * (1 + math.log(2 * math.pi)) + logdet), rel=1e-12)
        assert d.batch_shape == () and d.event_shape == (3,)
    d = MultivariateNormal(mt.tensor(LOC), scale_tril=mt.tensor(L_FACTOR))
    np.testing.assert_allclose(d.variance.numpy(), np.diag(cov), rtol=1e-12)
    # KL against N(0, 2 I): (tr(S1^-1 S0) + m^T S1^-1 m - k + log det S1 - log det S0) / 2
    q = MultivariateNormal(mt.zeros(3, dtype=mt.float64), mt.eye(3, dtype=mt.float64) * 2.0)
    kl = 0.5 * (np.trace(cov) / 2 + LOC @ LOC / 2 - 3 + 3 * math.log(2) - logdet)
    assert kl_divergence(d, q).item() == pytest.approx(kl, rel=1e-12)
    assert kl_divergence(d, d).item() == pytest.approx(0.0, abs=1e-14)
    batch = MultivariateNormal(mt.zeros(2, 3, dtype=mt.float64), scale_tril=mt.tensor(np.stack([L_FACTOR, np.eye(3)])))
    assert batch.batch_shape == (2,) and batch.log_prob(mt.tensor(POINTS[:, None])).shape == (5, 2)
    with pytest.raises(ValueError, match="exactly one"):
        MultivariateNormal(mt.tensor(LOC))
    with pytest.raises(ValueError, match="k, k"):
        MultivariateNormal(mt.tensor(LOC), mt.eye(2, dtype=mt.float64))


def test_multivariate_normal_gradients_and_samples():
    from mytorch.distributions import MultivariateNormal

    def density(loc, factor):
        tril = mt.tril(factor) + mt.eye(3, dtype=mt.float64) * 0.5  # a valid factor for nearby values
        d = MultivariateNormal(loc, covariance_matrix=tril @ tril.T)
        other = MultivariateNormal(loc * 0.5, scale_tril=tril * 1.5)
        return d.log_prob(mt.tensor(POINTS)).sum() + d.entropy() + kl_divergence(d, other)

    loc = mt.tensor(LOC, requires_grad=True)
    factor = mt.tensor(L_FACTOR, requires_grad=True)
    assert mt.autograd.gradcheck(density, (loc, factor), eps=1e-6, atol=1e-7)
    mt.manual_seed(0)
    d = MultivariateNormal(loc, scale_tril=factor)
    draws = d.rsample((20000,))
    assert draws.shape == (20000, 3) and draws.requires_grad
    np.testing.assert_allclose(np.cov(draws.detach().numpy().T), L_FACTOR @ L_FACTOR.T, atol=0.05)
    draws.sum().backward()  # d(loc + L eps)/d loc = 1 per draw
    np.testing.assert_allclose(loc.grad.numpy(), [20000.0] * 3)


def test_normal_cdf_and_icdf():
    n = Normal(mt.tensor([0.0, 1.0], dtype=mt.float64, requires_grad=True), mt.tensor([1.0, 2.0], dtype=mt.float64))
    x = mt.tensor([1.0, 0.0], dtype=mt.float64)
    np.testing.assert_allclose(
        n.cdf(x).numpy(), [0.5 * (1 + math.erf(1 / math.sqrt(2))), 0.5 * (1 + math.erf(-0.5 / math.sqrt(2)))]
    )
    np.testing.assert_allclose(n.icdf(n.cdf(x)).detach().numpy(), x.numpy(), rtol=1e-12, atol=1e-14)
    n.cdf(x).sum().backward()  # d/d loc of Phi((x - loc) / s) is minus the Normal's density at x
    pdf = np.exp(n.log_prob(x).detach().numpy())
    np.testing.assert_allclose(n.loc.grad.numpy(), -pdf, rtol=1e-12)


def test_solve_triangular_reads_one_triangle():
    r = np.random.default_rng(0)
    a = r.normal(size=(3, 3)) + 3 * np.eye(3)
    b = r.normal(size=(3, 2))
    for upper in (False, True):
        tri = np.triu(a) if upper else np.tril(a)
        x = mt.linalg.solve_triangular(mt.tensor(a), mt.tensor(b), upper=upper)
        np.testing.assert_allclose(x.numpy(), np.linalg.solve(tri, b), rtol=1e-12)
        unit = tri - np.diag(np.diag(tri)) + np.eye(3)
        x = mt.linalg.solve_triangular(mt.tensor(a), mt.tensor(b), upper=upper, unitriangular=True)
        np.testing.assert_allclose(x.numpy(), np.linalg.solve(unit, b), rtol=1e-12)
        x = mt.linalg.solve_triangular(mt.tensor(a), mt.tensor(b.T), upper=upper, left=False)
        np.testing.assert_allclose(x.numpy(), np.linalg.solve(tri.T, b).T, rtol=1e-12)
    A, B = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    mt.linalg.solve_triangular(A, B, upper=False).pow(2).sum().backward()
    assert not np.triu(A.grad.numpy(), 1).any()  # the other triangle is not read
    assert mt.autograd.gradcheck(lambda A, B: mt.linalg.solve_triangular(A, B, upper=True, unitriangular=True), (A, B))


def test_multivariate_normal_cdf_and_solve_triangular_match_torch():
    torch = pytest.importorskip("torch")
    from mytorch.distributions import MultivariateNormal

    def run(lib, dist):
        loc = lib.tensor(LOC, requires_grad=True)
        factor = lib.tensor(L_FACTOR, requires_grad=True)
        d = dist(loc, covariance_matrix=factor @ factor.T)
        q = dist(loc.detach() * 0, precision_matrix=factor.T @ factor + lib.eye(3, dtype=lib.float64))
        out = d.log_prob(lib.tensor(POINTS)).sum() + d.entropy() + lib.distributions.kl_divergence(d, q)
        n = lib.distributions.Normal(loc, factor.diagonal().abs())
        out = out + n.cdf(lib.tensor(POINTS)).sum() + n.icdf(lib.tensor([0.1, 0.5, 0.9], dtype=lib.float64)).sum()
        out = out + lib.linalg.solve_triangular(factor, lib.tensor(POINTS.T), upper=False).sum()
        out.backward()
        return [out.item(), *loc.grad.tolist(), *factor.grad.flatten().tolist()]

    np.testing.assert_allclose(
        run(mt, MultivariateNormal), run(torch, torch.distributions.MultivariateNormal), rtol=1e-10, atol=1e-12
    )


def test_arguments_are_validated_as_in_pytorch():
    # validate_args was accepted and ignored: a scale of 0, a probability of 1.2, a Bernoulli
    # value of 0.5, a class of -1 or 0.5, a Uniform value past its end gave numbers (NaN, a
    # log-likelihood of soft labels, a clamped class, -inf) where PyTorch raises ValueError
    refused = [
        lambda: Normal(0.0, 0.0),
        lambda: Normal(math.nan, 1.0),
        lambda: Normal(0.0, 1.0).log_prob(mt.tensor(math.nan)),
        lambda: Normal(0.0, 1.0).cdf(mt.tensor(math.nan)),
        lambda: Uniform(1.0, 1.0),
        lambda: Uniform(0.0, 1.0).log_prob(mt.tensor(1.5)),
        lambda: Uniform(0.0, 1.0).cdf(mt.tensor(-0.1)),
        lambda: Bernoulli(probs=mt.tensor([1.2])),
        lambda: Bernoulli(logits=mt.tensor([math.nan])),
        lambda: Bernoulli(probs=mt.tensor([0.3])).log_prob(mt.tensor([0.5])),
        lambda: Categorical(probs=mt.tensor([-0.1, 1.1])),
        lambda: Categorical(probs=mt.tensor([0.0, 0.0])),
        lambda: Categorical(logits=mt.tensor([0.0, math.inf])),
        lambda: Categorical(probs=mt.tensor([0.5, 0.5])).log_prob(mt.tensor(0.5)),
        lambda: Categorical(probs=mt.tensor([0.5, 0.5])).log_prob(mt.tensor(-1)),
        lambda: mt.distributions.MultivariateNormal(mt.zeros(2), scale_tril=mt.tensor([[1.0, 0.0], [0.0, -1.0]])),
        lambda: mt.distributions.MultivariateNormal(mt.zeros(2), covariance_matrix=mt.tensor([[1.0, 2.0], [2.0, 1.0]])),
    ]
    for make in refused:
        with pytest.raises(ValueError, match="(must satisfy|outside the support)"):
            make()
    # the edges PyTorch allows, and validate_args=False / the default switched off
    assert Uniform(0.0, 1.0).log_prob(mt.tensor(1.0)).item() == -math.inf
    assert Normal(math.inf, 1.0).loc.item() == math.inf
    assert Categorical(logits=mt.tensor([0.0, -math.inf])).probs.tolist() == [1.0, 0.0]
    assert Categorical(probs=mt.tensor([0.5, 0.5])).log_prob(mt.tensor(1.0)).item() == pytest.approx(math.log(0.5))
    assert math.isnan(Normal(0.0, -1.0, validate_args=False).log_prob(mt.tensor(0.5)).item())
    mt.distributions.Distribution.set_default_validate_args(False)
    try:
        assert Bernoulli(probs=mt.tensor([0.3])).log_prob(mt.tensor([0.5])).item() == pytest.approx(
            0.5 * math.log(0.3) + 0.5 * math.log(0.7)
        )
    finally:
        mt.distributions.Distribution.set_default_validate_args(True)


def test_uniform_cdf_icdf_variance_and_normal_icdf_in_the_tails():
    u = Uniform(mt.tensor([0.0, -1.0], dtype=mt.float64), mt.tensor([2.0, 3.0], dtype=mt.float64))
    assert u.cdf(mt.tensor([0.5, 3.0], dtype=mt.float64)).tolist() == [0.25, 1.0]
    assert u.icdf(mt.tensor([0.25, 0.5], dtype=mt.float64)).tolist() == [0.5, 1.0]
    np.testing.assert_allclose(u.variance.numpy(), [4 / 12, 16 / 12])
    np.testing.assert_allclose(u.stddev.numpy(), np.sqrt([4 / 12, 16 / 12]))
    # sqrt 2 erfinv(2p - 1) was -inf below p = 1e-16 (as PyTorch's Normal.icdf still is)
    n = Normal(mt.tensor([1.0], dtype=mt.float64), mt.tensor([0.5], dtype=mt.float64))
    q = n.icdf(mt.tensor([1e-20], dtype=mt.float64)).item()
    assert q == pytest.approx(1.0 + 0.5 * -9.262340089798408, rel=1e-14)
    assert n.cdf(mt.tensor([q], dtype=mt.float64)).item() == pytest.approx(1e-20, rel=1e-12)


# --------------------------------------------------------------------------- more families
def test_more_families_in_closed_form():
    # Laplace, Exponential, LogNormal, Gamma, Beta, Dirichlet, OneHotCategorical were missing
    from mytorch.distributions import Beta, Dirichlet, Exponential, Gamma, Laplace, LogNormal, OneHotCategorical

    x = mt.tensor([0.2, 0.7, 1.5], dtype=mt.float64)
    e = Exponential(mt.tensor(2.0, dtype=mt.float64))
    np.testing.assert_allclose(e.log_prob(x).numpy(), math.log(2) - 2 * x.numpy(), rtol=1e-12)
    np.testing.assert_allclose(Gamma(1.0, e.rate).log_prob(x).numpy(), e.log_prob(x).numpy(), rtol=1e-12)
    assert kl_divergence(Gamma(1.0, e.rate), Gamma(1.0, 3.0)).item() == pytest.approx(
        kl_divergence(e, Exponential(3.0)).item(), rel=1e-12
    )
    assert e.icdf(e.cdf(x)).tolist() == pytest.approx(x.tolist(), rel=1e-12)
    lap = Laplace(mt.tensor(0.5, dtype=mt.float64), 2.0)
    assert lap.log_prob(mt.tensor(1.5)).item() == pytest.approx(-math.log(4) - 0.5, rel=1e-12)
    assert lap.entropy().item() == pytest.approx(1 + math.log(4)) and lap.variance.item() == pytest.approx(8.0)
    assert lap.cdf(mt.tensor(0.5)).item() == 0.5 and lap.icdf(lap.cdf(x)).tolist() == pytest.approx(x.tolist())
    uniform = Beta(mt.tensor(1.0, dtype=mt.float64), 1.0)  # Beta(1, 1) is uniform on (0, 1)
    np.testing.assert_allclose(uniform.log_prob(mt.tensor([0.1, 0.9])).numpy(), [0.0, 0.0], atol=1e-15)
    assert uniform.entropy().item() == pytest.approx(0.0, abs=1e-15) and uniform.mean.item() == 0.5
    flat = Dirichlet(mt.ones(4, dtype=mt.float64))  # uniform on the simplex: density 3! everywhere
    assert flat.log_prob(mt.tensor([0.1, 0.2, 0.3, 0.4])).item() == pytest.approx(math.log(6), rel=1e-12)
    assert kl_divergence(flat, flat).item() == pytest.approx(0.0, abs=1e-14)
    logn = LogNormal(mt.tensor(0.0, dtype=mt.float64), 1.0)
    assert logn.log_prob(mt.tensor(1.0)).item() == pytest.approx(-0.5 * math.log(2 * math.pi))
    assert logn.mean.item() == pytest.approx(math.exp(0.5))
    one_hot = OneHotCategorical(probs=mt.tensor([0.2, 0.8], dtype=mt.float64))
    assert one_hot.log_prob(mt.tensor([0.0, 1.0])).item() == pytest.approx(math.log(0.8))
    assert one_hot.event_shape == (2,) and one_hot.sample((5,)).sum(-1).tolist() == [1.0] * 5
    for family in (Gamma(2.0, 1.0), Beta(2.0, 2.0), Dirichlet(mt.ones(3))):  # (rsample: tests/test_gamma_rsample.py)
        assert family.rsample((2,)).shape == (2, *family.batch_shape, *family.event_shape)


def test_more_families_sample_their_moments_and_rsample_carries_the_gradient():
    from mytorch.distributions import Beta, Dirichlet, Exponential, Gamma, Laplace, LogNormal

    mt.manual_seed(0)
    cases = [
        (Laplace(1.0, 0.5), 1.0, 0.5),
        (Exponential(4.0), 0.25, 0.0625),
        (LogNormal(0.0, 0.5), math.exp(0.125), (math.exp(0.25) - 1) * math.exp(0.25)),
        (Gamma(3.0, 2.0), 1.5, 0.75),
        (Beta(2.0, 5.0), 2 / 7, 10 / (49 * 8)),
    ]
    for d, mean, variance in cases:
        draws = d.sample((40000,)).numpy()
        assert draws.mean() == pytest.approx(mean, rel=0.03) and draws.var() == pytest.approx(variance, rel=0.06)
        assert d.mean.item() == pytest.approx(mean) and d.variance.item() == pytest.approx(variance)
    draws = Dirichlet(mt.tensor([1.0, 2.0, 3.0])).sample((20000,)).numpy()
    np.testing.assert_allclose(draws.mean(0), [1 / 6, 2 / 6, 3 / 6], atol=0.01)
    loc = mt.tensor([0.3], requires_grad=True)
    rate = mt.tensor([2.0], requires_grad=True)
    Laplace(loc, 1.0).rsample((7,)).sum().backward()
    assert loc.grad.tolist() == [7.0]
    z = Exponential(rate).rsample((5,))
    z.sum().backward()  # z = e / rate: dz/drate = -z / rate
    assert rate.grad.item() == pytest.approx(-(z.detach().sum() / 2.0).item(), rel=1e-6)


def test_more_families_match_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib):
        d = lib.distributions
        r = np.random.default_rng(0)

        def draw(*shape):
            return lib.tensor(r.uniform(0.5, 2.5, shape), requires_grad=True)

        a, b, c, e = draw(3), draw(3), draw(3), draw(3)
        k, k2 = draw(2, 4), draw(2, 4)
        x = lib.tensor(r.uniform(0.1, 0.9, 3))
        simplex = lib.tensor([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]], dtype=lib.float64)
        pairs = [
            (d.Laplace(a, b), d.Laplace(c, e), x - 0.5),
            (d.Exponential(a), d.Exponential(c), x),
            (d.Gamma(a, b), d.Gamma(c, e), x),
            (d.Beta(a, b), d.Beta(c, e), x),
            (d.Dirichlet(k), d.Dirichlet(k2), simplex),
            (d.LogNormal(a, b), d.LogNormal(c, e), x),
            (d.OneHotCategorical(logits=k), d.OneHotCategorical(probs=k2), lib.eye(4, dtype=lib.float64)[[1, 3]]),
        ]
        out, loss = [], 0
        for p, q, v in pairs:
            terms = [p.log_prob(v), p.entropy(), d.kl_divergence(p, q), p.mean, p.variance]
            if isinstance(p, (d.Laplace, d.Exponential)):
                terms += [p.cdf(v), p.icdf(lib.tensor([0.2, 0.5, 0.7], dtype=lib.float64))]
            out += [v for t in terms for v in t.detach().numpy().ravel().tolist()]
            loss = loss + sum(t.sum() for t in terms)
        loss.backward()
        return out + [v for t in (a, b, c, e, k, k2) for v in t.grad.numpy().ravel().tolist()]

    mine, theirs = run(mt), run(torch)
    values = len(mine) - 36  # then the gradients of the 36 parameters
    np.testing.assert_allclose(mine[:values], theirs[:values], rtol=1e-11, atol=1e-13)
    # the gradients of lgamma / digamma terms go through trigamma, which PyTorch's CPU kernel
    # computes to about 1e-9 (MyTorch's is within 1e-14 of the closed forms: tests/test_special.py)
    np.testing.assert_allclose(mine[values:], theirs[values:], rtol=1e-8, atol=5e-9)


def test_more_families_validate_their_arguments():
    from mytorch.distributions import Beta, Dirichlet, Exponential, Gamma, Laplace, LogNormal, OneHotCategorical

    bad_parameters = [
        lambda v: Laplace(0.0, 0.0, validate_args=v),
        lambda v: Exponential(-1.0, validate_args=v),
        lambda v: LogNormal(0.0, -1.0, validate_args=v),
        lambda v: Gamma(0.0, 1.0, validate_args=v),
        lambda v: Beta(1.0, -2.0, validate_args=v),
        lambda v: Dirichlet(mt.tensor([1.0, 0.0]), validate_args=v),
    ]
    for make in bad_parameters:
        with pytest.raises(ValueError, match="must satisfy"):
            make(None)
        make(False)  # (not checked when asked not to)
    bad_values = [
        (Exponential(1.0), -0.5),
        (LogNormal(0.0, 1.0), 0.0),
        (Gamma(2.0, 1.0), -1.0),
        (Beta(2.0, 2.0), 1.5),
        (Dirichlet(mt.ones(3)), mt.tensor([0.5, 0.6, 0.1])),
        (Laplace(0.0, 1.0), float("nan")),
        (OneHotCategorical(probs=mt.tensor([0.5, 0.5])), mt.tensor([0.5, 0.5])),
    ]
    for d, value in bad_values:
        with pytest.raises(ValueError, match="support"):
            d.log_prob(value)
    assert math.isnan(Beta(2.0, 2.0, validate_args=False).log_prob(mt.tensor(1.5)).item())


def test_categorical_mean_variance_and_mode_as_pytorch():
    # mean raised NotImplementedError saying PyTorch refuses it; PyTorch gives NaNs
    c = Categorical(probs=mt.tensor([[0.2, 0.8], [0.5, 0.5]]))
    assert np.isnan(c.mean.numpy()).all() and c.mean.shape == (2,) and np.isnan(c.variance.numpy()).all()
    assert c.mode.tolist() == [1, 0] and Categorical(logits=mt.tensor([1.0, 3.0, 3.0])).mode.item() == 1


# --------------------------------------------------------------------------- transformed distributions
def test_transformed_distribution_of_a_squashed_gaussian():
    # TransformedDistribution and distributions.transforms were missing (a SAC policy's tanh squashing)
    from mytorch.distributions import Independent, TransformedDistribution
    from mytorch.distributions.transforms import AffineTransform, ExpTransform, SigmoidTransform, TanhTransform

    mu = mt.tensor([[0.2, -0.4]], dtype=mt.float64, requires_grad=True)
    std = mt.tensor([[0.5, 1.5]], dtype=mt.float64)
    squashed = TransformedDistribution(Independent(Normal(mu, std), 1), [TanhTransform(cache_size=1)])
    a = mt.tensor([[0.3, -0.9]], dtype=mt.float64)
    x = np.arctanh(a.numpy())
    normal = (
        -((x - mu.detach().numpy()) ** 2) / (2 * std.numpy() ** 2) - np.log(std.numpy()) - 0.5 * math.log(2 * math.pi)
    )
    want = (normal - np.log(1 - a.numpy() ** 2)).sum(-1)  # change of variables, summed over the event
    np.testing.assert_allclose(squashed.log_prob(a).detach().numpy(), want, rtol=1e-12)
    mt.manual_seed(0)
    y = squashed.rsample((5,))
    assert y.shape == (5, 1, 2) and y.requires_grad and (y.abs() < 1).all()
    assert squashed.log_prob(y).shape == (5, 1)  # through the cache: the draw's own x, no atanh
    log_normal = TransformedDistribution(Normal(0.0, 1.0), ExpTransform())
    assert log_normal.log_prob(mt.tensor(2.0)).item() == pytest.approx(
        -(math.log(2) ** 2) / 2 - 0.5 * math.log(2 * math.pi) - math.log(2)
    )
    shifted = TransformedDistribution(Normal(0.0, 1.0), [AffineTransform(1.0, 2.0)])  # N(1, 2)
    assert shifted.log_prob(mt.tensor(2.0)).item() == pytest.approx(Normal(1.0, 2.0).log_prob(mt.tensor(2.0)).item())
    logistic = TransformedDistribution(Normal(0.0, 1.0), SigmoidTransform())
    p = 0.7
    assert logistic.log_prob(mt.tensor(p)).item() == pytest.approx(
        Normal(0.0, 1.0).log_prob(mt.tensor(math.log(p / (1 - p)))).item() - math.log(p * (1 - p))
    )
    with pytest.raises(NotImplementedError, match="event_dim"):
        AffineTransform(0.0, 1.0, event_dim=1)


def test_transformed_distributions_match_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib):
        d = lib.distributions
        r = np.random.default_rng(0)
        mu = lib.tensor(r.normal(size=(4, 2)), requires_grad=True)
        log_std = lib.tensor(r.normal(size=(4, 2)) * 0.3, requires_grad=True)
        squashed = d.TransformedDistribution(
            d.Independent(d.Normal(mu, log_std.exp()), 1), [d.transforms.TanhTransform(cache_size=1)]
        )
        chained = d.TransformedDistribution(
            d.Normal(mu, log_std.exp()), [d.transforms.AffineTransform(1.0, 2.0), d.transforms.ExpTransform()]
        )
        logistic = d.TransformedDistribution(d.Normal(mu, log_std.exp()), d.transforms.SigmoidTransform())
        values = [
            squashed.log_prob(lib.tensor(np.tanh(r.normal(size=(4, 2))))),
            chained.log_prob(lib.tensor(r.uniform(0.5, 3.0, size=(4, 2)))),
            logistic.log_prob(lib.tensor(r.uniform(0.1, 0.9, size=(4, 2)))),
        ]
        sum(v.sum() for v in values).backward()
        return np.concatenate(
            [*(v.detach().numpy().ravel() for v in values), mu.grad.numpy().ravel(), log_std.grad.numpy().ravel()]
        )

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-12, atol=1e-13)
