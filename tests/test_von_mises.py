"""``VonMises`` and ``log_bessel_i`` (``mytorch/distributions/von_mises.py``): the density integrates
to 1, the Bessel function's first and second derivatives against their closed forms, samples'
circular moments, and log densities with their first and second derivatives against PyTorch
2.13's where it is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import VonMises
from mytorch.distributions.von_mises import log_bessel_i

KAPPAS = [1e-3, 0.4, 3.0, 29.5, 30.5, 120.0]


def test_density_integrates_to_one():
    x = np.linspace(-math.pi, math.pi, 4000, endpoint=False)  # (the rectangle rule: exact to rounding on a period)
    for k in KAPPAS:
        density = VonMises(mt.tensor(0.7, dtype=mt.float64), k).log_prob(mt.tensor(x)).exp().numpy()
        assert density.sum() * 2 * math.pi / len(x) == pytest.approx(1.0, rel=1e-12)


def test_bessel_derivatives_follow_their_closed_forms():
    k = mt.tensor(KAPPAS, dtype=mt.float64, requires_grad=True)
    (first,) = mt.autograd.grad(log_bessel_i(0, k).sum(), k, create_graph=True)  # I1 / I0
    (second,) = mt.autograd.grad(first.sum(), k)
    ratio = (log_bessel_i(1, k) - log_bessel_i(0, k)).exp().detach().numpy()
    np.testing.assert_allclose(first.detach().numpy(), ratio, rtol=1e-12)
    kk = np.array(KAPPAS)
    np.testing.assert_allclose(second.numpy(), 1 - ratio / kk - ratio**2, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="order"):
        log_bessel_i(2, k)


def test_samples_wrap_around_loc_with_the_circular_moments():
    mt.manual_seed(0)
    d = VonMises(mt.tensor([3.0, -1.0], dtype=mt.float64), mt.tensor([2.0, 10.0], dtype=mt.float64))
    x = d.sample((40000,)).numpy()
    assert x.shape == (40000, 2) and x.min() >= -math.pi and x.max() < math.pi
    resultant = np.cos(x - d.loc.numpy()).mean(0)  # E cos(x - loc) = I1 / I0 = 1 - variance
    np.testing.assert_allclose(resultant, 1 - d.variance.numpy(), atol=0.01)
    assert d.mean.tolist() == [3.0, -1.0] and d.mode.tolist() == [3.0, -1.0] and not d.has_rsample
    with pytest.raises(ValueError, match="concentration"):
        VonMises(0.0, 0.0)


def _log_prob_and_derivatives(lib):
    loc = lib.tensor([0.3, -2.0, 1.0, 0.0, 2.5, -0.5], dtype=lib.float64, requires_grad=True)
    k = lib.tensor(KAPPAS, dtype=lib.float64, requires_grad=True)
    x = lib.tensor([0.1, 3.0, -2.0, 0.05, 2.4, -0.6], dtype=lib.float64)
    d = lib.distributions.VonMises(loc, k)
    lp = d.log_prob(x)
    gk, gl = lib.autograd.grad(lp.sum(), [k, loc], create_graph=True)
    (hk,) = lib.autograd.grad(gk.sum(), k, retain_graph=True)
    (hkl,) = lib.autograd.grad(gl.sum(), k)
    return [t.detach().numpy() for t in (lp, gk, gl, hk, hkl, d.variance)]


def test_log_prob_and_two_orders_of_derivatives_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_log_prob_and_derivatives(mt), _log_prob_and_derivatives(torch)):
        # PyTorch's Bessel functions are polynomial fits: its variance at k = 120 is 1e-6 below 1 - I1/I0
        np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=2e-6)
