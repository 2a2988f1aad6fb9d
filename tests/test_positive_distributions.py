"""``HalfCauchy``, ``Weibull``, ``Pareto`` and ``Chi2``: closed forms, quantiles, sample statistics,
and densities, moments and gradients against PyTorch 2.13 where it is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import Chi2, HalfCauchy, Pareto, Weibull


def test_closed_forms_quantiles_and_samples():
    w = Weibull(mt.tensor(2.0, dtype=mt.float64), mt.tensor(1.0, dtype=mt.float64))  # k = 1: Exponential(1 / 2)
    x = mt.tensor([0.5, 3.0], dtype=mt.float64)
    np.testing.assert_allclose(w.log_prob(x).numpy(), np.log(0.5) - x.numpy() / 2, rtol=1e-12)
    p = Pareto(mt.tensor(1.0, dtype=mt.float64), mt.tensor(3.0, dtype=mt.float64))
    np.testing.assert_allclose(p.log_prob(mt.tensor(2.0, dtype=mt.float64)).item(), math.log(3 / 16), rtol=1e-12)
    h = HalfCauchy(mt.tensor(1.5, dtype=mt.float64))
    np.testing.assert_allclose(h.cdf(h.icdf(mt.tensor([0.2, 0.7], dtype=mt.float64))).numpy(), [0.2, 0.7], rtol=1e-12)
    for d in (w, p):
        q = mt.tensor([0.1, 0.5, 0.9], dtype=mt.float64)
        np.testing.assert_allclose(d.cdf(d.icdf(q)).numpy(), q.numpy(), rtol=1e-12)
    mt.manual_seed(0)
    np.testing.assert_allclose(w.sample((40000,)).numpy().mean(), w.mean.item(), rtol=0.03)
    np.testing.assert_allclose(np.median(h.sample((40000,)).numpy()), 1.5, rtol=0.05)  # (the median is the scale)
    chi = Chi2(mt.tensor([3.0], dtype=mt.float64))
    assert chi.df.tolist() == [3.0] and chi.mean.tolist() == [3.0] and chi.variance.tolist() == [6.0]
    assert Pareto(mt.tensor(1.0), mt.tensor(0.5)).mean.item() == math.inf
    with pytest.raises(ValueError, match="outside the support"):
        p.log_prob(mt.tensor(0.5, dtype=mt.float64))


def test_rsample_carries_gradients_to_the_parameters():
    scale = mt.tensor(2.0, dtype=mt.float64, requires_grad=True)
    k = mt.tensor(1.5, dtype=mt.float64, requires_grad=True)
    draws = Weibull(scale, k).rsample((5,))
    draws.sum().backward()
    np.testing.assert_allclose(scale.grad.item(), draws.detach().numpy().sum() / 2.0, rtol=1e-12)  # (x = scale * ...)
    assert k.grad is not None and np.isfinite(k.grad.item())


def test_values_moments_and_gradients_match_pytorchs():
    torch = pytest.importorskip("torch")

    def run(lib):
        dists = lib.distributions

        def t(a):
            return lib.tensor(np.array(a, dtype=np.float64), requires_grad=True)

        s, k, a, df = t([0.5, 2.0, 1.3]), t([0.7, 1.5, 3.0]), t([0.8, 1.5, 3.0]), t([1.0, 2.5, 7.0])
        x, q = lib.tensor(np.array([0.3, 2.5, 4.0])), lib.tensor(np.array([0.1, 0.5, 0.9]))
        hc, wb, pa, c2 = dists.HalfCauchy(s), dists.Weibull(s, k), dists.Pareto(s, a), dists.Chi2(df)
        above = x + s.detach()
        out = [hc.log_prob(x), hc.cdf(x), hc.icdf(q), hc.entropy(), wb.log_prob(x), wb.cdf(x), wb.icdf(q)]
        out += [wb.entropy(), wb.mean, wb.mode, wb.variance, pa.log_prob(above), pa.cdf(above), pa.icdf(q)]
        out += [pa.entropy(), pa.mode, c2.log_prob(x), c2.entropy(), c2.mean, c2.variance]
        total = sum((o * (i + 1)).sum() for i, o in enumerate(out))
        grads = lib.autograd.grad(total, [s, k, a, df])
        infinite = [hc.mean, hc.variance, pa.mean, pa.variance]  # (inf where PyTorch gives inf)
        return [o.detach().numpy() for o in out + infinite] + [g.numpy() for g in grads]

    for i, (mine, theirs) in enumerate(zip(run(mt), run(torch))):
        assert mine.shape == theirs.shape, i
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12, err_msg=str(i))
