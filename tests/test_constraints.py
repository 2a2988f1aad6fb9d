"""``distributions.constraints``, each distribution's ``support``, ``arg_constraints``,
``has_rsample`` and ``has_enumerate_support``: checks of known values, and the printed sets and
the checks of draws against PyTorch 2.13's where it is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import constraints as C


def test_checks_of_known_values():
    x = mt.tensor([-1.0, 0.0, 0.5, 1.0, 2.0, math.nan])
    assert C.real.check(x).tolist() == [True] * 5 + [False]
    assert C.positive.check(x).tolist() == [False, False, True, True, True, False]
    assert C.nonnegative.check(x).tolist() == [False, True, True, True, True, False]
    assert C.unit_interval.check(x).tolist() == [False, True, True, True, False, False]
    assert C.half_open_interval(0.0, 1.0).check(x).tolist() == [False, True, True, False, False, False]
    assert C.less_than(1.0).check(x).tolist() == [True, True, True, False, False, False]
    assert C.boolean.check(x).tolist() == [False, True, False, True, False, False]
    assert C.nonnegative_integer.check(x).tolist() == [False, True, False, True, True, False]
    assert C.integer_interval(0, 1).check(x).tolist() == [False, True, False, True, False, False]
    rows = mt.tensor([[0.2, 0.8], [0.5, 0.6], [-0.1, 1.1]])
    assert C.simplex.check(rows).tolist() == [True, False, False]  # (one value per row: event_dim 1)
    assert C.independent(C.positive, 1).check(rows).tolist() == [True, True, False]
    assert C.real_vector.event_dim == 1 and C.independent(C.simplex, 1).check(rows).tolist() is False
    assert C.one_hot.check(mt.tensor([[0.0, 1.0], [1.0, 1.0]])).tolist() == [True, False]
    matrices = mt.tensor([[[2.0, 0.0], [1.0, 3.0]], [[2.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, 1.0]]])
    assert C.lower_cholesky.check(matrices).tolist() == [True, False, False]
    assert C.symmetric.check(matrices).tolist() == [False, True, True]
    assert C.positive_definite.check(matrices).tolist() == [False, True, False]  # (eigenvalues 3 and -1)
    assert C.positive_semidefinite.check(matrices[1:]).tolist() == [True, False]


def test_printed_forms_dependent_sets_and_bad_arguments():
    assert repr(C.positive) == "GreaterThan(lower_bound=0.0)" and repr(C.simplex) == "Simplex()"
    assert repr(C.independent(C.real, 1)) == "IndependentConstraint(Real(), 1)"
    assert repr(C.interval(-1.0, 1.0)) == "Interval(lower_bound=-1.0, upper_bound=1.0)"
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    assert C.positive_integer.is_discrete and not C.real.is_discrete and C.lower_cholesky.event_dim == 2
    with pytest.raises(ValueError, match="other parameters"):
        C.dependent.check(mt.tensor(1.0))
    with pytest.raises(TypeError, match="Constraint"):
        C.independent("positive", 1)
    with pytest.raises(ValueError, match="non-negative integer"):
        C.independent(C.real, -1)


def test_distributions_name_their_sets():
    D = mt.distributions
    uniform = D.Uniform(mt.tensor(0.0), mt.tensor(2.0))
    assert uniform.support.check(mt.tensor([-0.5, 1.0, 2.5])).tolist() == [False, True, False]
    assert repr(uniform.arg_constraints["low"]) == "LessThan(upper_bound=2.0)"
    assert D.Categorical(probs=mt.tensor([0.2, 0.3, 0.5])).support.upper_bound == 2
    assert D.Gamma(2.0, 1.0).has_rsample and not D.Poisson(1.0).has_rsample
    assert D.Bernoulli(0.3).has_enumerate_support and D.Independent(D.Normal(mt.zeros(2), 1.0), 1).has_rsample
    squashed = D.TransformedDistribution(D.Normal(mt.zeros(3), 1.0), [D.transforms.TanhTransform()])
    assert repr(squashed.support) == "Interval(lower_bound=-1.0, upper_bound=1.0)"
    with pytest.raises(NotImplementedError, match="support"):
        D.Distribution().support  # noqa: B018 - the property raises


def _family(lib):
    d, t = lib.distributions, (lambda v: lib.tensor(v, dtype=lib.float64))
    return {
        "Normal": d.Normal(t([0.0, 1.0]), t([1.0, 2.0])),
        "Uniform": d.Uniform(t(0.0), t(2.0)),
        "Categorical": d.Categorical(probs=t([0.2, 0.8])),
        "Binomial": d.Binomial(5, probs=t([0.3])),
        "Pareto": d.Pareto(t(1.5), t(2.0)),
        "Independent": d.Independent(d.Normal(t([0.0, 1.0]), t(1.0)), 1),
        "Dirichlet": d.Dirichlet(t([1.0, 2.0])),
        "Beta": d.Beta(t(1.0), t(2.0)),
        "Gamma": d.Gamma(t(2.0), t(1.0)),
        "Bernoulli": d.Bernoulli(t(0.3)),
        "OneHotCategorical": d.OneHotCategorical(t([0.5, 0.5])),
        "Multinomial": d.Multinomial(4, t([0.5, 0.5])),
        "MultivariateNormal": d.MultivariateNormal(t([0.0, 0.0]), t([[1.0, 0.0], [0.0, 1.0]])),
        "LowRankMultivariateNormal": d.LowRankMultivariateNormal(t([0.0, 0.0]), t([[1.0], [0.5]]), t([1.0, 1.0])),
        "TransformedDistribution": d.TransformedDistribution(d.Normal(t(0.0), t(1.0)), [d.transforms.ExpTransform()]),
        "RelaxedBernoulli": d.RelaxedBernoulli(t(0.5), probs=t(0.3)),
        "RelaxedOneHotCategorical": d.RelaxedOneHotCategorical(t(0.5), probs=t([0.3, 0.7])),
        "ContinuousBernoulli": d.ContinuousBernoulli(t(0.3)),
        "Chi2": d.Chi2(t(3.0)),
        "StudentT": d.StudentT(t(3.0)),
        "Weibull": d.Weibull(t(1.0), t(2.0)),
        "Gumbel": d.Gumbel(t(0.0), t(1.0)),
        "Cauchy": d.Cauchy(t(0.0), t(1.0)),
        "HalfNormal": d.HalfNormal(t(1.0)),
        "HalfCauchy": d.HalfCauchy(t(1.0)),
        "Poisson": d.Poisson(t(2.0)),
        "Geometric": d.Geometric(t(0.3)),
        "Laplace": d.Laplace(t(0.0), t(1.0)),
        "Exponential": d.Exponential(t(1.0)),
        "LogNormal": d.LogNormal(t(0.0), t(1.0)),
        "VonMises": d.VonMises(t(0.0), t(1.0)),
    }


@pytest.mark.parametrize("name", list(_family(mt)))
def test_sets_and_checks_agree_with_pytorch(name):
    torch = pytest.importorskip("torch")
    theirs, ours = _family(torch)[name], _family(mt)[name]
    if name != "Binomial":  # (PyTorch prints its total_count as a tensor)
        assert repr(ours.support) == repr(theirs.support)
    assert {k: repr(v) for k, v in ours.arg_constraints.items()} == {
        k: repr(v) for k, v in theirs.arg_constraints.items()
    }
    assert (ours.has_rsample, ours.has_enumerate_support) == (theirs.has_rsample, theirs.has_enumerate_support)
    torch.manual_seed(0)
    draws = theirs.sample((4,))
    values = torch.cat([draws, draws + 0.5, -draws, draws * float("nan")])
    expected = theirs.support.check(values).numpy()
    np.testing.assert_array_equal(ours.support.check(mt.tensor(values.numpy())).numpy(), expected)


def _finite(lib):
    d, t = lib.distributions, (lambda v: lib.tensor(v, dtype=lib.float64))
    return [
        d.Categorical(t([[0.2, 0.8], [0.5, 0.5], [0.1, 0.9]])),
        d.Bernoulli(t([0.2, 0.3])),
        d.OneHotCategorical(t([[0.2, 0.3, 0.5]])),
        d.Binomial(3, t([0.2, 0.4])),
    ]


def test_enumerated_supports_carry_all_the_probability():
    for d in _finite(mt):
        values = d.enumerate_support()
        np.testing.assert_allclose(d.log_prob(values).exp().sum(0).numpy(), 1.0, rtol=1e-12)
        assert d.enumerate_support(expand=False).shape[1 : 1 + len(d.batch_shape)] == (1,) * len(d.batch_shape)
    with pytest.raises(NotImplementedError, match="one total_count"):
        mt.distributions.Binomial(mt.tensor([2.0, 3.0]), probs=0.5).enumerate_support()
    with pytest.raises(NotImplementedError, match="enumerate_support"):
        mt.distributions.Normal(0.0, 1.0).enumerate_support()
    assert mt.distributions.Normal(0.0, 1.0).perplexity().item() == pytest.approx(math.sqrt(2 * math.pi * math.e))


def test_enumerated_supports_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_finite(mt), _finite(torch)):
        for expand in (True, False):
            a, b = ours.enumerate_support(expand), theirs.enumerate_support(expand)
            assert a.dtype.name == str(b.dtype).split(".")[-1]
            np.testing.assert_array_equal(a.numpy(), b.numpy())


BIJECTIONS = [
    ("real", ()),
    ("positive", ()),
    ("nonnegative", ()),
    ("greater_than", (2.0,)),
    ("greater_than_eq", (1.0,)),
    ("less_than", (1.0,)),
    ("interval", (-1.0, 3.0)),
    ("half_open_interval", (0.0, 2.0)),
    ("unit_interval", ()),
]


def _set(lib, name, args):
    made = getattr(lib.distributions.constraints, name)
    return made(*args) if args else made


@pytest.mark.parametrize(("name", "args"), BIJECTIONS)
def test_biject_to_lands_in_the_set_inverts_and_has_its_jacobian(name, args):
    c = _set(mt, name, args)
    t = mt.distributions.biject_to(c)
    x = mt.tensor(np.linspace(-3, 3, 7), dtype=mt.float64)
    y = t(x)
    assert C.real.check(y).all().item() and c.check(y).all().item()
    np.testing.assert_allclose(t.inv(y).numpy(), x.numpy(), atol=1e-12)
    h = 1e-6
    slope = (t(x + h) - t(x - h)).numpy() / (2 * h)
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y).numpy(), np.log(np.abs(slope)), atol=1e-8)
    assert repr(mt.distributions.transform_to(c)) == repr(t)


def test_biject_to_in_a_transformed_distribution_and_refusals():
    D = mt.distributions
    positive = D.TransformedDistribution(D.Normal(mt.tensor(0.0, dtype=mt.float64), 1.0), [D.biject_to(C.positive)])
    x = mt.tensor([0.3, 1.0, 4.0], dtype=mt.float64)
    np.testing.assert_allclose(positive.log_prob(x).numpy(), D.LogNormal(0.0, 1.0).log_prob(x).numpy(), rtol=1e-12)
    for refused in (C.lower_cholesky, C.positive_definite):
        with pytest.raises(NotImplementedError, match="no bijection onto"):
            D.biject_to(refused)
    # a transform of vectors reads the base's last axis as its event (refused until 2026-12-05)
    onto_simplex = D.TransformedDistribution(D.Normal(mt.zeros(3, dtype=mt.float64), 1.0), [D.biject_to(C.simplex)])
    assert (onto_simplex.batch_shape, onto_simplex.event_shape) == ((), (4,))
    y = mt.tensor([0.1, 0.2, 0.3, 0.4], dtype=mt.float64)
    expected = D.LogisticNormal(mt.zeros(3, dtype=mt.float64), 1.0).log_prob(y).item()
    assert onto_simplex.log_prob(y).item() == pytest.approx(expected, rel=1e-12)
    with pytest.raises(NotImplementedError, match="other parameters"):
        D.transform_to(C.dependent)


@pytest.mark.parametrize(("name", "args"), BIJECTIONS)
def test_biject_to_agrees_with_pytorch(name, args):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        t = lib.distributions.biject_to(_set(lib, name, args))
        x = lib.tensor(np.linspace(-3, 3, 7), requires_grad=True)
        y = t(x)
        jacobian = t.log_abs_det_jacobian(x, y)
        (g,) = lib.autograd.grad(y.sum() + jacobian.sum(), x)
        results.append([y.detach().numpy(), jacobian.detach().numpy(), g.numpy(), t.inv(y.detach()).numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_the_simplex_maps_land_on_it_and_stick_breaking_has_its_jacobian():
    D = mt.distributions
    x = mt.tensor(np.random.default_rng(4).normal(size=(3, 4)) * 2)
    stick, soft = D.biject_to(C.simplex), D.transform_to(C.simplex)
    for t in (stick, soft):
        assert C.simplex.check(t(x)).all().item() and t.event_dim == 1
    np.testing.assert_allclose(stick.inv(stick(x)).numpy(), x.numpy(), atol=1e-12)
    np.testing.assert_allclose(soft(soft.inv(soft(x))).numpy(), soft(x).numpy(), atol=1e-15)
    middle = stick(mt.zeros(3, dtype=mt.float64)).numpy()  # (x = 0: the middle of the simplex)
    np.testing.assert_allclose(middle, [0.25] * 4, rtol=1e-15)
    row, h = x.numpy()[0], 1e-6
    columns = [
        (stick(mt.tensor(row + h * e)) - stick(mt.tensor(row - h * e))).numpy()[:-1] / (2 * h) for e in np.eye(4)
    ]
    log_det = np.log(abs(np.linalg.det(np.stack(columns, 1))))
    assert stick.log_abs_det_jacobian(x[0], stick(x[0])).item() == pytest.approx(log_det, abs=1e-8)
    with pytest.raises(NotImplementedError, match="not a bijection"):
        soft.log_abs_det_jacobian(x, soft(x))


def test_the_simplex_maps_agree_with_pytorch_to_second_derivatives():
    torch = pytest.importorskip("torch")
    x0 = np.random.default_rng(5).normal(size=(3, 4)) * 2
    results = []
    for lib in (mt, torch):
        simplex = lib.distributions.constraints.simplex
        stick, soft = lib.distributions.biject_to(simplex), lib.distributions.transform_to(simplex)
        x = lib.tensor(x0, requires_grad=True)
        y = stick(x)
        jacobian = stick.log_abs_det_jacobian(x, y)
        (g,) = lib.autograd.grad(y.pow(2).sum() + jacobian.sum() + soft(x).pow(3).sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(g.pow(2).sum(), x)
        values = [y, jacobian, g, second, stick.inv(y.detach()), soft(x), soft.inv(soft(x).detach())]
        results.append([v.detach().numpy() for v in values])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13)


def _matrix_maps(lib, x0):
    sets = lib.distributions.constraints
    out = []
    for c in (sets.lower_cholesky, sets.positive_definite):
        t = lib.distributions.transform_to(c)
        x = lib.tensor(x0, requires_grad=True)
        y = t(x)
        (g,) = lib.autograd.grad(y.pow(2).sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(g.pow(2).sum(), x)
        assert c.check(y).all().item() and t.event_dim == 2
        np.testing.assert_allclose(t.inv(y.detach()).numpy(), np.tril(x0), atol=1e-12)  # (the upper part is lost)
        out += [y.detach().numpy(), g.detach().numpy(), second.numpy()]
    return out


def test_transform_to_matrices_agrees_with_pytorch_to_second_derivatives():
    x0 = np.random.default_rng(6).normal(size=(2, 3, 3))
    ours = _matrix_maps(mt, x0)
    with pytest.raises(NotImplementedError, match="log"):
        mt.distributions.transform_to(C.lower_cholesky).log_abs_det_jacobian(mt.tensor(x0), mt.tensor(x0))
    torch = pytest.importorskip("torch")
    for a, b in zip(ours, _matrix_maps(torch, x0)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
