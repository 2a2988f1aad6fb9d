"""``CorrCholeskyTransform``, ``IndependentTransform`` and ``CumulativeDistributionTransform``, and
``biject_to`` / ``transform_to`` onto ``corr_cholesky`` and ``independent`` sets: values in the set,
round trips, log |det J| against central differences, closed forms; and every number against
PyTorch 2.13 where it is installed."""

from __future__ import annotations

import numpy as np
import pytest
from torch_compare import assert_same_numbers

import mytorch as mt
from mytorch.distributions import LKJCholesky, Normal, TransformedDistribution, biject_to, constraints, transform_to
from mytorch.distributions.transforms import (
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    ExpTransform,
    IndependentTransform,
)

X = np.linspace(-2.0, 2.0, 12).reshape(2, 6)


def test_corr_cholesky_transform_lands_in_the_set_inverts_and_has_its_jacobian():
    t = CorrCholeskyTransform()
    x = mt.tensor(X)
    y = t(x)
    assert y.shape == (2, 4, 4) and constraints.corr_cholesky.check(y).numpy().all()
    np.testing.assert_allclose(t.inv(y).numpy(), X, rtol=1e-10)
    rows, columns = np.tril_indices(4, -1)
    h = 1e-6
    for b in range(2):
        jacobian = np.empty((6, 6))
        for j in range(6):
            up, down = X[b].copy(), X[b].copy()
            up[j] += h
            down[j] -= h
            jacobian[:, j] = (t(mt.tensor(up)).numpy() - t(mt.tensor(down)).numpy())[rows, columns] / (2 * h)
        expected = np.linalg.slogdet(jacobian)[1]
        assert t.log_abs_det_jacobian(x, y).numpy()[b] == pytest.approx(expected, rel=1e-7)
    assert t.forward_shape((5, 10)) == (5, 5, 5) and t.inverse_shape((3, 3)) == (3,)
    with pytest.raises(ValueError, match="not D \\(D - 1\\) / 2"):
        t(mt.zeros(4))
    assert repr(biject_to(constraints.corr_cholesky)) == repr(transform_to(constraints.corr_cholesky)) == repr(t)


def test_an_unconstrained_lkj_parameterisation():
    # y = t(x) of a standard normal x is a TransformedDistribution over the factors; its density
    # is the normal's less log |det J|, and LKJCholesky's log_prob of the same factor is finite
    d = TransformedDistribution(Normal(mt.zeros(3, dtype=mt.float64), 1.0), CorrCholeskyTransform())
    assert (d.batch_shape, d.event_shape, repr(d.support)) == ((), (3, 3), "CorrCholesky()")
    x = mt.tensor([0.3, -0.7, 1.1], dtype=mt.float64)
    t = CorrCholeskyTransform()
    y = t(x)
    expected = Normal(0.0, 1.0).log_prob(x.float()).sum().item() - t.log_abs_det_jacobian(x, y).item()
    assert d.log_prob(y).item() == pytest.approx(expected, rel=1e-6)
    assert np.isfinite(LKJCholesky(3, 2.0).log_prob(y).item())


def test_independent_and_cumulative_distribution_transforms():
    x = mt.tensor(X)
    t = IndependentTransform(ExpTransform(), 1)
    np.testing.assert_allclose(t(x).numpy(), np.exp(X), rtol=1e-15)
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, t(x)).numpy(), X.sum(-1), rtol=1e-12)
    assert t.event_dim == 1 and repr(t) == "IndependentTransform(ExpTransform(), 1)"
    onto = biject_to(constraints.independent(constraints.positive, 1))
    assert (
        isinstance(onto, IndependentTransform)
        and constraints.independent(constraints.positive, 1).check(onto(x)).numpy().all()
    )
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims must be >= 0"):
        IndependentTransform(ExpTransform(), -1)
    # a normal pushed through its own cdf is uniform on (0, 1): log density 0
    normal = Normal(mt.tensor(0.3, dtype=mt.float64), 2.0)
    cdf = CumulativeDistributionTransform(normal)
    uniform = TransformedDistribution(normal, cdf)
    u = mt.tensor([0.05, 0.5, 0.9], dtype=mt.float64)
    np.testing.assert_allclose(uniform.log_prob(u).numpy(), 0.0, atol=1e-12)
    np.testing.assert_allclose(cdf(cdf.inv(u)).numpy(), u.numpy(), rtol=1e-12)
    assert repr(cdf.domain) == "Real()" and repr(cdf.codomain) == "Interval(lower_bound=0.0, upper_bound=1.0)"
    with pytest.raises(TypeError, match="expected a Distribution"):
        CumulativeDistributionTransform("normal")
    with pytest.raises(NotImplementedError, match="Beta does not define cdf"):  # (a family without one)
        CumulativeDistributionTransform(mt.distributions.Beta(1.0, 1.0))(mt.tensor(0.5))


def _numbers(lib):
    D = lib.distributions
    T = D.transforms
    x = lib.tensor(X, requires_grad=True)
    corr = T.CorrCholeskyTransform()
    independent = T.IndependentTransform(T.ExpTransform(), 1)
    cdf = T.CumulativeDistributionTransform(D.Normal(lib.tensor(0.3, dtype=lib.float64), 2.0))
    out = []
    for t in (corr, independent, cdf):
        y = t(x)
        out += [y, t.inv(y), t.log_abs_det_jacobian(x, y)]
    d = D.TransformedDistribution(D.Normal(lib.zeros(2, 6, dtype=lib.float64), 1.0), corr)
    out.append(d.log_prob(corr(x).detach()))
    (grad,) = lib.autograd.grad(sum((o * (i + 1)).sum() for i, o in enumerate(out)), [x])
    names = [repr(t) for t in (corr, independent, cdf)]
    for c in (
        D.constraints.corr_cholesky,
        D.constraints.real_vector,
        D.constraints.independent(D.constraints.simplex, 1),
    ):
        names += [repr(D.biject_to(c)), repr(D.transform_to(c))]
    names += [repr(tuple(d.batch_shape)), repr(tuple(d.event_shape))]
    return [o.detach().numpy() for o in out] + [grad.numpy()], names


def test_numbers_match_pytorchs():
    assert_same_numbers(pytest.importorskip("torch"), _numbers, rtol=1e-12, atol=1e-14)
