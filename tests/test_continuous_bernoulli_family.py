"""``ContinuousBernoulli`` as an ``ExponentialFamily`` (PyTorch's base class for it): theta the logit,
F(theta) = log((e^theta - 1) / theta) against the integral of e^(theta x) over [0, 1], the Bregman
entropy equal to the closed form, and ``kl_divergence`` with it (two of them, against Exponential,
Normal, Uniform and Pareto, from Beta and Uniform, inf from the distributions that reach outside
[0, 1]) against numerical integration, central differences and PyTorch 2.13."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import (
    Beta,
    ContinuousBernoulli,
    Exponential,
    ExponentialFamily,
    Gamma,
    Gumbel,
    Laplace,
    Normal,
    Pareto,
    Uniform,
    kl_divergence,
)

PROBS = [0.03, 0.2, 0.4995, 0.5, 0.5005, 0.7, 0.97]
GRID = (np.arange(200_000) + 0.5) / 200_000  # (the midpoint rule on [0, 1]: 1e-10 for these densities)


def _t(values) -> mt.Tensor:
    return mt.tensor(np.asarray(values, dtype=np.float64))


def _integral(values: np.ndarray) -> np.ndarray:
    """The integral over [0, 1] of ``values`` at ``GRID`` (along the last axis), by the midpoint rule."""
    return values.mean(axis=-1)


def test_it_is_an_exponential_family_with_the_logit_as_natural_parameter():
    d = ContinuousBernoulli(_t(PROBS))
    assert isinstance(d, ExponentialFamily) and d._mean_carrier_measure == 0
    (theta,) = d._natural_params
    assert theta is d.logits
    # F(theta) is the log of the density's normaliser, the integral of e^(theta x) over [0, 1]
    closed = np.log(_integral(np.exp(np.outer(theta.numpy(), GRID))))
    np.testing.assert_allclose(d._log_normalizer(theta).numpy(), closed, rtol=1e-9, atol=1e-12)
    # the Bregman entropy F - theta F'(theta) is the closed form the class gives
    np.testing.assert_allclose(ExponentialFamily.entropy(d).numpy(), d.entropy().numpy(), rtol=1e-9, atol=1e-12)


def test_the_log_normalizer_is_finite_for_large_logits_and_its_slope_is_the_mean():
    theta = _t([-800.0, -40.0, -1e-4, 0.0, 1e-4, 40.0, 800.0]).requires_grad_()
    value = ContinuousBernoulli(logits=_t([0.0]))._log_normalizer(theta)
    t = theta.detach().numpy()
    # log((e^t - 1) / t): max(t, 0) - log|t| for large |t| (e^-40 is below float64's digits here), and
    # t / 2 + t^2 / 24 to 1e-18 near 0
    near = [-5e-5 + 1e-8 / 24, 0.0, 5e-5 + 1e-8 / 24]
    expected = [-math.log(800), -math.log(40.0), *near, 40 - math.log(40), 800 - math.log(800)]
    np.testing.assert_allclose(value.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    value.sum().backward()
    # F'(theta) is the mean 1 / (1 - e^-t) - 1 / t, 1/2 at 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mean = np.where(t == 0, 0.5, 1 / -np.expm1(-t) - 1 / t)
    np.testing.assert_allclose(theta.grad.numpy(), mean, rtol=1e-7, atol=1e-12)


def _pairs():
    p = ContinuousBernoulli(_t([0.2, 0.4995, 0.7]))
    return [
        (p, ContinuousBernoulli(_t([0.3, 0.6, 0.5005]))),
        (p, Exponential(_t(1.5))),
        (p, Normal(_t(0.3), _t(0.7))),
        (p, Uniform(_t(-1.0), _t(2.0))),
        (p, Uniform(_t(0.0), _t(1.0))),
        (Beta(_t([2.0, 3.0, 1.5]), _t([1.5, 2.0, 2.7])), p),
        (Uniform(_t(0.2), _t(0.8), validate_args=False), p),  # (its log density -inf outside)
    ]


def test_kl_divergences_equal_the_integral_of_p_log_p_over_q():
    points = GRID
    for p, q in _pairs():
        weights = np.exp(p.log_prob(_t(points[:, None])).numpy()).T
        log_ratio = (p.log_prob(_t(points[:, None])) - q.log_prob(_t(points[:, None]))).numpy().T
        with np.errstate(invalid="ignore"):
            integrand = np.where(weights > 0, weights * log_ratio, 0.0)
        expected = _integral(integrand)
        name = f"{type(p).__name__}-{type(q).__name__}"
        np.testing.assert_allclose(kl_divergence(p, q).numpy(), expected, rtol=2e-5, atol=1e-7, err_msg=name)


def test_kl_is_inf_where_p_has_mass_that_q_lacks():
    p = ContinuousBernoulli(_t([0.2, 0.7]))
    for q in (Uniform(_t(0.1), _t(2.0)), Uniform(_t(-1.0), _t(0.9)), Pareto(_t(0.1), _t(2.0))):
        assert np.isinf(kl_divergence(p, q).numpy()).all(), type(q).__name__
    others = [Exponential(_t(1.0)), Gamma(_t(2.0), _t(1.0)), Gumbel(_t(0.0), _t(1.0)), Laplace(_t(0.0), _t(1.0))]
    others += [Normal(_t(0.0), _t(1.0)), Pareto(_t(0.1), _t(2.0)), Uniform(_t(-0.1), _t(1.0))]
    for q in others:
        got = kl_divergence(q, p).numpy()
        assert got.shape == (2,) and np.isinf(got).all(), type(q).__name__


def test_kl_gradients_reach_both_distributions_as_central_differences_say():
    def kl(a, b):
        return kl_divergence(ContinuousBernoulli(logits=a), ContinuousBernoulli(logits=b)).sum()

    a, b = _t([-1.2, 0.3, 2.0]).requires_grad_(), _t([0.4, -0.7, 1.1]).requires_grad_()
    kl(a, b).backward()
    h = 1e-6
    for leaf, moves_p in ((a, True), (b, False)):
        for i in range(3):
            step = np.zeros(3)
            step[i] = h
            ends = []
            for sign in (1.0, -1.0):
                moved = leaf.detach() + _t(sign * step)
                ends.append(kl(moved, b.detach()).item() if moves_p else kl(a.detach(), moved).item())
            assert leaf.grad.numpy()[i] == pytest.approx((ends[0] - ends[1]) / (2 * h), rel=1e-6, abs=1e-9)


def test_which_classes_and_the_numbers_as_pytorchs():
    torch = pytest.importorskip("torch")
    assert issubclass(torch.distributions.ContinuousBernoulli, torch.distributions.ExponentialFamily)

    def numbers(lib):
        D = lib.distributions
        t = lambda v: lib.tensor(np.asarray(v, dtype=np.float64))  # noqa: E731
        p = D.ContinuousBernoulli(t(PROBS))
        out = [p._log_normalizer(*p._natural_params), D.ExponentialFamily.entropy(p)]
        q = D.ContinuousBernoulli(t([0.6, 0.3, 0.5, 0.5001, 0.2, 0.45, 0.9]))
        out += [D.kl_divergence(p, q), D.kl_divergence(p, D.Exponential(t(1.5)))]
        out += [D.kl_divergence(p, D.Normal(t(0.3), t(0.7))), D.kl_divergence(p, D.Uniform(t(-1.0), t(2.0)))]
        out += [D.kl_divergence(D.Beta(t(2.0), t(1.5)), p), D.kl_divergence(D.Uniform(t(0.2), t(0.8)), p)]
        out += [D.kl_divergence(p, D.Pareto(t(0.1), t(2.0))), D.kl_divergence(D.Normal(t(0.0), t(1.0)), p)]
        return [o.detach().numpy() for o in out]

    for i, (a, b) in enumerate(zip(numbers(mt), numbers(torch))):
        a = np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape))  # (PyTorch's inf has q's shape)
        np.testing.assert_allclose(a, np.broadcast_to(b, a.shape), rtol=1e-10, atol=1e-14, err_msg=str(i))
