"""``TransformedDistribution.cdf`` / ``icdf`` through monotone transforms (their ``sign``): the
base's cdf of the inverted value, flipped through decreasing maps; closed forms, round trips, the
refusal for a map that is not monotone, and the numbers and gradients against PyTorch 2.13."""

from __future__ import annotations

import numpy as np
import pytest
from torch_compare import assert_same_numbers

import mytorch as mt
from mytorch.distributions import Exponential, Normal, TransformedDistribution, Uniform
from mytorch.distributions.transforms import (
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    StickBreakingTransform,
)


def _f64(values) -> mt.Tensor:
    return mt.tensor(np.asarray(values, dtype=np.float64))


def test_closed_forms_and_round_trips():
    base = Normal(_f64(0.2), 1.5)
    y = _f64([0.3, 1.0, 4.0])
    log_normal = TransformedDistribution(base, [ExpTransform()])
    np.testing.assert_allclose(log_normal.cdf(y).numpy(), base.cdf(y.log()).numpy(), rtol=1e-15)
    flipped = TransformedDistribution(base, [AffineTransform(1.0, -2.0)])  # y = 1 - 2 x: decreasing
    np.testing.assert_allclose(flipped.cdf(y).numpy(), 1 - base.cdf((1 - y) / 2).numpy(), rtol=1e-14)
    assert AffineTransform(1.0, -2.0).sign == -1 and ComposeTransform([AffineTransform(0.0, -1.0)] * 2).sign == 1
    q = _f64([0.05, 0.5, 0.9])
    chain = [AffineTransform(1.0, -2.0), SigmoidTransform(), PowerTransform(_f64(-1.0))]
    for d in (log_normal, flipped, TransformedDistribution(base, chain)):
        np.testing.assert_allclose(d.cdf(d.icdf(q)).numpy(), q.numpy(), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="StickBreakingTransform is not a monotone map"):
        TransformedDistribution(Normal(mt.zeros(2), 1.0), StickBreakingTransform()).cdf(mt.tensor([0.5, 0.3, 0.2]))


def _numbers(lib):
    D = lib.distributions
    T = D.transforms
    loc = lib.tensor(np.array([0.2, -0.4]), requires_grad=True)
    base = D.Normal(loc, 1.5)
    cases = [
        (D.TransformedDistribution(base, [T.ExpTransform()]), [0.7, 2.0]),
        (D.TransformedDistribution(base, [T.AffineTransform(1.0, -2.0), T.SigmoidTransform()]), [0.3, 0.6]),
        (
            D.TransformedDistribution(
                D.Exponential(lib.tensor(np.array([1.5, 0.5]))), [T.PowerTransform(lib.tensor(-1.0, dtype=lib.float64))]
            ),
            [0.5, 3.0],
        ),
        (
            D.TransformedDistribution(
                D.Uniform(lib.tensor(np.zeros(2)), 1.0),
                [T.AffineTransform(lib.tensor(np.array([0.0, 1.0])), lib.tensor(np.array([2.0, -3.0])))],
            ),
            [0.5, -1.0],
        ),
    ]
    q = lib.tensor(np.array([0.1, 0.8]))
    out = []
    for d, value in cases:
        out += [d.cdf(lib.tensor(np.array(value))), d.icdf(q)]
    (grad,) = lib.autograd.grad(sum(o.sum() for o in out[:4]), [loc])
    return [o.detach().numpy() for o in out] + [grad.numpy()], []


def test_numbers_and_gradients_match_pytorchs():
    assert_same_numbers(pytest.importorskip("torch"), _numbers, rtol=1e-12, atol=1e-15)


def test_uniform_and_exponential_bases_need_no_torch():
    d = TransformedDistribution(Exponential(_f64(2.0)), [PowerTransform(_f64(-1.0))])  # 1 / X, decreasing
    y = _f64([0.5, 2.0])
    np.testing.assert_allclose(d.cdf(y).numpy(), np.exp(-2.0 / y.numpy()), rtol=1e-14)
    u = TransformedDistribution(Uniform(_f64(0.0), 1.0), [AffineTransform(1.0, -3.0)])  # uniform on (-2, 1]
    assert u.cdf(_f64(0.0)).item() == pytest.approx(2 / 3) and u.icdf(_f64(0.25)).item() == pytest.approx(-1.25)
