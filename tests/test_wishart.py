"""``Wishart``: at p = 1 it is the Gamma(df / 2, 1 / (2 s)) law of s chi2(df); the draws' mean and
variance are df S and df (S_ij^2 + S_ii S_jj), the average log density of the draws is minus the
entropy, the rsample gradient in df is unbiased for d E[X] / d df = S; log_prob gradients against
central differences; argument checks; every number against PyTorch 2.13 where it is installed."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import Gamma, Wishart

RNG = np.random.default_rng(0)


def _spd(p: int, *batch: int) -> np.ndarray:
    a = RNG.normal(size=(*batch, p, p))
    return a @ np.swapaxes(a, -1, -2) + p * np.eye(p)


S2 = np.array([[2.0, 0.6], [0.6, 1.0]])


def test_one_by_one_is_a_scaled_chi_squared():
    s, df = 1.7, np.array([1.5, 2.0, 7.5])
    w = Wishart(mt.tensor(df), mt.tensor([[s]], dtype=mt.float64))
    g = Gamma(mt.tensor(df / 2), mt.tensor(1 / (2 * s), dtype=mt.float64))
    x = np.array([0.3, 2.0, 9.0])
    np.testing.assert_allclose(
        w.log_prob(mt.tensor(x[:, None, None])).numpy(), g.log_prob(mt.tensor(x)).numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(w.entropy().numpy(), g.entropy().numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.mean.numpy()[:, 0, 0], g.mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.variance.numpy()[:, 0, 0], g.variance.numpy(), rtol=1e-12)


def test_draws_moments_and_entropy():
    mt.manual_seed(0)
    w = Wishart(mt.tensor(5.0, dtype=mt.float64), mt.tensor(S2))
    s = w.sample((60000,)).numpy()
    np.testing.assert_allclose(s.mean(0), 5 * S2, rtol=0.02)
    np.testing.assert_allclose(s.var(0), w.variance.numpy(), rtol=0.05)
    np.testing.assert_allclose(w.mode.numpy(), 2 * S2, rtol=1e-12)
    log_p = w.log_prob(mt.tensor(s[:20000])).numpy()
    assert -log_p.mean() == pytest.approx(w.entropy().item(), abs=4 * log_p.std() / math.sqrt(len(log_p)))
    assert np.isnan(Wishart(mt.tensor(2.5), mt.tensor(S2)).mode.numpy()).all()  # (df <= p + 1)


def test_rsample_gradients():
    # in the matrix: the same seed gives the same draws, so the sample is smooth in L
    lower = np.linalg.cholesky(S2)

    def total(lower_value):
        mt.manual_seed(5)
        return Wishart(mt.tensor(4.0, dtype=mt.float64), scale_tril=mt.tensor(lower_value)).rsample((3,)).sum().item()

    leaf = mt.tensor(lower, requires_grad=True)
    mt.manual_seed(5)
    Wishart(mt.tensor(4.0, dtype=mt.float64), scale_tril=leaf).rsample((3,)).sum().backward()
    h, expected = 1e-6, np.zeros_like(lower)
    for i, j in ((0, 0), (1, 0), (1, 1)):
        step = np.zeros_like(lower)
        step[i, j] = h
        expected[i, j] = (total(lower + step) - total(lower - step)) / (2 * h)
    np.testing.assert_allclose(np.tril(leaf.grad.numpy()), expected, rtol=1e-6)
    # in df (implicit, through the chi-squared draws): unbiased for d E[sum X] / d df = sum S
    df = mt.tensor(4.0, dtype=mt.float64, requires_grad=True)
    mt.manual_seed(1)
    Wishart(df, mt.tensor(S2)).rsample((20000,)).sum().backward()
    assert df.grad.item() / 20000 == pytest.approx(S2.sum(), rel=0.02)


def test_log_prob_gradients_match_central_differences():
    x = mt.tensor(np.array([[1.5, -0.3], [-0.3, 0.8]]))
    df0, s0 = 3.3, S2.copy()

    def total(df, s):
        return Wishart(mt.tensor(df, dtype=mt.float64), mt.tensor(s)).log_prob(x).item()

    df, s = mt.tensor(df0, dtype=mt.float64, requires_grad=True), mt.tensor(s0, requires_grad=True)
    Wishart(df, s).log_prob(x).backward()
    h = 1e-6
    assert df.grad.item() == pytest.approx((total(df0 + h, s0) - total(df0 - h, s0)) / (2 * h), rel=1e-7)
    for i, j in ((0, 0), (1, 1)):  # (a diagonal entry keeps the matrix symmetric)
        step = np.zeros_like(s0)
        step[i, j] = h
        expected = (total(df0, s0 + step) - total(df0, s0 - step)) / (2 * h)
        assert s.grad.numpy()[i, j] == pytest.approx(expected, rel=1e-6)


def test_shapes_and_bad_arguments():
    w = Wishart(mt.tensor([3.0, 4.0, 5.0]), scale_tril=mt.eye(2))
    assert (w.batch_shape, w.event_shape, w.rsample((4,)).shape) == ((3,), (2, 2), (4, 3, 2, 2))
    assert repr(w) == "Wishart(scale_tril: torch.Size([3, 2, 2]), df: torch.Size([3]))"
    assert w.expand((2, 3)).sample().shape == (2, 3, 2, 2)
    with pytest.raises(ValueError, match="df must be greater than dim - 1 = 2"):
        Wishart(1.5, mt.eye(3))
    with pytest.raises(ValueError, match="give exactly one of"):
        Wishart(3.0, mt.eye(2), scale_tril=mt.eye(2))
    with pytest.raises(ValueError, match="must be a \\(..., p, p\\) matrix"):
        Wishart(3.0, mt.ones(2, 3))
    with pytest.raises(ValueError, match="Wishart: parameter covariance_matrix"):
        Wishart(3.0, mt.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="outside the support PositiveDefinite"):
        Wishart(3.0, mt.eye(2)).log_prob(mt.tensor([[1.0, 0.0], [0.0, -1.0]]))
    with pytest.warns(UserWarning, match="singular samples likely"):
        Wishart(2.5, mt.eye(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a good draw raises no warning; PyTorch 2.13 warns for every draw)
        Wishart(5.0, mt.eye(3)).rsample((10,))


@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_numbers_and_gradients_match_pytorchs(kind):
    torch = pytest.importorskip("torch")
    scale, x, df = _spd(3, 2), _spd(3, 2) / 3, np.array([3.5, 6.0])

    def run(lib):
        s, nu = lib.tensor(scale, requires_grad=True), lib.tensor(df, requires_grad=True)
        w = lib.distributions.Wishart(nu, **{kind: lib.linalg.cholesky(s) if kind == "scale_tril" else s})
        out = [w.log_prob(lib.tensor(x)), w.entropy(), w.mean, w.variance, w.mode, w.covariance_matrix]
        out += [w.precision_matrix, w.scale_tril]
        finite = [o for o in out if np.isfinite(o.detach().numpy()).all()]
        grads = lib.autograd.grad(sum((o * (i + 1)).sum() for i, o in enumerate(finite)), [s, nu])
        return [o.detach().numpy() for o in out] + [g.numpy() for g in grads]

    for i, (mine, theirs) in enumerate(zip(run(mt), run(torch))):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12, err_msg=str(i))
