"""``distributions.LowRankMultivariateNormal``: densities, moments and KL against the full-covariance
``MultivariateNormal`` and closed forms, gradients against finite differences, and everything
against PyTorch 2.13 where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import LowRankMultivariateNormal, MultivariateNormal, kl_divergence


def _draws(batch=(2,), n=4, m=2, seed=0):
    rng = np.random.default_rng(seed)
    loc = rng.normal(size=(*batch, n))
    factor = rng.normal(size=(*batch, n, m))
    diag = rng.uniform(0.3, 2.0, size=(*batch, n))
    value = rng.normal(size=(3, *batch, n))
    return loc, factor, diag, value


def test_it_is_the_gaussian_of_covariance_w_wt_plus_d():
    loc, factor, diag, value = _draws()
    low = LowRankMultivariateNormal(mt.tensor(loc), mt.tensor(factor), mt.tensor(diag))
    covariance = factor @ np.swapaxes(factor, -1, -2) + np.eye(4) * diag[..., None, :]
    full = MultivariateNormal(mt.tensor(loc), covariance_matrix=mt.tensor(covariance))
    assert low.batch_shape == (2,) and low.event_shape == (4,)
    np.testing.assert_allclose(low.log_prob(value).numpy(), full.log_prob(value).numpy(), rtol=1e-12)
    np.testing.assert_allclose(low.entropy().numpy(), full.entropy().numpy(), rtol=1e-12)
    np.testing.assert_allclose(low.covariance_matrix.numpy(), covariance, rtol=1e-12)
    np.testing.assert_allclose(low.precision_matrix.numpy(), np.linalg.inv(covariance), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(low.scale_tril.numpy(), np.linalg.cholesky(covariance), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(low.variance.numpy(), np.diagonal(covariance, 0, -2, -1), rtol=1e-12)
    assert low.mean is low.loc and low.mode is low.loc
    other = MultivariateNormal(mt.zeros(4, dtype=mt.float64), covariance_matrix=mt.eye(4, dtype=mt.float64))
    for p, q, p_full, q_full in ((low, other, full, other), (other, low, other, full), (low, low, full, full)):
        np.testing.assert_allclose(kl_divergence(p, q).numpy(), kl_divergence(p_full, q_full).numpy(), atol=1e-12)
    mt.manual_seed(0)
    draws = low.sample((20000,)).numpy()  # (the sample covariance, to sampling error)
    assert draws.shape == (20000, 2, 4)
    np.testing.assert_allclose(np.cov(draws[:, 1].T), covariance[1], atol=0.15)


def test_gradients_of_log_prob_match_finite_differences():
    loc, factor, diag, value = _draws(batch=(), n=3, m=2, seed=1)
    params = [mt.tensor(a, requires_grad=True) for a in (loc, factor, diag)]
    LowRankMultivariateNormal(*params).log_prob(value).sum().backward()

    def f(arrays):
        return float(LowRankMultivariateNormal(*[mt.tensor(a) for a in arrays]).log_prob(value).sum())

    h = 1e-6
    for i, p in enumerate(params):
        numeric = np.zeros_like(p.numpy())
        for index in np.ndindex(numeric.shape):
            up = [a.copy() for a in (loc, factor, diag)]
            down = [a.copy() for a in (loc, factor, diag)]
            up[i][index] += h
            down[i][index] -= h
            numeric[index] = (f(up) - f(down)) / (2 * h)
        np.testing.assert_allclose(p.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_the_arguments_are_checked_as_pytorchs():
    with pytest.raises(ValueError, match="cov_factor must be a batch of matrices with shape 3 x m"):
        LowRankMultivariateNormal(mt.zeros(3), mt.ones(2, 1), mt.ones(3))
    with pytest.raises(ValueError, match="cov_diag must be a batch of vectors"):
        LowRankMultivariateNormal(mt.zeros(3), mt.ones(3, 1), mt.ones(2))
    with pytest.raises(ValueError, match="parameter cov_diag .* must satisfy"):
        LowRankMultivariateNormal(mt.zeros(3), mt.ones(3, 1), mt.tensor([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        LowRankMultivariateNormal(mt.tensor(0.0), mt.ones(1, 1), mt.ones(1))


def test_values_and_gradients_match_pytorchs():
    torch = pytest.importorskip("torch")
    loc, factor, diag, value = _draws(batch=(2, 1), n=5, m=2, seed=2)
    loc = loc[:, :1]  # (broadcast batches: loc (2, 1, 5), cov_factor (2, 1, 5, 2), cov_diag (5,))
    diag = diag[0, 0]
    found = []
    for library in (mt, torch):
        params = [library.tensor(a, requires_grad=True) for a in (loc, factor, diag)]
        d = library.distributions.LowRankMultivariateNormal(*params)
        q = library.distributions.MultivariateNormal(
            library.zeros(5, dtype=library.float64), scale_tril=library.eye(5, dtype=library.float64) * 2
        )
        outputs = [
            d.log_prob(library.tensor(value)),
            d.entropy(),
            d.variance,
            d.precision_matrix,
            d.scale_tril,
            kl_divergence(d, q) if library is mt else torch.distributions.kl_divergence(d, q),
            d.rsample((4,)).mean(0) * 0,  # (draws differ between libraries: only the shape and the graph)
        ]
        total = sum((o * (i + 1)).sum() for i, o in enumerate(outputs))
        total.backward()
        found.append(([o.detach().numpy() for o in outputs], [p.grad.numpy() for p in params], tuple(d.batch_shape)))
    (mine, mine_grads, mine_batch), (theirs, their_grads, their_batch) = found
    assert mine_batch == their_batch == (2, 1)
    for a, b in zip(mine, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for a, b in zip(mine_grads, their_grads):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
