"""``LKJCholesky``: its density integrates to 1 over the Cholesky factors' free entries (dim 2 and
3, by Gauss-Legendre quadrature), the draws follow it (every correlation's variance
1 / (2 concentration + dim - 1), and E[L_22] by quadrature at dim 3), log_prob gradients against
central differences, argument checks; log_prob and its gradients against PyTorch 2.13."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import LKJCholesky, constraints

NODES, WEIGHTS = np.polynomial.legendre.leggauss(80)


def _factors_3x3() -> tuple[np.ndarray, np.ndarray]:
    """Cholesky factors of 3 x 3 correlation matrices on a quadrature grid, and their weights: row 1
    is (a, sqrt(1 - a^2)), row 2 (r cos t, r sin t, sqrt(1 - r^2)); a in (-1, 1), (r, t) the disc."""
    a, r, t = np.meshgrid(NODES, (NODES + 1) / 2, np.pi * (NODES + 1), indexing="ij")
    weights = np.einsum("i,j,k->ijk", WEIGHTS, WEIGHTS / 2, WEIGHTS * np.pi) * r
    factors = np.zeros(a.shape + (3, 3))
    factors[..., 0, 0] = 1.0
    factors[..., 1, 0], factors[..., 1, 1] = a, np.sqrt(1 - a**2)
    factors[..., 2, 0], factors[..., 2, 1], factors[..., 2, 2] = r * np.cos(t), r * np.sin(t), np.sqrt(1 - r**2)
    return factors, weights


def test_density_integrates_to_one():
    for eta in (1.0, 2.5):
        # dim 2: the factor is (1, 0; x, sqrt(1 - x^2)), density over x in (-1, 1)
        factors = np.zeros((len(NODES), 2, 2))
        factors[:, 0, 0], factors[:, 1, 0], factors[:, 1, 1] = 1.0, NODES, np.sqrt(1 - NODES**2)
        two = LKJCholesky(2, mt.tensor(eta, dtype=mt.float64), validate_args=False)
        assert np.sum(WEIGHTS * np.exp(two.log_prob(mt.tensor(factors)).numpy())) == pytest.approx(1.0, rel=1e-9)
        factors, weights = _factors_3x3()
        three = LKJCholesky(3, mt.tensor(eta, dtype=mt.float64), validate_args=False)
        mass = np.sum(weights * np.exp(three.log_prob(mt.tensor(factors)).numpy()))
        assert mass == pytest.approx(1.0, rel=1e-5), eta  # (sqrt(1 - r^2) at the disc's edge limits the rule)
    uniform = LKJCholesky(2, mt.tensor(1.0, dtype=mt.float64))  # concentration 1, dim 2: uniform correlation
    assert uniform.log_prob(mt.tensor([[1.0, 0.0], [0.6, 0.8]], dtype=mt.float64)).item() == pytest.approx(-math.log(2))


def test_draws_follow_the_density():
    mt.manual_seed(0)
    for eta, dim in ((1.5, 4), (1.0, 5), (0.5, 3)):
        d = LKJCholesky(dim, mt.tensor(eta, dtype=mt.float64))
        s = d.sample((40000,)).numpy()
        assert constraints.corr_cholesky.check(mt.tensor(s)).numpy().all()
        rows, columns = np.tril_indices(dim, -1)
        correlations = (s @ np.swapaxes(s, -1, -2))[:, rows, columns]
        # every off-diagonal correlation of LKJ(eta) is 2 Beta(b, b) - 1, b = eta - 1 + dim / 2
        np.testing.assert_allclose(correlations.var(0), 1 / (2 * eta + dim - 1), rtol=0.03, err_msg=str(dim))
        np.testing.assert_allclose(correlations.mean(0), 0.0, atol=0.01)
    factors, weights = _factors_3x3()
    d = LKJCholesky(3, mt.tensor(2.0, dtype=mt.float64))
    density = weights * np.exp(d.log_prob(mt.tensor(factors)).numpy())
    expected = np.sum(density * factors[..., 2, 2])
    assert d.sample((40000,)).numpy()[:, 2, 2].mean() == pytest.approx(expected, rel=0.005)


def test_log_prob_gradients_match_central_differences():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 4))
    cov = a @ a.T + 4 * np.eye(4)
    scale = np.sqrt(np.diag(cov))
    value = mt.tensor(np.linalg.cholesky(cov / np.outer(scale, scale)))
    c = np.array([0.6, 2.0])

    def total(concentration):
        return LKJCholesky(4, mt.tensor(concentration)).log_prob(value).sum().item()

    leaf = mt.tensor(c, requires_grad=True)
    LKJCholesky(4, leaf).log_prob(value).sum().backward()
    h = 1e-6
    expected = [(total(c + h * e) - total(c - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(leaf.grad.numpy(), expected, rtol=1e-7)


def test_shapes_and_bad_arguments():
    d = LKJCholesky(3, mt.tensor([0.5, 1.0, 2.0]))
    assert (d.batch_shape, d.event_shape, d.sample((2,)).shape) == ((3,), (3, 3), (2, 3, 3, 3))
    assert d.expand((4, 3)).sample().shape == (4, 3, 3, 3)
    assert repr(LKJCholesky(3, 2.0)) == "LKJCholesky(concentration: 2.0)"
    with pytest.raises(ValueError, match="dim must be an integer of at least 2"):
        LKJCholesky(1)
    with pytest.raises(ValueError, match="LKJCholesky: parameter concentration"):
        LKJCholesky(3, -1.0)
    with pytest.raises(ValueError, match="outside the support CorrCholesky"):
        LKJCholesky(2).log_prob(mt.tensor([[1.0, 0.0], [0.5, 0.5]]))


def test_log_prob_and_gradients_match_pytorchs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for dim in (2, 3, 5):
        values = []
        for _ in range(3):
            a = rng.normal(size=(dim, dim))
            cov = a @ a.T + dim * np.eye(dim)
            scale = np.sqrt(np.diag(cov))
            values.append(np.linalg.cholesky(cov / np.outer(scale, scale)))
        numbers = []
        for lib in (mt, torch):
            concentration = lib.tensor(np.array([0.7, 1.0, 2.5]), requires_grad=True)
            log_prob = lib.distributions.LKJCholesky(dim, concentration).log_prob(lib.tensor(np.stack(values)))
            log_prob.sum().backward()
            numbers.append((log_prob.detach().numpy(), concentration.grad.numpy()))
        for mine, theirs in zip(*numbers):
            np.testing.assert_allclose(mine, theirs, rtol=1e-12, err_msg=str(dim))
